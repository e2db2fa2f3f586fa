"""Watching the config files: changes noticed by stat data, read once settled, SIGHUP, the loop."""

from __future__ import annotations

import asyncio
import os
import signal
from pathlib import Path

import pytest

from bot.app import ConfigHolder
from bot.config import load_config
from bot.config.reload import Reloader, ReloadTrigger
from bot.config.watch import ConfigWatcher, fingerprint, reload_on_sighup

ALPHA = '[[communities]]\nslug = "alpha"\nname = "Alpha"\n'
BRAVO = '[[communities]]\nslug = "bravo"\nname = "Bravo"\n'


class Files:
    """Writes files with a modification time of its choosing, always later than the last one.

    File systems keep coarse times, so two quick writes could otherwise look the same.
    """

    def __init__(self) -> None:
        self.mtime_ns = 1_700_000_000 * 10**9

    def write(self, path: Path, text: str) -> None:
        path.write_text(text, encoding="utf-8")
        self.mtime_ns += 10**9
        os.utime(path, ns=(self.mtime_ns, self.mtime_ns))


@pytest.fixture
def files() -> Files:
    return Files()


def watched(path: Path) -> tuple[ConfigWatcher, Reloader, ConfigHolder]:
    holder = ConfigHolder(load_config(path))
    reloader = Reloader(holder, path)
    return ConfigWatcher(reloader, holder, interval=2.0), reloader, holder


def test_fingerprint_sees_content_size_and_a_file_renamed_over(tmp_path: Path, files: Files) -> None:
    path = tmp_path / "ferry.toml"
    files.write(path, ALPHA)
    before = fingerprint(path, ())
    # An editor's safe save: a new file of the same size and time renamed over the old one.
    twin = tmp_path / "ferry.toml.tmp"
    twin.write_text(ALPHA.replace("Alpha", "Alphb"), encoding="utf-8")
    stat = path.stat()
    os.utime(twin, ns=(stat.st_atime_ns, stat.st_mtime_ns))
    os.replace(twin, path)
    assert fingerprint(path, ()) != before
    assert fingerprint(tmp_path, ()) != fingerprint(tmp_path, (tmp_path / "gone.toml",))


async def test_a_change_is_read_once_it_has_settled(tmp_path: Path, files: Files) -> None:
    path = tmp_path / "ferry.toml"
    files.write(path, ALPHA)
    watcher, reloader, holder = watched(path)
    assert await watcher.poll() is None  # nothing changed

    files.write(path, ALPHA + '[[communities]]\nslug = "bra')  # half written
    assert await watcher.poll() is None  # first seen: wait for it to settle
    files.write(path, ALPHA + BRAVO)  # the writer finishes before the next look
    assert await watcher.poll() is None  # changed again: wait again
    outcome = await watcher.poll()
    assert outcome is not None and outcome.ok and outcome.trigger is ReloadTrigger.WATCH
    assert outcome.changes.added == ("bravo",)
    assert reloader.last_failure is None  # the half-written file was never read
    assert holder().is_configured("bravo")
    assert await watcher.poll() is None  # applied once, not again


async def test_a_broken_file_is_reported_once_and_a_fix_applies(tmp_path: Path, files: Files) -> None:
    path = tmp_path / "ferry.toml"
    files.write(path, ALPHA)
    watcher, reloader, holder = watched(path)
    before = holder()
    files.write(path, ALPHA + "name = \n")
    await watcher.poll()
    rejected = await watcher.poll()
    assert rejected is not None and not rejected.ok and holder() is before
    assert reloader.last_failure is rejected
    assert await watcher.poll() is None  # the same broken file is not read every few seconds
    files.write(path, ALPHA.replace("Alpha", "Alpha Group"))
    await watcher.poll()
    fixed = await watcher.poll()
    assert fixed is not None and fixed.ok and holder().community("alpha").name == "Alpha Group"


async def test_a_change_undone_before_it_settled_is_not_read(tmp_path: Path, files: Files) -> None:
    path = tmp_path / "ferry.toml"
    files.write(path, ALPHA)
    watcher, reloader, _ = watched(path)
    first = reloader.applied
    stat = path.stat()
    files.write(path, ALPHA + BRAVO)
    await watcher.poll()
    path.write_text(ALPHA, encoding="utf-8")
    os.utime(path, ns=(stat.st_atime_ns, stat.st_mtime_ns))
    assert await watcher.poll() is None and await watcher.poll() is None
    assert reloader.applied is first


async def test_new_and_removed_files_in_a_directory(tmp_path: Path, files: Files) -> None:
    files.write(tmp_path / "a.toml", ALPHA)
    watcher, _, holder = watched(tmp_path)
    files.write(tmp_path / "b.toml", BRAVO)
    files.write(tmp_path / "notes.txt", "not config")
    await watcher.poll()
    added = await watcher.poll()
    assert added is not None and added.changes.added == ("bravo",)
    (tmp_path / "b.toml").unlink()
    await watcher.poll()
    removed = await watcher.poll()
    assert removed is not None and removed.changes.removed == ("bravo",)
    assert list(holder().communities) == ["alpha"]


async def test_run_polls_at_its_interval_until_cancelled(tmp_path: Path, files: Files) -> None:
    path = tmp_path / "ferry.toml"
    files.write(path, ALPHA)
    holder = ConfigHolder(load_config(path))
    reloader = Reloader(holder, path)
    slept: list[float] = []

    async def sleep(seconds: float) -> None:
        slept.append(seconds)
        if len(slept) == 1:
            files.write(path, ALPHA + BRAVO)
        if len(slept) == 4:
            raise asyncio.CancelledError

    watcher = ConfigWatcher(reloader, holder, interval=2.5, sleep=sleep)
    with pytest.raises(asyncio.CancelledError):
        await watcher.run()
    assert slept == [2.5, 2.5, 2.5, 2.5]
    assert holder().is_configured("bravo") and reloader.applied.trigger is ReloadTrigger.WATCH


def test_the_interval_must_be_positive(tmp_path: Path) -> None:
    holder = ConfigHolder(load_config(tmp_path / "none.toml"))
    with pytest.raises(ValueError, match="positive"):
        ConfigWatcher(Reloader(holder, tmp_path / "none.toml"), holder, interval=0)


async def test_sighup_reloads(tmp_path: Path, files: Files) -> None:
    path = tmp_path / "ferry.toml"
    files.write(path, ALPHA)
    holder = ConfigHolder(load_config(path))
    reloader = Reloader(holder, path)
    stop = reload_on_sighup(asyncio.get_running_loop(), reloader)
    try:
        files.write(path, ALPHA + BRAVO)
        os.kill(os.getpid(), signal.SIGHUP)
        for _ in range(1000):  # the handler runs on the loop, then the reload in a thread
            if reloader.applied.trigger is ReloadTrigger.SIGNAL:
                break
            await asyncio.sleep(0.01)
    finally:
        stop()
    assert reloader.applied.trigger is ReloadTrigger.SIGNAL and holder().is_configured("bravo")


async def test_a_failing_reload_does_not_stop_the_watch(
    tmp_path: Path, files: Files, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    path = tmp_path / "ferry.toml"
    files.write(path, ALPHA)
    holder = ConfigHolder(load_config(path))
    reloader = Reloader(holder, path)

    async def broken(trigger: ReloadTrigger) -> None:
        raise RuntimeError("a bug")

    monkeypatch.setattr(reloader, "reload", broken)
    slept: list[float] = []

    async def sleep(seconds: float) -> None:
        slept.append(seconds)
        if len(slept) == 1:
            files.write(path, ALPHA + BRAVO)
        if len(slept) == 4:
            raise asyncio.CancelledError

    with pytest.raises(asyncio.CancelledError):
        await ConfigWatcher(reloader, holder, interval=1.0, sleep=sleep).run()
    assert len(slept) == 4  # it kept looking after the failure on the third look
    assert "config watch failed; the running config stays" in caplog.text
