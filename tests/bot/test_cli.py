"""The ``ferry`` command through its real entry point, in a subprocess, on a fresh SQLite file."""

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
RED_ID = "5e8f1a2b3c4d5e6f7a8b9c0d"
LOG_LINE = re.compile(r"^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d ")


def ferry(tmp_path: Path, *args: str, stdin: str = "", env: dict[str, str] | None = None):
    environment = {
        "PATH": os.environ.get("PATH", ""),
        "HOME": str(tmp_path),
        "DATABASE_URL": f"sqlite+aiosqlite:///{tmp_path / 'data' / 'ferry.db'}",
        "FERRY_CONFIG": str(ROOT / "config"),
        # The checkout under test, not whichever one the editable install points at.
        "PYTHONPATH": str(ROOT),
        **(env or {}),
    }
    return subprocess.run(
        [sys.executable, "-m", "bot.cli", *args],
        input=stdin,
        capture_output=True,
        text=True,
        cwd=tmp_path,  # no .env there: only what the test passes
        env=environment,
        timeout=60,
        check=False,
    )


def test_console_script_session(tmp_path: Path) -> None:
    script = f"add rednote {RED_ID}\nlist\ndirectory\nremove rednote\nforget\n"
    result = ferry(tmp_path, "console", "--community", "demo", "--as", "alice", stdin=script)
    assert result.returncode == 0, result.stderr
    out = result.stdout
    assert f"Added RedNote (Xiaohongshu): {RED_ID} https://www.xiaohongshu.com/user/profile/{RED_ID}" in out
    assert "Your handles in" in out
    assert "page 1 of 1 (1 handle)" in out
    assert f"• alice — RedNote (Xiaohongshu): {RED_ID}" in out
    assert f"Removed your RedNote (Xiaohongshu) handle {RED_ID}." in out
    assert "Ferry erased everything about you" in out
    assert (tmp_path / "data" / "ferry.db").exists()


def test_console_answers_bad_input_with_specific_errors(tmp_path: Path) -> None:
    script = "add rednote\nadd myspace tom\nadd lemon8 bad\u202ename\nfrobnicate\n"
    result = ferry(tmp_path, "console", "--community", "demo", "--as", "bob", stdin=script)
    assert result.returncode == 0, result.stderr
    assert "Usage: add <platform> <handle>" in result.stdout
    assert "I don't know the platform “myspace”" in result.stdout
    assert "not a valid Lemon8 handle" in result.stdout
    assert "I don't know that command" in result.stdout


def test_console_answers_in_chinese(tmp_path: Path) -> None:
    result = ferry(
        tmp_path, "console", "--community", "demo", "--as", "li", "--locale", "zh-CN", stdin="list\n"
    )
    assert "你在" in result.stdout


def test_run_without_credentials_points_to_the_console(tmp_path: Path) -> None:
    result = ferry(tmp_path, "run")
    assert result.returncode == 2
    assert "ferry console" in result.stderr


def test_bad_setting_is_reported_without_its_value(tmp_path: Path) -> None:
    secret = "postgresql://user:hunter2@db/x"
    result = ferry(tmp_path, "db", "upgrade", env={"DATABASE_URL": secret, "DISCORD_TOKEN": "sekrit-token"})
    assert result.returncode == 2
    assert "DATABASE_URL" in result.stderr
    assert "hunter2" not in result.stderr + result.stdout
    assert "sekrit-token" not in result.stderr + result.stdout


def test_db_upgrade_and_current(tmp_path: Path) -> None:
    first = ferry(tmp_path, "db", "upgrade")
    assert first.returncode == 0, first.stderr
    assert "revision" in first.stdout
    again = ferry(tmp_path, "db", "current")
    assert again.stdout == first.stdout


def test_check_config_ok_and_broken(tmp_path: Path) -> None:
    ok = ferry(tmp_path, "check-config", str(ROOT / "config" / "ferry.example.toml"))
    assert ok.returncode == 0, ok.stderr
    broken = tmp_path / "broken.toml"
    broken.write_text('[[communities]]\nslug = "Bad Slug"\nname = "x"\ncolour = "red"\n', encoding="utf-8")
    result = ferry(tmp_path, "check-config", str(broken))
    assert result.returncode == 1
    assert "broken.toml" in result.stderr
    assert "slug" in result.stderr
    assert "colour" in result.stderr


@pytest.mark.parametrize("fmt", ["csv", "json"])
def test_import_export_round_trip(tmp_path: Path, fmt: str) -> None:
    source = tmp_path / "people.csv"
    source.write_text(
        "\ufeffName,Platform,Handle,Discord ID\r\n"
        "Alice,RedNote,https://www.xiaohongshu.com/user/profile/5e8f1a2b3c4d5e6f7a8b9c0d,111111111111111111\r\n"
        "\r\n"
        "Bob,bsky,@bob.bsky.social,222222222222222222\r\n"
        "Bob,bsky,bob.bsky.social,222222222222222222\r\n"
        "Eve,lemon8,bad\u200bhandle,333333333333333333\r\n",
        encoding="utf-8",
    )
    dry = ferry(tmp_path, "import", "--community", "demo", str(source), "--dry-run")
    assert dry.returncode == 1
    assert "4 rows: 2 would be added" in dry.stdout
    assert "layout: long (a platform and a handle column, one row per handle)" in dry.stdout
    assert (
        "columns: Name -> name, Platform -> platform, Handle -> handle, Discord ID -> discord_id"
        in dry.stdout
    )
    assert "line 5, column Handle: Invalid row: duplicate of line 4." in dry.stdout
    assert "line 6, column Handle: " in dry.stdout
    assert "importing [" in dry.stderr and "4/4" in dry.stderr
    assert "dry run: nothing was changed" in dry.stdout
    empty = ferry(tmp_path, "directory", "--community", "demo")
    assert "0 entries shown" in empty.stdout
    applied = ferry(tmp_path, "import", "--community", "demo", str(source))
    assert "2 were added" in applied.stdout
    again = ferry(tmp_path, "import", "--community", "demo", str(source))
    assert "0 were added, 0 were replaced, 2 unchanged" in again.stdout
    table = ferry(tmp_path, "directory", "--community", "demo")
    assert "bob.bsky.social" in table.stdout and "2 entries shown" in table.stdout
    out = tmp_path / f"export.{fmt}"
    exported = ferry(tmp_path, "export", "--community", "demo", "--format", fmt, "-o", str(out))
    assert exported.returncode == 0, exported.stderr
    assert (
        f"exported 2 entries of 'demo' to {out}; visibility: all (public and community-only"
        in exported.stderr
    )
    text = out.read_text(encoding="utf-8")
    assert "bob.bsky.social" in text and "222222222222222222" in text


def test_messy_wide_sheet_then_scoped_exports(tmp_path: Path) -> None:
    from tests.bot.services.transfer.messy_sheet import SHEET

    source = tmp_path / "sheet.csv"
    source.write_bytes(SHEET)
    dry = ferry(tmp_path, "import", "--community", "demo", str(source), "--dry-run")
    assert dry.returncode == 1, dry.stderr
    assert dry.stdout.splitlines()[:4] == [
        "layout: wide (one column per platform, one row per person)",
        (
            "columns: Name -> name, Discord ID -> discord_id, RedNote -> rednote, Lemon8 handle -> lemon8, "
            "Bluesky -> bluesky"
        ),
        "unknown columns (ignored): Instagram, Notes",  # config/ferry.toml's demo has no Instagram
        (
            "10 rows: 8 would be added, 0 would be replaced, 0 unchanged, "
            "0 kept (changed or withdrawn by the member), 6 rejected"
        ),
    ]
    assert "  line 12: Invalid row: no handle in this row." in dry.stdout
    assert ferry(tmp_path, "import", "--community", "demo", str(source)).returncode == 1
    again = ferry(tmp_path, "import", "--community", "demo", str(source))
    assert (
        "10 rows: 0 were added, 0 were replaced, 8 unchanged, "
        "0 kept (changed or withdrawn by the member), 6 rejected" in again.stdout
    )

    exports = tmp_path / "exports"
    exports.mkdir()
    for fmt in ("csv", "json", "mastodon", "dids"):
        result = ferry(
            tmp_path,
            "export",
            "--community",
            "demo",
            "--format",
            fmt,
            "--visibility",
            "public",
            "-o",
            str(exports),
        )
        assert result.returncode == 0, result.stderr
        assert "; visibility: public (public entries only)" in result.stderr
    # The demo community's default visibility is "community": a public export holds no entries.
    assert (exports / "demo-directory-public.csv").read_text(encoding="utf-8").count("\n") == 1
    assert (exports / "demo-bluesky-dids-public.txt").read_text(encoding="utf-8") == ""
    assert sorted(p.name for p in exports.iterdir()) == [
        "demo-bluesky-dids-public.txt",
        "demo-directory-public.csv",
        "demo-directory-public.json",
        "demo-mastodon-following-public.csv",
    ]
    everything = ferry(tmp_path, "export", "--community", "demo", "--visibility", "all")
    assert everything.stdout.count("\n") == 9  # header and eight entries, on stdout
    assert "exported 8 entries of 'demo' to stdout; visibility: all" in everything.stderr


def test_forget_by_discord_id(tmp_path: Path) -> None:
    ferry(tmp_path, "console", "--community", "demo", "--as", "zed", stdin="add lemon8 zed\n")
    missing = ferry(tmp_path, "forget", "--community", "demo", "--discord-id", "123456789012345678")
    assert missing.returncode == 1
    done = ferry(tmp_path, "forget", "--community", "demo", "--console-name", "zed")
    assert done.returncode == 0
    assert "and 1 handle from" in done.stdout


def test_the_installed_console_script_runs(tmp_path: Path) -> None:
    script = Path(sys.executable).with_name("ferry")
    assert script.exists(), "pip install -e . installs the `ferry` console script"
    result = subprocess.run(
        [str(script), "check-config", str(ROOT / "config")],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
        cwd=tmp_path,
    )
    assert result.returncode == 0, result.stderr
    assert "config OK" in result.stdout


def test_operator_mistakes_get_one_line_not_a_traceback(tmp_path: Path) -> None:
    latin1 = tmp_path / "latin1.csv"
    latin1.write_bytes("platform,handle,name\nlemon8,caf\xe9,Ren\xe9\n".encode("latin-1"))
    cases = [
        ("import", "--community", "demo", str(tmp_path / "missing.csv")),
        ("import", "--community", "demo", str(latin1)),
        ("directory", "--community", "demo", "--platform", "myspace"),
        ("directory", "--community", "demo", "--search", "x" * 200),
        ("console", "--community", "Not A Slug"),
    ]
    for args in cases:
        result = ferry(tmp_path, *args)
        assert result.returncode == 2, (args, result.stderr)
        assert "Traceback" not in result.stderr, args
        said = [line for line in result.stderr.splitlines() if not LOG_LINE.match(line)]
        assert len(said) == 1 and said[0].startswith("ferry: "), (args, result.stderr)
    assert "UTF-8" in ferry(tmp_path, *cases[1]).stderr
    assert "Invalid search: it can be at most 100 characters." in ferry(tmp_path, *cases[3]).stderr


def test_schedule_prints_the_plan(tmp_path: Path) -> None:
    config = tmp_path / "ferry.toml"
    config.write_text(
        '[[communities]]\nslug = "demo"\nname = "Demo"\n\n[[communities.schedules]]\nname = "evening"\n'
        'daily = "18:00"\ntimezone = "Europe/Berlin"\n\n[[communities]]\nslug = "quiet"\nname = "Quiet"\n',
        encoding="utf-8",
    )
    # PYTHONPATH: this checkout's code even when another checkout is the one installed.
    env = {"FERRY_CONFIG": str(config), "PYTHONPATH": str(ROOT)}
    result = ferry(tmp_path, "schedule", env=env)
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("Demo (demo)\n")
    assert "Quiet" not in result.stdout  # only communities with schedules, unless one is named
    assert "evening   daily 18:00 Europe/Berlin  never" in result.stdout
    assert result.stdout.count(":00 CE") == 5  # five next times in Berlin time (CET or CEST)
    quiet = ferry(tmp_path, "schedule", "--community", "quiet", env=env)
    assert quiet.returncode == 0, quiet.stderr
    assert quiet.stdout.startswith("Quiet (quiet)\n  no schedules; add [[communities.schedules]]")
    bad = ferry(tmp_path, "schedule", "--community", "Not A Slug", env=env)
    assert bad.returncode == 2 and "a slug is 2-32 lower-case letters" in bad.stderr
