"""Watching the config files: poll their stat data and reload once a change has settled.

Polling rather than inotify keeps Ferry free of a dependency and works the same on a bind mount,
a network share and macOS. What is watched: every file the config in force was read from, plus the
``*.toml`` files the config path holds now (a new file, a removed one, a rename). A file is compared
by modification time, size and inode, so an editor that saves by writing a new file and renaming it
over the old one is seen too.

Debounce: a change is read only after two polls in a row see the same thing, so a file still being
written (or a batch of files being copied) is not read half-way; at worst it is read twice.
"""

from __future__ import annotations

import asyncio
import logging
import signal
from collections.abc import Awaitable, Callable
from pathlib import Path

from bot.config.loader import config_files
from bot.config.reload import Reloader, ReloadOutcome, ReloadTrigger
from bot.config.runtime import FerryConfig

log = logging.getLogger(__name__)

DEFAULT_INTERVAL_S = 3.0

FileState = tuple[str, int, int, int] | tuple[str]  # (path, mtime_ns, size, inode), or (path,) if gone
Fingerprint = tuple[FileState, ...]


def fingerprint(path: Path, read: tuple[Path, ...]) -> Fingerprint:
    """The state of the files ``read`` and of those the config path holds now, in a stable order."""
    states: list[FileState] = []
    for file in sorted({*read, *config_files(path)}):
        try:
            info = file.stat()
        except OSError:
            states.append((str(file),))
            continue
        states.append((str(file), info.st_mtime_ns, info.st_size, info.st_ino))
    return tuple(states)


class ConfigWatcher:
    """Reloads the config when its files change; ``run`` polls until cancelled."""

    def __init__(
        self,
        reloader: Reloader,
        config: Callable[[], FerryConfig],
        *,
        interval: float = DEFAULT_INTERVAL_S,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
    ) -> None:
        if interval <= 0:
            raise ValueError("the watch interval must be positive")
        self._reloader = reloader
        self._config = config
        self.interval = interval
        self._sleep = sleep
        self._seen = self._look()  # what the config in force was read from
        self._pending: Fingerprint | None = None  # a change seen once, waiting to settle

    def _look(self) -> Fingerprint:
        return fingerprint(self._reloader.path, self._config().source_files)

    async def poll(self) -> ReloadOutcome | None:
        """Look once; reload when a change has stayed the same since the previous look."""
        now = await asyncio.to_thread(self._look)
        if now == self._seen:
            self._pending = None  # changed and changed back: nothing to read
            return None
        if now != self._pending:
            self._pending = now
            return None
        self._pending = None
        # Remembered even when the reload is rejected: the same broken files are reported once,
        # not every few seconds; the next save is a new change.
        self._seen = now
        return await self._reloader.reload(ReloadTrigger.WATCH)

    async def run(self) -> None:
        """Poll every ``interval`` seconds until cancelled; a failed look is logged and retried."""
        log.info(
            "config watch started", extra={"path": str(self._reloader.path), "interval_s": self.interval}
        )
        while True:
            await self._sleep(self.interval)
            try:
                await self.poll()
            except OSError as exc:  # e.g. the config directory's permissions changed
                log.warning("config watch could not look at the files", extra={"error": exc.strerror})
            except Exception:
                # A bug in reading a config must not stop every front: the running config stays.
                log.exception("config watch failed; the running config stays")


def reload_on_sighup(loop: asyncio.AbstractEventLoop, reloader: Reloader) -> Callable[[], None]:
    """Reload when the process gets SIGHUP (``kill -HUP``); returns the function that stops it."""
    running: set[asyncio.Task[ReloadOutcome]] = set()  # keeps each task alive until it ends

    def done(task: asyncio.Task[ReloadOutcome]) -> None:
        running.discard(task)
        if not task.cancelled() and task.exception() is not None:
            log.error("config reload on SIGHUP failed", exc_info=task.exception())

    def on_signal() -> None:
        task = loop.create_task(reloader.reload(ReloadTrigger.SIGNAL), name="config:sighup")
        running.add(task)
        task.add_done_callback(done)

    def stop() -> None:
        loop.remove_signal_handler(signal.SIGHUP)

    loop.add_signal_handler(signal.SIGHUP, on_signal)
    return stop


__all__ = ["DEFAULT_INTERVAL_S", "ConfigWatcher", "fingerprint", "reload_on_sighup"]
