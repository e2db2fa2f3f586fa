"""pytest plugin: a real local atproto network (PLC + PDS + AppView) on 127.0.0.1.

The network comes from ``@atproto/dev-env``, run by the Node harness in ``tests/atproto_net/`` (install it
once with ``bash tests/atproto_net/install.sh``). The session-scoped fixture ``atproto_network`` starts it
once per test session and stops it at the end; tests that use it carry ``@pytest.mark.atproto``.

When Node, the harness or PostgreSQL is missing, the tests are skipped, or fail when
``FERRY_REQUIRE_SERVICES=1``. PostgreSQL comes from ``DB_POSTGRES_URL`` or ``FERRY_TEST_POSTGRES_URL``, else
``postgresql://postgres@127.0.0.1:5432/postgres``, else a throwaway cluster the harness starts itself.

Each test should create the accounts it writes with (:meth:`AtprotoNetwork.create_account`): there is no
reset between tests. The preset accounts (``ferrybot.test``, ``alice.test``, ``bob.test``) are shared.
"""

from __future__ import annotations

import json
import os
import platform
import queue
import signal
import subprocess
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any, Final, NoReturn

import httpx
import pytest

HARNESS_DIR: Final = Path(__file__).resolve().parents[1] / "atproto_net"
INSTALL_HINT: Final = "run `bash tests/atproto_net/install.sh` (needs npm, g++, make; about 2 minutes)"
READY_TIMEOUT_S: Final = float(os.environ.get("FERRY_ATPROTO_READY_TIMEOUT", "120"))
STOP_TIMEOUT_S: Final = 30.0
CONTROL_TIMEOUT_S: Final = 60.0
REQUIRE_ENV: Final = "FERRY_REQUIRE_SERVICES"
_READY: Final = "ATP_NETWORK_READY "
_ERROR: Final = "ATP_NETWORK_ERROR "
_NODE_ARCH: Final = {"x86_64": "x64", "amd64": "x64", "aarch64": "arm64", "arm64": "arm64"}


class AtprotoNetworkError(RuntimeError):
    """The harness failed or its control API answered with an error."""


@dataclass(frozen=True, slots=True)
class AtprotoAccount:
    """An account on the local PDS. ``app_password`` is an app password (what the bot should use)."""

    handle: str
    did: str
    password: str
    app_password: str
    email: str

    @property
    def name(self) -> str:
        """The handle without ``.test``."""
        return self.handle.removesuffix(".test")

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> AtprotoAccount:
        return cls(
            handle=str(data["handle"]),
            did=str(data["did"]),
            password=str(data["password"]),
            app_password=str(data["app_password"]),
            email=str(data["email"]),
        )


@dataclass(frozen=True, slots=True)
class AtprotoNetwork:
    """A running local network: service URLs (all ``http://127.0.0.1:PORT``), accounts and controls.

    The PDS proxies ``app.bsky.*`` to the AppView, so a client only needs ``pds_url``. Accounts' DID
    documents name ``http://localhost:PORT`` as their PDS (dev-env's choice; loopback as well).
    """

    pds_url: str
    pds_did: str
    plc_url: str
    appview_url: str
    appview_did: str
    ozone_url: str
    control_url: str
    postgres_schema: str
    pid: int
    accounts: tuple[AtprotoAccount, ...]
    startup_seconds: float
    timings_ms: dict[str, int] = field(compare=False)
    _control_token: str = field(repr=False, compare=False)

    @property
    def service_urls(self) -> dict[str, str]:
        return {
            "pds": self.pds_url,
            "plc": self.plc_url,
            "appview": self.appview_url,
            "ozone": self.ozone_url,
            "control": self.control_url,
        }

    def account(self, name: str) -> AtprotoAccount:
        """A preset account by handle or by name (``"alice"`` or ``"alice.test"``)."""
        for acct in self.accounts:
            if name in (acct.handle, acct.name):
                return acct
        raise KeyError(name)

    @property
    def bot(self) -> AtprotoAccount:
        return self.account("ferrybot")

    @property
    def alice(self) -> AtprotoAccount:
        return self.account("alice")

    @property
    def bob(self) -> AtprotoAccount:
        return self.account("bob")

    async def process_all(self) -> None:
        """Wait until the AppView has indexed every event the PDS has sequenced so far."""
        await self._post("/process-all", {})

    async def create_account(
        self, handle_prefix: str = "user", *, display_name: str | None = None
    ) -> AtprotoAccount:
        """Create a fresh account ``<prefix><6 random letters>.test``, already indexed by the AppView.

        The prefix is cut to 11 letters and digits (handles allow 18 characters before ``.test``).
        """
        body: dict[str, str] = {"prefix": handle_prefix}
        if display_name is not None:
            body["display_name"] = display_name
        return AtprotoAccount.from_json(await self._post("/accounts", body))

    async def _post(self, path: str, body: dict[str, str]) -> dict[str, Any]:
        headers = {"authorization": f"Bearer {self._control_token}"}
        async with httpx.AsyncClient(timeout=CONTROL_TIMEOUT_S, trust_env=False) as client:
            response = await client.post(f"{self.control_url}{path}", json=body, headers=headers)
        payload: dict[str, Any] = response.json()
        if response.status_code != 200:
            raise AtprotoNetworkError(f"{path}: HTTP {response.status_code}: {payload.get('error')}")
        return payload

    @classmethod
    def from_ready(cls, data: dict[str, Any], startup_seconds: float) -> AtprotoNetwork:
        return cls(
            pds_url=str(data["pds_url"]),
            pds_did=str(data["pds_did"]),
            plc_url=str(data["plc_url"]),
            appview_url=str(data["appview_url"]),
            appview_did=str(data["appview_did"]),
            ozone_url=str(data["ozone_url"]),
            control_url=str(data["control_url"]),
            postgres_schema=str(data["postgres_schema"]),
            pid=int(data["pid"]),
            accounts=tuple(AtprotoAccount.from_json(a) for a in data["accounts"]),
            startup_seconds=startup_seconds,
            timings_ms={str(k): int(v) for k, v in data["timings_ms"].items()},
            _control_token=str(data["control_token"]),
        )


def _unavailable(reason: str) -> NoReturn:
    """Skip, or fail when the services are required (CI)."""
    if os.environ.get(REQUIRE_ENV) == "1":
        pytest.fail(f"{reason} ({REQUIRE_ENV}=1)", pytrace=False)
    pytest.skip(reason)


def _node_binary() -> Path | None:
    arch = _NODE_ARCH.get(platform.machine().lower())
    if arch is None or platform.system() != "Linux":
        return None
    return HARNESS_DIR / "node_modules" / f"node-linux-{arch}" / "bin" / "node"


def _check_install() -> Path:
    """The harness's Node 22, after ``install.sh --check`` (which installs nothing)."""
    node = _node_binary()
    if node is None:
        _unavailable(f"the atproto test network runs on Linux x86_64/aarch64 only, not {platform.platform()}")
    check = subprocess.run(
        ["bash", str(HARNESS_DIR / "install.sh"), "--check"],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    if check.returncode != 0:
        detail = (check.stderr or check.stdout).strip().splitlines()
        why = detail[0].removeprefix("atproto_net/install.sh: ") if detail else f"exit {check.returncode}"
        _unavailable(f"atproto test network not installed ({why}): {INSTALL_HINT}")
    return node


def _tail(path: Path, lines: int = 40) -> str:
    try:
        return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])
    except OSError:
        return "<no log>"


def _read_stdout(stream: IO[str], lines: queue.Queue[str | None]) -> None:
    """Forward the harness's stdout lines; keep draining so that it can never block on a full pipe."""
    for line in stream:
        lines.put(line.rstrip("\n"))
    lines.put(None)


def _stop(proc: subprocess.Popen[str]) -> None:
    """Close stdin (the harness then cleans up and exits), then escalate."""
    if proc.poll() is not None:
        return
    try:
        if proc.stdin is not None:
            proc.stdin.close()
        proc.wait(timeout=STOP_TIMEOUT_S)
    except (OSError, subprocess.TimeoutExpired):
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=10)


def _harness_env() -> dict[str, str]:
    # Stray service variables would reach dev-env's config (the harness drops them too); NODE_OPTIONS
    # could preload code or change flags behind the harness's back.
    return {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("PDS_", "BSKY_", "OZONE_", "BSYNC_", "PLC_")) and k != "NODE_OPTIONS"
    }


def start_network(log_path: Path) -> tuple[AtprotoNetwork, subprocess.Popen[str]]:
    """Start the harness and wait for its READY line. Skips or fails (see the module docstring)."""
    node = _check_install()
    started = time.monotonic()
    with log_path.open("w") as log_file:
        proc = subprocess.Popen(
            [str(node), "--require", "./loopback.cjs", "network.mjs"],
            cwd=HARNESS_DIR,
            stdin=subprocess.PIPE,  # our end closing (even if pytest is killed) shuts the harness down
            stdout=subprocess.PIPE,
            stderr=log_file,
            env=_harness_env(),
            text=True,
        )
    assert proc.stdout is not None
    lines: queue.Queue[str | None] = queue.Queue()
    threading.Thread(
        target=_read_stdout, args=(proc.stdout, lines), name="atproto-net-stdout", daemon=True
    ).start()

    deadline = started + READY_TIMEOUT_S
    while True:
        try:
            line = lines.get(timeout=max(0.0, deadline - time.monotonic()))
        except queue.Empty:
            _stop(proc)
            pytest.fail(
                f"atproto network not ready in {READY_TIMEOUT_S:.0f} s\nlog {log_path}:\n{_tail(log_path)}",
                pytrace=False,
            )
        if line is None:
            proc.wait(timeout=30)
            pytest.fail(
                f"atproto network exited with {proc.returncode} before it was ready; log {log_path}:\n"
                f"{_tail(log_path)}",
                pytrace=False,
            )
        if line.startswith(_READY):
            data = json.loads(line.removeprefix(_READY))
            return AtprotoNetwork.from_ready(data, time.monotonic() - started), proc
        if line.startswith(_ERROR):
            error = json.loads(line.removeprefix(_ERROR))
            _stop(proc)
            if error.get("kind") == "postgres-unavailable":
                _unavailable(f"atproto network needs PostgreSQL: {error.get('message')}")
            pytest.fail(
                f"atproto network failed: {error.get('message')}\nlog {log_path}:\n{_tail(log_path)}",
                pytrace=False,
            )


@pytest.fixture(scope="session")
def atproto_network(tmp_path_factory: pytest.TempPathFactory) -> Iterator[AtprotoNetwork]:
    """A local atproto network for the whole session (about 6-10 s to start)."""
    log_path = tmp_path_factory.mktemp("atproto_net") / "network.log"
    network, proc = start_network(log_path)
    try:
        yield network
    finally:
        _stop(proc)
