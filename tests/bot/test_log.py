"""Log records carry their facts as fields in both formats."""

import json
import logging

import pytest

from bot.log import JsonFormatter, TextFormatter, setup_logging
from bot.settings import LogFormat


def _record(**extra: object) -> logging.LogRecord:
    record = logging.LogRecord("bot.x", logging.INFO, __file__, 1, "handle %s", ("registered",), None)
    for key, value in extra.items():
        setattr(record, key, value)
    return record


def test_json_lines_carry_extras() -> None:
    line = JsonFormatter().format(_record(community="demo", member_id=7))
    payload = json.loads(line)
    assert payload["msg"] == "handle registered"
    assert payload["community"] == "demo"
    assert payload["member_id"] == 7
    assert payload["level"] == "INFO"
    assert payload["ts"].endswith("+00:00")


def test_text_lines_append_extras() -> None:
    line = TextFormatter().format(_record(community="demo"))
    assert line.endswith("bot.x: handle registered community='demo'")


def test_exceptions_are_kept() -> None:
    try:
        raise ValueError("boom")
    except ValueError:
        import sys

        record = logging.LogRecord("bot.x", logging.ERROR, __file__, 1, "failed", (), sys.exc_info())
    payload = json.loads(JsonFormatter().format(record))
    assert "ValueError: boom" in payload["exc"]


def test_setup_replaces_handlers(capsys: pytest.CaptureFixture[str]) -> None:
    root = logging.getLogger()
    saved = root.handlers[:], root.level
    try:
        setup_logging("INFO", LogFormat.JSON)
        logging.getLogger("bot.test").info("hello", extra={"community": "demo"})
        err = capsys.readouterr().err.strip().splitlines()[-1]
        assert json.loads(err)["community"] == "demo"
    finally:
        root.handlers[:], root.level = saved[0], saved[1]
