"""The gateway websocket: HELLO, IDENTIFY/READY/GUILD_CREATE, heartbeats, RESUME and dispatches.

A session outlives its socket: events dispatched while the bot is disconnected are buffered with
their sequence numbers and replayed on RESUME, as Discord does, so a test can drop the socket in
the middle of a flow and check that nothing is lost.
"""

from __future__ import annotations

import asyncio
import json
import secrets
import time
import zlib
from collections import deque
from dataclasses import dataclass, field
from typing import Any, Protocol

from aiohttp import WSMsgType, web

from . import payloads
from .backend import Backend
from .shards import IdentifyLog, conflict, guild_ids_of, parse_shard, route

Json = dict[str, Any]
GUILDS, GUILD_MEMBERS = 1 << 0, 1 << 1
PRIVILEGED = {1 << 1: "GUILD_MEMBERS", 1 << 8: "GUILD_PRESENCES", 1 << 15: "MESSAGE_CONTENT"}
ALL_INTENTS = (1 << 26) - 1


class _Compressor(Protocol):
    def __call__(self, data: bytes) -> bytes: ...


def _compressor(kind: str | None) -> _Compressor | None:
    """One streaming context per connection, as discord.py keeps one decompressor per socket."""
    if kind == "zlib-stream":
        context = zlib.compressobj()
        return lambda data: context.compress(data) + context.flush(zlib.Z_SYNC_FLUSH)
    if kind == "zstd-stream":
        try:
            import zstandard
        except ImportError:  # discord.py only asks for zstd when it can decode it; text frames also work
            return None
        stream = zstandard.ZstdCompressor().compressobj()
        return lambda data: stream.compress(data) + stream.flush(zstandard.COMPRESSOBJ_FLUSH_BLOCK)
    return None


@dataclass
class Session:
    id: str
    intents: int
    seq: int = 0
    sent: list[tuple[int, str]] = field(default_factory=list)  # (seq, frame) for replay on RESUME
    socket: Connection | None = None
    shard: tuple[int, int] = (0, 1)  # (id, count); an unsharded session holds shard 0 of 1
    ended: bool = False  # the client closed it (1000/1001): Discord invalidates it, no RESUME

    @property
    def connected(self) -> bool:
        return self.socket is not None and not self.socket.ws.closed


@dataclass
class Connection:
    ws: web.WebSocketResponse
    compress: _Compressor | None
    path: str
    sent_at: deque[float] = field(default_factory=deque)  # our receive times of the client's frames
    closed_by_server: bool = False

    async def send(self, payload: Json | str) -> None:
        text = payload if isinstance(payload, str) else json.dumps(payload)
        if self.compress is None:
            await self.ws.send_str(text)
        else:
            await self.ws.send_bytes(self.compress(text.encode()))


class GatewayHub:
    def __init__(self, backend: Backend) -> None:
        self.b = backend
        self.sessions: dict[str, Session] = {}
        self.current: Session | None = None  # the newest session (identified or resumed)
        self.identify_log = IdentifyLog()
        self.identifies = 0
        self.resumes = 0
        self.heartbeats = 0
        self.connections: list[Connection] = []
        self.ready = asyncio.Event()  # READY sent on the current session
        backend.dispatch = self.dispatch
        backend.identifies = lambda: self.identifies

    def register(self, router: web.UrlDispatcher) -> None:
        router.add_get("/gateway", self.handle)
        router.add_get("/resume-gateway", self.handle)

    @property
    def url(self) -> str:
        return self.b.base_url.replace("http", "ws", 1) + "/gateway"

    def session_for(self, guild_id: int | None) -> Session | None:
        """The session holding the shard of ``guild_id`` (shard 0 for guild-less events)."""
        return route(list(self.sessions.values()), guild_id)

    async def dispatch(self, event: str, data: Json, intent: int | None = None) -> None:
        """Send (or buffer for RESUME) an event to the session holding its guild's shard, if that
        session's intents allow it."""
        guild_id = data.get("guild_id")
        await self.send_event(
            self.session_for(None if guild_id is None else int(guild_id)), event, data, intent
        )

    async def send_event(
        self, session: Session | None, event: str, data: Json, intent: int | None = None
    ) -> None:
        """Send (or buffer for RESUME) an event on one session if its intents allow it."""
        if session is None or (intent is not None and not session.intents & intent):
            return
        session.seq += 1
        frame = json.dumps({"op": 0, "t": event, "s": session.seq, "d": data})
        session.sent.append((session.seq, frame))
        if session.socket is not None and not session.socket.ws.closed:
            await session.socket.send(frame)

    async def drop(self, code: int = 4000) -> None:
        """Close the live socket as Discord does on a fault; the client should RESUME."""
        session = self.current
        if session is not None and session.socket is not None:
            socket, session.socket = session.socket, None
            await socket.ws.close(code=code)

    async def send_op(self, op: int, data: Any = None) -> None:
        session = self.current
        if session is not None and session.socket is not None:
            await session.socket.send({"op": op, "d": data})

    async def handle(self, request: web.Request) -> web.WebSocketResponse:
        ws = web.WebSocketResponse(autoping=True, max_msg_size=0)
        await ws.prepare(request)
        query = request.query
        if query.get("v") != "10" or query.get("encoding", "json") != "json":
            await ws.close(code=4012, message=b"Invalid API version or encoding")
            return ws
        connection = Connection(ws, _compressor(query.get("compress")), request.path)
        self.connections.append(connection)
        await connection.send({"op": 10, "d": {"heartbeat_interval": self.b.config.heartbeat_interval_ms}})
        session: Session | None = None
        # A client that stops heartbeating is a zombie; Discord closes it (the slack is for slow CI).
        timeout = self.b.config.heartbeat_interval_ms / 1000 * 1.5 + 1.0
        try:
            while not ws.closed:
                try:
                    message = await ws.receive(timeout=timeout)
                except TimeoutError:
                    await self._close(connection, 4009, f"no frame for {timeout:.1f}s (event loop blocked?)")
                    break
                if message.type != WSMsgType.TEXT:
                    break
                session = await self._on_frame(connection, session, message.data)
        finally:
            if session is not None and session.socket is connection:
                session.socket = None
                # A client's own close with 1000/1001 ends the session, as on Discord.
                session.ended = ws.close_code in (1000, 1001) and not connection.closed_by_server
        return ws

    async def _close(self, connection: Connection, code: int, reason: str, violation: bool = True) -> None:
        if violation:
            self.b.note(None, "gateway", f"gateway closed with {code}: {reason}", code)
        connection.closed_by_server = True
        await connection.ws.close(code=code, message=reason.encode())

    async def _on_frame(self, connection: Connection, session: Session | None, text: str) -> Session | None:
        now = time.monotonic()
        connection.sent_at.append(now)
        while connection.sent_at[0] < now - 60:
            connection.sent_at.popleft()
        if len(connection.sent_at) > self.b.config.gateway_sends_per_minute:
            await self._close(connection, 4008, "sent more than 120 gateway events in a minute")
            return session
        try:
            frame = json.loads(text)
            op, data = frame["op"], frame.get("d")
        except (ValueError, KeyError, TypeError):
            await self._close(connection, 4002, "could not decode payload")
            return session
        if op == 1:
            self.heartbeats += 1
            await connection.send({"op": 11})
        elif op == 2:
            return await self._identify(connection, session, data)
        elif op == 6:
            return await self._resume(connection, data)
        elif session is None:
            await self._close(connection, 4003, f"op {op} before IDENTIFY")
        elif op == 8:
            await self._members_chunk(data)
        elif op not in (3, 4):  # presence and voice state updates are accepted and ignored
            await self._close(connection, 4001, f"unknown opcode {op}")
        return session

    async def _identify(self, connection: Connection, session: Session | None, data: Json) -> Session | None:
        if session is not None:
            await self._close(connection, 4005, "already authenticated")
            return session
        if data.get("token") != self.b.config.token:
            await self._close(connection, 4004, "authentication failed", violation=False)
            return None
        intents = data.get("intents")
        if not isinstance(intents, int) or intents & ~ALL_INTENTS:
            await self._close(connection, 4013, f"invalid intents {intents!r}")
            return None
        missing = [
            name
            for bit, name in PRIVILEGED.items()
            if intents & bit and not self.b.config.privileged_intents & bit
        ]
        if missing:
            # Not a violation: the test may be checking PrivilegedIntentsRequired; the runner explains it.
            await self._close(
                connection, 4014, f"privileged intents not enabled: {', '.join(missing)}", False
            )
            return None
        shard = parse_shard(data)
        if isinstance(shard, str):
            await self._close(connection, 4010, f"invalid shard: {shard}")
            return None
        overlap = conflict(shard, self.sessions.values())
        if overlap is not None:
            await self._close(connection, 4010, overlap)
            return None
        if not await self._identify_paced(connection, shard):
            return None
        self.identifies += 1
        self.identify_log.add(shard)
        session = Session(secrets.token_hex(16), intents, socket=connection, shard=shard)
        self.sessions[session.id] = session
        self.current = session
        held = guild_ids_of(shard, self.b.guilds)
        ready = {
            "v": 10,
            "user": payloads.user(self.b.bot_user) | {"verified": True, "mfa_enabled": False},
            "session_id": session.id,
            "session_type": "normal",
            "resume_gateway_url": self.b.base_url.replace("http", "ws", 1) + "/resume-gateway",
            "guilds": [{"id": str(g), "unavailable": True} for g in held],
            "application": {"id": str(self.b.application_id), "flags": 0},
            "private_channels": [],
            "relationships": [],
        }
        if data.get("shard") is not None:
            ready["shard"] = list(shard)
        await self.send_event(session, "READY", ready)
        # Without GUILD_MEMBERS Discord lists only the bot itself (voice members aside).
        only_bot = None if intents & GUILD_MEMBERS else {self.b.bot_user.id}
        for guild_id in held:
            guild = self.b.guilds[guild_id]
            await self.send_event(
                session, "GUILD_CREATE", payloads.guild_create(guild, member_ids=only_bot), GUILDS
            )
        self.ready.set()
        return session

    async def _resume(self, connection: Connection, data: Json) -> Session | None:
        session = self.sessions.get(str(data.get("session_id")))
        if session is None or data.get("token") != self.b.config.token:
            await connection.send({"op": 9, "d": False})  # not resumable: the client re-identifies
            return None
        self.resumes += 1
        session.socket = connection
        session.ended = False
        self.current = session
        last = int(data.get("seq") or 0)
        for seq, frame in session.sent:
            if seq > last:
                await connection.send(frame)
        await self.send_event(session, "RESUMED", {})
        return session

    async def _identify_paced(self, connection: Connection, shard: tuple[int, int]) -> bool:
        """Discord lets one IDENTIFY per bucket (``shard_id % max_concurrency``) through every
        ``identify_interval`` seconds; a faster one gets INVALID_SESSION and counts as a violation."""
        interval = self.b.config.identify_interval
        if interval <= 0:
            return True
        concurrency = self.b.config.max_concurrency
        bucket = shard[0] % concurrency
        last = self.identify_log.last_in_bucket(bucket, concurrency)
        if last is None or time.monotonic() - last >= interval:
            return True
        self.b.note(
            None,
            "gateway",
            f"IDENTIFY for shard {shard[0]} came {time.monotonic() - last:.2f}s after the last one in "
            f"bucket {bucket}; Discord allows one per {interval}s (max_concurrency {concurrency})",
        )
        await connection.send({"op": 9, "d": False})
        return False

    async def _members_chunk(self, data: Json) -> None:
        guild = self.b.guilds.get(int(data.get("guild_id", 0)))
        if guild is None:
            return
        wanted = {int(u) for u in data.get("user_ids") or []}
        members = [payloads.member(m) for m in guild.members.values() if not wanted or m.user.id in wanted]
        chunk: Json = {"guild_id": str(guild.id), "members": members, "chunk_index": 0, "chunk_count": 1}
        if data.get("nonce"):
            chunk["nonce"] = data["nonce"]
        await self.dispatch("GUILD_MEMBERS_CHUNK", chunk)
