"""Progress for long admin jobs (import, export): a bar on a terminal, sparse lines otherwise."""

from __future__ import annotations

import sys
import time
from typing import TextIO

_BAR = 30  # characters
_LOG_EVERY_S = 5.0  # seconds between lines when stderr is not a terminal


class ProgressBar:
    """A callable ``(done, total)`` that draws to stderr; ``total`` 0 means unknown."""

    def __init__(self, label: str, stream: TextIO = sys.stderr) -> None:
        self._label = label
        self._stream = stream
        self._tty = stream.isatty()
        self._last = 0.0

    def __call__(self, done: int, total: int) -> None:
        """Report progress; the final call (done == total) always prints."""
        now = time.monotonic()
        final = total > 0 and done >= total
        if not final and not self._tty and now - self._last < _LOG_EVERY_S:
            return
        self._last = now
        if total > 0:
            filled = _BAR * min(done, total) // total
            text = f"{self._label} [{'#' * filled}{'.' * (_BAR - filled)}] {done:,}/{total:,}"
        else:
            text = f"{self._label} {done:,}"
        if self._tty:
            self._stream.write("\r" + text + ("\n" if final else ""))
        else:
            self._stream.write(text + "\n")
        self._stream.flush()
