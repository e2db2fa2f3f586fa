"""/ferry reload and the config watch end to end: a change reaches /links and the text front live."""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path

from bot.config.reload import ReloadOutcome
from bot.config.watch import ConfigWatcher
from bot.discord.client import FerryBot
from bot.discord.render import clean
from bot.models import Identity, IdentityKind, Source
from bot.text.handler import TextCommands, TextContext
from tests.support.discord_standin import DiscordStandin, User

NEW_LINK = """
[[communities.links]]
label = "Our Lemon8 club"
platform = "lemon8"
url = "https://www.lemon8-app.com/movers"
note = "Ask to join"
"""


def edit(path: Path, change: Callable[[str], str]) -> None:
    """Rewrite the file with a later modification time: quick writes can share a coarse one."""
    mtime = path.stat().st_mtime_ns
    path.write_text(change(path.read_text(encoding="utf-8")), encoding="utf-8")
    later = mtime + 10**9
    os.utime(path, ns=(later, later))


async def settled(watcher: ConfigWatcher) -> ReloadOutcome:
    """Two looks: the first sees the change, the second finds it settled and reloads."""
    assert await watcher.poll() is None
    outcome = await watcher.poll()
    assert outcome is not None
    return outcome


async def reload(standin: DiscordStandin, user: User | None = None):
    h = await standin.invoke_slash(standin.world.guild, user or standin.world.admin, "ferry reload")
    response = await h.response()
    assert response.ephemeral and response.deferred
    [message] = await h.followups()
    return message


def shown(message) -> str:
    """A reload report across its embeds as Discord shows it: ``\\[`` reads ``[``, ``\\:`` reads ``:``."""
    return (
        "\n".join(embed.get("description", "") for embed in message.embeds)
        .replace("\\[", "[")
        .replace("\\:", ":")
    )


def report(message) -> list[str]:
    """The lines of a reload report, across its embeds."""
    return shown(message).splitlines()


async def text_links(ferry: FerryBot) -> str:
    ctx = TextContext(
        community="movers",
        identity=Identity(IdentityKind.CONSOLE, "alice"),
        display_name="alice",
        source=Source.CONSOLE,
        budget=2000,
    )
    return await TextCommands(ferry.app.directory, ferry.app.moderation).answer("links", ctx)


async def links_fields(standin: DiscordStandin) -> list[str]:
    h = await standin.invoke_slash(standin.world.guild, standin.world.member, "links")
    [embed] = (await h.response()).embeds
    return [field["name"] for field in embed["fields"]]


async def test_a_watched_change_reaches_links_without_a_restart(
    discord_standin: DiscordStandin, ferry: FerryBot, config_file: Path
) -> None:
    watcher = ConfigWatcher(ferry.app.reloader, ferry.app.config, interval=1.0)
    assert "Our Lemon8 club" not in await text_links(ferry)
    edit(config_file, lambda text: text + NEW_LINK)
    outcome = await settled(watcher)
    assert outcome.ok and outcome.changes.keys == ("communities[movers].links",)

    assert (await links_fields(discord_standin))[-1] == "Our Lemon8 club · Lemon8"
    answer = await text_links(ferry)
    assert "• Our Lemon8 club · Lemon8: https://www.lemon8-app.com/movers — Ask to join" in answer


async def test_a_rejected_change_keeps_the_old_config_and_reload_shows_why(
    discord_standin: DiscordStandin, ferry: FerryBot, config_file: Path
) -> None:
    watcher = ConfigWatcher(ferry.app.reloader, ferry.app.config, interval=1.0)
    running = ferry.app.config()
    edit(
        config_file,
        lambda text: (
            text.replace("[communities.channels]", 'colour = "**red**"\n[communities.channels]').replace(
                'url = "https://bsky.app', 'url = "javascript://bsky.app'
            )
            + NEW_LINK
        ),
    )
    rejected = await settled(watcher)
    assert len(rejected.problems) == 2 and ferry.app.config() is running
    assert "Our Lemon8 club · Lemon8" not in await links_fields(discord_standin)  # the old links stay

    message = await reload(discord_standin)
    text = shown(message)
    assert "The config has 2 problem(s); the previous config stays in force." in text
    assert "The config in force was loaded <t:" in text
    assert "The reload after a file change was rejected <t:" in text and "(2 problem(s))" in text
    assert "communities[movers].colour: unknown key" in text
    assert "communities[movers].links[0].url: URL must start with https://" in text
    assert "**red**" not in text  # a value from the file is never shown
    assert ferry.app.config() is running

    edit(
        config_file,
        lambda text: text.replace('colour = "**red**"\n', "").replace("javascript://", "https://"),
    )
    message = await reload(discord_standin)
    lines = report(message)
    assert lines[0] == "Config reloaded: 1 file(s), 1 communities."
    assert lines[1] == "Keys changed: communities[movers].links."
    assert lines[2].startswith("The reload after a file change was rejected <t:")  # the earlier failure
    assert ferry.app.reloader.last_failure is None


async def test_reload_reports_what_changed_and_what_waits_for_a_restart(
    discord_standin: DiscordStandin, ferry: FerryBot, config_file: Path
) -> None:
    before = ferry.app.config()
    edit(
        config_file,
        lambda text: "[web]\nport = 9999\n\n" + text.replace('name = "The Movers"', 'name = "The Big Move"'),
    )
    message = await reload(discord_standin)
    assert report(message) == [
        "Config reloaded: 1 file(s), 1 communities.",
        "Keys changed: communities[movers].name, web.port.",
        "These apply only after a restart of the bot: web.port.",
    ]
    assert ferry.app.config() is not before
    assert ferry.community(discord_standin.world.guild.id).name == "The Big Move"

    message = await reload(discord_standin)
    assert report(message)[1:] == ["Nothing changed."]


async def test_reload_in_chinese(discord_standin: DiscordStandin, ferry: FerryBot, config_file: Path) -> None:
    edit(config_file, lambda text: text.replace("[communities.channels]", "x = 1\n[communities.channels]"))
    h = await discord_standin.invoke_slash(
        discord_standin.world.guild, discord_standin.world.admin, "ferry reload", locale="zh-CN"
    )
    [message] = await h.followups()
    text = "\n".join(embed.get("description", "") for embed in message.embeds)
    assert "配置有 1 个问题；继续使用之前的配置。" in text and "当前使用的配置载入于 <t:" in text


OTHER_COMMUNITY = """
[[communities]]
slug = "elsewhere"
name = "Elsewhere"
"""


async def test_an_admin_sees_their_community_and_the_global_sections_the_owner_everything(
    discord_standin: DiscordStandin, ferry: FerryBot, config_file: Path
) -> None:
    edit(
        config_file,
        lambda text: (
            text.replace('community = "movers"', 'community = "movers"\noops = 1').replace(
                "[communities.channels]", "colour = 1\n[communities.channels]"
            )
            + OTHER_COMMUNITY
            + "moving_plans = 1\n"
        ),
    )
    admin_view = "\n".join(report(await reload(discord_standin)))
    assert "The config has 3 problem(s)" in admin_view
    assert "Problems about other communities are not shown: 1." in admin_view
    assert "ferry.toml:defaults.oops: unknown key" in admin_view
    assert "ferry.toml:communities[movers].colour: unknown key" in admin_view
    assert "elsewhere" not in admin_view and "moving\\_plans" not in admin_view
    assert str(config_file.parent) not in admin_view

    owner_view = "\n".join(report(await reload(discord_standin, discord_standin.world.owner)))
    assert "not shown" not in owner_view
    assert f"{clean(str(config_file))}:communities[elsewhere].moving\\_plans: unknown key" in owner_view

    edit(
        config_file,
        lambda text: (
            text.replace("oops = 1\n", "")
            .replace("colour = 1\n", "")
            .replace("moving_plans = 1\n", "")
            .replace('name = "The Movers"', 'name = "The Big Move"')
        ),
    )
    assert report(await reload(discord_standin)) == [
        "Config reloaded: 1 file(s), 2 communities.",
        "Keys changed: communities[movers].name.",
    ]

    edit(
        config_file,
        lambda text: text.replace('"Elsewhere"', '"Far Away"') + OTHER_COMMUNITY.replace("else", "yon"),
    )
    assert report(await reload(discord_standin, discord_standin.world.owner)) == [
        "Config reloaded: 1 file(s), 3 communities.",
        "Communities added: yonwhere.",
        "Keys changed: communities[elsewhere].name.",
    ]


async def test_a_long_reload_report_says_what_is_only_in_the_file(
    discord_standin: DiscordStandin, ferry: FerryBot, config_file: Path
) -> None:
    unknown = "".join(f"unknown_key_number_{n:02} = 1\n" for n in range(40))
    edit(config_file, lambda text: text.replace("[communities.channels]", unknown + "[communities.channels]"))
    message = await reload(discord_standin)
    lines = report(message)
    listed = sum("unknown\\_key\\_number" in line for line in lines)
    assert 0 < listed < 40
    assert lines[-1] == f"…and {40 - listed} more lines in the attached file."
    [attachment] = message.attachments
    text = attachment.data.decode()
    assert text.count("unknown key") == 40 and str(config_file.parent) not in text
