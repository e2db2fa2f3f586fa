"""Config problems: what went wrong, where, and how to fix it, for every mistake at once.

Nothing here ever repeats a value from a config file, only key names and the kind of value found:
a file can hold a pasted secret, and problems end up in terminals and logs.
"""

from __future__ import annotations

import difflib
import json
import re
import types
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time
from pathlib import Path
from typing import Annotated, Any, Union, get_args, get_origin

from pydantic import BaseModel, ValidationError

from bot.config.fields import ERROR_TYPE, SLUG_RE

_BARE_KEY = re.compile(r"^[A-Za-z0-9_-]+$")

_OFFSET_HINT = (
    "write a TOML offset date-time such as 2025-01-19T00:00:00-05:00 (or ...Z for UTC); "
    "a local time means a different moment in every time zone"
)
_MISSING_EXAMPLES = {
    "slug": 'slug = "demo"',
    "name": 'name = "Demo Community"',
    "label": 'label = "Our RedNote group"',
    "platform": 'platform = "rednote"',
    "url": 'url = "https://www.xiaohongshu.com/user/profile/..."',
}
# The same key with other rules in another table: a schedule's name is an id (a-z 0-9 - _), not a title.
_MISSING_EXAMPLES_IN = {
    ("schedules", "name"): 'name = "evening-reminder"',
}
# Pydantic error types mapped to (message, hint); "{got}" becomes the kind of value found.
_TYPE_MESSAGES = {
    "string_type": ("expected text in quotes, got {got}", 'put it in quotes, e.g. {key} = "..."'),
    "int_type": ("expected a whole number, got {got}", "write digits without quotes"),
    "int_parsing": ("expected a whole number, got {got}", "write digits without quotes"),
    "int_from_float": ("expected a whole number, got {got}", "write digits without a decimal point"),
    "bool_type": ("expected true or false, got {got}", "write true or false without quotes"),
    "list_type": ("expected a list, got {got}", 'write it in brackets, e.g. {key} = ["a", "b"]'),
    "tuple_type": ("expected a list, got {got}", 'write it in brackets, e.g. {key} = ["a", "b"]'),
    "dict_type": ("expected a table, got {got}", "write it as a [table] or {key} = {{ ... }}"),
    "model_type": ("expected a table, got {got}", "write it as a [table] or {key} = {{ ... }}"),
    "timezone_aware": ("date-time has no UTC offset", _OFFSET_HINT),
    "datetime_type": ("expected a date-time with a UTC offset, got {got}", _OFFSET_HINT),
    "datetime_parsing": ("expected a date-time with a UTC offset", _OFFSET_HINT),
    "datetime_from_date_parsing": ("expected a date-time with a UTC offset", _OFFSET_HINT),
}


@dataclass(frozen=True, slots=True)
class ConfigProblem:
    """One mistake in a config file.

    ``key_path`` locates it inside the file, e.g. ``communities[demo].links[2].url``; it is empty for
    a problem with the whole file (unreadable, TOML syntax).
    """

    file: Path
    key_path: str
    message: str
    hint: str = ""

    def place(self) -> str:
        """``file:key_path``, the way another problem refers to this place."""
        return f"{self.file}:{self.key_path}" if self.key_path else str(self.file)

    def __str__(self) -> str:
        return self.place() + f": {self.message}" + (f" (hint: {self.hint})" if self.hint else "")


class ConfigError(Exception):
    """The config cannot be used; ``problems`` lists every mistake found, not just the first."""

    def __init__(self, problems: Sequence[ConfigProblem]) -> None:
        self.problems: tuple[ConfigProblem, ...] = tuple(problems)
        super().__init__(f"{len(self.problems)} problem(s) in the config:\n{format_problems(self.problems)}")


def format_problems(problems: Iterable[ConfigProblem]) -> str:
    """One line per problem: ``file:key_path: message (hint: ...)``."""
    return "\n".join(str(problem) for problem in problems)


def key_path(loc: Sequence[str | int], data: Any = None) -> str:
    """Render a location as ``communities[demo].links[2].url``.

    A list index becomes the element's ``slug`` when ``data`` (the raw document) gives it one,
    since "communities[demo]" is easier to find in a file than "communities[3]".
    """
    out = ""
    node = data
    for segment in loc:
        if segment == "[key]":  # pydantic's marker for an error in a table's key itself
            continue
        if isinstance(segment, int):
            node = node[segment] if isinstance(node, list) and segment < len(node) else None
            slug = node.get("slug") if isinstance(node, dict) else None
            out += f"[{slug}]" if isinstance(slug, str) and SLUG_RE.fullmatch(slug) else f"[{segment}]"
            continue
        node = node.get(segment) if isinstance(node, dict) else None
        part = segment if _BARE_KEY.fullmatch(segment) else json.dumps(segment, ensure_ascii=False)
        out += f".{part}" if out else part
    return out


def describe(value: Any) -> str:
    """The kind of a TOML value in an administrator's words, never the value itself."""
    kinds: list[tuple[type | tuple[type, ...], str]] = [
        (bool, "true/false"),
        (int, "a number"),
        (float, "a decimal number"),
        (str, "text"),
        (datetime, "a date-time"),
        (date, "a date"),
        (time, "a time of day"),
        ((list, tuple), "a list"),
        (dict, "a table"),
    ]
    return next((name for kind, name in kinds if isinstance(value, kind)), "nothing")


def from_validation_error(
    file: Path, error: ValidationError, data: Any, root: type[BaseModel]
) -> list[ConfigProblem]:
    """One problem per pydantic error, in the words of a config file rather than of Python."""
    problems = []
    for err in error.errors(include_url=False, include_input=False):
        loc = err["loc"]
        kind, ctx = err["type"], err.get("ctx") or {}
        path = key_path(loc, data)
        if kind == ERROR_TYPE:
            message, hint = str(ctx["message"]), str(ctx["hint"])
            if loc and loc[-1] == "[key]":
                message = f"key {json.dumps(str(loc[-2]), ensure_ascii=False)} {message}"
        elif kind == "extra_forbidden":
            message, hint = _unknown_key(loc, root)
        elif kind == "missing":
            name = str(loc[-1])
            message = f"required key {name!r} is missing"
            table = next((str(s) for s in reversed(loc[:-1]) if isinstance(s, str)), "")
            example = _MISSING_EXAMPLES_IN.get((table, name)) or _MISSING_EXAMPLES.get(name, f"{name} = ...")
            hint = "add " + example + " to this table"
        elif kind in _TYPE_MESSAGES:
            template, hint_template = _TYPE_MESSAGES[kind]
            message = template.format(got=describe(_value_at(data, loc)))
            name = next((str(s) for s in reversed(loc) if isinstance(s, str)), "key")
            hint = hint_template.format(key=name)
        elif kind in ("enum", "literal_error"):
            message, hint = f"must be {ctx['expected']}", "write one of these, in quotes"
        elif kind == "string_too_short":
            message, hint = "must not be empty", "write some text, or leave the key out if it is optional"
        elif kind == "string_too_long":
            message, hint = f"is longer than {ctx['max_length']} characters", "shorten it"
        elif kind == "too_long":
            message, hint = f"has more than {ctx['max_length']} entries", "keep the most useful ones"
        else:
            message, hint = str(err["msg"]), ""
        problems.append(ConfigProblem(file, path, message, hint))
    return problems


def allowed_keys(model: type[BaseModel]) -> list[str]:
    """The keys a table of this model accepts, in declaration order."""
    return list(model.model_fields)


def did_you_mean(word: str, choices: Iterable[str]) -> str:
    """``did you mean 'x'?`` for the closest choice, or an empty string."""
    close = difflib.get_close_matches(word, list(choices), n=1, cutoff=0.6)
    return f"did you mean {close[0]!r}? " if close else ""


def _unknown_key(loc: Sequence[str | int], root: type[BaseModel]) -> tuple[str, str]:
    name = str(loc[-1])
    model = model_at(root, loc[:-1])
    quoted = json.dumps(name, ensure_ascii=False)
    if model is None:
        return f"unknown key {quoted}", ""
    keys = allowed_keys(model)
    return f"unknown key {quoted}", did_you_mean(name, keys) + "allowed keys here: " + ", ".join(keys)


def model_at(root: type[BaseModel], loc: Sequence[str | int]) -> type[BaseModel] | None:
    """The model class describing the table at ``loc``, following fields, lists and tables."""
    current: Any = root
    for segment in loc:
        if isinstance(current, type) and issubclass(current, BaseModel):
            field = current.model_fields.get(segment) if isinstance(segment, str) else None
            if field is None:
                return None
            current = _unwrap(field.annotation)
        else:  # a list or a table of models: the segment is an index or a key
            args = [arg for arg in get_args(current) if arg is not Ellipsis]
            if not args:
                return None
            current = _unwrap(args[-1])
    return current if isinstance(current, type) and issubclass(current, BaseModel) else None


def _unwrap(annotation: Any) -> Any:
    # Strips Annotated[...] and "| None" so only the container or model remains.
    while True:
        origin = get_origin(annotation)
        if origin is Annotated:
            annotation = get_args(annotation)[0]
        elif origin in (Union, types.UnionType):
            rest = [arg for arg in get_args(annotation) if arg is not type(None)]
            if len(rest) != 1:
                return annotation
            annotation = rest[0]
        else:
            return annotation


def _value_at(data: Any, loc: Sequence[str | int]) -> Any:
    for segment in loc:
        if isinstance(data, dict):
            data = data.get(segment)
        elif isinstance(data, list) and isinstance(segment, int) and segment < len(data):
            data = data[segment]
        else:
            return None
    return data
