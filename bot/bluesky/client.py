"""The :class:`~bot.bluesky.gateway.Gateway` over ``atproto.AsyncClient``: SDK models in, plain values out.

Errors are mapped once here (see ``gateway``); a call that fails because the session was revoked or
expired is retried once on a freshly logged-in client.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Sequence
from datetime import UTC, datetime
from typing import Any, TypeVar

from atproto import models
from atproto.exceptions import (
    AtProtocolError,
    BadRequestError,
    NetworkError,
    RateLimitExceededError,
    RequestErrorBase,
    UnauthorizedError,
)
from atproto_client.models.dot_dict import DotDict
from atproto_client.models.utils import get_model_as_dict

from bot.bluesky.gateway import (
    GatewayError,
    Notice,
    NotificationPage,
    Record,
    RejectedError,
    ServerRateLimitedError,
    SessionError,
    StrongRef,
    TransientError,
    Write,
)
from bot.bluesky.session import SessionKeeper

log = logging.getLogger(__name__)

T = TypeVar("T")

# Error names the PDS gives a dead session; a refresh with a revoked token answers 400, not 401.
_SESSION_ERRORS = frozenset({"ExpiredToken", "InvalidToken", "AuthenticationRequired", "AuthMissing"})
_WRITE_TYPES = {True: "com.atproto.repo.applyWrites#create", False: "com.atproto.repo.applyWrites#delete"}


def _error_name(exc: RequestErrorBase) -> str:
    content = exc.response.content if exc.response is not None else None
    return str(getattr(content, "error", "") or "")


def _is_session_error(exc: AtProtocolError) -> bool:
    if isinstance(exc, UnauthorizedError):
        return exc.response is None or exc.response.status_code == 401 or _error_name(exc) in _SESSION_ERRORS
    return isinstance(exc, BadRequestError) and _error_name(exc) in _SESSION_ERRORS


def map_error(exc: AtProtocolError) -> GatewayError:
    """The gateway error for an SDK exception."""
    if isinstance(exc, RateLimitExceededError):
        return ServerRateLimitedError(exc.reset_at)
    if isinstance(exc, NetworkError):  # timeouts, transport failures, 409/413/502
        return TransientError(str(exc) or type(exc).__name__)
    if isinstance(exc, RequestErrorBase) and exc.response is not None:
        status = exc.response.status_code
        if status >= 500:
            return TransientError(f"HTTP {status}: {_error_name(exc)}")
        return RejectedError(status, _error_name(exc) or str(exc))
    return TransientError(f"{type(exc).__name__}: {exc}")


def _as_dict(value: Any) -> dict[str, Any]:
    if isinstance(value, dict):
        return dict(value)
    if isinstance(value, DotDict):
        return dict(value.to_dict())
    try:
        return dict(get_model_as_dict(value))
    except (TypeError, ValueError, AttributeError):  # an unexpected shape must not break a listing
        return {}


def _when(text: str) -> datetime:
    parsed = datetime.fromisoformat(text.replace("Z", "+00:00"))
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def to_notice(n: models.AppBskyNotificationListNotifications.Notification) -> Notice:
    """Reduce an SDK notification to what the mention loop reads."""
    labels = n.author.labels or []
    is_bot = any(label.val == "bot" and label.src == n.author.did for label in labels)
    base = {
        "uri": n.uri,
        "cid": n.cid,
        "reason": n.reason,
        "indexed_at": _when(n.indexed_at),
        "author_did": n.author.did,
        "author_handle": n.author.handle,
        "author_name": n.author.display_name or "",
        "author_is_bot": is_bot,
    }
    record = n.record
    if not models.is_record_type(record, models.AppBskyFeedPost):
        return Notice(**base, is_post=False)
    spans = []
    for facet in record.facets or []:
        for feature in facet.features:
            if isinstance(feature, models.AppBskyRichtextFacet.Mention):
                spans.append((facet.index.byte_start, facet.index.byte_end, feature.did))
    root = record.reply.root if record.reply else None
    return Notice(
        **base,
        text=record.text,
        langs=tuple(record.langs or ()),
        mention_spans=tuple(spans),
        reply_root=StrongRef(root.uri, root.cid) if root else None,
    )


def _list_page(params: dict[str, Any]) -> Callable[[Any], Awaitable[Any]]:
    return lambda client: client.com.atproto.repo.list_records(params=params)


class AtprotoGateway:
    """The gateway on a real PDS."""

    def __init__(self, keeper: SessionKeeper) -> None:
        self._keeper = keeper

    @property
    def did(self) -> str:
        return self._keeper.did

    async def connect(self) -> None:
        await self._call(lambda c: c.com.atproto.server.get_session())

    async def close(self) -> None:
        await self._keeper.close()

    async def _call(self, fn: Callable[[Any], Awaitable[T]]) -> T:
        try:
            client = await self._keeper.client()
        except AtProtocolError as exc:
            raise SessionError(f"login failed: {map_error(exc)}") from exc
        try:
            return await fn(client)
        except AtProtocolError as exc:
            if not _is_session_error(exc):
                raise map_error(exc) from exc
            log.warning("bluesky session no longer valid; logging in again")
        try:
            client = await self._keeper.renew(client)
        except AtProtocolError as exc:
            raise SessionError(f"login failed: {map_error(exc)}") from exc
        try:
            return await fn(client)
        except AtProtocolError as exc:
            raise map_error(exc) from exc

    async def list_notifications(self, cursor: str | None, limit: int) -> NotificationPage:
        params: dict[str, Any] = {"limit": limit, "priority": False, "reasons": ["mention", "reply"]}
        if cursor:
            params["cursor"] = cursor
        response = await self._call(lambda c: c.app.bsky.notification.list_notifications(params=params))
        return NotificationPage(tuple(to_notice(n) for n in response.notifications), response.cursor)

    async def update_seen(self, seen_at: datetime) -> None:
        stamp = seen_at.astimezone(UTC).isoformat().replace("+00:00", "Z")
        await self._call(lambda c: c.app.bsky.notification.update_seen(data={"seenAt": stamp}))

    async def get_record(self, collection: str, rkey: str) -> Record | None:
        params = {"repo": self.did, "collection": collection, "rkey": rkey}
        try:
            got = await self._call(lambda c: c.com.atproto.repo.get_record(params=params))
        except RejectedError as exc:
            if exc.status == 400 and exc.error == "RecordNotFound":
                return None
            raise
        return Record(got.uri, got.cid or "", _as_dict(got.value))

    async def create_record(self, collection: str, rkey: str, value: dict[str, Any]) -> Record:
        data = {"repo": self.did, "collection": collection, "rkey": rkey, "record": value}
        made = await self._call(lambda c: c.com.atproto.repo.create_record(data=data))
        return Record(made.uri, made.cid, value)

    async def upload_blob(self, data: bytes) -> dict[str, Any]:
        made = await self._call(lambda c: c.com.atproto.repo.upload_blob(data))
        blob: dict[str, Any] = made.blob.model_dump(mode="json", by_alias=True)
        return blob

    async def put_record(
        self, collection: str, rkey: str, value: dict[str, Any], swap_cid: str | None
    ) -> Record:
        data: dict[str, Any] = {"repo": self.did, "collection": collection, "rkey": rkey, "record": value}
        if swap_cid is not None:
            data["swapRecord"] = swap_cid
        made = await self._call(lambda c: c.com.atproto.repo.put_record(data=data))
        return Record(made.uri, made.cid, value)

    async def list_records(self, collection: str) -> list[Record]:
        found: list[Record] = []
        cursor: str | None = None
        while True:
            params: dict[str, Any] = {"repo": self.did, "collection": collection, "limit": 100}
            if cursor:
                params["cursor"] = cursor
            page = await self._call(_list_page(params))
            found.extend(Record(r.uri, r.cid, _as_dict(r.value)) for r in page.records)
            cursor = page.cursor
            if not cursor or not page.records:
                return found

    async def apply_writes(self, writes: Sequence[Write]) -> None:
        ops = []
        for w in writes:
            op: dict[str, Any] = {"$type": _WRITE_TYPES[w.value is not None], "collection": w.collection}
            op["rkey"] = w.rkey
            if w.value is not None:
                op["value"] = w.value
            ops.append(op)
        data = {"repo": self.did, "writes": ops}
        await self._call(lambda c: c.com.atproto.repo.apply_writes(data=data))
