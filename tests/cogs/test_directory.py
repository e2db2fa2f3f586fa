"""/directory and /links end to end: filters, the CSV export, the links embed, languages and limits."""

from __future__ import annotations

import csv
import io
import re

import pytest

from bot.config.models import Link
from bot.discord.client import FerryBot
from bot.discord.render import EMBED_TOTAL_LIMIT
from bot.models import Identity, IdentityKind, Source
from bot.services.export_cache import ExportCache
from bot.services.ratelimit import Limit
from tests.bot.discord.fixtures import embed_size, open_directory, seed_directory
from tests.support.discord_standin import DiscordStandin
from tests.support.services import Ticker


async def test_filter_search_and_private(discord_standin: DiscordStandin, ferry: FerryBot) -> None:
    await seed_directory(ferry.app, 30)
    _, message = await open_directory(discord_standin, {"platform": "xhs"})
    assert "Nobody is listed yet" in message.embeds[0]["description"]
    _, message = await open_directory(discord_standin, {"search": "user0013", "private": True})
    assert message.ephemeral
    [embed] = message.embeds
    assert "1 handles" in embed["footer"]["text"] and "user0013.bsky.social" in embed["description"]


async def test_export_button_sends_an_ephemeral_csv(discord_standin: DiscordStandin, ferry: FerryBot) -> None:
    await seed_directory(ferry.app, 12)
    world = discord_standin.world
    _, message = await open_directory(discord_standin)
    click = await discord_standin.click_button(message, message.custom_ids()[3], world.member)
    assert (await click.response()).ephemeral
    [reply] = await click.followups()
    assert reply.ephemeral and reply.attachments[0].filename == "movers-directory-all.csv"
    assert reply.content.startswith("The directory as CSV (12 rows). Visibility: all")
    rows = list(csv.DictReader(io.StringIO(reply.attachments[0].data.decode("utf-8"))))
    assert len(rows) == 12 and rows[0]["platform"] in {"bluesky", "lemon8"}
    # A member's export holds what the directory shows them, not the account ids behind each entry.
    assert "discord_id" not in rows[0] and "bluesky_did" not in rows[0]
    assert rows[0]["handle"] and "name" in rows[0]


async def export(standin: DiscordStandin, user):
    _, message = await open_directory(standin, user=user)
    click = await standin.click_button(message, message.custom_ids()[3], user)
    assert (await click.response()).ephemeral
    [reply] = await click.followups()
    assert reply.ephemeral
    return reply


async def test_exports_are_built_once_per_directory_version_and_rebuilds_are_limited(
    discord_standin: DiscordStandin, ferry: FerryBot, monkeypatch: pytest.MonkeyPatch
) -> None:
    await seed_directory(ferry.app, 12)
    world = discord_standin.world
    builds: list[str] = []
    original = ferry.app.transfer.export

    async def counted(*args, **kwargs):
        builds.append(kwargs["community"])
        return await original(*args, **kwargs)

    monkeypatch.setattr(ferry.app.transfer, "export", counted)
    ferry.exports = ExportCache(rebuilds=(Limit(1, 60.0),), clock=Ticker())
    ferry.exports.listen(ferry.app.directory.changes)

    first = await export(discord_standin, world.member)
    again = await export(discord_standin, world.member)  # a kept copy: not counted, not rebuilt
    assert again.attachments[0].data == first.attachments[0].data and builds == ["movers"]

    await ferry.app.directory.register(
        community="movers",
        identity=Identity(IdentityKind.DISCORD, str(world.admin.id)),
        display_name="Admin",
        platform="bluesky",
        handle="newcomer.bsky.social",
        source=Source.DISCORD,
    )
    refused = await export(discord_standin, world.member)  # a rebuild, past this member's allowance
    assert refused.content.startswith("You have exported the directory a few times in a row.")
    assert not refused.attachments and builds == ["movers"]
    fresh = await export(discord_standin, world.admin)  # someone else's allowance builds the new one
    rows = list(csv.DictReader(io.StringIO(fresh.attachments[0].data.decode("utf-8"))))
    assert len(rows) == 13 and builds == ["movers", "movers"]
    kept = await export(discord_standin, world.member)  # and that copy serves everyone
    assert kept.attachments[0].data == fresh.attachments[0].data


async def test_links_embed_with_link_buttons(discord_standin: DiscordStandin, ferry: FerryBot) -> None:
    world = discord_standin.world
    h = await discord_standin.invoke_slash(world.guild, world.member, "links")
    response = await h.response()
    assert response.kind == "message" and not response.ephemeral
    [embed] = response.embeds
    assert embed["title"] == "Where The Movers is moving"
    assert re.fullmatch(r"Move before <t:\d+:F> \(<t:\d+:R>\)\.", embed["description"])
    assert [(f["name"], f["value"]) for f in embed["fields"]] == [
        ("Our Bluesky starter pack · Bluesky", "Follow everyone at once"),
        (
            "RedNote group · RedNote (Xiaohongshu)",
            "https://www.xiaohongshu.com/user/profile/5e8f1a2b3c4d5e6f7a8b9c0d",
        ),
    ]
    buttons = [c for row in response.components for c in row["components"]]
    assert [(b["label"], b["url"], b["style"]) for b in buttons] == [
        ("Our Bluesky starter pack", "https://bsky.app/starter-pack/movers.bsky.social/3abc", 5),
        ("RedNote group", "https://www.xiaohongshu.com/user/profile/5e8f1a2b3c4d5e6f7a8b9c0d", 5),
    ]
    assert all("custom_id" not in b for b in buttons)  # link buttons: nothing to answer later


async def test_chinese_directory(discord_standin: DiscordStandin, ferry: FerryBot) -> None:
    await seed_directory(ferry.app, 12)
    world = discord_standin.world
    h = await discord_standin.invoke_slash(world.guild, world.member, "directory", locale="zh-CN")
    [message] = await h.followups()
    [embed] = message.embeds
    assert embed["title"] == "The Movers：大家搬去了哪里"
    assert embed["footer"]["text"].startswith("第 1/2 页 · 共 12 个账号")
    labels = [c.get("label") for row in message.components for c in row["components"]]
    assert "导出 CSV" in labels


async def test_links_fit_one_message_whatever_the_config(
    discord_standin: DiscordStandin, ferry: FerryBot
) -> None:
    """25 links with the longest labels and URLs the config accepts stay within 6,000 characters."""
    world = discord_standin.world
    community = ferry.community(world.guild.id)
    links = tuple(
        Link(label=f"{n:02} " + "L" * 77, platform="bluesky", url="https://bsky.app/" + "p" * 490)
        for n in range(25)
    )
    patched = community.model_copy(update={"links": links})
    config = ferry.app.config()
    ferry.app.config.current = config.build(
        catalogue=config.catalogue, communities=[patched], defaults=config.defaults
    )
    h = await discord_standin.invoke_slash(world.guild, world.member, "links")
    response = await h.response()
    [embed] = response.embeds
    assert len(embed["fields"]) == 25
    assert embed_size(embed) <= EMBED_TOTAL_LIMIT
    rows = [row["components"] for row in response.components]
    assert [len(row) for row in rows] == [5, 5, 5, 5, 5]  # every link has its button, five to a row
    assert [b["url"] for row in rows for b in row] == [link.url for link in links]
    assert all(len(b["label"]) <= 80 for row in rows for b in row)


async def test_a_link_without_a_note_nor_a_plain_address_still_gets_its_button(
    discord_standin: DiscordStandin, ferry: FerryBot
) -> None:
    world = discord_standin.world
    community = ferry.community(world.guild.id)
    url = "https://en.wikipedia.org/wiki/Ferry_(disambiguation)"
    patched = community.model_copy(
        update={"links": (Link(label="**Wiki** <@&1>", platform="bluesky", url=url),), "deadline": None}
    )
    config = ferry.app.config()
    ferry.app.config.current = config.build(
        catalogue=config.catalogue, communities=[patched], defaults=config.defaults
    )
    h = await discord_standin.invoke_slash(world.guild, world.member, "links", locale="zh-CN")
    response = await h.response()
    [embed] = response.embeds
    assert embed["title"] == "The Movers 的新家" and "description" not in embed
    [field] = embed["fields"]
    assert field["name"] == "\\*\\*Wiki\\*\\* <\u200b@&1> · Bluesky" and field["value"] == "-"
    [[button]] = [row["components"] for row in response.components]
    assert button["url"] == url and button["label"] == "**Wiki** <@&1>"
    assert not discord_standin.message(response.message.id).pings.anyone


async def test_an_unknown_platform_is_answered_privately(
    discord_standin: DiscordStandin, ferry: FerryBot
) -> None:
    world = discord_standin.world
    h = await discord_standin.invoke_slash(world.guild, world.member, "directory", {"platform": "myspace"})
    response = await h.response()
    assert response.ephemeral and "myspace" in response.content
    assert discord_standin.messages(world.general) == []
