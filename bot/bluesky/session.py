"""One long-lived ``AsyncClient`` per process, its session kept in the database.

Bluesky allows few logins (about 30 per 5 minutes and 100-300 a day, counted across every client of
the account, with a day-long lockout when exceeded), so the session string is stored and reused
across restarts and every refresh is persisted at once: a refresh revokes the previous refresh token,
and a restart that reused the old one would fail. A revoked or expired session gets a fresh client
and one password login; repeated failures wait longer each time instead of storming ``createSession``.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from datetime import datetime, timedelta
from typing import Any, Protocol

from atproto import AsyncClient, Session, SessionEvent

log = logging.getLogger(__name__)

LOGIN_BACKOFF_START = timedelta(seconds=30)
LOGIN_BACKOFF_MAX = timedelta(hours=1)

Clock = Callable[[], datetime]
Sleep = Callable[[float], Awaitable[None]]


class SessionStore(Protocol):
    """Where the session string lives (the repository's key-value state)."""

    async def get_state(self, key: str) -> str | None: ...

    async def set_state(self, key: str, value: str, now: datetime) -> None: ...


ClientFactory = Callable[[str], Any]  # base URL → a client shaped like atproto.AsyncClient


class SessionKeeper:
    """Hands out the current client; replaces it with a fresh login only when the session is gone."""

    def __init__(
        self,
        *,
        handle: str,
        password: str,
        service_url: str,
        store: SessionStore,
        clock: Clock,
        sleep: Sleep,
        client_factory: ClientFactory = AsyncClient,
    ) -> None:
        self._handle = handle
        self._password = password
        self._service_url = service_url
        self._store = store
        self._clock = clock
        self._sleep = sleep
        self._factory = client_factory
        self._client: Any = None
        self._last_login: datetime | None = None
        self._backoff = LOGIN_BACKOFF_START
        self.logins = 0  # password logins made by this process; normally 0 or 1

    @property
    def key(self) -> str:
        return f"bluesky.session:{self._handle}"

    @property
    def did(self) -> str:
        session = getattr(self._client, "_session", None)
        return str(session.did) if session is not None else ""

    async def client(self) -> Any:
        """The current client, restoring the stored session or logging in on first use."""
        if self._client is None:
            stored = await self._store.get_state(self.key)
            if stored:
                client = self._new_client()
                try:
                    # Importing makes no request; a dead session shows on the first call, which renews.
                    await client.login(session_string=stored, fetch_bsky_profile=False)
                    self._client = client
                    log.info("bluesky session restored", extra={"handle": self._handle})
                except (ValueError, IndexError, TypeError):  # a string from another SDK version
                    log.warning("stored bluesky session unreadable; logging in")
            if self._client is None:
                await self._login()
        return self._client

    async def renew(self, failed: Any) -> Any:
        """Replace ``failed`` with a freshly logged-in client (once, however many callers saw it fail)."""
        if failed is self._client:
            await self._login()
        return self._client

    async def close(self) -> None:
        client, self._client = self._client, None
        request = getattr(client, "request", None)
        closer = getattr(request, "close", None)
        if closer is not None:
            await closer()

    def _new_client(self) -> Any:
        client = self._factory(self._service_url)
        client.on_session_change(self._persist)
        return client

    async def _login(self) -> None:
        # A fresh client: after an expired token, logging in again on the old one refreshes first
        # (MarshalX/atproto#580) and fails the same way.
        now = self._clock()
        if self._last_login is not None:
            wait = self._last_login + self._backoff - now
            if wait > timedelta(0):
                log.warning(
                    "bluesky login again soon after the last; waiting", extra={"seconds": wait.seconds}
                )
                await self._sleep(wait.total_seconds())
            self._backoff = min(self._backoff * 2, LOGIN_BACKOFF_MAX)
        self._last_login = self._clock()
        client = self._new_client()
        self.logins += 1
        await client.login(self._handle, self._password, fetch_bsky_profile=False)
        self._client = client
        log.info("bluesky login", extra={"handle": self._handle})

    async def _persist(self, event: SessionEvent, session: Session) -> None:
        if event in (SessionEvent.CREATE, SessionEvent.REFRESH):
            await self._store.set_state(self.key, session.export(), self._clock())
