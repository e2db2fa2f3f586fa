"""``/ferry reload`` for every process on one PostgreSQL, over ``LISTEN``/``NOTIFY``.

Each process listens on one dedicated asyncpg connection (never a pooled one: a listener behind a
transaction pooler hears nothing). A reload asked in one process is announced on
:data:`REQUESTS`; every listening process (the asker included, which simply ignores its own
request) reloads its files and answers on :data:`REPLIES` with a summary of its outcome, which the
asker collects for a few seconds into one report per process. Files changed on disk need no
message: each process watches them itself (``bot.config.watch``).

Only names and counts travel (never config values), and a payload stays far below PostgreSQL's
8,000-byte limit. A process that does not answer in time is simply missing from the report; the
admin sees how many answered.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import os
import socket
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import asyncpg
from sqlalchemy.engine import make_url

from bot.config.reload import Reloader, ReloadOutcome, ReloadTrigger

log = logging.getLogger(__name__)

REQUESTS = "ferry_config_reload"
REPLIES = "ferry_config_reload_reply"
REPLY_WINDOW_S = 3.0  # how long the asker waits for the other processes' answers
RECONNECT_S = 5.0
MAX_KEYS = 20  # changed key names carried per answer; the rest is counted


def process_name() -> str:
    """How a process is named in reports: host and pid, unique on one database at a time."""
    return f"{socket.gethostname()}:{os.getpid()}"


@dataclass(frozen=True, slots=True)
class ProcessReload:
    """One process's reload, as reported to the asker."""

    process: str
    ok: bool
    communities: int
    problems: int
    keys: tuple[str, ...] = ()
    needs_restart: tuple[str, ...] = ()
    more_keys: int = 0

    @classmethod
    def of(cls, process: str, outcome: ReloadOutcome) -> ProcessReload:
        keys = outcome.changes.keys
        return cls(
            process=process,
            ok=outcome.ok,
            communities=outcome.communities,
            problems=len(outcome.problems),
            keys=keys[:MAX_KEYS],
            needs_restart=outcome.changes.needs_restart[:MAX_KEYS],
            more_keys=max(0, len(keys) - MAX_KEYS),
        )

    def to_json(self, request: str) -> str:
        return json.dumps(
            {
                "request": request,
                "process": self.process,
                "ok": self.ok,
                "communities": self.communities,
                "problems": self.problems,
                "keys": list(self.keys),
                "needs_restart": list(self.needs_restart),
                "more_keys": self.more_keys,
            }
        )

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> ProcessReload:
        return cls(
            process=str(data["process"]),
            ok=bool(data["ok"]),
            communities=int(data["communities"]),
            problems=int(data["problems"]),
            keys=tuple(str(k) for k in data.get("keys", ())),
            needs_restart=tuple(str(k) for k in data.get("needs_restart", ())),
            more_keys=int(data.get("more_keys", 0)),
        )


def asyncpg_dsn(database_url: str) -> str:
    """The SQLAlchemy URL (``postgresql+asyncpg://``) as a DSN asyncpg accepts."""
    return make_url(database_url).set(drivername="postgresql").render_as_string(hide_password=False)


class FleetReload:
    """Listens for other processes' reload requests and lets this one ask all of them.

    ``run`` keeps the listening connection up until cancelled (reconnecting after a drop);
    :meth:`reload_everywhere` is what ``/ferry reload`` calls.
    """

    def __init__(
        self,
        reloader: Reloader,
        database_url: str,
        *,
        name: str | None = None,
        reply_window: float = REPLY_WINDOW_S,
        connect: Callable[[str], Any] = asyncpg.connect,
    ) -> None:
        self._reloader = reloader
        self._dsn = asyncpg_dsn(database_url)
        self.name = name or process_name()
        self._reply_window = reply_window
        self._connect = connect
        self._conn: asyncpg.Connection | None = None
        self._waiting: dict[str, list[ProcessReload]] = {}
        self._tasks: set[asyncio.Task[None]] = set()
        self.listening = asyncio.Event()

    async def run(self) -> None:
        """Listen until cancelled; a lost connection is opened again after a pause."""
        while True:
            try:
                await self._listen_once()
            except (OSError, asyncpg.PostgresError, asyncpg.InterfaceError):
                log.warning("config reload listener lost its connection; retrying", exc_info=True)
            self.listening.clear()
            await asyncio.sleep(RECONNECT_S)

    async def _listen_once(self) -> None:
        conn: asyncpg.Connection = await self._connect(self._dsn)
        closed = asyncio.Event()
        conn.add_termination_listener(lambda _: closed.set())
        try:
            await conn.add_listener(REQUESTS, self._on_request)
            await conn.add_listener(REPLIES, self._on_reply)
            self._conn = conn
            self.listening.set()
            log.info("listening for fleet config reloads", extra={"fleet_process": self.name})
            await closed.wait()
        finally:
            self._conn = None
            with contextlib.suppress(Exception):
                await asyncio.shield(conn.close(timeout=2))

    def _on_request(self, conn: Any, pid: int, channel: str, payload: str) -> None:
        try:
            data = json.loads(payload)
            request, origin = str(data["request"]), str(data["process"])
        except (ValueError, KeyError, TypeError):
            log.warning("ignored a malformed reload request")
            return
        if origin == self.name:
            return  # the asker reloads itself directly
        task = asyncio.get_running_loop().create_task(self._answer(request, origin))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _answer(self, request: str, origin: str) -> None:
        outcome = await self._reloader.reload(ReloadTrigger.FLEET)
        log.info("config reloaded at another process's request", extra={"asked_by": origin, "ok": outcome.ok})
        await self._notify(REPLIES, ProcessReload.of(self.name, outcome).to_json(request))

    def _on_reply(self, conn: Any, pid: int, channel: str, payload: str) -> None:
        try:
            data = json.loads(payload)
            replies = self._waiting.get(str(data["request"]))
            if replies is not None:
                replies.append(ProcessReload.from_json(data))
        except (ValueError, KeyError, TypeError):
            log.warning("ignored a malformed reload reply")

    async def _notify(self, channel: str, payload: str) -> None:
        conn = self._conn
        if conn is None:
            raise ConnectionError("not listening")
        await conn.execute("SELECT pg_notify($1, $2)", channel, payload)

    async def reload_everywhere(self, trigger: ReloadTrigger) -> tuple[ReloadOutcome, list[ProcessReload]]:
        """Reload here, ask every other listening process to, and collect their answers.

        Returns this process's outcome and the others' summaries (those that answered in time;
        none when this process is not listening, e.g. the database connection is down).
        """
        outcome = await self._reloader.reload(trigger)
        if self._conn is None:
            return outcome, []
        request = uuid.uuid4().hex
        replies: list[ProcessReload] = []
        self._waiting[request] = replies
        try:
            await self._notify(REQUESTS, json.dumps({"request": request, "process": self.name}))
            await asyncio.sleep(self._reply_window)
        except (OSError, ConnectionError, asyncpg.PostgresError, asyncpg.InterfaceError):
            log.warning("could not ask the other processes to reload", exc_info=True)
        finally:
            del self._waiting[request]
        return outcome, sorted(replies, key=lambda reply: reply.process)
