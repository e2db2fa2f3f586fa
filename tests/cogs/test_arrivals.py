"""New-arrival notes: batched per interval, posted without pings, only where configured."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import pytest

from bot.app import App
from bot.discord.client import FerryBot
from bot.models import Identity, IdentityKind, Source
from tests.bot.discord.fixtures import make_bot, wait_for
from tests.support.discord_standin import DiscordStandin


async def test_a_burst_of_registrations_becomes_one_note(
    discord_standin: DiscordStandin, ferry: FerryBot
) -> None:
    world = discord_standin.world
    users = []
    for n in range(8):
        user = discord_standin.add_user(f"arrival{n}", global_name=f"@everyone <@&{world.admin_role.id}> {n}")
        discord_standin.add_member(world.guild, user)
        users.append(user)
    handles = await asyncio.gather(
        *(
            discord_standin.invoke_slash(
                world.guild, user, "handle add", {"platform": "bluesky", "handle": f"arrival{n}.bsky.social"}
            )
            for n, user in enumerate(users)
        )
    )
    for h in handles:
        await h.followups()
    await wait_for(lambda: len(discord_standin.messages(world.new_arrivals)) == 1)
    await asyncio.sleep(0.3)  # one interval more: nothing else may follow
    [note] = discord_standin.messages(world.new_arrivals)
    [embed] = note.embeds
    assert embed["title"] == "New arrivals"
    assert embed["description"].count("\n") == 7 and "arrival7.bsky.social" in embed["description"]
    assert "@\u200beveryone" in embed["description"] and not note.pings.anyone
    assert note.allowed_mentions == {"parse": []}


async def test_replacing_a_handle_is_not_an_arrival(discord_standin: DiscordStandin, ferry: FerryBot) -> None:
    world = discord_standin.world
    for handle in ("first.bsky.social", "second.bsky.social"):
        h = await discord_standin.invoke_slash(
            world.guild, world.member, "handle add", {"platform": "bluesky", "handle": handle}
        )
        await h.followups()
        await asyncio.sleep(0.35)
    [note] = discord_standin.messages(world.new_arrivals)
    assert "first.bsky.social" in note.embeds[0]["description"]


async def test_arrivals_from_other_fronts_are_announced(
    discord_standin: DiscordStandin, ferry: FerryBot
) -> None:
    """A registration at the console (or Bluesky, or an import) reaches the server's channel too."""
    world = discord_standin.world
    await ferry.app.directory.register(
        community=ferry.community(world.guild.id).slug,
        identity=Identity(IdentityKind.CONSOLE, "walk-in"),
        display_name="Walk-in",
        platform="bluesky",
        handle="walkin.bsky.social",
        source=Source.CONSOLE,
    )
    await ferry.get_cog("Arrivals").flush(world.guild.id)  # type: ignore[union-attr]
    [note] = discord_standin.messages(world.new_arrivals)
    assert "walkin.bsky.social" in note.embeds[0]["description"]


async def test_a_hidden_member_is_not_announced(discord_standin: DiscordStandin, ferry: FerryBot) -> None:
    world = discord_standin.world
    slug = ferry.community(world.guild.id).slug
    quiet = Identity(IdentityKind.CONSOLE, "quiet")
    register = ferry.app.directory.register
    await register(
        community=slug,
        identity=quiet,
        display_name="Q",
        platform="lemon8",
        handle="q1",
        source=Source.CONSOLE,
    )
    await ferry.get_cog("Arrivals").flush(world.guild.id)  # type: ignore[union-attr]
    announced = len(discord_standin.messages(world.new_arrivals))
    await ferry.app.moderation.set_hidden(community=slug, identity=quiet, hidden=True, actor="admin")
    await register(
        community=slug,
        identity=quiet,
        display_name="Q",
        platform="bluesky",
        handle="q.bsky.social",
        source=Source.CONSOLE,
    )
    await ferry.get_cog("Arrivals").flush(world.guild.id)  # type: ignore[union-attr]
    assert len(discord_standin.messages(world.new_arrivals)) == announced


@pytest.fixture
async def slow_ferry(discord_standin: DiscordStandin, ferry_app: App) -> AsyncIterator[FerryBot]:
    """A bot whose notes wait far longer than the test: only an explicit flush sends them."""
    bot = make_bot(discord_standin, ferry_app, arrivals_interval=3600.0)
    async with discord_standin.running(bot):
        yield bot


async def test_a_note_leaves_out_what_changed_while_it_waited(
    discord_standin: DiscordStandin, slow_ferry: FerryBot
) -> None:
    world = discord_standin.world
    slug = slow_ferry.community(world.guild.id).slug
    app = slow_ferry.app
    people = {
        name: Identity(IdentityKind.CONSOLE, name) for name in ("kept", "erased", "hidden", "banned", "gone")
    }
    for name, identity in people.items():
        await app.directory.register(
            community=slug,
            identity=identity,
            display_name=name.title(),
            platform="lemon8",
            handle=f"{name}.cook",
            source=Source.CONSOLE,
        )
    await app.directory.register(
        community=slug,
        identity=people["kept"],
        display_name="Kept",
        platform="bluesky",
        handle="kept.bsky.social",
        source=Source.CONSOLE,
    )
    await app.directory.forget(community=slug, identity=people["erased"])
    await app.moderation.set_hidden(community=slug, identity=people["hidden"], hidden=True, actor="admin")
    await app.moderation.ban(community=slug, identity=people["banned"], actor="admin")
    await app.directory.remove(community=slug, identity=people["gone"], platform="lemon8")
    await app.directory.register(  # a typo corrected before the note went out
        community=slug,
        identity=people["kept"],
        display_name="Kept",
        platform="bluesky",
        handle="kept.example.com",
        source=Source.CONSOLE,
    )
    assert discord_standin.messages(world.new_arrivals) == []

    await slow_ferry.get_cog("Arrivals").flush(world.guild.id)  # type: ignore[union-attr]
    [note] = discord_standin.messages(world.new_arrivals)
    lines = note.embeds[0]["description"].splitlines()
    assert len(lines) == 2
    assert "kept.cook" in lines[0] and "kept.example.com" in lines[1]
    for name in ("erased", "hidden", "banned", "gone"):
        assert name not in note.embeds[0]["description"].casefold()


async def test_unloading_cancels_a_batch_that_is_already_being_sent(
    discord_standin: DiscordStandin, ferry: FerryBot, monkeypatch: pytest.MonkeyPatch
) -> None:
    world = discord_standin.world
    cog = ferry.get_cog("Arrivals")
    assert cog is not None
    reading = asyncio.Event()

    async def slow_check(entries: list) -> list:
        reading.set()
        await asyncio.sleep(3600)  # the batch is mid-flush when the cog unloads
        return entries

    monkeypatch.setattr(cog, "_still_shown", slow_check)
    h = await discord_standin.invoke_slash(
        world.guild, world.member, "handle add", {"platform": "bluesky", "handle": "late.bsky.social"}
    )
    await h.followups()
    await asyncio.wait_for(reading.wait(), timeout=5)
    [flushing] = [t for t in asyncio.all_tasks() if t.get_name() == f"arrivals:{world.guild.id}"]
    await ferry.remove_cog("Arrivals")
    assert flushing.cancelled()  # not left to post after the bot has started closing
    assert discord_standin.messages(world.new_arrivals) == []
