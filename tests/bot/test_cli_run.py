"""``ferry run`` on the command line: a front that cannot start is one line, not a traceback."""

from pathlib import Path

import pytest

from bot import cli
from bot.runner import FrontStartError
from bot.settings import Settings


def _run_raising(monkeypatch: pytest.MonkeyPatch, tmp_path: Path, error: BaseException) -> None:
    monkeypatch.chdir(tmp_path)  # no .env here

    async def run_fronts(settings: Settings, **_: object) -> int:
        raise error

    monkeypatch.setattr(cli, "run_fronts", run_fronts)


def test_a_front_that_cannot_start_is_reported_in_one_line(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    refused = FrontStartError("Discord refused DISCORD_TOKEN: check it in .env")
    _run_raising(monkeypatch, tmp_path, ExceptionGroup("fronts", [ExceptionGroup("inner", [refused])]))
    assert cli.main(["run"]) == 2
    assert capsys.readouterr().err == "ferry: Discord refused DISCORD_TOKEN: check it in .env\n"


def test_any_other_failure_keeps_its_traceback(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    bug = ExceptionGroup("fronts", [FrontStartError("token"), ZeroDivisionError("bug")])
    _run_raising(monkeypatch, tmp_path, bug)
    with pytest.raises(ExceptionGroup) as raised:
        cli.main(["run"])
    assert raised.value is bug
