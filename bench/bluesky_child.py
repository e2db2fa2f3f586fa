"""One bot process of the Bluesky latency benchmark, on the local atproto network.

``python -m bench.bluesky_child ferry ...`` runs ``ferry run`` itself (``bot.runner.run_fronts`` with
only Bluesky credentials set, so only the Bluesky front runs); ``... baseline ...`` runs the bare loop
of :mod:`bench.bluesky_baseline`. A process-wide guard refuses any connection off 127.0.0.1. SIGTERM
stops either cleanly. The bot's app password comes in ``BENCH_BLUESKY_PASSWORD``, not on the command
line, where every process on the machine could read it.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import logging
import os
import signal
import sys
from pathlib import Path

from pydantic import SecretStr

from bench.bluesky_baseline import BaselineLoop
from bot.runner import run_fronts
from bot.settings import Settings
from tests.support.discord_standin import install_loopback_guard

PASSWORD_ENV = "BENCH_BLUESKY_PASSWORD"


def _parse(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bench.bluesky_child")
    parser.add_argument("bot", choices=("ferry", "baseline"))
    parser.add_argument("--service-url", required=True, help="the local PDS")
    parser.add_argument("--handle", required=True)
    parser.add_argument("--interval", type=float, required=True, help="the baseline's poll interval")
    parser.add_argument("--ticks-of", help="the baseline polls on this account's ticks (Ferry's DID)")
    parser.add_argument("--database-url", help="Ferry's database")
    parser.add_argument("--config", type=Path, help="Ferry's config file")
    return parser.parse_args(argv)


async def _ferry(args: argparse.Namespace) -> int:
    settings = Settings(
        _env_file=None,
        database_url=args.database_url,
        config_path=args.config,
        bluesky_handle=args.handle,
        bluesky_app_password=SecretStr(os.environ[PASSWORD_ENV]),
        bluesky_service_url=args.service_url,
    )
    return await run_fronts(settings)


async def _baseline(args: argparse.Namespace) -> int:
    password = os.environ[PASSWORD_ENV]
    loop = await BaselineLoop.login(
        args.service_url, args.handle, password, interval=args.interval, ticks_of=args.ticks_of
    )
    task = asyncio.create_task(loop.run())
    events = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        events.add_signal_handler(sig, task.cancel)
    with contextlib.suppress(asyncio.CancelledError):
        await task
    return 0


async def main(argv: list[str] | None = None) -> int:
    args = _parse(argv)
    logging.basicConfig(level=logging.WARNING, stream=sys.stderr)
    install_loopback_guard()
    if args.bot == "ferry":
        return await _ferry(args)
    return await _baseline(args)


if __name__ == "__main__":
    sys.exit(asyncio.run(main()))
