"""The local console front: the text command language in a terminal, or a script on stdin.

It speaks as one member of one community (``--community`` and ``--as``), which is how an operator
tries Ferry before any token exists and how scripted checks drive it.
"""

from __future__ import annotations

import asyncio
import sys
from typing import TextIO

from bot.models import Identity, IdentityKind, Source, Visibility
from bot.services.names import name_key
from bot.text.handler import TextCommands, TextContext

CONSOLE_BUDGET = 4000  # graphemes; a terminal has no hard limit, this only keeps answers readable
PROMPT = "ferry> "


class ConsoleFront:
    """Reads commands line by line and prints each answer."""

    def __init__(self, commands: TextCommands, *, community: str, member: str, locale: str = "en") -> None:
        self._commands = commands
        self._ctx = TextContext(
            community=community,
            identity=Identity(IdentityKind.CONSOLE, name_key(member)),
            display_name=member,
            source=Source.CONSOLE,
            locale=locale,
            budget=CONSOLE_BUDGET,
            # The console is the operator's own terminal, inside the community: it sees everything.
            visibilities=frozenset(Visibility),
        )

    async def answer(self, line: str) -> str:
        """The answer to one line."""
        return await self._commands.answer(line, self._ctx)

    async def run(self, stdin: TextIO = sys.stdin, stdout: TextIO = sys.stdout) -> None:
        """Interactive with a prompt on a terminal; otherwise a script, echoing each command."""
        interactive = stdin.isatty()
        if interactive:
            stdout.write(await self.answer("help") + "\n")
        while True:
            if interactive:
                stdout.write(PROMPT)
                stdout.flush()
            # Reading in a thread keeps the event loop free for the database while a person types.
            line = await asyncio.to_thread(stdin.readline)
            if not line:
                break
            line = line.strip()
            if not line or line.startswith("#"):
                continue
            if line.lower() in {"quit", "exit"}:
                break
            if not interactive:
                stdout.write(f"> {line}\n")
            stdout.write(await self.answer(line) + "\n")
            if not interactive:
                stdout.write("\n")
            stdout.flush()
