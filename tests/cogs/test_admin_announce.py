"""/ferry announce end to end on the stand-in: preview, Send, the channel post and the delivery report."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import discord
import pytest

from bot.config import FerryConfig, load_config
from bot.config.announce import AnnouncementConfig
from bot.discord.announcer import escaped_lines, messages_for
from bot.discord.client import FerryBot
from bot.discord.render import EMBED_TOTAL_LIMIT, EMBEDS_PER_MESSAGE, FIELD_VALUE_LIMIT, message_size
from bot.services.announcements import Announcement, Cut, Delivery
from cogs.admin_announce import AnnounceCommands, cut_notes, preview_embeds
from tests.bot.discord.fixtures import wait_for
from tests.support.discord_standin import DefaultWorld, DiscordStandin

# Markdown characters double when escaped, so this template needs several messages on Discord.
LONG_LINES = "\n".join(f"Step {n}: pack *carefully* and __label__ every box ({'~' * 40})" for n in range(20))
TEMPLATE = "{community} moves @everyone <@&1> **now**\n{message}\n{links}\n" + LONG_LINES


@pytest.fixture
def config_file(config_file: Path, discord_world: DefaultWorld) -> Path:
    text = config_file.read_text(encoding="utf-8")
    channels = f"[communities.channels]\nannouncements = {discord_world.announcements.id}\n"
    text = text.replace("[communities.channels]\n", channels)
    text += f'\n[communities.announcement]\ntemplate = """{TEMPLATE}"""\n'
    config_file.write_text(text, encoding="utf-8")
    return config_file


def without_channel(path: Path) -> FerryConfig:
    text = path.read_text(encoding="utf-8")
    path.write_text(text.replace("announcements = ", "# announcements = "), encoding="utf-8")
    return load_config(path)


async def preview(standin: DiscordStandin, options: dict[str, str] | None = None):
    h = await standin.invoke_slash(standin.world.guild, standin.world.admin, "ferry announce", options)
    response = await h.response()
    assert response.ephemeral and response.deferred
    [message] = await h.followups()
    return message


async def test_preview_then_send_posts_in_the_channel_without_pinging(
    discord_standin: DiscordStandin, ferry: FerryBot
) -> None:
    world = discord_standin.world
    message = await preview(discord_standin, {"message": "Bring **tape** <@123>"})
    assert message.content == f"This is what Send posts to <#{world.announcements.id}> on Discord."
    preview_text = "\n".join(embed.get("description", "") for embed in message.embeds)
    assert preview_text.startswith("The Movers moves @\u200beveryone <\u200b@&1> \\*\\*now\\*\\*\n")
    assert discord_standin.messages(world.announcements) == []  # nothing is posted before Send

    click = await discord_standin.click_button(message, message.custom_ids()[0], world.admin)
    assert (await click.response()).kind == "deferred update"
    await wait_for(lambda: discord_standin.message(message.id).components == [])

    posted = discord_standin.messages(world.announcements)
    assert len(posted) > 1  # the long template was split, each part within Discord's limits
    for part in posted:
        assert len(part.content) <= 2000
        assert part.allowed_mentions == {"parse": []}
        assert not part.pings.anyone
        assert part.flags & 4  # SUPPRESS_EMBEDS: no preview card per link
    content = "\n".join(part.content for part in posted)
    assert content.startswith(
        "The Movers moves @\u200beveryone <\u200b@&1> \\*\\*now\\*\\*\nBring \\*\\*tape\\*\\* <\u200b@123>"
    )
    assert "• Our Bluesky starter pack: https://bsky.app/starter-pack/movers.bsky.social/3abc" in content
    assert content.endswith(
        "Step 19: pack \\*carefully\\* and \\_\\_label\\_\\_ every box (" + "\\~" * 40 + ")"
    )

    report = discord_standin.message(message.id).content
    guild, channel, first = world.guild.id, world.announcements.id, posted[0].id
    assert report == f"✅ Discord: posted https://discord.com/channels/{guild}/{channel}/{first}"


async def test_a_failed_publisher_is_reported_next_to_the_others(
    discord_standin: DiscordStandin, ferry: FerryBot
) -> None:
    class Off:
        name = "bluesky"

        def parts_needed(self, text: str) -> tuple[int, int]:
            return 1, 15

        async def publish(self, announcement: Announcement, *, key: str) -> Delivery:
            return Delivery(publisher="bluesky", ok=False, where="", error="disabled")

    unregister = ferry.app.announcements.register(Off())
    try:
        message = await preview(discord_standin)
        click = await discord_standin.click_button(
            message, message.custom_ids()[0], discord_standin.world.admin
        )
        await click.response()
        await wait_for(lambda: discord_standin.message(message.id).components == [])
    finally:
        unregister()
    report = discord_standin.message(message.id).content.splitlines()
    assert report[0].startswith("✅ Discord: posted https://discord.com/channels/")
    assert report[1] == "❌ Bluesky: not posted, posting on Bluesky is off for this community."


async def test_without_a_channel_the_answer_says_what_to_configure(
    discord_standin: DiscordStandin, ferry: FerryBot, config_file: Path
) -> None:
    ferry.app.config.current = without_channel(config_file)
    message = await preview(discord_standin)
    assert "set `announcements` under `[communities.channels]`" in message.content
    assert message.components == []  # no Send button when nothing would be posted
    assert message.embeds  # the preview is still shown


async def test_the_same_key_posts_once(discord_standin: DiscordStandin, ferry: FerryBot) -> None:
    announcement = await ferry.app.announcements.compose("movers", "short")
    first = await ferry.app.announcements.publish(announcement, key="schedule:weekly:2026-01-12T00:00:00Z")
    count = len(discord_standin.messages(discord_standin.world.announcements))
    again = await ferry.app.announcements.publish(announcement, key="schedule:weekly:2026-01-12T00:00:00Z")
    assert again == first and first[0].ok
    assert len(discord_standin.messages(discord_standin.world.announcements)) == count


async def test_the_message_option_has_the_service_cap(
    discord_standin: DiscordStandin, ferry: FerryBot
) -> None:
    command = discord_standin.command("ferry", guild=discord_standin.world.guild)
    [option] = next(o for o in command["options"] if o["name"] == "announce")["options"]
    assert option["max_length"] == 1000


async def test_an_empty_announcement_is_explained_not_sent(
    discord_standin: DiscordStandin, ferry: FerryBot
) -> None:
    config = ferry.app.config()
    movers = config.communities["movers"]
    empty = movers.model_copy(update={"announcement": AnnouncementConfig(template="{message}")})
    ferry.app.config.current = dataclasses.replace(config, communities={"movers": empty})
    message = await preview(discord_standin)
    assert message.content.startswith("The announcement is empty")
    assert message.components == []
    announcement = await ferry.app.announcements.compose("movers")
    [delivery] = await ferry.app.announcements.publish(announcement, key="manual:empty")
    assert delivery.error == "empty"
    assert discord_standin.messages(discord_standin.world.announcements) == []


async def test_send_rechecks_admin_rights(discord_standin: DiscordStandin, ferry: FerryBot) -> None:
    world = discord_standin.world
    message = await preview(discord_standin)
    world.guild.members[world.admin.id].roles.clear()  # demoted while the preview was open
    click = await discord_standin.click_button(message, message.custom_ids()[0], world.admin)
    response = await click.response()
    assert response.ephemeral and response.message.content.startswith("Only this server's Ferry admins")
    assert discord_standin.messages(world.announcements) == []


@pytest.mark.parametrize(
    ("locale", "expected"),
    [
        (discord.Locale.american_english, "⚠️ Discord: only partly posted https://discord.com/channels/1/2/3"),
        (discord.Locale.chinese, "⚠️ Discord：只发布了一部分 https://discord.com/channels/1/2/3"),
    ],
)
def test_a_partly_posted_announcement_is_reported_with_its_first_message(
    locale: discord.Locale, expected: str
) -> None:
    partial = Delivery(
        publisher="discord", ok=False, where="https://discord.com/channels/1/2/3", error="partial"
    )
    report = AnnounceCommands._announce_report(locale, [partial])
    assert report.startswith(expected)


@pytest.mark.parametrize(
    ("locale", "note"),
    [
        (discord.Locale.american_english, "… {} more line(s), not shown here"),
        (discord.Locale.chinese, "……另有 {} 行未在此显示"),
    ],
)
def test_a_preview_too_long_for_discord_says_how_many_lines_it_leaves_out(
    locale: discord.Locale, note: str
) -> None:
    text = "\n".join(f"line {n}: " + "*x* " * 200 for n in range(12))  # ~1,800 characters a line escaped
    lines = escaped_lines(text, FIELD_VALUE_LIMIT)
    embeds = preview_embeds(locale, text)
    assert len(embeds) <= EMBEDS_PER_MESSAGE and message_size(embeds) <= EMBED_TOTAL_LIMIT
    shown = "\n".join(embed.description or "" for embed in embeds).split("\n")
    *kept, last = shown
    assert kept == lines[: len(kept)]
    assert last == note.format(len(lines) - len(kept))


def test_a_preview_that_fits_has_no_note() -> None:
    embeds = preview_embeds(discord.Locale.american_english, "Hello\n\nworld")
    assert [embed.description for embed in embeds] == ["Hello\n\nworld"]


def test_cut_notes_name_the_front_and_its_limit() -> None:
    cuts = [Cut(publisher="discord", most=5, needed=7), Cut(publisher="bluesky", most=15, needed=18)]
    assert cut_notes(discord.Locale.american_english, cuts) == [
        "Discord would post only the first 5 messages (7 needed).",
        "Bluesky would post only the first 15 posts of the thread (18 needed).",
    ]
    assert cut_notes(discord.Locale.chinese, cuts[:1]) == ["Discord 只会发布前 5 条消息（共需 7 条）。"]


async def test_the_preview_warns_when_discord_would_post_only_the_beginning(
    discord_standin: DiscordStandin, ferry: FerryBot, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("bot.discord.announcer.MAX_MESSAGES", 1)  # the long template needs several
    message = await preview(discord_standin)
    announcement = await ferry.app.announcements.compose("movers")
    needed = len(messages_for(announcement.text, most=1000))
    assert message.content.splitlines()[1:] == [
        f"Discord would post only the first 1 messages ({needed} needed)."
    ]
