"""AnnouncementService: templates filled from the config and the directory, and publishers."""

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from bot.config import FerryConfig, load_config
from bot.config.web import WebConfig, WebServing
from bot.errors import InvalidInputError
from bot.models import Identity, IdentityKind, Source, Visibility
from bot.services.announcements import (
    MAX_MESSAGE_LENGTH,
    Announcement,
    AnnouncementService,
    Cut,
    Delivery,
    render,
    urls_in,
)
from bot.services.directory import DirectoryService
from bot.services.moderation import ModerationService
from bot.storage.repository import Repository

NOW = datetime(2025, 1, 16, 9, 30, tzinfo=UTC)

CONFIG = """
[web]
enabled = true
base_url = "https://ferry.example.org"
communities = ["demo", "zh"]

[[communities]]
slug = "demo"
name = "Demo Community"
deadline = 2025-01-19T00:00:00-05:00

[communities.announcement]
template = \"\"\"{community} is moving!
{message}
Deadline: {deadline} ({countdown})
{links}
{count} public handles: {directory_url}
Literal {{braces}} stay.\"\"\"

[[communities.links]]
label = "Bluesky pack"
platform = "bluesky"
url = "https://bsky.app/starter-pack/demo.bsky.social/3abc"

[[communities.links]]
label = "RedNote group"
platform = "rednote"
url = "https://www.xiaohongshu.com/group/42"

[[communities]]
slug = "zh"
name = "中文社区"
deadline = 2025-01-19T05:00:00Z

[communities.announcement]
locale = "zh-Hans"

[[communities]]
slug = "plain"
name = "Plain"
"""


@pytest.fixture
def config(tmp_path: Path) -> FerryConfig:
    path = tmp_path / "ferry.toml"
    path.write_text(CONFIG, encoding="utf-8")
    return load_config(path)


@pytest.fixture
def now() -> list[datetime]:
    return [NOW]


@pytest.fixture
def directory(repository: Repository, config: FerryConfig) -> DirectoryService:
    return DirectoryService(repository=repository, config=lambda: config, clock=lambda: NOW)


@pytest.fixture
def announcements(
    directory: DirectoryService, config: FerryConfig, now: list[datetime]
) -> AnnouncementService:
    return AnnouncementService(
        directory=directory, config=lambda: config, clock=lambda: now[0], web=serving(config.web)
    )


async def register(directory: DirectoryService, who: str, community: str, visibility: Visibility) -> None:
    await directory.register(
        community=community,
        identity=Identity(IdentityKind.DISCORD, who),
        display_name=who,
        platform="lemon8",
        handle=f"user{who}",
        source=Source.CONSOLE,
        visibility=visibility,
    )


async def test_every_placeholder_is_filled(
    announcements: AnnouncementService, directory: DirectoryService, repository: Repository
) -> None:
    await register(directory, "1", "demo", Visibility.PUBLIC)
    await register(directory, "2", "demo", Visibility.PUBLIC)
    await register(directory, "3", "demo", Visibility.COMMUNITY)  # not public: not counted
    await register(directory, "4", "demo", Visibility.PUBLIC)
    moderation = ModerationService(repository=repository, directory=directory, clock=lambda: NOW)
    hidden = Identity(IdentityKind.DISCORD, "4")
    await moderation.set_hidden(community="demo", identity=hidden, hidden=True, actor="test")  # not counted
    announcement = await announcements.compose("demo", message="  Bring friends: https://x.example/a.  ")
    assert announcement.community == "demo"
    assert announcement.text == (
        "Demo Community is moving!\n"
        "Bring friends: https://x.example/a.\n"
        "Deadline: 19 January 2025, 00:00 (UTC-05:00) (in 2 days)\n"
        "• Bluesky pack: https://bsky.app/starter-pack/demo.bsky.social/3abc\n"
        "• RedNote group: https://www.xiaohongshu.com/group/42\n"
        "2 public handles: https://ferry.example.org/demo/\n"
        "Literal {braces} stay."
    )
    assert announcement.links == (
        "https://x.example/a",
        "https://bsky.app/starter-pack/demo.bsky.social/3abc",
        "https://www.xiaohongshu.com/group/42",
        "https://ferry.example.org/demo/",
    )


async def test_chinese_default_template(announcements: AnnouncementService) -> None:
    announcement = await announcements.compose("zh")
    assert announcement.text == (
        "📢 中文社区\n请在 2025年1月19日 05:00（UTC） 之前搬家（2 天后）。\n我们在这里：\n目录中已公开 0 个账号：https://ferry.example.org/zh/"
    )


@pytest.mark.parametrize(
    ("left", "en", "zh"),
    [
        (timedelta(days=1, hours=3), "in 1 day", "1 天后"),
        (timedelta(hours=5, minutes=59), "in 5 hours", "5 小时后"),
        (timedelta(hours=1), "in 1 hour", "1 小时后"),
        (timedelta(minutes=12), "in 12 minutes", "12 分钟后"),
        (timedelta(seconds=61), "in 1 minute", "1 分钟后"),
        (timedelta(seconds=30), "in less than a minute", "不到一分钟后"),
        (timedelta(0), "closed", "已截止"),
        (-timedelta(days=3), "closed", "已截止"),
    ],
)
async def test_countdown_wording(
    announcements: AnnouncementService, now: list[datetime], left: timedelta, en: str, zh: str
) -> None:
    now[0] = datetime(2025, 1, 19, 5, 0, tzinfo=UTC) - left  # both deadlines are this moment
    assert f"({en})" in (await announcements.compose("demo", template="{deadline} ({countdown})")).text
    assert (await announcements.compose("zh", template="{countdown}")).text == zh


async def test_without_deadline_web_links_or_message_their_lines_are_left_out(
    announcements: AnnouncementService,
) -> None:
    announcement = await announcements.compose("plain")
    # the default English template, with only the lines that have something to say
    assert announcement.text == "📢 Plain\nWhere to find us:"
    assert announcement.links == ()


def serving(web: WebConfig | None) -> WebServing:
    """What a running web front would have set."""
    holder = WebServing()
    holder.current = web
    return holder


async def test_directory_url_is_empty_while_no_page_is_served(
    directory: DirectoryService, config: FerryConfig
) -> None:
    # The config in force enables [web] (reloaded, say), but the page was not started with it.
    service = AnnouncementService(
        directory=directory, config=lambda: config, clock=lambda: NOW, web=serving(None)
    )
    text = (await service.compose("demo", template="a\nweb: {directory_url}\nb")).text
    assert text == "a\nb"


async def test_directory_url_is_the_served_address_not_the_reloaded_one(
    directory: DirectoryService, config: FerryConfig
) -> None:
    served = config.web.model_copy(update={"base_url": "https://served.example.org"})
    service = AnnouncementService(
        directory=directory, config=lambda: config, clock=lambda: NOW, web=serving(served)
    )
    text = (await service.compose("demo", template="{directory_url}")).text
    assert text == "https://served.example.org/demo/"


async def test_template_argument_overrides_and_is_checked(announcements: AnnouncementService) -> None:
    assert (await announcements.compose("demo", template="Hi {community}")).text == "Hi Demo Community"
    with pytest.raises(InvalidInputError) as caught:
        await announcements.compose("demo", template="Hi {community.__class__}")
    assert caught.value.field == "template"
    with pytest.raises(InvalidInputError):
        await announcements.compose("demo", template="Hi {")


async def test_message_is_capped_and_cleaned(announcements: AnnouncementService) -> None:
    text = (await announcements.compose("plain", message="a\u202eb\nc\x00d", template="{message}")).text
    assert text == "ab\ncd"
    with pytest.raises(InvalidInputError) as caught:
        await announcements.compose("plain", message="x" * (MAX_MESSAGE_LENGTH + 1))
    assert caught.value.field == "message"


def test_values_are_never_read_as_templates() -> None:
    assert render("{message}", {"message": "{community} {0}"}) == "{community} {0}"


def test_urls_in_strips_sentence_punctuation() -> None:
    text = (
        "see https://a.example/x), https://a.example/(y) and https://a.example/z。again https://a.example/x"
    )
    assert urls_in(text) == ("https://a.example/x", "https://a.example/(y)", "https://a.example/z")


class Recorder:
    def __init__(self, name: str, *, fail: bool = False, most: int = 5) -> None:
        self.name = name
        self.fail = fail
        self.most = most
        self.calls: list[tuple[Announcement, str]] = []

    def parts_needed(self, text: str) -> tuple[int, int]:
        return len(text.split("\n")), self.most  # a line per part

    async def publish(self, announcement: Announcement, *, key: str) -> Delivery:
        self.calls.append((announcement, key))
        if self.fail:
            raise RuntimeError("boom")
        return Delivery(publisher=self.name, ok=True, where=f"https://{self.name}.example/1")


async def test_publish_reaches_every_publisher_and_survives_a_failing_one(
    announcements: AnnouncementService,
) -> None:
    broken, good = Recorder("discord", fail=True), Recorder("bluesky")
    announcements.register(broken)
    unregister = announcements.register(good)
    assert announcements.publishers() == ("discord", "bluesky")
    announcement = await announcements.compose("plain")
    deliveries = await announcements.publish(announcement, key="manual:1")
    assert deliveries == [
        Delivery(publisher="discord", ok=False, where="", error="exception"),
        Delivery(publisher="bluesky", ok=True, where="https://bluesky.example/1"),
    ]
    assert good.calls == [(announcement, "manual:1")]
    assert deliveries[0].retryable and not deliveries[1].retryable
    assert not Delivery(publisher="discord", ok=False, where="", error="no_channel").retryable
    unregister()
    assert announcements.publishers() == ("discord",)
    with pytest.raises(ValueError, match="already registered"):
        announcements.register(Recorder("discord"))


async def test_publish_only_reaches_the_named_publishers(announcements: AnnouncementService) -> None:
    discord, bluesky = Recorder("discord"), Recorder("bluesky")
    announcements.register(discord)
    announcements.register(bluesky)
    announcement = await announcements.compose("plain")
    deliveries = await announcements.publish(announcement, key="schedule:1", only=["bluesky"])
    assert [d.publisher for d in deliveries] == ["bluesky"]
    assert (discord.calls, bluesky.calls) == ([], [(announcement, "schedule:1")])


def test_a_front_the_community_does_not_use_is_not_a_failure() -> None:
    assert not Delivery(publisher="bluesky", ok=False, where="", error="disabled").applicable
    assert not Delivery(publisher="discord", ok=False, where="", error="no_channel").applicable
    assert Delivery(publisher="discord", ok=False, where="", error="forbidden").applicable
    assert Delivery(publisher="discord", ok=False, where="https://d.example/1", error="partial").retryable


async def test_cuts_name_the_publishers_that_would_leave_the_end_out(
    announcements: AnnouncementService,
) -> None:
    announcements.register(Recorder("discord", most=3))
    announcements.register(Recorder("bluesky", most=4))
    announcement = await announcements.compose("plain", template="1\n2\n3\n4")
    assert announcements.cuts(announcement) == [Cut(publisher="discord", most=3, needed=4)]


async def test_top_platforms_names_the_largest_public_counts_and_leaves_out_small_ones(
    directory: DirectoryService, config: FerryConfig
) -> None:
    from tests.support.insights import scatter

    await scatter(directory)
    service = AnnouncementService(
        directory=directory, config=lambda: config, clock=lambda: NOW, web=serving(config.web)
    )
    text = (await service.compose("demo", template="Where: {top_platforms}")).text
    assert text == "Where: RedNote (Xiaohongshu) 7 · Bluesky 6"  # Lemon8's 3 public: under 5, left out
