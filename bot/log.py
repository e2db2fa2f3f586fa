"""Logging set-up: readable lines for a terminal, JSON lines for a collector.

Modules log with ``logging.getLogger(__name__)`` and pass facts as ``extra={...}``; both formats
show those facts, so an operator can filter on ``community`` or ``member_id`` without parsing prose.
"""

from __future__ import annotations

import json
import logging
import sys
from datetime import UTC, datetime
from typing import Any

from bot.settings import LogFormat

# Attributes every LogRecord has; anything else on a record came from ``extra``.
_STANDARD_ATTRS = frozenset(
    vars(logging.LogRecord("", logging.INFO, "", 0, "", None, None)).keys()
    | {"message", "asctime", "taskName"}
)


def _extras(record: logging.LogRecord) -> dict[str, Any]:
    return {key: value for key, value in vars(record).items() if key not in _STANDARD_ATTRS}


class JsonFormatter(logging.Formatter):
    """One JSON object per record, with the record's extras as top-level keys."""

    def format(self, record: logging.LogRecord) -> str:
        """Render the record as a single JSON line."""
        payload: dict[str, Any] = {
            "ts": datetime.fromtimestamp(record.created, tz=UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "msg": record.getMessage(),
            **_extras(record),
        }
        if record.exc_info:
            payload["exc"] = self.formatException(record.exc_info)
        return json.dumps(payload, ensure_ascii=False, default=str)


class TextFormatter(logging.Formatter):
    """``time level logger: message key=value ...`` for humans."""

    def __init__(self) -> None:
        super().__init__("%(asctime)s %(levelname)-7s %(name)s: %(message)s", "%Y-%m-%d %H:%M:%S")

    def format(self, record: logging.LogRecord) -> str:
        """Render the record as one line, extras appended as ``key=value``."""
        line = super().format(record)
        extras = _extras(record)
        if extras:
            # The traceback, if any, is already appended by the base class: keep it last.
            head, sep, tail = line.partition("\n")
            facts = " ".join(f"{key}={value!r}" for key, value in extras.items())
            line = f"{head} {facts}{sep}{tail}"
        return line


def setup_logging(level: str, fmt: LogFormat) -> None:
    """Send records to stderr in the chosen format; called once by the entry point."""
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(JsonFormatter() if fmt is LogFormat.JSON else TextFormatter())
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)
    # discord.py's gateway chatter and Alembic's per-connection notes at INFO are noise for an
    # operator; Ferry logs the facts that matter (schema revision, fronts started) itself. The
    # database drivers log statements with their parameters at DEBUG: people's handles, which must
    # not outlive a "forget" in old log files, so they stay at WARNING even when Ferry debugs.
    quiet = max(logging.getLevelName(level), logging.WARNING)
    for name in ("discord", "alembic"):
        logging.getLogger(name).setLevel(quiet)
    for name in ("aiosqlite", "asyncpg", "sqlalchemy.engine"):
        logging.getLogger(name).setLevel(logging.WARNING)
