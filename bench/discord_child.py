"""One bot process of the Discord burst benchmark, pointed at a local Discord stand-in.

``python -m bench.discord_child ferry ...`` runs ``ferry run`` itself (``bot.runner.run_fronts`` with
only a Discord token set); ``... baseline ...`` runs the bare bot of :mod:`bench.discord_baseline`.
The only change to either is where discord.py sends its requests: its two base URLs point at the
stand-in, and a process-wide guard refuses any connection that is not to 127.0.0.1. SIGTERM stops the
bot cleanly (the runner's own handler for Ferry, the same handling for the baseline).
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import signal
import sys
from pathlib import Path

from pydantic import SecretStr

from bench.discord_baseline import BaselineBot
from bot.runner import run_fronts
from bot.settings import Settings
from tests.support.discord_standin import install_loopback_guard, redirect_discord


def _parse(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bench.discord_child")
    parser.add_argument("bot", choices=("ferry", "baseline"))
    parser.add_argument("--api-base", required=True, help="the stand-in's /api/v10 URL")
    parser.add_argument("--gateway-url", required=True, help="the stand-in's gateway URL")
    parser.add_argument("--token", required=True)
    parser.add_argument("--database-url", required=True)
    parser.add_argument("--guild", type=int, required=True, help="where the commands are synced")
    parser.add_argument("--config", type=Path, help="Ferry's config directory or file")
    return parser.parse_args(argv)


async def _ferry(args: argparse.Namespace) -> int:
    settings = Settings(
        _env_file=None,
        database_url=args.database_url,
        config_path=args.config,
        discord_token=SecretStr(args.token),
        discord_dev_guild_ids=(args.guild,),
    )
    return await run_fronts(settings)


async def _baseline(args: argparse.Namespace) -> int:
    bot = BaselineBot(args.database_url, args.guild)
    main = asyncio.current_task()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, lambda: main.cancel() if main is not None else None)
    try:
        async with bot:
            await bot.start(args.token)
    except asyncio.CancelledError:
        pass
    return 0


async def main(argv: list[str] | None = None) -> int:
    args = _parse(argv)
    logging.basicConfig(level=logging.WARNING, stream=sys.stderr)
    install_loopback_guard()
    with redirect_discord(args.api_base, args.gateway_url):
        if args.bot == "ferry":
            return await _ferry(args)
        return await _baseline(args)


if __name__ == "__main__":
    sys.exit(asyncio.run(main()))
