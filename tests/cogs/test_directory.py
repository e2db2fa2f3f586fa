"""/directory and /links end to end: paging, the platform select, the CSV export, limits."""

from __future__ import annotations

import asyncio
import csv
import io
import re

import pytest

from bot.app import App, open_app
from bot.config.models import Link
from bot.discord.client import FerryBot
from bot.discord.render import EMBED_DESCRIPTION_LIMIT, EMBED_TOTAL_LIMIT
from bot.models import Identity, IdentityKind, Source
from bot.services.export_cache import ExportCache
from bot.services.ratelimit import Limit
from bot.storage.tables import discord_views
from tests.bot.discord.fixtures import seed_directory, wait_for
from tests.support.discord_standin import DiscordStandin
from tests.support.services import Ticker


def embed_size(embed: dict) -> int:
    footer = (embed.get("footer") or {}).get("text", "")
    fields = sum(len(f["name"]) + len(f["value"]) for f in embed.get("fields", []))
    return len(embed.get("title", "")) + len(embed.get("description", "")) + len(footer) + fields


async def open_directory(standin: DiscordStandin, options: dict | None = None, user=None):
    world = standin.world
    h = await standin.invoke_slash(world.guild, user or world.member, "directory", options or {})
    response = await h.response()
    assert response.kind == "deferred message"
    [message] = await h.followups()
    return h, message


async def test_paging_back_and_forth(discord_standin: DiscordStandin, ferry: FerryBot) -> None:
    await seed_directory(ferry.app, 95, name=lambda n: f"**Mover** {n} @everyone <@&{n}> " + "_" * 40)
    _h, message = await open_directory(discord_standin)
    assert not message.ephemeral  # public by default
    [embed] = message.embeds
    assert embed["footer"]["text"].startswith("Page 1 of 10 · 95 handles")
    assert embed["description"].count("\n") == 9  # ten whole entries
    assert "\\*\\*Mover\\*\\*" in embed["description"] and "@\u200beveryone" in embed["description"]
    seen = set(embed["description"].splitlines())
    for page in range(2, 6):
        click = await discord_standin.click_button(
            message, message.custom_ids()[2], discord_standin.world.member
        )
        assert (await click.response()).kind == "deferred update"
        await click.updated()
        [embed] = discord_standin.message(message.id).embeds
        assert embed["footer"]["text"].startswith(f"Page {page} of 10")
        lines = set(embed["description"].splitlines())
        assert len(lines) == 10 and not lines & seen  # nothing repeated across pages
        seen |= lines
        assert len(embed["description"]) <= EMBED_DESCRIPTION_LIMIT and embed_size(embed) <= EMBED_TOTAL_LIMIT
    back = await discord_standin.click_button(message, message.custom_ids()[1], discord_standin.world.member)
    await back.updated()
    assert discord_standin.message(message.id).embeds[0]["footer"]["text"].startswith("Page 4 of 10")
    assert not discord_standin.message(message.id).pings.anyone


async def test_platform_select_filters_and_restarts(discord_standin: DiscordStandin, ferry: FerryBot) -> None:
    await seed_directory(ferry.app, 40)
    _, message = await open_directory(discord_standin)
    select_id = message.custom_ids()[0]
    pick = await discord_standin.select(message, select_id, ["lemon8"], discord_standin.world.member)
    assert (await pick.response()).kind == "deferred update"
    await pick.updated()
    [embed] = discord_standin.message(message.id).embeds
    assert embed["title"] == "The Movers: who moved to Lemon8"
    assert embed["footer"]["text"].startswith("Page 1 of 1 · 10 handles")
    assert "Bluesky" not in embed["description"]
    back = await discord_standin.select(message, select_id, ["*"], discord_standin.world.member)
    await back.updated()
    assert "40 handles" in discord_standin.message(message.id).embeds[0]["footer"]["text"]


async def test_filter_search_and_private(discord_standin: DiscordStandin, ferry: FerryBot) -> None:
    await seed_directory(ferry.app, 30)
    _, message = await open_directory(discord_standin, {"platform": "xhs"})
    assert "Nobody is listed yet" in message.embeds[0]["description"]
    _, message = await open_directory(discord_standin, {"search": "user0013", "private": True})
    assert message.ephemeral
    [embed] = message.embeds
    assert "1 handles" in embed["footer"]["text"] and "user0013.bsky.social" in embed["description"]


async def test_a_search_over_several_pages_is_paged_without_a_count(
    discord_standin: DiscordStandin, ferry: FerryBot
) -> None:
    """Counting a search's matches would read every candidate row on every page: the footer says
    whether more follow instead of "page n of m"."""
    await seed_directory(ferry.app, 30)
    _, message = await open_directory(discord_standin, {"search": "user00"})
    footers = [message.embeds[0]["footer"]["text"]]
    for _ in range(2):
        click = await discord_standin.click_button(
            message, message.custom_ids()[2], discord_standin.world.member
        )
        await click.updated()
        footers.append(discord_standin.message(message.id).embeds[0]["footer"]["text"])
    assert [footer.split(" · ")[:2] for footer in footers] == [
        ["Page 1", "more matches on the next page"],
        ["Page 2", "more matches on the next page"],
        ["Page 3", "last matches"],
    ]
    assert all("handles" not in footer and " of " not in footer for footer in footers)


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


async def test_someone_elses_directory_refuses_politely(
    discord_standin: DiscordStandin, ferry: FerryBot
) -> None:
    await seed_directory(ferry.app, 25)
    world = discord_standin.world
    _, message = await open_directory(discord_standin)
    click = await discord_standin.click_button(message, message.custom_ids()[2], world.admin)
    response = await click.response()
    assert response.ephemeral and "belongs to someone else" in response.content
    assert discord_standin.message(message.id).embeds[0]["footer"]["text"].startswith("Page 1 of 3")


async def test_paging_survives_rows_removed_meanwhile(
    discord_standin: DiscordStandin, ferry: FerryBot
) -> None:
    await seed_directory(ferry.app, 15)
    world = discord_standin.world
    _, message = await open_directory(discord_standin)
    async with ferry.app.database.transaction(write=True) as conn:
        await conn.exec_driver_sql("DELETE FROM entries WHERE handle_key >= 'user0010'")
    click = await discord_standin.click_button(message, message.custom_ids()[2], world.member)
    await click.updated()
    [embed] = discord_standin.message(message.id).embeds
    assert embed["footer"]["text"].startswith("Page 1 of 1 · 7 handles")


async def test_the_buttons_keep_working_past_the_view_timeout(
    discord_standin: DiscordStandin, ferry_app
) -> None:
    from tests.bot.discord.fixtures import make_bot

    await seed_directory(ferry_app, 15)
    async with discord_standin.running(make_bot(discord_standin, ferry_app, view_timeout=0.1)):
        _, message = await open_directory(discord_standin)
        await asyncio.sleep(0.3)  # confirmations would have expired by now; the directory does not
        current = discord_standin.message(message.id)
        assert not any(c.get("disabled") for row in current.components for c in row["components"][2:])
        click = await discord_standin.click_button(
            current, current.custom_ids()[2], discord_standin.world.member
        )
        await click.updated()
        assert discord_standin.message(message.id).embeds[0]["footer"]["text"].startswith("Page 2 of 2")


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


async def test_walking_every_page_of_a_thousand_entries(
    discord_standin: DiscordStandin, ferry: FerryBot
) -> None:
    await seed_directory(ferry.app, 1000, name=lambda n: "<@&1> **x** " * 20)
    world = discord_standin.world
    _, message = await open_directory(discord_standin, {"private": True})
    next_id = message.custom_ids()[2]
    handles: set[str] = set()
    for page in range(1, 101):
        current = discord_standin.message(message.id)
        [embed] = current.embeds
        assert embed["footer"]["text"].startswith(f"Page {page} of 100 · 1000 handles")
        assert len(embed["description"]) <= EMBED_DESCRIPTION_LIMIT and embed_size(embed) <= EMBED_TOTAL_LIMIT
        handles |= {line.split(" · ")[1].split(" — ")[0] for line in embed["description"].splitlines()}
        buttons = {c["custom_id"]: c for row in current.components for c in row["components"]}
        if page == 100:
            assert buttons[next_id].get("disabled")
            break
        click = await discord_standin.click_button(current, next_id, world.member)
        await click.updated()
    assert len(handles) == 1000  # every entry exactly once, none cut mid-way


async def test_buttons_of_a_message_from_before_a_restart_still_work(
    discord_standin: DiscordStandin, ferry_app: App
) -> None:
    from tests.bot.discord.fixtures import make_bot

    await seed_directory(ferry_app, 25)
    world = discord_standin.world
    async with discord_standin.running(make_bot(discord_standin, ferry_app)):
        _, message = await open_directory(discord_standin)
        click = await discord_standin.click_button(message, message.custom_ids()[2], world.member)
        await click.updated()
    # Another process (a new client and a new App on the same database) after a restart.
    async with (
        open_app(ferry_app.settings) as later,
        discord_standin.running(make_bot(discord_standin, later, orphan_reply_delay=0.3)),
    ):
        current = discord_standin.message(message.id)
        click = await discord_standin.click_button(current, current.custom_ids()[2], world.member)
        assert (await click.response()).kind == "deferred update"
        await click.updated()
        assert discord_standin.message(message.id).embeds[0]["footer"]["text"].startswith("Page 3 of 3")
        back = await discord_standin.click_button(current, current.custom_ids()[1], world.member)
        await back.updated()
        assert discord_standin.message(message.id).embeds[0]["footer"]["text"].startswith("Page 2 of 3")
        pick = await discord_standin.select(current, current.custom_ids()[0], ["lemon8"], world.member)
        await pick.updated()
        [embed] = discord_standin.message(message.id).embeds
        assert embed["title"].endswith("moved to Lemon8") and embed["footer"]["text"].startswith(
            "Page 1 of 1"
        )
        # Whoever opened it still owns it: the permission is checked on every press.
        other = await discord_standin.select(current, current.custom_ids()[0], ["*"], world.admin)
        assert (await other.response()).content.startswith("This list belongs to someone else")
        await asyncio.sleep(0.4)  # past the orphan delay: no second acknowledgement may follow


async def test_a_button_whose_server_changed_community_or_whose_state_is_gone_says_so(
    discord_standin: DiscordStandin, ferry: FerryBot
) -> None:
    await seed_directory(ferry.app, 15)
    world = discord_standin.world
    _, message = await open_directory(discord_standin)
    config = ferry.app.config()
    movers = config.communities["movers"]
    elsewhere = movers.model_copy(update={"slug": "elsewhere"})
    ferry.app.config.current = config.build(
        catalogue=config.catalogue,
        communities=[movers.model_copy(update={"discord_guild_ids": ()}), elsewhere],
        defaults=config.defaults,
    )
    assert ferry.community(world.guild.id).slug == "elsewhere"
    click = await discord_standin.click_button(message, message.custom_ids()[2], world.member)
    assert (await click.response()).content.startswith("These buttons no longer work")
    ferry.app.config.current = config
    async with ferry.app.database.transaction(write=True) as conn:
        await conn.execute(discord_views.delete())
    click = await discord_standin.click_button(message, message.custom_ids()[2], world.member)
    assert (await click.response()).content.startswith("These buttons no longer work")


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


async def test_two_quick_clicks_move_two_pages(discord_standin: DiscordStandin, ferry: FerryBot) -> None:
    """Clicks that arrive together are applied one after the other, none lost or doubled."""
    await seed_directory(ferry.app, 45)
    world = discord_standin.world
    _, message = await open_directory(discord_standin)
    next_id = message.custom_ids()[2]
    before = len(discord_standin.message(message.id).versions)
    clicks = await asyncio.gather(
        discord_standin.click_button(message, next_id, world.member),
        discord_standin.click_button(message, next_id, world.member),
    )
    for click in clicks:
        assert (await click.response()).kind == "deferred update"
    await wait_for(lambda: len(discord_standin.message(message.id).versions) >= before + 2)
    footer = discord_standin.message(message.id).embeds[0]["footer"]["text"]
    assert footer.startswith("Page 3 of 5")


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
