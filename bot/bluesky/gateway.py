"""The few XRPC calls the Bluesky front makes, as a protocol over plain values.

The front never touches SDK models: :class:`~bot.bluesky.client.AtprotoGateway` translates them, and
unit tests pass a fake that fails on demand (429s, 5xx, timeouts) in ways a real server rarely does.
Every failure comes out as one of the :class:`GatewayError` subclasses below, so the callers' retry
policy depends on four cases rather than on the SDK's exception tree.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Protocol

POST = "app.bsky.feed.post"
LIST = "app.bsky.graph.list"
LIST_ITEM = "app.bsky.graph.listitem"
STARTER_PACK = "app.bsky.graph.starterpack"
PROFILE = "app.bsky.actor.profile"


class GatewayError(Exception):
    """A call to Bluesky failed."""


class ServerRateLimitedError(GatewayError):
    """HTTP 429. ``reset_at`` is when the server's window resets (``ratelimit-reset``), if it said."""

    def __init__(self, reset_at: datetime | None) -> None:
        super().__init__(f"rate limited until {reset_at.isoformat() if reset_at else 'unknown'}")
        self.reset_at = reset_at


class TransientError(GatewayError):
    """A timeout, a network failure or a 5xx: worth retrying later with backoff."""


class RejectedError(GatewayError):
    """A 4xx other than 429 that a retry will not fix (bad record, missing record, forbidden)."""

    def __init__(self, status: int, error: str) -> None:
        super().__init__(f"HTTP {status}: {error}")
        self.status = status
        self.error = error


class SessionError(GatewayError):
    """The login could not be restored or renewed (bad app password, login refused or rate limited)."""


@dataclass(frozen=True, slots=True)
class StrongRef:
    """A record's ``{uri, cid}``, as reply refs and list items need it."""

    uri: str
    cid: str

    def as_json(self) -> dict[str, str]:
        return {"uri": self.uri, "cid": self.cid}


@dataclass(frozen=True, slots=True, kw_only=True)
class Notice:
    """One notification, reduced to what the mention loop needs."""

    uri: str
    cid: str
    reason: str
    indexed_at: datetime
    author_did: str
    author_handle: str
    author_name: str = ""
    author_is_bot: bool = False  # carries the ``bot`` self-label: never answered, to avoid loops
    is_post: bool = True
    text: str = ""
    langs: tuple[str, ...] = ()
    mention_spans: tuple[tuple[int, int, str], ...] = ()  # (byte start, byte end, DID) of mention facets
    reply_root: StrongRef | None = None


@dataclass(frozen=True, slots=True)
class NotificationPage:
    """One page of ``listNotifications``, newest first, with the cursor to older ones."""

    notices: tuple[Notice, ...]
    cursor: str | None


@dataclass(frozen=True, slots=True)
class Record:
    """A record in the bot's repository."""

    uri: str
    cid: str
    value: dict[str, Any] = field(default_factory=dict)

    @property
    def rkey(self) -> str:
        return self.uri.rsplit("/", 1)[-1]

    @property
    def ref(self) -> StrongRef:
        return StrongRef(self.uri, self.cid)


@dataclass(frozen=True, slots=True)
class Write:
    """One write of an ``applyWrites`` batch: a create (with ``value``) or a delete (without)."""

    collection: str
    rkey: str
    value: dict[str, Any] | None = None


class Gateway(Protocol):
    """What the front needs from Bluesky. All methods raise :class:`GatewayError` subclasses."""

    @property
    def did(self) -> str:
        """The bot account's DID (known once connected)."""
        ...

    async def connect(self) -> None:
        """Restore the stored session, or log in once."""
        ...

    async def close(self) -> None:
        """Release the HTTP client."""
        ...

    async def list_notifications(self, cursor: str | None, limit: int) -> NotificationPage:
        """Mention and reply notifications, newest first, ``priority=false``."""
        ...

    async def update_seen(self, seen_at: datetime) -> None:
        """Move the read watermark (tidiness only: processing state lives in the database)."""
        ...

    async def get_record(self, collection: str, rkey: str) -> Record | None:
        """A record of the bot's repository, or None when the key is free."""
        ...

    async def create_record(self, collection: str, rkey: str, value: dict[str, Any]) -> Record:
        """Create a record at a chosen key (an occupied key fails)."""
        ...

    async def upload_blob(self, data: bytes) -> dict[str, Any]:
        """Upload a blob (an image) to be referenced by a record; returns its ``blob`` JSON."""
        ...

    async def put_record(
        self, collection: str, rkey: str, value: dict[str, Any], swap_cid: str | None
    ) -> Record:
        """Replace a record, only if it is still at ``swap_cid`` (None: it must not exist)."""
        ...

    async def list_records(self, collection: str) -> list[Record]:
        """Every record of a collection in the bot's repository."""
        ...

    async def apply_writes(self, writes: Sequence[Write]) -> None:
        """Several creates and deletes in one atomic commit."""
        ...
