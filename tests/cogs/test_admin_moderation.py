"""/ferry ban | unban | unverify | audit filters, and rate limits, end to end through the stand-in."""

from __future__ import annotations

import re
from pathlib import Path

from bot.config import load_config
from bot.discord.client import FerryBot
from bot.models import EVERY_VISIBILITY, Identity, IdentityKind, Source, Verification
from tests.bot.discord.fixtures import Moderation
from tests.cogs.test_admin import admin, register
from tests.cogs.test_admin_config import edit
from tests.support.discord_standin import DiscordStandin


def identity(user) -> Identity:
    return Identity(IdentityKind.DISCORD, str(user.id))


async def add(standin: DiscordStandin, user, platform: str, handle: str):
    h = await standin.invoke_slash(
        standin.world.guild, user, "handle add", {"platform": platform, "handle": handle}
    )
    response = await h.response()
    assert response.ephemeral
    [message] = await h.followups()
    assert message.ephemeral and not message.pings.anyone
    return message


async def test_ban_before_registering_then_unban(discord_standin: DiscordStandin, ferry: FerryBot) -> None:
    world = discord_standin.world
    mention = f"<@{world.member.id}>"
    message = await admin(discord_standin, "ban", {"member": mention, "reason": "**spam** <@&1>"})
    # Not in the directory yet, so no stored name: the mention shows their Discord name, unpinged.
    assert message.content == (
        f"{mention} is banned: they can't register and are not listed (their data is kept)."
    )
    assert not message.pings.anyone
    refused = await add(discord_standin, world.member, "bluesky", "alice.bsky.social")
    assert refused.content.startswith("An admin has paused your registrations in this community")
    assert (
        await ferry.app.directory.handles(
            visibilities=EVERY_VISIBILITY, community="movers", identity=identity(world.member)
        )
        == []
    )

    message = await admin(discord_standin, "unban", {"member": mention})
    assert message.content == f"{mention} is no longer banned; their handles are listed again."
    added = await add(discord_standin, world.member, "bluesky", "alice.bsky.social")
    assert added.content.startswith("Added your Bluesky handle alice.bsky.social.")

    audit = await admin(discord_standin, "audit", {"action": "moderation"})
    assert audit.embeds[0]["title"] == "Audit log · moderation"
    text = audit.embeds[0]["description"]
    assert "`member.unban`" in text and "`member.ban`" in text and "entry.add" not in text
    assert "reason=\\*\\*spam\\*\\* <\u200b@&1>" in text  # an admin's reason is escaped too
    assert not audit.pings.anyone


async def test_a_banned_member_is_unlisted_everywhere_but_keeps_their_data(
    discord_standin: DiscordStandin, ferry: FerryBot
) -> None:
    world = discord_standin.world
    await register(discord_standin, world.member, "lemon8", "alice_moves")
    await admin(discord_standin, "ban", {"member": f"<@{world.member.id}>"})

    h = await discord_standin.invoke_slash(world.guild, world.admin, "handle list", {"member": world.member})
    [theirs] = await h.followups()
    assert theirs.content == "Plain Member has no handles you can see."
    h = await discord_standin.invoke_slash(world.guild, world.member, "handle list")
    [mine] = await h.followups()
    assert "alice\\_moves" in mine.embeds[0]["description"]  # their own data is still theirs to see
    assert await ferry.app.directory.counts(visibilities=EVERY_VISIBILITY, community="movers") == {}

    h = await discord_standin.invoke_slash(world.guild, world.member, "handle remove", {"platform": "lemon8"})
    [removed] = await h.followups()
    assert removed.content.startswith("Removed your Lemon8 handle")


async def test_unverify_drops_to_what_the_member_can_prove(
    discord_standin: DiscordStandin, ferry: FerryBot
) -> None:
    world = discord_standin.world
    await register(discord_standin, world.member, "bluesky", "alice.bsky.social")
    await admin(discord_standin, "verify", {"member": f"<@{world.member.id}>", "platform": "bluesky"})
    message = await admin(
        discord_standin, "unverify", {"member": f"<@{world.member.id}>", "platform": "bsky"}
    )
    assert message.content == (
        "Plain Member's Bluesky handle alice.bsky.social is no longer verified by an admin"
        " (now: self-reported)."
    )
    [entry] = await ferry.app.directory.handles(
        visibilities=EVERY_VISIBILITY, community="movers", identity=identity(world.member)
    )
    assert entry.verification is Verification.SELF_REPORTED

    audit = await admin(discord_standin, "audit", {"action": "verification", "platform": "bsky"})
    assert audit.embeds[0]["title"] == "Audit log · verification · bsky"
    assert audit.embeds[0]["description"].count("`entry.verification`") == 2
    audit = await admin(discord_standin, "audit", {"member": f"<@{world.member.id}>", "action": "removals"})
    assert audit.embeds[0]["title"] == "Audit log of Plain Member · removals"
    assert audit.embeds[0]["description"] == "No changes recorded."


async def test_a_long_audit_log_stays_within_one_message(
    discord_standin: DiscordStandin, ferry: FerryBot
) -> None:
    world = discord_standin.world
    for n in range(30):
        await ferry.app.moderation.ban(
            community="movers",
            identity=Identity(IdentityKind.DISCORD, str(10**17 + n)),
            actor=f"admin:discord:{world.admin.id}",
            reason="x" * 200,
        )
    audit = await admin(discord_standin, "audit", {"action": "moderation"})
    assert sum(len(e.get("description", "")) + len(e.get("title", "")) for e in audit.embeds) <= 6000
    assert len(audit.embeds) <= 10 and "`member.ban`" in audit.embeds[0]["description"]


async def test_members_are_rate_limited_and_admins_are_not(
    discord_standin: DiscordStandin, ferry: FerryBot, config_file: Path
) -> None:
    world = discord_standin.world
    edit(config_file, lambda text: text + "\n[limits]\nregistrations_per_minute = 2\n")
    ferry.app.config.current = load_config(config_file)
    await add(discord_standin, world.member, "lemon8", "alice_1")
    await add(discord_standin, world.member, "lemon8", "alice_2")
    refused = await add(discord_standin, world.member, "lemon8", "alice_3")
    assert re.fullmatch(
        r"That's a lot of changes in a short time\. Please try again <t:\d+:R>\.", refused.content
    ), refused.content
    [entry] = await ferry.app.directory.handles(
        visibilities=EVERY_VISIBILITY, community="movers", identity=identity(world.member)
    )
    assert entry.handle == "alice_2"  # the refused command changed nothing
    message = await admin(
        discord_standin, "remove", {"member": f"<@{world.member.id}>", "platform": "lemon8"}
    )
    assert message.content == "Removed Plain Member's Lemon8 handle alice\\_2."  # admins are not limited


async def bluesky_member(ferry: FerryBot, n: int, name: str = "Sky Walker") -> Identity:
    """Someone who joined from Bluesky: no Discord account at all."""
    did = Identity(IdentityKind.BLUESKY, f"did:plc:{n:024d}")
    await ferry.app.directory.register(
        community="movers",
        identity=did,
        display_name=name,
        platform="bluesky",
        handle=f"sky{n}.bsky.social",
        source=Source.BLUESKY,
        actor="import",
    )
    return did


async def test_a_bluesky_only_member_is_hidden_and_verified_by_suggestion_or_did(
    discord_standin: DiscordStandin, ferry: FerryBot
) -> None:
    world = discord_standin.world
    did = await bluesky_member(ferry, 1)
    [choice] = await discord_standin.invoke_autocomplete(
        world.guild, world.admin, "ferry hide", {"member": "sky w"}, "member"
    )
    member = await ferry.app.directory.member(community="movers", identity=did)
    assert member is not None
    assert choice == {"name": "Sky Walker — Bluesky: sky1.bsky.social", "value": f"member:{member.id}"}

    message = await admin(discord_standin, "hide", {"member": choice["value"]})
    assert message.content.startswith("Sky Walker is hidden from the directory")
    # Hidden now, and still suggested: the admin finds them again to unhide them.
    [again] = await discord_standin.invoke_autocomplete(
        world.guild, world.admin, "ferry unhide", {"member": "sky w"}, "member"
    )
    assert again == choice
    assert await ferry.app.directory.counts(visibilities=EVERY_VISIBILITY, community="movers") == {}
    message = await admin(discord_standin, "unhide", {"member": did.external_id})
    assert message.content.startswith("Sky Walker is listed in the directory again")

    message = await admin(discord_standin, "verify", {"member": did.external_id, "platform": "bsky"})
    assert message.content == "Sky Walker's Bluesky handle sky1.bsky.social is now verified by an admin."
    message = await admin(discord_standin, "unverify", {"member": choice["value"], "platform": "bluesky"})
    assert message.content.startswith("Sky Walker's Bluesky handle sky1.bsky.social")
    audit = await admin(discord_standin, "audit", {"member": choice["value"]})
    assert audit.embeds[0]["title"] == "Audit log of Sky Walker"
    entries = await ferry.app.directory.handles(
        visibilities=EVERY_VISIBILITY, community="movers", identity=did
    )
    assert [e.verification for e in entries] == [Verification.BLUESKY_PROVEN]  # their own DID's handle


async def test_text_that_names_nobody_is_refused_and_nothing_changes(
    discord_standin: DiscordStandin, ferry: FerryBot
) -> None:
    did = await bluesky_member(ferry, 2)
    unknown = (
        "No member matches “{}”. Pick one of the suggestions, or give a mention, a Discord user id"
        " or a Bluesky DID."
    )
    expected = {
        "Sky Walker": unknown.format("Sky Walker"),  # a name, not a pick: names are not unique
        "member:999999": unknown.format("member:999999"),  # a stale suggestion
        "did:plc:nobody": "That member is not in the directory.",
    }
    for value, text in expected.items():
        message = await admin(discord_standin, "hide", {"member": value})
        assert message.content == text
    message = await admin(discord_standin, "hide", {"member": "**x** <@&1>"}, locale="zh-CN")
    assert message.content.startswith("没有与“\\*\\*x\\*\\* <\u200b@&1>”对应的成员")
    assert not message.pings.anyone
    member = await ferry.app.directory.member(community="movers", identity=did)
    assert member is not None and not member.hidden


async def test_member_suggestions_stay_within_discord_limits(
    discord_standin: DiscordStandin, ferry: FerryBot
) -> None:
    world = discord_standin.world
    for n in range(30):
        await bluesky_member(ferry, 100 + n, name=f"Very Long Name {n} " + "x" * 60)
    found = await discord_standin.invoke_autocomplete(
        world.guild, world.admin, "ferry verify", {"member": ""}, "member"
    )
    assert len(found) == 25
    assert all(len(c["name"]) <= 100 and c["value"].startswith("member:") for c in found)
    assert len({c["value"] for c in found}) == 25


async def test_member_suggestions_only_for_admins_even_when_a_server_shows_ferry_to_everyone(
    discord_standin: DiscordStandin, ferry: FerryBot, moderation: Moderation
) -> None:
    # discord.py runs no command checks for autocomplete; the suggestions name hidden and banned members.
    world = discord_standin.world
    banned = await bluesky_member(ferry, 3)
    message = await admin(discord_standin, "ban", {"member": banned.external_id, "reason": "spam"})
    assert message.content.startswith("Sky Walker is banned")
    hidden = await bluesky_member(ferry, 4)
    message = await admin(discord_standin, "hide", {"member": hidden.external_id})
    assert message.content.startswith("Sky Walker is hidden")
    for command in ("ferry hide", "ferry unban", "ferry verify", "ferry audit"):
        for user in (world.member, moderation.user, world.admin):
            found = await discord_standin.invoke_autocomplete(
                world.guild, user, command, {"member": "sky"}, "member"
            )
            expected = 0 if user is world.member else 2  # the banned one and the hidden one
            assert len(found) == expected, (command, user)
