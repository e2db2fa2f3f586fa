"""The ``verify <code>`` verb: parsed forgivingly, Bluesky only, and a public answer that leaks nothing."""

from collections.abc import Callable
from datetime import datetime

import pytest

from bot.config import FerryConfig
from bot.models import Identity, IdentityKind, Source, Visibility
from bot.services.directory import DirectoryService
from bot.services.linking import LinkingService
from bot.services.moderation import ModerationService
from bot.storage.repository import Repository
from bot.text.handler import TextCommands, TextContext
from bot.text.parser import Command, ParseError, Verb, parse

DISCORD = Identity(IdentityKind.DISCORD, "111111111111111111")
DID = "did:plc:alice"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("@ferry.test verify K7QM-4XPA-2H", Command(Verb.VERIFY, code="K7QM-4XPA-2H")),
        ("Verify k7qm 4xpa 2h.", Command(Verb.VERIFY, code="k7qm4xpa2h")),
        ("open verify K7QM-4XPA-2H", Command(Verb.VERIFY, code="K7QM-4XPA-2H", community="open")),
    ],
)
def test_parses_verify(text: str, expected: Command) -> None:
    assert parse(text) == expected


@pytest.mark.parametrize(
    ("text", "problem"), [("verify", "missing_arguments"), ("verify a b c d", "unexpected_word")]
)
def test_verify_needs_one_code(text: str, problem: str) -> None:
    with pytest.raises(ParseError) as raised:
        parse(text)
    assert (raised.value.verb, raised.value.problem) == (Verb.VERIFY, problem)


@pytest.fixture
def linking(
    repository: Repository, service: DirectoryService, config: FerryConfig, clock: Callable[[], datetime]
) -> LinkingService:
    return LinkingService(repository=repository, directory=service, config=lambda: config, clock=clock)


def context(source: Source, identity: Identity, handle: str | None = None) -> TextContext:
    return TextContext(
        community="demo",
        identity=identity,
        display_name="Alice",
        source=source,
        handle=handle,
        visibilities=frozenset({Visibility.PUBLIC}),
    )


async def test_console_refuses_verify(
    service: DirectoryService, moderation: ModerationService, linking: LinkingService
) -> None:
    code = (
        await linking.issue_code(
            community="demo", identity=DISCORD, display_name="Secret Name", handle="alice.test"
        )
    ).code
    console = context(Source.CONSOLE, Identity(IdentityKind.CONSOLE, "ops"))
    answer = await TextCommands(service, moderation, linking).answer(f"verify {code}", console)
    assert answer == "verify works only when you mention Ferry on Bluesky, from the account to link."
    assert await service.member(community="demo", identity=Identity(IdentityKind.CONSOLE, "ops")) is None


async def test_bluesky_verify_answers_publicly_without_private_details(
    service: DirectoryService, moderation: ModerationService, linking: LinkingService
) -> None:
    for platform, handle in (("lemon8", "secret_cook"), ("bluesky", "typed.bsky.social")):
        await service.register(
            community="demo",
            identity=DISCORD,
            display_name="Secret Name",
            platform=platform,
            handle=handle,
            source=Source.DISCORD,
        )
    await service.register(
        community="demo",
        identity=Identity(IdentityKind.BLUESKY, DID),
        display_name="A",
        platform="lemon8",
        handle="old_cook",
        source=Source.BLUESKY,
    )
    code = (
        await linking.issue_code(
            community="demo", identity=DISCORD, display_name="Secret Name", handle="alice.test"
        )
    ).code
    commands = TextCommands(service, moderation, linking)
    answer = await commands.answer(
        f"verify {code.lower()}", context(Source.BLUESKY, Identity(IdentityKind.BLUESKY, DID), "alice.test")
    )
    assert answer == (
        "Linked! Your accounts in Demo Community are now one, proven as @alice.test ✓ "
        "Older handles were replaced on: Lemon8, Bluesky."
    )
    for private in ("Secret Name", DISCORD.external_id, "secret_cook", "old_cook", "typed.bsky.social"):
        assert private not in answer
    again = await commands.answer(
        f"verify {code}", context(Source.BLUESKY, Identity(IdentityKind.BLUESKY, DID), "alice.test")
    )
    assert again == "That code was already used; this account is linked."


async def test_refusals_are_worded_per_reason_in_both_languages(
    service: DirectoryService, moderation: ModerationService, linking: LinkingService
) -> None:
    commands = TextCommands(service, moderation, linking)
    ctx = context(Source.BLUESKY, Identity(IdentityKind.BLUESKY, DID), "alice.test")
    answer = await commands.answer("verify AAAA-AAAA-AA", ctx)
    assert answer == "That code is not valid. Get a new one on Discord with /handle verify-bluesky."
    code = (
        await linking.issue_code(community="demo", identity=DISCORD, display_name="A", handle="alice.test")
    ).code
    await commands.answer(f"verify {code}", ctx)
    stranger = TextContext(
        community="demo",
        identity=Identity(IdentityKind.BLUESKY, "did:plc:bob"),
        display_name="Bob",
        source=Source.BLUESKY,
        handle="bob.test",
        locale="zh-hans",
    )
    answer = await commands.answer(f"verify {code}", stranger)
    assert (
        answer == "该代码属于另一个 Bluesky 账号。"
        "请在 Discord 用 /handle verify-bluesky 并填写本账号的用户名获取你自己的代码。"
    )


async def test_forget_after_a_refused_attempt_says_what_it_erased(
    service: DirectoryService, moderation: ModerationService, linking: LinkingService
) -> None:
    commands = TextCommands(service, moderation, linking)
    ctx = context(Source.BLUESKY, Identity(IdentityKind.BLUESKY, "did:plc:carol"), "carol.test")
    nothing = await commands.answer("forget", ctx)  # nothing kept, nothing scrubbed: said so
    assert nothing == "Ferry keeps nothing about you in Demo Community."
    await commands.answer("verify AAAA-AAAA-AA", ctx)  # never a member, but refused under its DID
    answer = await commands.answer("forget", ctx)
    assert answer == (
        "You had no entries in Demo Community; "
        "Ferry erased what it still kept of your messages and link attempts."
    )


async def test_a_banned_members_link_attempt_is_refused_in_both_languages(
    service: DirectoryService, moderation: ModerationService, linking: LinkingService
) -> None:
    commands = TextCommands(service, moderation, linking)
    code = (
        await linking.issue_code(community="demo", identity=DISCORD, display_name="A", handle="alice.test")
    ).code
    await moderation.ban(community="demo", identity=DISCORD, actor="operator")
    ctx = context(Source.BLUESKY, Identity(IdentityKind.BLUESKY, DID), "alice.test")
    assert await commands.answer(f"verify {code}", ctx) == (
        "This community's admins have barred this account from linking."
    )
