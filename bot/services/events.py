"""Directory changes announced to whoever listens: new-arrival notes, the Bluesky list sync.

Events are published after the change is committed. A listener that fails is logged and skipped:
the member's registration already succeeded and must not be reported as failed because a side
effect (a Discord note, a Bluesky list item) did not happen. Listeners that must not miss a change
also reconcile from the database on start.
"""

from __future__ import annotations

import enum
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from bot.models import Entry, Identity

log = logging.getLogger(__name__)


class ChangeKind(enum.StrEnum):
    """What happened to the directory."""

    ENTRY_ADDED = "entry.add"
    ENTRY_REPLACED = "entry.replace"
    ENTRY_REMOVED = "entry.remove"
    VISIBILITY_CHANGED = "entry.visibility"
    VERIFICATION_CHANGED = "entry.verification"
    MEMBER_HIDDEN = "member.hide"
    MEMBER_SHOWN = "member.show"
    MEMBER_BANNED = "member.ban"
    MEMBER_UNBANNED = "member.unban"
    MEMBER_FORGOTTEN = "member.forget"
    MEMBER_LINKED = "member.link"  # a Discord member proved their Bluesky account (maybe merging two)


@dataclass(frozen=True, slots=True, kw_only=True)
class DirectoryChange:
    """One committed change. ``entry`` is the entry after the change (before it, for a removal)."""

    kind: ChangeKind
    community: str
    member_id: int
    identities: tuple[Identity, ...]  # the member's stable ids, captured before a forget erased them
    platform: str | None = None
    entry: Entry | None = None


Listener = Callable[[DirectoryChange], Awaitable[None]]


class ChangeFeed:
    """Fan-out of directory changes to async listeners, in subscription order."""

    def __init__(self) -> None:
        self._listeners: list[Listener] = []

    def subscribe(self, listener: Listener) -> Callable[[], None]:
        """Add a listener; returns a function that removes it again."""
        self._listeners.append(listener)
        return lambda: self._listeners.remove(listener)

    async def publish(self, change: DirectoryChange) -> None:
        """Tell every listener; one listener's failure neither stops the others nor the caller."""
        for listener in tuple(self._listeners):
            try:
                await listener(change)
            except Exception:
                log.exception(
                    "directory change listener failed",
                    extra={
                        "change": change.kind.value,
                        "community": change.community,
                        "member_id": change.member_id,
                    },
                )
