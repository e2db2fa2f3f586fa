"""Announcements: a community's template filled in, then handed to every registered publisher.

Platform-independent: the Discord and Bluesky publishers register themselves when their front
starts, and each turns the plain text into posts its own way. The service decides what is said;
a publisher decides how it looks and whether its community wants it at all.
"""

from __future__ import annotations

import logging
import math
import string
import unicodedata
from collections.abc import Callable, Collection, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Protocol

from bot.config import Community, FerryConfig
from bot.config.announce import PLACEHOLDERS, WORDS, template_problem
from bot.config.web import WebServing
from bot.errors import InputReason, InvalidInputError
from bot.models import Visibility
from bot.services.directory import DirectoryService
from bot.services.insights import top_platforms
from bot.urls import find_links

log = logging.getLogger(__name__)

MAX_MESSAGE_LENGTH = 1000  # an admin's note inside the template, not a second template
_PLACEHOLDER_LIST = ", ".join("{" + name + "}" for name in PLACEHOLDERS)  # what a template may use
# Failure reasons publishers give. The community does not post there at all: NOT_APPLICABLE.
# Configuration problems: "channel_not_found", "forbidden", "session", "rejected", "empty".
# Passing ones, worth a retry with the same key: RETRYABLE ("partial": some of a long text went
# out, and the same key sends only the rest).
NOT_APPLICABLE_ERRORS = frozenset({"no_channel", "disabled"})
RETRYABLE_ERRORS = frozenset({"http", "budget", "rate_limited", "network", "exception", "partial"})
# Control and format characters are dropped from an admin's message except the line break: they
# could make the text read differently from what was typed.
_DROPPED = frozenset({"Cc", "Cf", "Cs", "Co", "Cn", "Zl", "Zp"})


@dataclass(frozen=True, slots=True, kw_only=True)
class Announcement:
    """What is announced, before any front formats it."""

    community: str
    text: str  # the rendered plain text (placeholders filled)
    links: tuple[str, ...]  # https URLs inside it, for fronts that make them clickable


@dataclass(frozen=True, slots=True, kw_only=True)
class Delivery:
    """What one publisher did with one announcement."""

    publisher: str  # "discord" | "bluesky"
    ok: bool
    where: str  # a message jump URL or the first post's https://bsky.app URL; "" unless some went out
    error: str | None = None  # a machine-readable reason on failure, e.g. "no_channel"

    @property
    def retryable(self) -> bool:
        """Whether trying again later, with the same key, may succeed without anyone changing the config."""
        return not self.ok and self.error in RETRYABLE_ERRORS

    @property
    def applicable(self) -> bool:
        """False when the community does not post through this publisher at all: not a failure."""
        return self.ok or self.error not in NOT_APPLICABLE_ERRORS


@dataclass(frozen=True, slots=True, kw_only=True)
class Cut:
    """A publisher that would post only the first ``most`` of the ``needed`` messages or posts."""

    publisher: str
    most: int
    needed: int


class Publisher(Protocol):
    """Something that posts announcements somewhere; registered by the front that owns the client."""

    name: str

    def parts_needed(self, text: str) -> tuple[int, int]:
        """How many messages or posts the text needs here, and the most this publisher posts."""
        ...

    async def publish(self, announcement: Announcement, *, key: str) -> Delivery:
        """Post it, once per ``key``: a retry with the same key must not post twice."""
        ...


class AnnouncementService:
    """Composes announcements from the config and sends them through every registered publisher."""

    def __init__(
        self,
        *,
        directory: DirectoryService,
        config: Callable[[], FerryConfig],
        clock: Callable[[], datetime],
        web: WebServing,
    ) -> None:
        self._directory = directory
        self._config = config  # a callable so a reloaded template applies to the next announcement
        self._clock = clock
        self._web = web  # the page actually served: its [web] keys are not reloaded
        self._publishers: dict[str, Publisher] = {}

    def register(self, publisher: Publisher) -> Callable[[], None]:
        """Add a publisher; returns the function that removes it again (a front calls it on stop)."""
        if publisher.name in self._publishers:
            raise ValueError(f"a publisher named {publisher.name!r} is already registered")
        self._publishers[publisher.name] = publisher

        def unregister() -> None:
            if self._publishers.get(publisher.name) is publisher:
                del self._publishers[publisher.name]

        return unregister

    def publishers(self) -> tuple[str, ...]:
        """The registered publishers' names, in the order they post."""
        return tuple(self._publishers)

    def cuts(self, announcement: Announcement) -> list[Cut]:
        """The publishers that would leave the end of this announcement out, for the preview."""
        cuts = []
        for name, publisher in self._publishers.items():
            needed, most = publisher.parts_needed(announcement.text)
            if needed > most:
                cuts.append(Cut(publisher=name, most=most, needed=needed))
        return cuts

    async def compose(
        self, community: str, message: str | None = None, template: str | None = None
    ) -> Announcement:
        """The community's announcement as plain text.

        ``template`` replaces the configured one (a schedule may bring its own); ``message`` fills
        ``{message}``. Raises InvalidInputError for a bad template or an overlong message.
        """
        config = self._config()
        settings = config.community(community)
        chosen = template if template is not None else settings.announcement.effective_template()
        problem = template_problem(chosen)
        if problem is not None:
            raise InvalidInputError("template", InputReason.BAD_TEMPLATE, placeholders=_PLACEHOLDER_LIST)
        counts = await self._directory.counts(community=settings.slug, visibilities={Visibility.PUBLIC})
        values = {
            "community": settings.name,
            "links": self._links(settings),
            "count": str(sum(counts.values())),
            "top_platforms": top_platforms(
                counts, name=self._platform_name, minimum=config.limits.public_count_minimum
            ),
            "directory_url": self._web.directory_url(settings.slug, frozenset(config.communities)),
            "message": clean_message(message),
            **self._deadline(settings),
        }
        text = render(chosen, values)
        return Announcement(community=settings.slug, text=text, links=urls_in(text))

    async def publish(
        self, announcement: Announcement, *, key: str, only: Collection[str] | None = None
    ) -> list[Delivery]:
        """Hand the announcement to every publisher (or those named in ``only``, as for a retry of
        those that failed); one failing never stops the others."""
        deliveries = []
        for name, publisher in list(self._publishers.items()):
            if only is not None and name not in only:
                continue
            try:
                delivery = await publisher.publish(announcement, key=key)
            except Exception:
                # A publisher should answer with a failed Delivery; this is for the one that did not.
                log.exception("announcement publisher failed", extra={"publisher": name, "key": key})
                delivery = Delivery(publisher=name, ok=False, where="", error="exception")
            deliveries.append(delivery)
            log.info(
                "announcement delivered" if delivery.ok else "announcement not delivered",
                extra={
                    "community": announcement.community,
                    "publisher": name,
                    "key": key,
                    "error": delivery.error,
                },
            )
        return deliveries

    # -- placeholder values --------------------------------------------------------------------

    def _platform_name(self, key: str) -> str:
        spec = self._config().catalogue.get(key)
        return spec.display_name if spec is not None else key

    @staticmethod
    def _links(settings: Community) -> str:
        line = WORDS[settings.announcement.locale]["link"]
        return "\n".join(line.format(label=link.label, url=link.url) for link in settings.links)

    def _deadline(self, settings: Community) -> dict[str, str]:
        if settings.deadline is None:
            return {"deadline": "", "countdown": ""}
        words = WORDS[settings.announcement.locale]
        deadline = settings.deadline
        offset = deadline.strftime("%z")
        shown = "UTC" if offset in ("+0000", "") else f"UTC{offset[:3]}:{offset[3:]}"
        return {
            "deadline": words["deadline"].format(date=deadline, offset=shown),
            "countdown": countdown(deadline - self._clock(), words),
        }


def countdown(left: timedelta, words: Mapping[str, str]) -> str:
    """ "in 3 days" / "3 天后" for the time left, counting whole units; "closed" once it has passed."""
    seconds = left.total_seconds()
    if seconds <= 0:
        return words["closed"]
    for unit, size in (("day", 86400), ("hour", 3600), ("minute", 60)):
        n = math.floor(seconds / size)
        if n >= 1:
            return words[unit] if n == 1 else words[unit + "s"].format(n=n)
    return words["now"]


def clean_message(message: str | None) -> str:
    """The admin's message without invisible characters, or InvalidInputError when too long."""
    if message is None:
        return ""
    kept = "".join(
        char
        for char in unicodedata.normalize("NFC", message)
        if char == "\n" or unicodedata.category(char) not in _DROPPED
    ).strip()
    if len(kept) > MAX_MESSAGE_LENGTH:
        raise InvalidInputError("message", InputReason.TOO_LONG, limit=MAX_MESSAGE_LENGTH)
    return kept


def render(template: str, values: dict[str, str]) -> str:
    """Fill a checked template; a line whose placeholder has nothing to say is left out.

    Filled field by field rather than with ``str.format``, so a value is never itself read as a
    template and a field can only ever be one of the given names.
    """
    lines = []
    for line in template.split("\n"):
        parts, empty = [], False
        for literal, name, _, _ in string.Formatter().parse(line):
            parts.append(literal)
            if name is not None:
                value = values[name]
                empty = empty or not value
                parts.append(value)
        if not empty:
            lines.append("".join(parts).rstrip())
    return "\n".join(lines).strip("\n")


def urls_in(text: str) -> tuple[str, ...]:
    """The https URLs in ``text`` in order, without the punctuation that ends a sentence."""
    found: list[str] = []
    for _, _, url in find_links(text):
        if url not in found:
            found.append(url)
    return tuple(found)
