"""Mention -> reply latency on a local atproto network (PLC + PDS + AppView), Ferry against a bare loop.

Ferry runs as ``ferry run`` with only Bluesky credentials (:mod:`bench.bluesky_child`), the baseline is
a bare ``AsyncClient`` loop polling at the same interval (:mod:`bench.bluesky_baseline`); each has its
own new account. In a burst every author posts one mention to each bot at the same moment (the two
posts in random order); the latency of a mention runs from its ``createRecord`` returning to the bot's
reply to it appearing in the bot's repository, which this process reads every ``OBSERVE_S`` seconds
(so both sides carry the same half-period of observation delay on average).

Both bots poll on the same ticks (Ferry's are fixed by its DID, see ``bot.bluesky.poller.next_tick_in``;
the baseline is told to keep them), so every burst waits exactly as long for either bot's next poll
and the two latencies differ by what each bot does after it. Bursts start at random points of the
interval (a gap of at least ``MIN_GAP_S`` plus up to one interval), so that wait, which dominates
the latency at a 5 s interval, is sampled over the whole cycle. Even bursts register
(``add lemon8 ...``, a write), odd ones read (``me``), which keeps every author under Ferry's default
five registrations a minute: the benchmark measures answers, not refusals.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import random
import secrets
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from atproto import AsyncClient, client_utils
from atproto_client.exceptions import InvokeTimeoutError

from bench.bluesky_child import PASSWORD_ENV
from bench.discord_burst import stop_process
from bench.latency import Burst, Summary
from bench.targets import database_url
from bot.config.models import Bluesky
from tests.support.atproto import AtprotoAccount, AtprotoNetwork, start_network

ROOT = Path(__file__).resolve().parent.parent
OBSERVE_S = 0.1
MIN_GAP_S = 6.5
READY_TIMEOUT_S = 120.0
DEFAULT_INTERVAL = Bluesky().poll_interval_seconds
ANSWERS = ("Added ", "Updated ", "Your handles", "You have no handles")  # Ferry's replies to add and me
CONFIG = """
[defaults]
community = "bench"
{bluesky}
[[communities]]
slug = "bench"
name = "Bluesky Bench"
default_visibility = "public"
platforms = ["lemon8", "rednote", "bluesky"]
"""


class NetworkUnavailableError(RuntimeError):
    """The local atproto network could not start (not installed, no PostgreSQL)."""


@dataclass(frozen=True, slots=True)
class BlueskyResult:
    dialect: str
    authors: int
    bursts: int
    interval: float
    ferry: Summary
    baseline: Summary
    problems: tuple[str, ...]


@dataclass
class Bot:
    name: str
    account: AtprotoAccount
    log: Path
    process: subprocess.Popen[bytes] | None = None
    sent: dict[str, float] = field(default_factory=dict)  # mention URI -> when it was created
    seen: dict[str, float] = field(default_factory=dict)  # mention URI -> when the reply appeared
    texts: dict[str, str] = field(default_factory=dict)  # mention URI -> the reply's text


@contextlib.contextmanager
def local_network(workdir: Path) -> Any:
    """Start the test harness's network (tests/support/atproto.py) for the duration."""
    try:
        network, proc = start_network(workdir / "atproto-network.log")
    except (pytest.skip.Exception, pytest.fail.Exception) as exc:
        raise NetworkUnavailableError(str(exc)) from None
    try:
        yield network
    finally:
        if proc.poll() is None:
            if proc.stdin is not None:
                proc.stdin.close()  # the harness closes the network and drops its schemas
            try:
                proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait(timeout=10)


async def login(network: AtprotoNetwork, account: AtprotoAccount) -> AsyncClient:
    client = AsyncClient(base_url=network.pds_url)
    await client.login(account.handle, account.password)
    return client


def _spawn(
    bot: Bot,
    network: AtprotoNetwork,
    interval: float,
    url: str | None,
    config: Path | None,
    ticks_of: str | None = None,
) -> None:
    command = [sys.executable, "-m", "bench.bluesky_child", bot.name, "--service-url", network.pds_url]
    command += ["--handle", bot.account.handle, "--interval", str(interval)]
    if ticks_of is not None:
        command += ["--ticks-of", ticks_of]
    if url is not None and config is not None:
        command += ["--database-url", url, "--config", str(config)]
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DISCORD_", "BLUESKY_", "FERRY_"))}
    env[PASSWORD_ENV] = bot.account.app_password
    with bot.log.open("wb") as log:
        bot.process = subprocess.Popen(command, cwd=ROOT, stdout=log, stderr=subprocess.STDOUT, env=env)


def _tail(bot: Bot, lines: int = 30) -> str:
    try:
        return "\n".join(bot.log.read_text(errors="replace").splitlines()[-lines:])
    except OSError:
        return "<no log>"


async def _observe(reader: AsyncClient, bots: list[Bot]) -> None:
    """Note when each bot's reply to a mention first shows up in its repository."""
    while True:
        for bot in bots:
            params = {"repo": bot.account.did, "collection": "app.bsky.feed.post", "limit": 100}
            with contextlib.suppress(Exception):  # a slow or failed read is retried next round
                page = await reader.com.atproto.repo.list_records(params=params)
                now = time.monotonic()
                for record in page.records:
                    reply = getattr(record.value, "reply", None)
                    parent = reply.parent.uri if reply is not None else None
                    if parent in bot.sent and parent not in bot.seen:
                        bot.seen[parent] = now
                        bot.texts[parent] = str(getattr(record.value, "text", ""))
        await asyncio.sleep(OBSERVE_S)


async def _mention(client: AsyncClient, bot: Bot, command: str) -> None:
    text = client_utils.TextBuilder().mention(f"@{bot.account.handle}", bot.account.did).text(f" {command}")
    for attempt in range(3):
        try:
            post = await client.send_post(text)
        except InvokeTimeoutError:
            # A loaded PDS may be slower than the SDK's 5 s; a post that did land untracked is only
            # one more request for the bot, never a latency sample.
            if attempt == 2:
                raise
        else:
            bot.sent[post.uri] = time.monotonic()
            return


async def _until_answered(bots: list[Bot], uris: dict[str, list[str]], timeout: float) -> None:  # noqa: ASYNC109
    deadline = time.monotonic() + timeout
    while any(u not in bot.seen for bot in bots for u in uris[bot.name]):
        for bot in bots:
            if bot.process is not None and bot.process.poll() is not None:
                raise RuntimeError(f"{bot.name} bot exited with {bot.process.returncode}:\n{_tail(bot)}")
        if time.monotonic() > deadline:
            return
        await asyncio.sleep(OBSERVE_S)


def command(index: int, author: str) -> str:
    """What an author asks in burst ``index``: registrations and reads alternate."""
    return f"add lemon8 {author}b{index}" if index % 2 == 0 else "me"


async def _burst(authors: list[tuple[AsyncClient, str]], bots: list[Bot], index: int) -> dict[str, list[str]]:
    before = {bot.name: set(bot.sent) for bot in bots}

    async def one(client: AsyncClient, name: str) -> None:
        for bot in random.sample(bots, len(bots)):
            await _mention(client, bot, command(index, name))

    await asyncio.gather(*(one(client, name) for client, name in authors))
    return {bot.name: [u for u in bot.sent if u not in before[bot.name]] for bot in bots}


async def run_bluesky(
    network: AtprotoNetwork,
    authors: list[tuple[AsyncClient, str]],
    dialect: str,
    *,
    bursts: int,
    interval: float = DEFAULT_INTERVAL,
    postgres_url: str,
    workdir: Path | None = None,
) -> BlueskyResult:
    """Both bots, each on a new account; Ferry's database on ``dialect``. ``authors`` are logged-in
    clients with a short name each; the first one also sends the warm-up mentions."""
    suffix = secrets.token_hex(2)
    with tempfile.TemporaryDirectory(prefix="ferry-bluesky-bench-", dir=workdir) as tmp:
        root = Path(tmp)
        bots = [
            Bot(name, await network.create_account(f"{name[:4]}{suffix}"), root / f"{name}.log")
            for name in ("baseline", "ferry")
        ]
        baseline, ferry = bots
        section = "" if interval == DEFAULT_INTERVAL else f"[bluesky]\npoll_interval_seconds = {interval}\n"
        config = root / "ferry.toml"
        config.write_text(CONFIG.format(bluesky=section), encoding="utf-8")
        reader = AsyncClient(base_url=network.pds_url)
        observer = asyncio.create_task(_observe(reader, bots))
        collected: dict[str, list[Burst]] = {"ferry": [], "baseline": []}
        try:
            async with database_url(dialect, postgres_admin_url=postgres_url, workdir=root) as url:
                # The baseline polls on Ferry's ticks: every burst waits as long for either poll.
                _spawn(baseline, network, interval, None, None, ticks_of=ferry.account.did)
                _spawn(ferry, network, interval, url, config)
                try:
                    warm = await _burst(authors[:1], bots, 1)
                    await _until_answered(bots, warm, READY_TIMEOUT_S)
                    if any(u not in b.seen for b in bots for u in warm[b.name]):
                        tails = "\n".join(f"{b.name}:\n{_tail(b)}" for b in bots)
                        raise RuntimeError(f"a bot did not answer its warm-up mention:\n{tails}")
                    for index in range(bursts):
                        await asyncio.sleep(MIN_GAP_S + random.uniform(0, interval))
                        uris = await _burst(authors, bots, index)
                        await _until_answered(bots, uris, 3 * interval + 60)
                        for bot in bots:
                            collected[bot.name].append(
                                Burst(
                                    sent=tuple(bot.sent[u] for u in uris[bot.name]),
                                    acked=(None,) * len(uris[bot.name]),
                                    answered=tuple(bot.seen.get(u) for u in uris[bot.name]),
                                )
                            )
                finally:
                    for bot in bots:
                        await stop_process(bot.process)
        finally:
            observer.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await observer
        problems = []
        for bot in bots:
            missing = sum(b.missing for b in collected[bot.name])
            if missing:
                problems.append(f"{bot.name}: {missing} mentions got no reply")
        unexpected = [t for t in ferry.texts.values() if not t.startswith(ANSWERS)]
        if unexpected:
            problems.append(f"ferry: {len(unexpected)} replies were not an answer, e.g. {unexpected[0]!r}")
        return BlueskyResult(
            dialect=dialect,
            authors=len(authors),
            bursts=bursts,
            interval=interval,
            ferry=Summary.of(collected["ferry"]),
            baseline=Summary.of(collected["baseline"]),
            problems=tuple(problems),
        )


async def make_authors(network: AtprotoNetwork, count: int) -> list[tuple[AsyncClient, str]]:
    """``count`` new accounts, logged in, each with a short name for its handles in commands.

    One login at a time, retried: a login hashes the password on the PDS, and a loaded machine
    makes a crowd of them time out (the SDK waits 5 s).
    """
    authors = []
    for n in range(count):
        account = await network.create_account("mover")
        for attempt in range(3):
            try:
                authors.append((await login(network, account), f"m{n}"))
                break
            except InvokeTimeoutError:
                if attempt == 2:
                    raise
    return authors
