"""Bad input of every class in security.md §8.1: echoed back escaped, never pinging, never breaking a page."""

from __future__ import annotations

import re

import pytest

from bot.discord.client import FerryBot
from bot.models import EVERY_VISIBILITY
from bot.services.names import NEUTRAL_NAME
from tests.bot.discord.fixtures import seed_directory
from tests.support.discord_standin import DiscordStandin, FileOption

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
        "xn--80ak6aa92e.com",  # punycode for Cyrillic look-alikes of apple.com
        "xn--pypal-4ve.bsky.social",
        "ⓐⓛⓘⓒⓔ.bsky.social",  # circled letters: refused, not folded into "alice"
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
    assert "\\[x](https\\://evil)" in embed["description"]
    assert "](https://bsky.app/profile/javascript" not in embed["description"]
    assert len(embed["description"]) <= 4096 and embed["description"].count("\n") == 2


def _linkable(text: str) -> list[str]:
    """What Discord would turn into a link: a scheme and "//" side by side (an escaped colon is no link)."""
    return re.findall(r"(?<!\\)\b[a-z][a-z0-9+.-]*://\S+", text, flags=re.IGNORECASE)


async def test_a_url_in_a_name_is_never_a_live_link(discord_standin: DiscordStandin, ferry: FerryBot) -> None:
    world = discord_standin.world
    user = discord_standin.add_user("prize", global_name="Claim prize https://evil.example/__login__")
    discord_standin.add_member(world.guild, user)
    h = await discord_standin.invoke_slash(
        world.guild, user, "handle add", {"platform": "bluesky", "handle": "prize.bsky.social"}
    )
    await h.followups()
    h = await discord_standin.invoke_slash(world.guild, world.member, "directory")
    [message] = await h.followups()
    [embed] = message.embeds
    description = embed["description"]
    assert "Claim prize https\\://evil.example/\\_\\_login\\_\\_" in description
    # The handle's own link, built from the platform's template, is the only link left.
    assert _linkable(description) == ["https://bsky.app/profile/prize.bsky.social)"]


@pytest.mark.parametrize("invisible", ["\u3164", "\u200b\u200d", "\u2800"])
async def test_a_name_with_nothing_visible_falls_back_to_the_username_never_the_id(
    discord_standin: DiscordStandin, ferry: FerryBot, invisible: str
) -> None:
    world = discord_standin.world
    user = discord_standin.add_user("blank_user", global_name=invisible)
    discord_standin.add_member(world.guild, user)
    h = await discord_standin.invoke_slash(
        world.guild, user, "handle add", {"platform": "bluesky", "handle": "blank.bsky.social"}
    )
    await h.followups()
    h = await discord_standin.invoke_slash(world.guild, world.member, "directory")
    [message] = await h.followups()
    [embed] = message.embeds
    assert "— blank\\_user" in embed["description"]
    assert str(user.id) not in embed["description"] and NEUTRAL_NAME not in embed["description"]


async def test_member_suggestions_answer_hostile_text_and_only_for_admins(
    discord_standin: DiscordStandin, ferry: FerryBot, nasty: str
) -> None:
    # discord.py runs no command checks for autocomplete: a member shown /ferry must learn nothing.
    world = discord_standin.world
    await seed_directory(ferry.app, 3, name=lambda n: f"{nasty[:60]} {n}")
    for typed in ("", nasty[:100], "%", "_", "\\"):
        found = await discord_standin.invoke_autocomplete(
            world.guild, world.member, "ferry hide", {"member": typed}, "member"
        )
        assert found == [], typed
    found = await discord_standin.invoke_autocomplete(
        world.guild, world.admin, "ferry hide", {"member": ""}, "member"
    )
    assert len(found) == 3 and all(len(choice["name"]) <= 100 for choice in found)


@pytest.mark.parametrize(
    ("locale", "content", "expected"),
    [
        ("en-US", b"platform,handle\nbluesky,x.bsky.social\n", "Invalid header row: it needs a discord_id"),
        (
            "zh-CN",
            b"platform,handle\nbluesky,x.bsky.social\n",
            "无效的表头：需要 discord_id、bluesky_did 或 name 列",
        ),
        ("zh-CN", b"", "无效的文件：文件是空的。"),
    ],
)
async def test_a_refused_import_file_is_worded_in_the_admins_language(
    discord_standin: DiscordStandin, ferry: FerryBot, locale: str, content: bytes, expected: str
) -> None:
    world = discord_standin.world
    h = await discord_standin.invoke_slash(
        world.guild, world.admin, "ferry import", {"file": FileOption("bad.csv", content)}, locale=locale
    )
    [message] = await h.followups()
    assert message.content.startswith(expected), message.content
    if locale == "zh-CN":
        assert not any(word in message.content for word in ("needs", "column", "empty", "file is"))
