"""One handle, one decision: Discord, the text fronts (Bluesky and console) and import agree.

Each front is only a way in; whether a handle is stored, and as what, is the platform normaliser's
call. A front that folds or rewrites letters first (the text parser once applied NFKC to the whole
line, storing "ⓐⓛⓘⓒⓔ" as "alice" where Discord refused it) breaks that promise.
"""

from __future__ import annotations

import io

import pytest

from bot.discord.client import FerryBot
from bot.models import EVERY_VISIBILITY, Identity, IdentityKind, Source, Visibility
from bot.text.handler import TextCommands, TextContext
from bot.text.parser import parse
from tests.support.discord_standin import DiscordStandin

COMMUNITY = "movers"

# (platform, what the person typed, what is stored or None when every front refuses it)
CASES = [
    ("lemon8", "ⓐⓛⓘⓒⓔ", None),  # circled letters: decoration, not a handle
    ("lemon8", "𝐚𝐥𝐢𝐜𝐞", None),  # mathematical bold
    ("bluesky", "ﬁsh.bsky.social", None),  # the "fi" ligature
    ("lemon8", "ａｌｉｃｅ", "alice"),  # fullwidth ASCII from a CJK keyboard: folded everywhere
    ("instagram", "Alice_B", "alice_b"),
    ("youtube", "@ﾃｽﾄ", "@ﾃｽﾄ"),  # halfwidth katakana is kept as typed, not turned into テスト
    ("youtube", "@テスト", "@テスト"),
    ("lemon8", "ali\u200bce", None),
    ("bluesky", "xn--80ak6aa92e.com", None),  # punycode look-alike of apple.com
    ("mastodon", "a@xn--pypal-4ve.com", None),
    ("mastodon", "zoe@xn--mnchen-3ya.de", "zoe@xn--mnchen-3ya.de"),
]


async def _stored(ferry: FerryBot, identity: Identity, platform: str) -> str | None:
    entries = await ferry.app.directory.handles(
        community=COMMUNITY, identity=identity, visibilities=EVERY_VISIBILITY
    )
    found = [e.handle for e in entries if e.platform == platform]
    if found:  # forgotten again, so the next front can claim the same handle without a clash
        await ferry.app.directory.forget(community=COMMUNITY, identity=identity, actor="test")
    return found[0] if found else None


async def _via_discord(
    standin: DiscordStandin, ferry: FerryBot, n: int, platform: str, raw: str
) -> str | None:
    world = standin.world
    user = standin.add_user(f"crossfront{n}")
    standin.add_member(world.guild, user)
    h = await standin.invoke_slash(world.guild, user, "handle add", {"platform": platform, "handle": raw})
    await h.followups()
    return await _stored(ferry, Identity(IdentityKind.DISCORD, str(user.id)), platform)


async def _via_text(ferry: FerryBot, n: int, platform: str, raw: str) -> str | None:
    identity = Identity(IdentityKind.CONSOLE, f"text front {n}")
    ctx = TextContext(
        community=COMMUNITY,
        identity=identity,
        display_name="Text",
        source=Source.CONSOLE,
        visibilities=frozenset(Visibility),
    )
    await TextCommands(ferry.app.directory, ferry.app.moderation).answer(f"@ferry add {platform} {raw}", ctx)
    return await _stored(ferry, identity, platform)


async def _via_import(ferry: FerryBot, n: int, platform: str, raw: str) -> str | None:
    sheet = io.StringIO(f"name,platform,handle\nimport row {n},{platform},{raw}\n")
    await ferry.app.transfer.import_csv(sheet, community=COMMUNITY, dry_run=False)
    return await _stored(ferry, Identity(IdentityKind.CONSOLE, f"import row {n}"), platform)


async def test_every_front_reaches_the_same_decision(
    discord_standin: DiscordStandin, ferry: FerryBot
) -> None:
    decisions = []
    for n, (platform, raw, _) in enumerate(CASES):
        decisions.append(
            (
                await _via_discord(discord_standin, ferry, n, platform, raw),
                await _via_text(ferry, n, platform, raw),
                await _via_import(ferry, n, platform, raw),
            )
        )
    assert decisions == [(expected, expected, expected) for _, _, expected in CASES]


@pytest.mark.parametrize(("platform", "raw"), [(p, r) for p, r, _ in CASES])
def test_the_text_parser_hands_the_handle_over_as_typed(platform: str, raw: str) -> None:
    command = parse(f"add {platform} {raw}")
    # Only fullwidth ASCII is folded (as the normaliser would); nothing else is rewritten.
    assert command.handle == raw.translate({cp: cp - 0xFEE0 for cp in range(0xFF01, 0xFF5F)})
