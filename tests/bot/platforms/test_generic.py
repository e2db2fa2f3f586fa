"""Handles on the spec-driven platforms: X, Instagram, TikTok, Threads, Lemon8, Facebook, Twitch."""

from __future__ import annotations

import pytest

from bot.platforms import Reason
from tests.bot.platforms.helpers import accepts, rejects

ACCEPTED = [
    # (platform, typed or pasted, canonical handle, profile link)
    ("x", "jack", "jack", "https://x.com/jack"),
    ("x", "@Jack", "jack", "https://x.com/jack"),
    ("x", "  @jack\n", "jack", "https://x.com/jack"),
    ("x", "j", "j", "https://x.com/j"),
    ("x", "@abcdefghij_1234", "abcdefghij_1234", "https://x.com/abcdefghij_1234"),
    ("x", "https://x.com/Jack?s=20&t=abc", "jack", "https://x.com/jack"),
    ("x", "https://twitter.com/jack/", "jack", "https://x.com/jack"),
    ("x", "http://mobile.twitter.com/jack#top", "jack", "https://x.com/jack"),
    ("x", "www.x.com/jack", "jack", "https://x.com/jack"),
    ("x", "x.com/jack", "jack", "https://x.com/jack"),
    ("x", "HTTPS://X.COM/Jack", "jack", "https://x.com/jack"),
    ("x", "＠ｊａｃｋ", "jack", "https://x.com/jack"),  # fullwidth from a CJK keyboard
    ("x", "\u3000jack\u3000", "jack", "https://x.com/jack"),  # ideographic spaces
    ("instagram", "Sunny.Days_", "sunny.days_", "https://www.instagram.com/sunny.days_/"),
    ("instagram", "https://www.instagram.com/sunny.days_/?igsh=MXh2", "sunny.days_", "https://www.instagram.com/sunny.days_/"),
    ("instagram", "instagram.com/sunny.days_", "sunny.days_", "https://www.instagram.com/sunny.days_/"),
    ("instagram", "a" * 30, "a" * 30, f"https://www.instagram.com/{'a' * 30}/"),
    ("instagram", "a", "a", "https://www.instagram.com/a/"),
    ("tiktok", "https://www.tiktok.com/@Dance.With.Mei?lang=en", "dance.with.mei", "https://www.tiktok.com/@dance.with.mei"),
    ("tiktok", "@ab", "ab", "https://www.tiktok.com/@ab"),
    ("tiktok", "ｐａｙｐａｌ", "paypal", "https://www.tiktok.com/@paypal"),
    ("threads", "https://www.threads.net/@sunny.days_", "sunny.days_", "https://www.threads.com/@sunny.days_"),
    ("threads", "threads.com/@Sunny.Days_/", "sunny.days_", "https://www.threads.com/@sunny.days_"),
    ("lemon8", "https://www.lemon8-app.com/@sunny.bakes?region=us", "sunny.bakes", "https://www.lemon8-app.com/@sunny.bakes"),
    ("lemon8", "@Sunny.Bakes", "sunny.bakes", "https://www.lemon8-app.com/@sunny.bakes"),
    ("facebook", "https://m.facebook.com/Sunny.Bakes.NYC", "sunny.bakes.nyc", "https://www.facebook.com/sunny.bakes.nyc"),
    ("facebook", "100012345678901", "100012345678901", "https://www.facebook.com/100012345678901"),
    ("twitch", "twitch.tv/Cozy_Streams", "cozy_streams", "https://www.twitch.tv/cozy_streams"),
    ("twitch", "abcd", "abcd", "https://www.twitch.tv/abcd"),
]  # fmt: skip


@pytest.mark.parametrize(("key", "raw", "handle", "url"), ACCEPTED)
def test_accepted_forms_give_the_canonical_handle_and_link(key: str, raw: str, handle: str, url: str) -> None:
    accepts(key, raw, handle, url)


REJECTED = [
    # Lengths: 0, max + 1, the early cap, 10,000
    ("x", "", Reason.EMPTY),
    ("x", "   \t ", Reason.EMPTY),
    ("x", "@", Reason.EMPTY),
    ("x", "a" * 16, Reason.TOO_LONG),
    ("instagram", "a" * 31, Reason.TOO_LONG),
    ("tiktok", "a" * 25, Reason.TOO_LONG),
    ("twitch", "a" * 26, Reason.TOO_LONG),
    ("x", "a" * 513, Reason.TOO_LONG),
    ("x", "a" * 10_000, Reason.TOO_LONG),
    ("tiktok", "a", Reason.INVALID_FORMAT),  # TikTok needs 2
    ("twitch", "abc", Reason.INVALID_FORMAT),  # Twitch needs 4
    ("facebook", "abcd", Reason.INVALID_FORMAT),  # Facebook needs 5
    # Shapes
    ("instagram", ".sunny", Reason.INVALID_FORMAT),
    ("instagram", "sunny.", Reason.INVALID_FORMAT),
    ("instagram", "sun..ny", Reason.INVALID_FORMAT),
    ("tiktok", "dance.", Reason.INVALID_FORMAT),
    ("twitch", "_cozy", Reason.INVALID_FORMAT),
    ("x", "jack-dorsey", Reason.INVALID_FORMAT),
    ("x", "@@jack", Reason.INVALID_FORMAT),
    # Injection-looking text is just not a handle
    ("x", "' OR 1=1 --", Reason.CONTAINS_WHITESPACE),
    ("instagram", '"; DROP TABLE entries; --', Reason.CONTAINS_WHITESPACE),
    ("x", "'OR'1'='1", Reason.INVALID_FORMAT),
    ("x", "jack;--", Reason.INVALID_FORMAT),
    ("x", "%", Reason.INVALID_FORMAT),
    ("instagram", "_%_", Reason.INVALID_FORMAT),
    ("x", "<@1234567890>", Reason.INVALID_FORMAT),
    ("x", "<@&1234567890>", Reason.INVALID_FORMAT),
    ("x", "<#1234567890>", Reason.INVALID_FORMAT),
    ("x", "<@123456789012345678>", Reason.TOO_LONG),  # length is checked before shape
    ("x", "@\u200beveryone", Reason.INVISIBLE_CHARACTER),
    ("x", "**bold**", Reason.INVALID_FORMAT),
    ("x", "[a](http://e.x)", Reason.INVALID_FORMAT),
    ("facebook", "[bsky.app/profile/x](https://evil.example)", Reason.INVALID_FORMAT),
    # Reserved site paths, typed or linked
    ("x", "home", Reason.RESERVED_NAME),
    ("x", "Explore", Reason.RESERVED_NAME),
    ("instagram", "explore", Reason.RESERVED_NAME),
    ("x", "x.com/home", Reason.NOT_PROFILE_URL),
    ("x", "https://x.com/i/flow/login", Reason.NOT_PROFILE_URL),
    ("x", "https://x.com/jack/status/1234567890", Reason.NOT_PROFILE_URL),
    ("x", "https://x.com/search?q=ferry", Reason.NOT_PROFILE_URL),
    ("x", "https://x.com/", Reason.NOT_PROFILE_URL),
    ("instagram", "instagram.com/p/xyz", Reason.NOT_PROFILE_URL),
    ("instagram", "https://www.instagram.com/reel/C1abc/", Reason.NOT_PROFILE_URL),
    ("instagram", "https://www.instagram.com/explore/", Reason.NOT_PROFILE_URL),
    ("instagram", "https://www.instagram.com/stories/sunny/123/", Reason.NOT_PROFILE_URL),
    ("instagram", "instagram.com", Reason.NOT_PROFILE_URL),
    ("tiktok", "https://www.tiktok.com/@dance.with.mei/video/7312345678901234567", Reason.NOT_PROFILE_URL),
    ("tiktok", "https://www.tiktok.com/dance.with.mei", Reason.NOT_PROFILE_URL),
    ("lemon8", "https://www.lemon8-app.com/@sunny.bakes/7312345678901234567", Reason.NOT_PROFILE_URL),
    ("facebook", "facebook.com/profile.php?id=4", Reason.NOT_PROFILE_URL),
    ("twitch", "https://www.twitch.tv/directory", Reason.NOT_PROFILE_URL),
    # Links elsewhere, or links that are not what they seem
    ("x", "https://instagram.com/jack", Reason.UNSUPPORTED_HOST),
    ("x", "https://x.com.evil.example/jack", Reason.UNSUPPORTED_HOST),
    ("x", "https://evilx.com/jack", Reason.UNSUPPORTED_HOST),
    ("x", "https://x.com@evil.example/jack", Reason.BAD_URL),
    ("x", "https://bsky.app@evil.com/", Reason.BAD_URL),
    ("x", "https://user:pw@x.com/jack", Reason.BAD_URL),
    ("x", "https://[x.com/jack", Reason.BAD_URL),
    ("x", "https://x.com/%ff", Reason.BAD_URL),
    ("x", "https://x.com:8443/jack", Reason.PORT_NOT_ALLOWED),
    ("x", "x.com:8443/jack", Reason.PORT_NOT_ALLOWED),
    ("x", "https://x.com/%00jack", Reason.CONTROL_CHARACTER),
    ("x", "https://x.com/%E2%80%AEjack", Reason.INVISIBLE_CHARACTER),
    # Schemes
    ("x", "javascript:alert(1)", Reason.UNSUPPORTED_SCHEME),
    ("x", "JavaScript:alert(1)", Reason.UNSUPPORTED_SCHEME),
    ("x", "data:text/html,<script>alert(1)</script>", Reason.UNSUPPORTED_SCHEME),
    ("x", "file:///etc/passwd", Reason.UNSUPPORTED_SCHEME),
    ("x", "ftp://x.com/jack", Reason.UNSUPPORTED_SCHEME),
    ("x", "://x.com/jack", Reason.UNSUPPORTED_SCHEME),
    ("x", "//x.com/jack", Reason.UNSUPPORTED_SCHEME),
    # Short links are never followed
    ("tiktok", "https://vt.tiktok.com/ZS8abc/", Reason.SHORT_LINK),
    ("tiktok", "vm.tiktok.com/ZS8abc", Reason.SHORT_LINK),
    ("lemon8", "https://s.lemon8-app.com/al/AbCdEf", Reason.SHORT_LINK),
    ("lemon8", "https://v.lemon8-app.com/al/AbCdEf", Reason.SHORT_LINK),
    ("x", "https://t.co/abc123", Reason.SHORT_LINK),
    # Homoglyphs and scripts on ASCII-only platforms
    ("instagram", "p\u0430ypal", Reason.MIXED_SCRIPT),  # Cyrillic a among Latin
    ("x", "\u0440\u0430\u0443\u0440\u0430l", Reason.MIXED_SCRIPT),  # Cyrillic with one Latin l
    ("instagram", "\u0440\u0430\u0443\u0440\u0430", Reason.CONFUSABLE),  # all Cyrillic, reads "paypa"
    ("x", "\U0001d429\U0001d41a\U0001d432", Reason.CONFUSABLE),  # mathematical bold "pay"
    ("x", "paypa\u2160", Reason.CONFUSABLE),  # Roman numeral one
    ("instagram", "jos\u00e9", Reason.NOT_ASCII),
    ("x", "\u30c6\u30b9\u30c8", Reason.NOT_ASCII),
    ("x", "\u0436\u0436\u0436", Reason.NOT_ASCII),
]


@pytest.mark.parametrize(("key", "raw", "reason"), REJECTED)
def test_rejections_carry_a_specific_reason(key: str, raw: str, reason: Reason) -> None:
    rejects(key, raw, reason)


def test_case_and_width_variants_share_a_key() -> None:
    first = accepts("instagram", "Sunny.Days_", "sunny.days_", "https://www.instagram.com/sunny.days_/")
    second = accepts(
        "instagram", "ｓｕｎｎｙ．ｄａｙｓ＿", "sunny.days_", "https://www.instagram.com/sunny.days_/"
    )
    assert first == second
    assert first.key == "sunny.days_"
