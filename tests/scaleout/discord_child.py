"""``ferry`` pointed at the local Discord stand-in: ``python -m tests.scaleout.discord_child run``.

The scale-out suite starts real processes, and a process cannot be handed an in-memory redirect:
this entry point does, in the child, what the in-process tests do with ``redirect_discord`` (the
only change to discord.py is where it sends requests, taken from ``FERRY_TEST_DISCORD_API`` and
``FERRY_TEST_DISCORD_GATEWAY``) and installs the loopback guard, then runs the unmodified ``ferry``
command line with the arguments given.
"""

from __future__ import annotations

import os
import sys

from bot.cli import main as ferry_main
from tests.support.discord_standin import install_loopback_guard, redirect_discord


def main(argv: list[str]) -> int:
    install_loopback_guard()
    with redirect_discord(os.environ["FERRY_TEST_DISCORD_API"], os.environ["FERRY_TEST_DISCORD_GATEWAY"]):
        return ferry_main(argv)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
