"""Session keeping and error mapping of the SDK adapter, with a fake ``AsyncClient``."""

from __future__ import annotations

from datetime import timedelta
from typing import Any, ClassVar

import pytest
from atproto.exceptions import (
    BadRequestError,
    InvokeTimeoutError,
    RateLimitExceededError,
    RequestException,
    UnauthorizedError,
)
from atproto_client.models.common import XrpcError
from atproto_client.request import Response

from bot.bluesky.client import AtprotoGateway, map_error
from bot.bluesky.gateway import RejectedError, ServerRateLimitedError, SessionError, TransientError
from bot.bluesky.session import SessionKeeper
from tests.bot.bluesky.fakes import FakeClock


def response(status: int, error: str = "", headers: dict[str, str] | None = None) -> Response:
    return Response(False, status, XrpcError(error=error, message=None), headers or {})


class FakeSession:
    def __init__(self, n: int) -> None:
        self.did = "did:plc:bot"
        self.n = n

    def export(self) -> str:
        return f"session-{self.n}"


class FakeClient:
    """Records logins; ``get_session`` fails with the queued errors."""

    made: ClassVar[list[FakeClient]] = []
    errors: ClassVar[list[Exception]] = []
    login_errors: ClassVar[list[Exception]] = []

    def __init__(self, base_url: str) -> None:
        self.base_url = base_url
        self.logins: list[tuple[Any, ...]] = []
        self._callbacks: list[Any] = []
        self._session: FakeSession | None = None
        self.com = self
        self.atproto = self
        self.server = self
        FakeClient.made.append(self)

    def on_session_change(self, callback: Any) -> None:
        self._callbacks.append(callback)

    async def login(self, login: str | None = None, password: str | None = None, **kw: Any) -> None:
        self.logins.append((login, password, kw.get("session_string")))
        if login is not None and FakeClient.login_errors:
            raise FakeClient.login_errors.pop(0)
        self._session = FakeSession(len(FakeClient.made))
        if login is not None:
            from atproto import SessionEvent

            for callback in self._callbacks:
                await callback(SessionEvent.CREATE, self._session)

    async def get_session(self) -> str:
        if FakeClient.errors:
            raise FakeClient.errors.pop(0)
        return "ok"


class MemoryState:
    def __init__(self) -> None:
        self.values: dict[str, str] = {}

    async def get_state(self, key: str) -> str | None:
        return self.values.get(key)

    async def set_state(self, key: str, value: str, now: object) -> None:
        self.values[key] = value


@pytest.fixture(autouse=True)
def _reset() -> None:
    FakeClient.made, FakeClient.errors, FakeClient.login_errors = [], [], []


def keeper(state: MemoryState, clock: FakeClock) -> SessionKeeper:
    return SessionKeeper(
        handle="ferry.test",
        password="app-pass",
        service_url="http://127.0.0.1:1",
        store=state,
        clock=clock,
        sleep=clock.sleep,
        client_factory=FakeClient,
    )


async def test_one_login_then_the_stored_session_is_reused() -> None:
    state, clock = MemoryState(), FakeClock()
    first = keeper(state, clock)
    await AtprotoGateway(first).connect()
    assert first.logins == 1
    assert state.values == {"bluesky.session:ferry.test": "session-1"}

    restarted = keeper(state, clock)
    await AtprotoGateway(restarted).connect()
    assert restarted.logins == 0  # a restart imports the stored session
    assert FakeClient.made[-1].logins == [(None, None, "session-1")]


async def test_a_revoked_session_gets_a_fresh_client_and_one_login() -> None:
    state, clock = MemoryState(), FakeClock()
    state.values["bluesky.session:ferry.test"] = "stale"
    k = keeper(state, clock)
    gateway = AtprotoGateway(k)
    FakeClient.errors = [BadRequestError(response(400, "ExpiredToken"))]
    await gateway.connect()
    assert k.logins == 1
    assert len(FakeClient.made) == 2  # never a password login on the client whose token expired
    assert state.values["bluesky.session:ferry.test"] == "session-2"

    # Revoked again at once: the next login waits (backoff) instead of hammering createSession.
    FakeClient.errors = [UnauthorizedError(response(401, "InvalidToken"))]
    await gateway.connect()
    assert k.logins == 2
    assert clock.slept and clock.slept[-1] == pytest.approx(30)


async def test_a_refused_login_is_a_session_error() -> None:
    state, clock = MemoryState(), FakeClock()
    FakeClient.login_errors = [UnauthorizedError(response(401, "AuthenticationRequired"))]
    with pytest.raises(SessionError):
        await AtprotoGateway(keeper(state, clock)).connect()


def test_sdk_errors_map_to_the_four_cases() -> None:
    clock = FakeClock()
    reset = int((clock() + timedelta(seconds=90)).timestamp())
    limited = map_error(
        RateLimitExceededError(response(429, "RateLimitExceeded", {"ratelimit-reset": str(reset)}))
    )
    assert isinstance(limited, ServerRateLimitedError)
    assert limited.reset_at is not None and int(limited.reset_at.timestamp()) == reset
    assert isinstance(map_error(InvokeTimeoutError()), TransientError)
    assert isinstance(map_error(RequestException(response(500, "InternalServerError"))), TransientError)
    rejected = map_error(BadRequestError(response(400, "InvalidRequest")))
    assert isinstance(rejected, RejectedError) and rejected.status == 400


async def test_an_unreadable_stored_session_means_one_login() -> None:
    state, clock = MemoryState(), FakeClock()
    state.values["bluesky.session:ferry.test"] = "garbage"
    original = FakeClient.login

    async def picky(
        self: FakeClient, login: str | None = None, password: str | None = None, **kw: Any
    ) -> None:
        if kw.get("session_string") == "garbage":
            raise ValueError("not a session string")
        await original(self, login, password, **kw)

    FakeClient.login = picky  # type: ignore[method-assign]
    try:
        k = keeper(state, clock)
        await AtprotoGateway(k).connect()
    finally:
        FakeClient.login = original  # type: ignore[method-assign]
    assert k.logins == 1
    assert state.values["bluesky.session:ferry.test"] != "garbage"
