"""Fixtures of the scale-out suite: real ``ferry`` processes on one PostgreSQL database.

``fleet`` starts processes (``fleet.start("a")``, ``fleet.start("b", {"DISCORD_SHARD_IDS": "1"})``)
with a clean environment: only what the test passes, the database URL and the config written to
``fleet.config_path``. Every process is stopped at the end (woken first if a test froze it), and
the tail of each log is printed when a test fails. ``cluster_state`` reads the lease and registry the
way ``ferry status`` does. Tests in this directory carry ``pytest.mark.scaleout``.
"""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import time
from collections.abc import AsyncIterator, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import pytest

from bot.cluster.election import SINGLETON
from bot.storage.cluster import ClusterStore, Lease
from bot.storage.database import Database

STOP_TIMEOUT_S = 20.0
REPO = Path(__file__).resolve().parents[2]


@dataclass
class FerryProcess:
    """One ``ferry`` process of the fleet."""

    name: str
    popen: subprocess.Popen[bytes]
    log_path: Path
    frozen: bool = False

    @property
    def pid(self) -> int:
        return self.popen.pid

    def log(self) -> str:
        return self.log_path.read_text(encoding="utf-8", errors="replace")

    def signal(self, sig: signal.Signals) -> None:
        os.kill(self.pid, sig)
        if sig == signal.SIGSTOP:
            self.frozen = True
        elif sig == signal.SIGCONT:
            self.frozen = False

    def alive(self) -> bool:
        return self.popen.poll() is None


@dataclass
class Fleet:
    """Starts and stops ``ferry`` processes sharing one database and one config."""

    database_url: str
    workdir: Path
    env: dict[str, str] = field(default_factory=dict)
    processes: list[FerryProcess] = field(default_factory=list)

    @property
    def config_path(self) -> Path:
        return self.workdir / "ferry.toml"

    def start(
        self, name: str, env: Mapping[str, str] | None = None, *args: str, module: str = "bot.cli"
    ) -> FerryProcess:
        """Start ``ferry run`` (or ``ferry <args>``) as process ``name``; ``module`` is the entry
        point (``tests.scaleout.discord_child`` for one pointed at the Discord stand-in)."""
        log_path = self.workdir / f"{name}.log"
        full_env = {
            "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
            "HOME": str(self.workdir),
            "LANG": "C.UTF-8",
            "DATABASE_URL": self.database_url,
            "FERRY_CONFIG": str(self.config_path),
            "LOG_LEVEL": "INFO",
            "PYTHONPATH": str(REPO),  # for a test entry point, run from the work directory
            **self.env,
            **(env or {}),
        }
        with log_path.open("ab") as log:
            popen = subprocess.Popen(
                [sys.executable, "-m", module, *(args or ("run",))],
                cwd=self.workdir,  # no stray .env is read
                env=full_env,
                stdout=log,
                stderr=subprocess.STDOUT,
            )
        process = FerryProcess(name, popen, log_path)
        self.processes.append(process)
        return process

    def by_pid(self, pid: int) -> FerryProcess:
        return next(p for p in self.processes if p.pid == pid)

    def stop_all(self) -> None:
        for process in self.processes:
            if process.alive():
                if process.frozen:
                    process.signal(signal.SIGCONT)
                process.popen.send_signal(signal.SIGTERM)
        deadline = time.monotonic() + STOP_TIMEOUT_S
        for process in self.processes:
            try:
                process.popen.wait(timeout=max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                process.popen.kill()
                process.popen.wait()


@pytest.fixture
def fleet(postgres_url: str, tmp_path: Path, request: pytest.FixtureRequest) -> Iterator[Fleet]:
    """A fleet on a fresh PostgreSQL database (not migrated: the processes do it themselves)."""
    group = Fleet(postgres_url, tmp_path)
    try:
        yield group
    finally:
        group.stop_all()
        report = getattr(request.node, "rep_call", None)
        if report is None or report.failed:
            for process in group.processes:
                tail = "\n".join(process.log().splitlines()[-40:])
                print(f"\n----- {process.name} (pid {process.pid}) -----\n{tail}")


@pytest.hookimpl(wrapper=True, tryfirst=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> Iterator[None]:
    report = yield
    if report.when == "call":
        item.rep_call = report  # type: ignore[attr-defined]
    return report


@dataclass(frozen=True)
class ClusterState:
    lease: Lease | None
    leader_pid: int | None


@pytest.fixture
async def cluster_state(postgres_url: str) -> AsyncIterator[ClusterReader]:
    async with await Database.open(postgres_url) as database:
        yield ClusterReader(ClusterStore(database))


class ClusterReader:
    """Reads who leads, as ``ferry status`` would."""

    def __init__(self, store: ClusterStore) -> None:
        self.store = store

    async def now(self) -> ClusterState:
        try:
            lease = await self.store.lease(SINGLETON)
        except Exception:  # noqa: BLE001 - not migrated yet: nobody leads
            return ClusterState(None, None)
        if lease is None or lease.expires_in.total_seconds() <= 0:
            return ClusterState(lease, None)
        return ClusterState(lease, int(lease.holder.split(":")[1]))

    async def wait_leader(self, *, other_than: int | None = None, within: float = 60.0) -> tuple[int, float]:
        """The leader's pid (not ``other_than``) and the seconds waited for it."""
        started = time.monotonic()
        while time.monotonic() - started < within:
            state = await self.now()
            if state.leader_pid is not None and state.leader_pid != other_than:
                return state.leader_pid, time.monotonic() - started
            await asyncio.sleep(0.1)
        raise AssertionError(f"no new leader within {within} s")


def utc_now() -> datetime:
    return datetime.now(UTC)
