"""What a test holds after invoking something: the interaction's responses as Discord stored them."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from .backend import Backend
from .interactions import InteractionRecord
from .mentions import EPHEMERAL
from .state import StoredAttachment, StoredMessage

Json = dict[str, Any]
RESPONSE_NAMES = {
    4: "message",
    5: "deferred message",
    6: "deferred update",
    7: "update",
    8: "autocomplete",
    9: "modal",
}


@dataclass(frozen=True)
class Response:
    """The accepted initial response. ``message`` is the message it created or updated, if any,
    in its state *now* (a deferred response's message fills in when the bot edits or follows up)."""

    type: int
    data: Json
    message: StoredMessage | None

    @property
    def kind(self) -> str:
        return RESPONSE_NAMES.get(self.type, str(self.type))

    @property
    def flags(self) -> int:
        return self.message.flags if self.message is not None else int(self.data.get("flags") or 0)

    @property
    def ephemeral(self) -> bool:
        return bool(self.flags & EPHEMERAL)

    @property
    def deferred(self) -> bool:
        return self.type in (5, 6)

    @property
    def content(self) -> str:
        return self.message.content if self.message is not None else ""

    @property
    def embeds(self) -> list[Json]:
        return self.message.embeds if self.message is not None else []

    @property
    def components(self) -> list[Json]:
        if self.type == 9:
            return list(self.data.get("components") or [])
        return self.message.components if self.message is not None else []

    @property
    def attachments(self) -> list[StoredAttachment]:
        return self.message.attachments if self.message is not None else []

    @property
    def allowed_mentions(self) -> Json | None:
        return self.data.get("allowed_mentions")

    @property
    def choices(self) -> list[Json]:
        return list(self.data.get("choices") or [])


class InteractionHandle:
    def __init__(self, backend: Backend, record: InteractionRecord) -> None:
        self._backend = backend
        self.record = record

    @property
    def id(self) -> int:
        return self.record.id

    @property
    def token(self) -> str:
        return self.record.token

    @property
    def shard(self) -> tuple[int, int] | None:
        """``(id, count)`` of the gateway session the interaction was delivered to."""
        return self.record.shard

    @property
    def payload(self) -> Json:
        """The INTERACTION_CREATE data the bot received."""
        return self.record.payload

    @property
    def refusals(self) -> list[str]:
        return list(self.record.refusals)

    @property
    def ack_latency(self) -> float | None:
        """Seconds from dispatch to the accepted initial response (None: not yet)."""
        acked = self.record.acked_at
        return None if acked is None else acked - self.record.created_at

    @property
    def answer_latency(self) -> float | None:
        """Seconds from dispatch to the first message that answers: a type 4 response, the first
        follow-up or the edit that fills in a deferred response (None: not yet)."""
        answered = self.record.answered_at
        return None if answered is None else answered - self.record.created_at

    async def _until(
        self,
        ready: Callable[[], bool],
        what: str,
        timeout: float,  # noqa: ASYNC109 - a broken bot must fail the test, not hang it
        *,
        fail_fast: bool = False,
    ) -> None:
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while not ready() and not (fail_fast and self.record.refusals):
            remaining = deadline - loop.time()
            if remaining <= 0:
                break
            try:
                await self.record.wait_changed(remaining)
            except TimeoutError:
                break
        if not ready():
            refused = "".join(f"\n  refused: {r}" for r in self.record.refusals) or " (nothing was refused)"
            raise AssertionError(
                f"interaction {self.record.name or self.record.id}: no {what} within {timeout}s{refused}"
            )

    async def response(self, timeout: float = 5.0) -> Response:  # noqa: ASYNC109
        """The accepted initial response; fails fast with the reason if the stand-in refused it."""
        # A refused initial response is final: bots do not retry, so fail now with the reason.
        await self._until(
            lambda: self.record.response_type is not None, "initial response", timeout, fail_fast=True
        )
        assert self.record.response_type is not None
        return Response(self.record.response_type, self.record.response_data or {}, self.original)

    @property
    def original(self) -> StoredMessage | None:
        """The original response message in its latest state (after PATCH .../@original)."""
        if self.record.original_id is None:
            return None
        return self._backend.messages.get(self.record.original_id)

    async def updated(self, timeout: float = 5.0) -> StoredMessage:  # noqa: ASYNC109
        """After a deferred update (type 6): the component's message once the bot has edited it."""
        message_id = self.record.component_message_id
        if message_id is None:
            raise AssertionError("updated() is for component interactions")

        def edited() -> bool:
            message = self._backend.messages.get(message_id)
            return message is not None and len(message.versions) > self.record.component_versions

        await self._until(edited, "an edit of the component's message", timeout)
        return self._backend.messages[message_id]

    async def original_message(self, timeout: float = 5.0) -> StoredMessage:  # noqa: ASYNC109
        """The original response once it is no longer a "thinking" placeholder."""

        def filled() -> bool:
            message = self.original
            return message is not None and not message.loading

        await self._until(filled, "filled-in original response", timeout)
        assert self.original is not None
        return self.original

    async def followups(self, count: int = 1, timeout: float = 5.0) -> list[StoredMessage]:  # noqa: ASYNC109
        """Follow-up messages (at least ``count``), latest state. After a defer, the first follow-up
        is the original message itself, filled in; it is listed here too."""
        await self._until(lambda: len(self.record.followup_ids) >= count, f"{count} follow-up(s)", timeout)
        return [self._backend.messages[i] for i in self.record.followup_ids]

    async def choices(self, timeout: float = 5.0) -> list[Json]:  # noqa: ASYNC109
        """Autocomplete choices the bot answered with."""
        await self._until(
            lambda: self.record.choices is not None, "autocomplete response", timeout, fail_fast=True
        )
        return list(self.record.choices or [])
