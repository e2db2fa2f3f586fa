"""/directory's buttons and select end to end: paging, filtering, ownership, restarts and races."""

from __future__ import annotations

import asyncio

from bot.app import App, open_app
from bot.discord.client import FerryBot
from bot.discord.render import EMBED_DESCRIPTION_LIMIT, EMBED_TOTAL_LIMIT
from bot.storage.tables import discord_views
from tests.bot.discord.fixtures import embed_size, open_directory, seed_directory, wait_for
from tests.support.discord_standin import DiscordStandin


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
