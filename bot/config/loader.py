"""Reading config files: one file or a directory of them, merged, with every problem reported at once.

Each file is parsed and validated on its own; the checks that need the whole picture (duplicates
across files, platforms that must exist in the catalogue) then run on the raw documents, so one bad
value never hides the mistakes after it. Only a config without any problem is ever built.
"""

from __future__ import annotations

import contextlib
import re
import tomllib
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from bot.config.checks import (
    CommunityChecks,
    Document,
    Places,
    build_catalogue,
    check_bluesky_registrations,
    check_named_communities,
)
from bot.config.models import ConfigFile
from bot.config.problems import ConfigError, ConfigProblem, from_validation_error, key_path, model_at
from bot.config.runtime import FerryConfig

# Key names that suggest a credential. Matched on whole words so "tokenomics" or "secretary" pass.
_SECRET_KEY = re.compile(
    r"(?:^|[_\-.])(?:token|password|passwd|passphrase|secret|credentials?|(?:api|access|private)_?key)(?:$|[_\-.])",
    re.IGNORECASE,
)
_USE_ENVIRONMENT = (
    "secrets never go in config files: set DISCORD_TOKEN, BLUESKY_APP_PASSWORD and the like in the "
    "environment or .env, and change the secret if this file was ever shared"
)
_SYNTAX_HINT = 'check quotes and brackets: text is "quoted", tables are [name], lists are [1, 2]'


def load_config(path: Path) -> FerryConfig:
    """Load ``path``: one TOML file, or every ``*.toml`` in a directory except ``*.example.toml``.

    A missing path gives the empty config (built-in platforms, no communities) so the bot runs before
    anyone writes one. Raises ConfigError listing every problem found in every file.
    """
    config, problems = _load(path)
    if problems or config is None:
        raise ConfigError(problems)
    return config


def check_config(path: Path) -> list[ConfigProblem]:
    """Every problem in the config at ``path``; an empty list means it loads.

    Unlike :func:`load_config`, a missing path or a directory without config files is a problem
    here: whoever asks to check a config expects one to be there.
    """
    if not path.exists():
        return [ConfigProblem(path, "", "does not exist", "create it from config/ferry.example.toml")]
    if not config_files(path):
        return [ConfigProblem(path, "", "holds no *.toml config file", "add one, e.g. ferry.toml")]
    return _load(path)[1]


def config_files(path: Path) -> list[Path]:
    """The files :func:`load_config` reads for ``path``, in merge order."""
    if path.is_dir():
        # Dot-files are editors' lock and backup files, not config.
        return sorted(
            child
            for child in path.glob("*.toml")
            if child.is_file() and not child.name.startswith(".") and not child.name.endswith(".example.toml")
        )
    return [path] if path.exists() else []


def _load(path: Path) -> tuple[FerryConfig | None, list[ConfigProblem]]:
    problems: list[ConfigProblem] = []
    documents = []
    for file in config_files(path):
        data = _read(file, problems)
        if data is None:
            continue
        _remove_secrets(file, data, (), data, problems)
        try:
            model: ConfigFile | None = ConfigFile.model_validate(data)
        except ValidationError as exc:
            model = None
            problems.extend(from_validation_error(file, exc, data, ConfigFile))
        documents.append(Document(file, data, model))

    catalogue, known = build_catalogue(documents, problems)
    sections = _merge_sections(documents, problems)
    communities = CommunityChecks(catalogue, known, problems)
    communities.check(documents)
    check_named_communities(documents, list(communities.slugs.seen), problems)
    check_bluesky_registrations(documents, list(communities.slugs.seen), problems)
    if problems:
        order = {doc.file: index for index, doc in enumerate(documents)}
        # Grouped by file for reading; within a file, in the order the checks found them.
        return None, sorted(problems, key=lambda problem: order.get(problem.file, -1))

    config = FerryConfig.build(
        catalogue=catalogue,
        communities=[c for doc in documents if doc.model for c in doc.model.communities],
        source_files=[doc.file for doc in documents],
        **sections,
    )
    return config, []


def _read(file: Path, problems: list[ConfigProblem]) -> dict[str, Any] | None:
    try:
        text = file.read_bytes().decode("utf-8-sig")  # tolerate the BOM some Windows editors add
    except OSError as exc:
        problems.append(
            ConfigProblem(file, "", f"cannot be read: {exc.strerror}", "check the path and permissions")
        )
        return None
    except UnicodeDecodeError:
        problems.append(ConfigProblem(file, "", "is not UTF-8 text", "save the file as UTF-8"))
        return None
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        # tomllib words a repeated key or table as "Cannot overwrite"/"Cannot declare ... twice".
        repeated = "overwrite" in str(exc) or "twice" in str(exc)
        hint = "a key or [table] appears twice in this file; keep one" if repeated else _SYNTAX_HINT
        problems.append(ConfigProblem(file, "", f"TOML syntax error: {exc}", hint))
        return None


def _remove_secrets(
    file: Path, node: Any, loc: tuple[str | int, ...], root: dict[str, Any], problems: list[ConfigProblem]
) -> None:
    # Removed before validation so the value reaches no other check and no message.
    if isinstance(node, dict):
        for name in list(node):
            if _SECRET_KEY.search(name):
                problems.append(
                    ConfigProblem(file, key_path((*loc, name), root), "looks like a secret", _USE_ENVIRONMENT)
                )
                del node[name]
            else:
                _remove_secrets(file, node[name], (*loc, name), root, problems)
    elif isinstance(node, list):
        for index, item in enumerate(node):
            _remove_secrets(file, item, (*loc, index), root, problems)


def _section_names() -> list[str]:
    """The top-level tables that are one section with plain keys, such as ``[defaults]``."""
    return [name for name in ConfigFile.model_fields if model_at(ConfigFile, (name,)) is not None]


def _merge_sections(documents: list[Document], problems: list[ConfigProblem]) -> dict[str, Any]:
    """Each section's keys gathered from every file; a key set in two files is a problem."""
    sections: dict[str, Any] = {}
    for name in _section_names():
        model = model_at(ConfigFile, (name,))
        assert model is not None
        merged: dict[str, Any] = {}
        places = Places()
        for doc in documents:
            table = doc.data.get(name)
            if not isinstance(table, dict):
                continue
            for key, value in table.items():
                path = key_path((name, key))
                earlier = places.claim(key, f"{doc.file}:{path}")
                if earlier is None:
                    merged[key] = value
                else:
                    problems.append(
                        ConfigProblem(doc.file, path, "is set twice", f"keep only one of this and {earlier}")
                    )
        with contextlib.suppress(ValidationError):  # each file's own validation already said why
            sections[name] = model.model_validate(merged)
    return sections


__all__ = ["check_config", "config_files", "load_config"]
