"""/ferry … end to end: permissions, moderation, import with confirm, export, stats, audit, sync."""

from __future__ import annotations

import csv
import io
import json

import pytest

from bot.discord.client import FerryBot
from bot.models import EVERY_VISIBILITY, Identity, IdentityKind, Source, Verification
from tests.bot.discord.fixtures import COMMANDS, Moderation
from tests.support.discord_standin import DiscordStandin, FileOption, StandinUsageError


async def register(standin: DiscordStandin, user, platform: str, handle: str) -> None:
    h = await standin.invoke_slash(
        standin.world.guild, user, "handle add", {"platform": platform, "handle": handle}
    )
    await h.followups()


async def admin(standin: DiscordStandin, command: str, options: dict | None = None, user=None, **kw):
    h = await standin.invoke_slash(
        standin.world.guild, user or standin.world.admin, f"ferry {command}", options, **kw
    )
    response = await h.response()
    assert response.ephemeral
    if response.deferred:
        [message] = await h.followups()
        return message
    return response.message


async def test_hidden_by_default_and_refused_when_a_server_widens_it(
    discord_standin: DiscordStandin, ferry: FerryBot
) -> None:
    world = discord_standin.world
    assert discord_standin.command("ferry", world.guild)["default_member_permissions"] in (32, "32")
    with pytest.raises(StandinUsageError, match="hidden from this member"):
        await discord_standin.invoke_slash(world.guild, world.member, "ferry stats")
    for command, options in [
        ("stats", {}),
        ("hide", {"member": str(world.admin.id)}),
        ("export", {}),
        ("reload", {}),
        ("import", {"file": FileOption("a.csv", b"platform,handle,name\n")}),
    ]:
        message = await admin(
            discord_standin, command, options, user=world.member, ignore_default_permissions=True
        )
        assert message.content.startswith("Only this server's Ferry admins"), command


async def test_a_configured_admin_role_is_enough(
    discord_standin: DiscordStandin, ferry: FerryBot, moderation: Moderation
) -> None:
    message = await admin(discord_standin, "stats", user=moderation.user, ignore_default_permissions=True)
    assert message.embeds[0]["title"] == "The Movers at a glance"


async def test_remove_hide_unhide_verify(discord_standin: DiscordStandin, ferry: FerryBot) -> None:
    world = discord_standin.world
    await register(discord_standin, world.member, "bluesky", "alice.bsky.social")
    await register(discord_standin, world.member, "lemon8", "alice_moves")

    message = await admin(discord_standin, "verify", {"member": str(world.member.id), "platform": "bsky"})
    assert message.content == "Plain Member's Bluesky handle alice.bsky.social is now verified by an admin."
    message = await admin(discord_standin, "hide", {"member": str(world.member.id)})
    assert "is hidden from the directory" in message.content
    assert (await ferry.app.directory.counts(visibilities=EVERY_VISIBILITY, community="movers")) == {}
    message = await admin(discord_standin, "unhide", {"member": str(world.member.id)})
    assert "is listed in the directory again" in message.content
    message = await admin(discord_standin, "remove", {"member": str(world.member.id), "platform": "lemon8"})
    assert message.content == "Removed Plain Member's Lemon8 handle alice\\_moves."
    message = await admin(discord_standin, "remove", {"member": str(world.member.id), "platform": "lemon8"})
    assert message.content == "You have no Lemon8 handle in this directory."
    message = await admin(discord_standin, "hide", {"member": str(world.owner.id)})
    assert message.content == "That member is not in the directory."

    audit = await admin(discord_standin, "audit", {"member": str(world.member.id)})
    text = "\n".join(e.get("description", "") for e in audit.embeds)
    assert f"admin:discord:{world.admin.id}" in text and "Lemon8" in text
    entries = await ferry.app.directory.handles(
        visibilities=EVERY_VISIBILITY,
        community="movers",
        identity=Identity(IdentityKind.DISCORD, str(world.member.id)),
    )
    assert [(e.platform, e.verification.value) for e in entries] == [("bluesky", "admin-verified")]


async def test_import_reports_a_dry_run_then_applies_on_confirm(
    discord_standin: DiscordStandin, ferry: FerryBot
) -> None:
    world = discord_standin.world
    rows = ["platform,handle,name,discord_id"]
    rows += [f"bluesky,user{n}.bsky.social,User {n},{10**17 + n}" for n in range(5)]
    rows += ["myspace,tom,Tom,100000000000000099", "bluesky,<@&123> **x**,Bad,100000000000000098"]
    upload = FileOption("people.csv", "\n".join(rows).encode())
    message = await admin(discord_standin, "import", {"file": upload})
    [embed] = message.embeds
    assert embed["title"] == "Import check of people.csv"
    assert embed["description"].splitlines()[:3] == [
        "Layout: long (a platform and a handle column, one row per handle).",
        "Columns: platform → platform, handle → handle, name → name, discord\\_id → discord\\_id",
        (
            "7 rows: 5 to add, 0 to replace, 0 unchanged, "
            "0 kept (changed or withdrawn by the member), 2 rejected."
        ),
    ]
    assert "Line 7, column platform: I don't know the platform “myspace”" in embed["description"]
    assert "<@&" not in embed["description"] and not message.pings.anyone
    assert (
        await ferry.app.directory.counts(visibilities=EVERY_VISIBILITY, community="movers")
    ) == {}  # a dry run changes nothing

    confirm = await discord_standin.click_button(message, message.custom_ids()[0], world.admin)
    assert (await confirm.response()).kind == "deferred update"
    from tests.bot.discord.fixtures import wait_for

    # The buttons go at once (a progress line takes their place); the report comes when it is done.
    await wait_for(lambda: discord_standin.message(message.id).embeds[0]["title"] == "Imported people.csv")
    assert discord_standin.message(message.id).components == []
    [embed] = discord_standin.message(message.id).embeds
    assert embed["description"].splitlines()[2].startswith("7 rows: 5 added")
    assert (await ferry.app.directory.counts(visibilities=EVERY_VISIBILITY, community="movers")) == {
        "bluesky": 5
    }


async def test_import_names_a_banned_persons_rows_as_banned_to_the_admin(
    discord_standin: DiscordStandin, ferry: FerryBot
) -> None:
    banned = Identity(IdentityKind.DISCORD, "100000000000000007")
    await ferry.app.moderation.ban(community="movers", identity=banned, actor="operator")
    sheet = f"platform,handle,discord_id\nbluesky,seven.bsky.social,{banned.external_id}\n"
    message = await admin(discord_standin, "import", {"file": FileOption("s.csv", sheet.encode())})
    [embed] = message.embeds
    assert "this person is banned from registering here (see /ferry unban)" in embed["description"]
    assert (
        "0 to add, 0 to replace, 0 unchanged, 0 kept (changed or withdrawn by the member), 1 rejected."
        in embed["description"]
    )


async def test_import_of_a_wide_sheet_shows_the_mapping_and_unknown_columns(
    discord_standin: DiscordStandin, ferry: FerryBot
) -> None:
    sheet = (
        "\ufeffName,Discord ID,RedNote,Bluesky handle,**Notes** <@&1>\r\n"
        "Alice,100000000000000001,95123456,@alice.bsky.social,hi\r\n"
        "Bob,100000000000000002,,bob.bsky.social,\r\n"
    )
    message = await admin(discord_standin, "import", {"file": FileOption("sheet.csv", sheet.encode())})
    [embed] = message.embeds
    assert embed["description"].splitlines() == [
        "Layout: wide (one column per platform, one row per person).",
        "Columns: Name → name, Discord ID → discord\\_id, RedNote → rednote, Bluesky handle → bluesky",
        "Not recognised, so ignored: \\*\\*Notes\\*\\* <\u200b@&1>",  # a header is user text: escaped
        (
            "2 rows: 3 to add, 0 to replace, 0 unchanged, "
            "0 kept (changed or withdrawn by the member), 0 rejected."
        ),
    ]
    assert not message.pings.anyone


async def test_confirming_an_import_rechecks_admin_rights(
    discord_standin: DiscordStandin, ferry: FerryBot
) -> None:
    world = discord_standin.world
    upload = FileOption(
        "one.csv", b"platform,handle,discord_id\nbluesky,one.bsky.social,100000000000000001\n"
    )
    message = await admin(discord_standin, "import", {"file": upload})
    world.guild.members[world.admin.id].roles.clear()  # demoted while the prompt was open
    click = await discord_standin.click_button(message, message.custom_ids()[0], world.admin)
    response = await click.response()
    assert response.ephemeral and response.message.content.startswith("Only this server's Ferry admins")
    assert (await ferry.app.directory.counts(visibilities=EVERY_VISIBILITY, community="movers")) == {}
    world.guild.members[world.admin.id].roles.append(
        world.admin_role.id
    )  # rights back: the prompt still works
    click = await discord_standin.click_button(message, message.custom_ids()[0], world.admin)
    assert (await click.response()).kind == "deferred update"
    from tests.bot.discord.fixtures import wait_for

    await wait_for(lambda: discord_standin.message(message.id).embeds[0]["title"] == "Imported one.csv")
    assert (await ferry.app.directory.counts(visibilities=EVERY_VISIBILITY, community="movers")) == {
        "bluesky": 1
    }


async def test_import_of_many_bad_rows_attaches_the_full_list(
    discord_standin: DiscordStandin, ferry: FerryBot
) -> None:
    rows = ["platform,handle,name"] + [f"nowhere,x{n},N {n}" for n in range(400)]
    message = await admin(
        discord_standin, "import", {"file": FileOption("bad.csv", "\n".join(rows).encode())}
    )
    assert message.content == "Nothing to import."
    assert message.attachments[0].filename == "rejected-rows.txt"
    assert message.attachments[0].data.decode().count("\n") == 399
    shown = "\n".join(e.get("description", "") for e in message.embeds).splitlines()
    listed = sum(line.startswith("Line ") for line in shown)
    assert 0 < listed < 400
    assert shown[-1] == f"…and {400 - listed} more rejected rows in the attached file."
    assert sum(len(e.get("description", "")) + len(e.get("title", "")) for e in message.embeds) <= 6000


async def test_import_refuses_files_that_are_not_text(
    discord_standin: DiscordStandin, ferry: FerryBot
) -> None:
    message = await admin(discord_standin, "import", {"file": FileOption("x.csv", b"\xff\xfe\x00bad")})
    assert message.content == "That file is not a UTF-8 CSV file."


async def test_export_and_stats(discord_standin: DiscordStandin, ferry: FerryBot) -> None:
    world = discord_standin.world
    await register(discord_standin, world.member, "bluesky", "alice.bsky.social")
    await register(discord_standin, world.admin, "bluesky", "bob.bsky.social")
    message = await admin(discord_standin, "export")
    assert message.attachments[0].filename == "movers-directory-all.csv"
    assert message.content == (
        "The directory as CSV (2 entries). Visibility: all (public and community-only entries): "
        "keep this file inside the community."
    )
    rows = list(csv.DictReader(io.StringIO(message.attachments[0].data.decode())))
    assert {r["handle"] for r in rows} == {"alice.bsky.social", "bob.bsky.social"}
    message = await admin(discord_standin, "export", {"format": "json"})
    assert len(json.loads(message.attachments[0].data)["entries"]) == 2
    message = await admin(discord_standin, "export", {"format": "json", "visibility": "public"})
    document = json.loads(message.attachments[0].data)
    assert message.attachments[0].filename == "movers-directory-public.json"
    assert (document["visibility"], document["entries"]) == ("public", [])  # the config's default: community
    assert message.content.endswith("Visibility: public (only entries their members made public).")
    message = await admin(discord_standin, "stats")
    [embed] = message.embeds
    fields = {f["name"]: f["value"] for f in embed["fields"]}
    assert fields["Members"] == "2" and fields["Handles per platform"] == "Bluesky: 2"
    assert "bob.bsky.social" in fields["Recent arrivals"]


async def test_mastodon_and_did_exports(discord_standin: DiscordStandin, ferry: FerryBot) -> None:
    world = discord_standin.world
    await register(discord_standin, world.member, "mastodon", "@alice@mastodon.social")
    message = await admin(discord_standin, "export", {"format": "dids", "visibility": "all"})
    assert message.content.startswith("Nothing to export") and not message.attachments
    await ferry.app.directory.register(
        community="movers",
        identity=Identity(IdentityKind.BLUESKY, "did:plc:bbbbbbbbbbbbbbbbbbbbbbbb"),
        display_name="Bob",
        platform="bluesky",
        handle="bob.bsky.social",
        source=Source.BLUESKY,
        verification=Verification.BLUESKY_PROVEN,  # as joining from Bluesky writes it
    )
    message = await admin(discord_standin, "export", {"format": "dids", "visibility": "all"})
    assert message.attachments[0].filename == "movers-bluesky-dids-all.txt"
    assert message.attachments[0].data == b"did:plc:bbbbbbbbbbbbbbbbbbbbbbbb\n"
    assert message.content.startswith(
        "The Bluesky DIDs of members who proved the account (1), one per line. Visibility: all"
    )
    message = await admin(discord_standin, "export", {"format": "mastodon", "visibility": "all"})
    assert message.attachments[0].filename == "movers-mastodon-following-all.csv"
    assert message.attachments[0].data.decode() == (
        "Account address,Show boosts,Notify on new posts,Languages\nalice@mastodon.social,true,false,\n"
    )
    message = await admin(discord_standin, "export", {"format": "mastodon", "visibility": "public"})
    assert message.attachments[0].data.decode().count("\n") == 1  # the header alone: nothing is public


async def test_sync_is_for_the_owner_only(discord_standin: DiscordStandin, ferry: FerryBot) -> None:
    world = discord_standin.world
    message = await admin(discord_standin, "sync")
    assert message.content == "Only the bot's owner can do that."
    message = await admin(discord_standin, "sync", {"scope": "global"}, user=world.owner)
    assert message.content.startswith(f"Synced {len(COMMANDS)} commands globally")
    assert {c["name"] for c in discord_standin.commands()} == set(COMMANDS)


async def test_owner_ids_add_to_the_applications_owner_rather_than_replace_it(
    discord_standin: DiscordStandin, ferry: FerryBot
) -> None:
    world = discord_standin.world
    app_owner = discord_standin.backend.app_owner  # owns the application; not in DISCORD_OWNER_IDS
    discord_standin.add_member(world.guild, app_owner)
    assert ferry.extra_owner_ids == {world.owner.id}
    for user in (world.owner, app_owner):
        message = await admin(
            discord_standin, "sync", {"scope": "guild"}, user=user, ignore_default_permissions=True
        )
        assert message.content.startswith(f"Synced {len(COMMANDS)} commands to this server"), user
    message = await admin(discord_standin, "sync", {"scope": "guild"}, user=world.admin)
    assert message.content == "Only the bot's owner can do that."


async def test_the_owner_clears_a_servers_copy_that_doubles_the_global_commands(
    discord_standin: DiscordStandin, ferry: FerryBot
) -> None:
    world = discord_standin.world
    await admin(discord_standin, "sync", {"scope": "guild"}, user=world.owner)
    await admin(discord_standin, "sync", {"scope": "global"}, user=world.owner)
    assert len(discord_standin.commands(world.guild)) == len(discord_standin.commands()) == len(COMMANDS)
    message = await admin(discord_standin, "sync", {"scope": "clear"}, user=world.owner)
    assert message.content == "Removed this server's own copy of the commands; the global ones remain."
    assert discord_standin.commands(world.guild) == [] and len(discord_standin.commands()) == len(COMMANDS)
    message = await admin(discord_standin, "sync", {"scope": "clear"})  # an admin, not the owner
    assert message.content == "Only the bot's owner can do that."


async def test_an_export_too_big_for_discord_is_explained(
    discord_standin: DiscordStandin, ferry: FerryBot
) -> None:
    world = discord_standin.world
    await register(discord_standin, world.member, "bluesky", "alice.bsky.social")
    discord_standin.config.attachment_size_limit = 100  # bytes; the CSV header alone is longer
    message = await admin(discord_standin, "export")
    assert message.content.startswith("The file is too big for Discord (0.0 MB)") and not message.attachments


async def test_admin_platform_options_autocomplete(discord_standin: DiscordStandin, ferry: FerryBot) -> None:
    world = discord_standin.world
    for command in ("ferry remove", "ferry verify"):
        found = await discord_standin.invoke_autocomplete(
            world.guild, world.admin, command, {"member": str(world.member.id), "platform": "bs"}, "platform"
        )
        assert [c["value"] for c in found] == ["bluesky"]
