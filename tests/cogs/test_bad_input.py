"""Bad input of every class in security.md §8.1: echoed back escaped, never pinging, never breaking a page."""

from __future__ import annotations

import re

import pytest

from bot.discord.client import FerryBot
from bot.models import EVERY_VISIBILITY
from tests.bot.discord.fixtures import seed_directory
from tests.support.discord_standin import DiscordStandin

MENTIONS = "@everyone @here <@&{role}> <@{user}> <#{channel}> @\u200beveryone ＠everyone"
MARKDOWN = "**b** __u__ ~~s~~ ||x|| `c` > q # h -# s [bsky.app/profile/x](https://evil.example) ]("


def assert_inert(text: str, role: int, user: int, channel: int) -> None:
    assert f"<@&{role}>" not in text and f"<@{user}>" not in text and f"<#{channel}>" not in text
    assert "@everyone" not in text.replace("@\u200beveryone", "") and "@here" not in text.replace(
        "@\u200bhere", ""
    )
    assert "**b**" not in text and "](https://evil.example)" not in text.replace("\\[", "").replace(
        "\\]", "]x"
    )


@pytest.fixture
def nasty(discord_standin: DiscordStandin) -> str:
    world = discord_standin.world
    return (
        MENTIONS.format(role=world.admin_role.id, user=world.admin.id, channel=world.general.id)
        + " "
        + MARKDOWN
    )


async def test_a_platform_name_full_of_mentions_and_markdown(
    discord_standin: DiscordStandin, ferry: FerryBot, nasty: str
) -> None:
    world = discord_standin.world
    h = await discord_standin.invoke_slash(
        world.guild, world.member, "handle add", {"platform": nasty[:100], "handle": "x"}
    )
    [message] = await h.followups()
    assert message.allowed_mentions == {"parse": []}
    assert message.content.startswith("I don't know the platform")
    assert_inert(message.content, world.admin_role.id, world.admin.id, world.general.id)
    assert not message.pings.anyone


@pytest.mark.parametrize(
    "handle",
    [
        "\u202ealice.bsky.social",
        "ali\u200bce.bsky.social",
        "alice.bsky.social\u2066",
        "alice\ufeff.bsky.social",
        "al\u00adice.bsky.social",
        "alice\U000e0041.bsky.social",
        "alice\ufe0f.bsky.social",
        "a\u0301\u0301\u0301\u0301\u0301\u0301lice.bsky.social",
        "alice\x00.bsky.social",
        "pаypal.bsky.social",  # Cyrillic а
        "javascript:alert(1)",
        "data:text/html,hi",
        "file:///etc/passwd",
        "://alice.bsky.social",
        "' OR 1=1 --",
        '"; DROP TABLE entries; --',
        "a" * 512,
        "",
    ],
)
async def test_bad_handles_are_refused_specifically(
    discord_standin: DiscordStandin, ferry: FerryBot, handle: str
) -> None:
    world = discord_standin.world
    if not handle:
        handle = " "
    h = await discord_standin.invoke_slash(
        world.guild, world.member, "handle add", {"platform": "bluesky", "handle": handle}
    )
    [message] = await h.followups()
    assert message.ephemeral and message.content.startswith("That isn't a valid Bluesky handle:"), (
        message.content
    )
    assert await ferry.app.directory.counts(visibilities=EVERY_VISIBILITY, community="movers") == {}


async def test_display_names_and_searches_are_escaped_everywhere(
    discord_standin: DiscordStandin, ferry: FerryBot, nasty: str
) -> None:
    world = discord_standin.world
    user = discord_standin.add_user("nasty", global_name=nasty + "\u202e" + "z" * 5000)
    discord_standin.add_member(world.guild, user)
    h = await discord_standin.invoke_slash(
        world.guild, user, "handle add", {"platform": "bluesky", "handle": "nasty.bsky.social"}
    )
    await h.followups()

    for options in ({}, {"search": nasty[:100]}, {"search": "nasty"}):
        h = await discord_standin.invoke_slash(world.guild, world.member, "directory", options)
        [message] = await h.followups()
        [embed] = message.embeds
        assert_inert(
            embed["description"] + embed["title"], world.admin_role.id, world.admin.id, world.general.id
        )
        assert "\u202e" not in embed["description"] and not message.pings.anyone

    h = await discord_standin.invoke_slash(world.guild, world.member, "handle list", {"member": user})
    [message] = await h.followups()
    assert_inert(message.embeds[0]["title"], world.admin_role.id, world.admin.id, world.general.id)


async def test_old_bad_rows_do_not_break_the_directory(
    discord_standin: DiscordStandin, ferry: FerryBot
) -> None:
    await seed_directory(ferry.app, 3)
    async with ferry.app.database.transaction(write=True) as conn:
        # Rows written before today's validation: a scheme, brackets and a huge handle.
        await conn.exec_driver_sql(
            "UPDATE entries SET handle = 'javascript:alert(1))[x](https://evil)' WHERE id = 2"
        )
        await conn.exec_driver_sql("UPDATE entries SET handle = ? WHERE id = 3", ("_" * 4000,))
    world = discord_standin.world
    h = await discord_standin.invoke_slash(world.guild, world.member, "directory")
    [message] = await h.followups()
    [embed] = message.embeds
    # The text stays visible but is never a masked link (an unescaped "[text](url)").
    assert re.search(r"(?<!\\)\[[^\]]*\]\(https://evil", embed["description"]) is None
    assert "\\[x](https://evil)" in embed["description"]
    assert "](https://bsky.app/profile/javascript" not in embed["description"]
    assert len(embed["description"]) <= 4096 and embed["description"].count("\n") == 2
