"""Fixtures for the config tests, and the catalogue stand-in while the real one is not merged."""

from __future__ import annotations

import importlib
import importlib.util
import sys
import textwrap
from collections.abc import Callable
from pathlib import Path

import pytest

if importlib.util.find_spec("bot.platforms.catalogue") is None:
    from tests.bot.config import _standin_catalogue

    sys.modules["bot.platforms.catalogue"] = _standin_catalogue
    importlib.import_module("bot.platforms").catalogue = _standin_catalogue  # type: ignore[attr-defined]


@pytest.fixture
def write(tmp_path: Path) -> Callable[..., Path]:
    """Write a (dedented) TOML file under tmp_path and return its path."""

    def _write(text: str, name: str = "ferry.toml") -> Path:
        path = tmp_path / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text), encoding="utf-8")
        return path

    return _write
