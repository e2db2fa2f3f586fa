"""``visibility`` and ``mydata`` through the real services, on the console and as a public Bluesky post."""

import pytest
from sqlalchemy import insert

from bot.models import Identity, IdentityKind, Source, Verification, Visibility
from bot.services.directory import DirectoryService
from bot.services.moderation import ModerationService
from bot.storage.repository import Repository
from bot.storage.tables import member_identities
from bot.text.handler import TextCommands, TextContext
from bot.text.render import width

RED_ID = "5e8f1a2b3c4d5e6f7a8b9c0d"
PUBLIC = frozenset({Visibility.PUBLIC})
LEGEND = "✓ proven on Bluesky · ✓✓ admin-verified · no mark: self-reported"


def console(name: str = "alice", **kw: object) -> TextContext:
    kw.setdefault("visibilities", frozenset(Visibility))
    kw.setdefault("budget", 4000)
    return TextContext(
        community="demo",
        identity=Identity(IdentityKind.CONSOLE, name),
        display_name=name,
        source=Source.CONSOLE,
        **kw,  # type: ignore[arg-type]
    )


def bluesky(did: str = "did:plc:alice", **kw: object) -> TextContext:
    return TextContext(
        community=str(kw.pop("community", "demo")),
        identity=Identity(IdentityKind.BLUESKY, did),
        display_name="Alice",
        source=Source.BLUESKY,
        handle="alice.test",
        visibilities=PUBLIC,
        **kw,  # type: ignore[arg-type]
    )


@pytest.fixture
def commands(service: DirectoryService, moderation: ModerationService) -> TextCommands:
    return TextCommands(service, moderation)


async def test_visibility_of_one_platform_moves_it_in_and_out_of_public_answers(
    commands: TextCommands,
) -> None:
    me = console()
    await commands.answer("add lemon8 cook", me)  # the demo community defaults to community-only
    await commands.answer(f"add rednote {RED_ID}", me)
    outsider = console("bob", visibilities=PUBLIC)
    assert "Nobody is in the directory yet" in await commands.answer("directory", outsider)

    answer = await commands.answer("visibility lemon8 public", me)
    assert answer.startswith("Done, now public: Lemon8. Anyone may see it")
    public = await commands.answer("directory", outsider)
    assert "cook" in public and RED_ID not in public

    assert await commands.answer("vis lemon8 public", me) == "Already public: Lemon8. Nothing changed."
    answer = await commands.answer("privacy lemon8 community", me)
    assert answer.startswith("Done, now community-only: Lemon8. Only members inside Demo Community's own")
    assert "Nobody is in the directory yet" in await commands.answer("directory", outsider)


async def test_visibility_of_all_names_only_what_changed(commands: TextCommands) -> None:
    me = console()
    await commands.answer("add lemon8 cook", me)
    await commands.answer(f"add rednote {RED_ID}", me)
    await commands.answer("visibility rednote public", me)
    answer = await commands.answer("visibility all public", me)
    assert answer.startswith("Done, now public: Lemon8. ")
    answer = await commands.answer("visibility community", me)  # no platform: all of them
    assert answer.startswith("Done, now community-only: Lemon8, RedNote (Xiaohongshu).")
    assert "Nobody" in await commands.answer("directory", console("bob", visibilities=PUBLIC))


async def test_visibility_errors_are_specific(commands: TextCommands) -> None:
    me = console()
    assert "Ferry keeps nothing about you" in await commands.answer("visibility all public", me)
    await commands.answer("add lemon8 cook", me)
    assert await commands.answer("visibility rednote public", me) == (
        "You have no RedNote (Xiaohongshu) handle here."
    )
    assert "I don't know the platform “myspace”" in await commands.answer("visibility myspace public", me)
    assert (await commands.answer("add tiktok tom", me)).startswith(
        "TikTok is not enabled in this community. Platforms here: rednote,"
    )
    bad = await commands.answer("visibility lemon8 secret", me)
    assert bad.startswith("Say public or community. Usage: visibility <platform|all> public|community")


async def test_visibility_answer_on_bluesky_never_repeats_the_handle(commands: TextCommands) -> None:
    ctx = bluesky()
    await commands.answer("join", ctx)
    await commands.answer("visibility bluesky public", ctx)
    answer = await commands.answer("visibility bluesky community", ctx)
    assert answer.startswith("Done, now community-only: Bluesky.")
    assert "alice.test" not in answer
    assert width(answer) <= 300
    zh = await commands.answer("可见性 bluesky 公开", bluesky(locale="zh-hans"))
    assert zh.startswith("完成，已公开：Bluesky。")


async def test_mydata_on_the_console_shows_everything(
    commands: TextCommands, moderation: ModerationService
) -> None:
    me = console()
    await commands.answer("add lemon8 cook", me)
    await commands.answer(f"add rednote {RED_ID}", me)
    await commands.answer("visibility rednote public", me)
    await moderation.verify(
        community="demo",
        identity=me.identity,
        platform="rednote",
        level=Verification.ADMIN_VERIFIED,
        actor="t",
    )
    lines = (await commands.answer("my data", me)).splitlines()
    assert lines[0] == "What Ferry keeps about you in Demo Community:"
    assert lines[1] == "• Lemon8: cook (community-only, self-reported, added 2025-01-18)"
    assert (
        lines[2] == f"• RedNote (Xiaohongshu): {RED_ID} ✓✓ (public, verified by an admin, added 2025-01-18)"
    )
    assert lines[3] == "Name: alice · member since 2025-01-18"
    assert lines[4] == "Accounts: console:alice"
    assert lines[5:] == ["Erase it all: forget", LEGEND]


async def test_mydata_on_bluesky_counts_community_handles_and_hides_other_accounts(
    commands: TextCommands, repository: Repository
) -> None:
    ctx = bluesky()
    await commands.answer("join", ctx)  # the demo community defaults to community-only
    await commands.answer("add lemon8 secretcook", ctx)
    await commands.answer("visibility bluesky public", ctx)
    member = await commands._directory.member(community="demo", identity=ctx.identity)
    assert member is not None
    async with repository._db.transaction(write=True) as conn:  # a linked Discord account
        await conn.execute(
            insert(member_identities).values(
                community="demo", kind="discord", external_id="123456789012345678", member_id=member.id
            )
        )
    answer = await commands.answer("mydata", ctx)
    assert width(answer) <= 300
    lines = answer.splitlines()
    assert lines[0] == "Your public handles in Demo Community:"
    assert lines[1] == (
        "+ 1 handle shown only inside the community, not here. To show them here too: visibility all public"
    )
    assert lines[2].startswith("• Bluesky: alice.test ✓ (public, proven on Bluesky, added ")
    assert lines[3] == "Full file: /mydata export in Demo Community's Discord. Erase it all: forget"
    assert "secretcook" not in answer and "123456789012345678" not in answer and "did:plc" not in answer


async def test_mydata_of_a_stranger_and_in_chinese(commands: TextCommands) -> None:
    assert "Ferry keeps nothing about you" in await commands.answer("mydata", console())
    await commands.answer("add lemon8 cook", console(locale="zh-hans"))
    answer = await commands.answer("我的数据", console(locale="zh-hans"))
    assert answer.splitlines()[1].startswith("• Lemon8：cook（仅社区，自行登记，添加于 2025-01-18）")


@pytest.mark.parametrize("locale", ["en", "zh-hans"])
@pytest.mark.parametrize("front", [console, bluesky])
async def test_help_always_explains_the_marks(commands: TextCommands, locale: str, front: object) -> None:
    ctx = front(locale=locale, budget=300)  # type: ignore[operator]
    answer = await commands.answer("help", ctx)
    assert width(answer) <= 300
    legend = {"en": LEGEND, "zh-hans": "✓ 已通过 Bluesky 证明 · ✓✓ 已由管理员核实 · 无标记：自行登记"}[locale]
    assert answer.splitlines()[-1] == legend
    assert "visibility" in answer and "mydata" in answer and "rednote" in answer


async def test_listings_explain_marks_when_one_is_shown_and_it_fits(commands: TextCommands) -> None:
    ctx = bluesky()
    await commands.answer("add lemon8 cook", ctx)
    await commands.answer("visibility all public", ctx)
    assert LEGEND not in await commands.answer("list", ctx)  # nothing marked, nothing to explain
    await commands.answer("join", ctx)
    await commands.answer("visibility bluesky public", ctx)
    assert (await commands.answer("list", ctx)).splitlines()[-1] == LEGEND
    assert (await commands.answer("directory", ctx)).splitlines()[-1] == LEGEND


async def test_a_directory_thread_ends_with_the_legend_when_its_last_post_has_room(
    commands: TextCommands, service: DirectoryService
) -> None:
    for n in range(4):
        await service.register(
            community="open",
            identity=Identity(IdentityKind.BLUESKY, f"did:plc:m{n}"),
            display_name=f"Mover {n}",
            platform="bluesky",
            handle=f"mover{n:02d}.bsky.social",
            source=Source.BLUESKY,
            verification=Verification.BLUESKY_PROVEN,
        )
    ctx = bluesky(community="open", communities=("demo", "open"))
    posts = await commands.answer_thread("directory", ctx, max_posts=3)
    assert len(posts) == 2 and all(width(p) <= 300 for p in posts)
    assert "✓" in posts[0] and posts[-1].splitlines()[-1] == LEGEND


async def test_mydata_says_when_you_are_banned(commands: TextCommands, moderation: ModerationService) -> None:
    me = console()
    await commands.answer("add lemon8 cook", me)
    await moderation.ban(community="demo", identity=me.identity, actor="operator")
    banned = "An admin has banned you here: you can't add handles, and none are listed."
    assert (await commands.answer("my data", me)).splitlines()[1] == banned
    public = bluesky()
    await commands.answer("add lemon8 cook", public)
    await moderation.ban(community="demo", identity=public.identity, actor="operator")
    assert banned in await commands.answer("my data", public)


@pytest.mark.parametrize("verb", ["list", "me", "mydata"])
async def test_only_community_handles_are_counted_on_bluesky_not_denied(
    commands: TextCommands, verb: str
) -> None:
    ctx = bluesky()
    await commands.answer("add lemon8 secretcook", ctx)  # the demo community defaults to community-only
    await commands.answer(f"add rednote {RED_ID}", ctx)
    answer = await commands.answer(verb, ctx)
    assert "no handles" not in answer
    assert "2 handles" in answer and "visibility all public" in answer
    assert "secretcook" not in answer and RED_ID not in answer
    zh = await commands.answer(verb, bluesky(locale="zh-hans"))
    assert "2 个账号" in zh and "visibility all public" in zh


async def test_list_on_bluesky_shows_public_handles_and_counts_the_rest(commands: TextCommands) -> None:
    ctx = bluesky()
    await commands.answer("add lemon8 secretcook", ctx)
    await commands.answer("join", ctx)
    await commands.answer("visibility bluesky public", ctx)
    lines = (await commands.answer("me", ctx)).splitlines()
    assert lines[:2] == [
        "Your handles in Demo Community:",
        "• Bluesky: alice.test ✓ https://bsky.app/profile/alice.test",
    ]
    assert lines[2].startswith("+ 1 handle kept out of public answers")
