"""Log records carry their facts as fields in both formats."""

import ast
import json
import logging
from pathlib import Path

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


def _extra_keys(tree: ast.AST) -> list[tuple[int, str]]:
    """``(line, key)`` of every literal key in an ``extra={...}`` keyword argument."""
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Call):
            for keyword in node.keywords:
                if keyword.arg == "extra" and isinstance(keyword.value, ast.Dict):
                    found += [
                        (node.lineno, key.value)
                        for key in keyword.value.keys
                        if isinstance(key, ast.Constant) and isinstance(key.value, str)
                    ]
    return found


def test_no_log_call_overwrites_a_log_record_attribute() -> None:
    # logging raises KeyError for such a key, but only once the level is enabled: INFO in a real
    # process, while tests run at WARNING. A "process" key once stopped every ferry run this way.
    reserved = set(vars(logging.makeLogRecord({}))) | {"message", "asctime"}
    root = Path(__file__).resolve().parents[2]
    clashes = [
        f"{path.relative_to(root)}:{line}: {key}"
        for folder in ("bot", "cogs")
        for path in sorted((root / folder).rglob("*.py"))
        for line, key in _extra_keys(ast.parse(path.read_text(encoding="utf-8")))
        if key in reserved
    ]
    assert clashes == []
