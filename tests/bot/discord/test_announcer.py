"""The Discord publisher's splitting, nonces and partial sends; posting is tested end to end in
tests/cogs."""

from __future__ import annotations

from datetime import UTC, datetime
from types import SimpleNamespace
from typing import Any, cast

import discord

from bot.discord.announcer import MAX_MESSAGES, NONCE_LENGTH, DiscordAnnouncer, messages_for, nonce_for
from bot.discord.render import ELLIPSIS
from bot.services.announcements import Delivery
from bot.storage.repository import Repository


def test_short_text_is_one_escaped_message() -> None:
    assert messages_for("Hi **all**\n\nsee https://a.example/x_y") == [
        "Hi \\*\\*all\\*\\*\n\nsee https://a.example/x_y"
    ]


def test_lines_are_packed_and_never_split_when_they_fit() -> None:
    lines = [f"line {n} " + "x" * 90 for n in range(50)]
    messages = messages_for("\n".join(lines), limit=500, most=50)
    assert all(len(message) <= 500 for message in messages)
    assert "\n".join(messages).split("\n") == lines


def test_a_long_line_is_cut_on_spaces_without_splitting_an_escape() -> None:
    line = " ".join(["*word*"] * 100)  # 699 characters, 1,099 once escaped
    messages = messages_for(line, limit=200, most=50)
    assert all(len(message) <= 200 for message in messages)
    assert all(message.startswith("\\*") and message.endswith("\\*") for message in messages)
    assert " ".join(messages) == line.replace("*", "\\*")


def test_past_the_most_messages_the_last_one_ends_with_an_ellipsis() -> None:
    messages = messages_for("\n".join("y" * 90 for _ in range(30)), limit=200, most=3)
    assert len(messages) == 3
    assert all(len(message) <= 200 for message in messages)
    assert messages[-1].endswith("\n" + ELLIPSIS)


def test_nonces_are_stable_per_key_and_part_and_short_enough() -> None:
    assert nonce_for("manual:1", 0) == nonce_for("manual:1", 0)
    assert len({nonce_for("manual:1", 0), nonce_for("manual:1", 1), nonce_for("manual:2", 0)}) == 3
    assert len(nonce_for("schedule:" + "x" * 500, 9)) == NONCE_LENGTH


class FlakyChannel:
    """Accepts messages, except that the ones numbered in ``refuse`` fail once each."""

    def __init__(self, refuse: set[int]) -> None:
        self.refuse = refuse
        self.sent: list[tuple[str, str]] = []
        self.calls = 0

    async def send(self, content: str, *, nonce: str, **_: object) -> discord.Message:
        self.calls += 1
        if self.calls in self.refuse:
            response = SimpleNamespace(status=500, reason="Server Error")
            raise discord.HTTPException(cast(Any, response), "boom")
        self.sent.append((content, nonce))
        return cast(discord.Message, SimpleNamespace(jump_url=f"https://discord.example/{len(self.sent)}"))


def announcer_on(repository: Repository) -> DiscordAnnouncer:
    """A fresh announcer, as a new process (or the same one after a restart) builds it."""
    return DiscordAnnouncer(
        cast(Any, None), ledger=repository, clock=lambda: datetime(2026, 1, 18, tzinfo=UTC)
    )


async def test_a_send_cut_short_is_partial_and_a_retry_after_a_restart_sends_only_the_rest(
    repository: Repository,
) -> None:
    channel = FlakyChannel(refuse={2})
    parts = ["one", "two", "three"]
    first = await announcer_on(repository).send_parts(channel, "schedule:k", parts, community="demo")
    assert first == Delivery(
        publisher="discord", ok=False, where="https://discord.example/1", error="partial"
    )
    assert first.retryable
    again = await announcer_on(repository).send_parts(channel, "schedule:k", parts, community="demo")
    assert again == Delivery(publisher="discord", ok=True, where="https://discord.example/1")
    assert channel.sent == [(part, nonce_for("schedule:k", n)) for n, part in enumerate(parts)]
    # Delivered in full: a third try (another process, a later restart) sends nothing at all.
    third = await announcer_on(repository).send_parts(channel, "schedule:k", parts, community="demo")
    assert third == again and channel.calls == 4
    assert await repository.sent_parts(publisher="discord", key="schedule:k") == {
        n: f"https://discord.example/{n + 1}" for n in range(3)
    }


async def test_a_send_failing_at_the_first_message_is_no_partial(repository: Repository) -> None:
    announcer = announcer_on(repository)
    delivery = await announcer.send_parts(FlakyChannel(refuse={1}), "manual:1", ["one"], community="demo")
    assert delivery == Delivery(publisher="discord", ok=False, where="", error="http")


def test_parts_needed_counts_past_the_most_messages() -> None:
    text = "\n".join("y" * 1900 for _ in range(7))
    announcer = DiscordAnnouncer(cast(Any, None), ledger=cast(Any, None), clock=cast(Any, None))
    assert announcer.parts_needed(text) == (7, MAX_MESSAGES)
    assert len(messages_for(text)) == MAX_MESSAGES
