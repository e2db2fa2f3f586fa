"""A community's real-world-style sheet, wide layout, as the bytes a spreadsheet program saves.

UTF-8 with a byte-order mark, Windows line ends, a header with a trailing space and an unknown
column, profile links beside @handles, blank rows, a duplicated row, a handle someone else already
gave, invalid handles, a bad Discord id, a formula-looking name and handle, Chinese names keyed by
name alone, and cells with trailing spaces.
"""

ALICE = (
    "Alice Wong,111111111111111111,https://www.xiaohongshu.com/user/profile/5e8f1a2b3c4d5e6f7a8b9c0d,"
    "@alice.bakes,https://bsky.app/profile/alice.bsky.social,,moved early"
)
ROWS = [
    "Name ,Discord ID,RedNote,Lemon8 handle,Bluesky,Instagram,Notes",
    ALICE,
    "",
    "李小明 ,,95123456,,@xiaoming.bsky.social,https://www.instagram.com/xiao.ming/,",
    ALICE,
    "Bob,222222222222222222,,bad handle!,bob.bsky.social ,@bob_insta  ,",
    '"=HYPERLINK(""https://evil.example"",""click"")",333333333333333333,,,@carol.bsky.social,,',
    ",,,,,,",
    "Dave,,,dave.cooks,,,",
    "Eve,444444444444444444,,,alice.bsky.social,,",
    "Frank,12345,,,frank.bsky.social,,",
    "王芳,,,,,=SUM(A1:A2),",
    "Grace,,,,,,still deciding",
]
SHEET = ("\ufeff" + "\r\n".join(ROWS) + "\r\n").encode("utf-8")
