"""A process-wide guard that refuses any network connection or name lookup off the loopback.

It is a ``sys.addaudithook`` hook: CPython raises the audit events ``socket.connect``,
``socket.sendto``, ``socket.sendmsg`` and ``socket.getaddrinfo``/``gethostbyname`` *before* the system
call, so a refused attempt sends no packet at all (not even a DNS query). That covers the stdlib,
asyncio, aiohttp (its default ThreadedResolver and aiohappyeyeballs use these calls), discord.py,
asyncpg and httpx. It cannot see C libraries that open sockets themselves (e.g. c-ares via aiodns,
libpq) or child processes.

Audit hooks cannot be removed, so ``uninstall`` only disarms it. A refused attempt raises
``BlockedConnectionError`` (a ``ConnectionRefusedError``, so code under test sees an ordinary network
failure) and is also recorded, so the pytest plugin fails the test even if the code swallowed it.
"""

from __future__ import annotations

import errno
import ipaddress
import socket
import sys
import threading
from dataclasses import dataclass, field
from typing import Any

_LOOKUPS = {"socket.getaddrinfo", "socket.gethostbyname", "socket.gethostbyname_ex", "socket.gethostbyaddr"}
_SENDS = {"socket.connect", "socket.sendto", "socket.sendmsg"}


class BlockedConnectionError(ConnectionRefusedError):
    """A connection or lookup that would have left the machine."""


def is_loopback_host(host: object, allowed_names: frozenset[str] = frozenset({"localhost"})) -> bool:
    if isinstance(host, bytes):
        host = host.decode(errors="replace")
    if not isinstance(host, str):
        return False
    if host.lower().rstrip(".") in allowed_names:
        return True
    try:
        address = ipaddress.ip_address(host.split("%", 1)[0])
    except ValueError:
        return False
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        return address.ipv4_mapped.is_loopback
    return address.is_loopback


def _is_ip_literal(host: object) -> bool:
    if isinstance(host, bytes):
        host = host.decode(errors="replace")
    try:
        ipaddress.ip_address(str(host).split("%", 1)[0])
    except ValueError:
        return False
    return True


@dataclass
class LoopbackGuard:
    armed: bool = False
    allowed_names: frozenset[str] = frozenset({"localhost"})
    blocked: list[str] = field(default_factory=list)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def _refuse(self, what: str) -> None:
        with self._lock:
            self.blocked.append(what)
        raise BlockedConnectionError(errno.ECONNREFUSED, f"loopback guard refused {what}")

    def audit(self, event: str, args: tuple[Any, ...]) -> None:
        # Called for every audit event in the process: bail out cheaply on anything not socket-related.
        if not self.armed or not event.startswith("socket."):
            return
        if event in _SENDS:
            sock, address = args[0], args[1]
            if getattr(sock, "family", None) not in (socket.AF_INET, socket.AF_INET6):
                return  # Unix sockets and netlink stay on the machine
            if address is None:
                return  # sendmsg on an already-connected socket: its connect was checked
            host = address[0] if isinstance(address, tuple) else address
            if not is_loopback_host(host, self.allowed_names):
                self._refuse(f"{event} to {address!r}")
        elif event in _LOOKUPS:
            host = args[0]
            # A numeric host is parsed locally (no DNS query); the connect that follows is checked.
            local = host in (None, "", b"") or _is_ip_literal(host)
            if not local and not is_loopback_host(host, self.allowed_names):
                self._refuse(f"{event} of {host!r}")

    def uninstall(self) -> None:
        """Disarm (audit hooks stay registered for the life of the process)."""
        self.armed = False

    def take_blocked(self) -> list[str]:
        with self._lock:
            blocked, self.blocked = self.blocked, []
        return blocked


_GUARD = LoopbackGuard()
_HOOKED = False


def install_loopback_guard(*, allow_names: tuple[str, ...] = ()) -> LoopbackGuard:
    """Arm the guard for the rest of the process (idempotent). ``allow_names`` adds host names that
    resolve locally (``localhost`` is always allowed); IP literals must be loopback."""
    global _HOOKED
    _GUARD.allowed_names = frozenset({"localhost", *(n.lower() for n in allow_names)})
    _GUARD.armed = True
    if not _HOOKED:
        sys.addaudithook(_GUARD.audit)
        _HOOKED = True
    return _GUARD


def loopback_guard() -> LoopbackGuard:
    """The process-wide guard (armed or not)."""
    return _GUARD
