"""SQLite serves one ``ferry run``: a second process, or shard settings, are refused with PostgreSQL named."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from types import SimpleNamespace
from typing import cast

import pytest

from bot.cluster.single import SingleProcessError, check_sharding, single_process, sqlite_file
from bot.settings import Settings


def sqlite_settings(tmp_path: Path, **extra: object) -> Settings:
    url = f"sqlite+aiosqlite:///{tmp_path / 'ferry.db'}"
    return cast(Settings, SimpleNamespace(database_url=url, **extra))


def test_a_second_holder_of_the_same_sqlite_file_is_refused(tmp_path: Path) -> None:
    settings = sqlite_settings(tmp_path)
    with single_process(settings):
        # Another process: flock locks belong to the open file, so a child shows what a second
        # `ferry run` would meet.
        code = (
            "import sys; from types import SimpleNamespace as S; from bot.cluster.single import *\n"
            "try:\n"
            f"    with single_process(S(database_url={settings.database_url!r})): pass\n"
            "except SingleProcessError as e: print(e); sys.exit(3)\n"
        )
        child = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=False)
        assert child.returncode == 3, child.stderr
        assert "already using the SQLite database" in child.stdout
        assert "PostgreSQL" in child.stdout
    # Released with the block (and by the kernel when a process dies): the next one may start.
    with single_process(settings):
        pass


def test_the_lock_file_sits_beside_the_database(tmp_path: Path) -> None:
    with single_process(sqlite_settings(tmp_path)):
        assert (tmp_path / "ferry.db.lock").read_text().strip() == str(os.getpid())


def test_shard_settings_on_sqlite_are_refused(tmp_path: Path) -> None:
    with pytest.raises(SingleProcessError, match="PostgreSQL"):
        check_sharding(sqlite_settings(tmp_path, discord_shard_count=2))
    check_sharding(sqlite_settings(tmp_path, discord_shard_count=None))
    url = "postgresql+asyncpg://h/db"
    postgres = cast(Settings, SimpleNamespace(database_url=url, discord_shard_count=2))
    check_sharding(postgres)
    with single_process(postgres):  # nothing to lock on PostgreSQL
        pass


def test_only_a_sqlite_file_has_a_file_to_lock() -> None:
    assert sqlite_file("sqlite+aiosqlite:///data/ferry.db") == Path("data/ferry.db")
    assert sqlite_file("sqlite+aiosqlite:///:memory:") is None
    assert sqlite_file("postgresql+asyncpg://postgres@127.0.0.1/ferry") is None


def test_ferry_run_on_a_locked_sqlite_file_exits_with_the_reason(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from bot.cli import main

    settings = sqlite_settings(tmp_path)
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("DATABASE_URL", settings.database_url)
    monkeypatch.setenv("FERRY_CONFIG", str(tmp_path / "none"))
    monkeypatch.setenv("DISCORD_TOKEN", "token")
    # flock locks belong to an open file, so this process's own second open is refused like another's.
    with single_process(settings):
        assert main(["run"]) == 2
    err = capsys.readouterr().err
    assert "already using the SQLite database" in err and "PostgreSQL" in err
    assert "Traceback" not in err
