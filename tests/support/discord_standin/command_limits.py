"""Validation of application commands as a bulk overwrite (``PUT .../commands``) sends them.

discord.py checks some of this client-side, but not all of it (it lets a 101st command, a 6,000-character
combined size or a required option after an optional one through), and a refused sync at start-up
leaves the bot running with stale commands, so the stand-in checks the whole schema.
"""

from __future__ import annotations

import unicodedata
from collections import Counter
from typing import Any

NAME_MAX = 32
DESCRIPTION_MAX = 100
OPTIONS_MAX = 25
CHOICES_MAX = 25
COMBINED_MAX = 8000
PER_SCOPE = {1: 100, 2: 15, 3: 15}
SUBCOMMAND, GROUP = 1, 2
_STRING, _INTEGER, _NUMBER = 3, 4, 10
_OPTION_TYPES = set(range(1, 12))

Json = dict[str, Any]


def _allowed_name_char(ch: str) -> bool:
    # Mirrors ^[-_'\p{L}\p{N}\p{sc=Deva}\p{sc=Thai}]{1,32}$ without a third-party regex engine.
    if ch in "-_'":
        return True
    if unicodedata.category(ch)[0] in "LN":
        return True
    code = ord(ch)
    return 0x0900 <= code <= 0x097F or 0xA8E0 <= code <= 0xA8FF or 0x0E00 <= code <= 0x0E7F


def check_name(name: object, where: str, *, chat_input: bool = True) -> list[str]:
    if not isinstance(name, str) or not 1 <= len(name) <= NAME_MAX:
        return [f"{where} name {name!r} must be 1..{NAME_MAX} characters"]
    if not chat_input:
        return []  # user and message commands may use spaces and capitals
    problems = []
    if not all(_allowed_name_char(ch) for ch in name):
        problems.append(f"{where} name {name!r} has characters outside [-_'\\p{{L}}\\p{{N}}]")
    if name != name.lower():
        problems.append(f"{where} name {name!r} must be lowercase")
    return problems


def _check_description(description: object, where: str) -> list[str]:
    if not isinstance(description, str):
        return [f"{where} description must be 1..{DESCRIPTION_MAX} characters, got {description!r}"]
    if not 1 <= len(description) <= DESCRIPTION_MAX:
        return [f"{where} description must be 1..{DESCRIPTION_MAX} characters, got {len(description)}"]
    return []


def _check_localizations(item: Json, where: str, chat_input: bool) -> list[str]:
    problems: list[str] = []
    for locale, name in (item.get("name_localizations") or {}).items():
        problems += check_name(name, f"{where} [{locale}]", chat_input=chat_input)
    for locale, text in (item.get("description_localizations") or {}).items():
        problems += _check_description(text, f"{where} [{locale}]")
    return problems


def _check_choices(option: Json, where: str) -> list[str]:
    choices = option.get("choices") or []
    problems: list[str] = []
    if len(choices) > CHOICES_MAX:
        problems.append(f"{where} has {len(choices)} choices, the limit is {CHOICES_MAX}")
    if choices and option.get("autocomplete"):
        problems.append(f"{where} cannot have both choices and autocomplete")
    for choice in choices:
        name, value = choice.get("name"), choice.get("value")
        if not isinstance(name, str) or not 1 <= len(name) <= 100:
            problems.append(f"{where} choice name {name!r} must be 1..100 characters")
        if isinstance(value, str) and not 1 <= len(value) <= 100:
            problems.append(f"{where} choice value {value!r} must be 1..100 characters")
    return problems


def _check_bounds(option: Json, where: str) -> list[str]:
    problems: list[str] = []
    kind = option.get("type")
    for key in ("min_length", "max_length"):
        value = option.get(key)
        if value is not None and (kind != _STRING or not 0 <= value <= 6000):
            problems.append(f"{where} {key}={value!r} is only valid on strings, within 0..6000")
    for key in ("min_value", "max_value"):
        if option.get(key) is not None and kind not in (_INTEGER, _NUMBER):
            problems.append(f"{where} {key} is only valid on integer and number options")
    return problems


def _check_options(options: list[Json], where: str, depth: int) -> list[str]:
    problems: list[str] = []
    if len(options) > OPTIONS_MAX:
        problems.append(f"{where} has {len(options)} options, the limit is {OPTIONS_MAX}")
    names = Counter(o.get("name") for o in options)
    problems += [f"{where} has two options named {n!r}" for n, c in names.items() if c > 1]
    nested = [o.get("type") in (SUBCOMMAND, GROUP) for o in options]
    if any(nested) and not all(nested):
        problems.append(f"{where} mixes subcommands with plain options")
    seen_optional = False
    for option in options:
        kind = option.get("type")
        here = f"{where} option {option.get('name')!r}"
        problems += check_name(option.get("name"), here)
        problems += _check_description(option.get("description"), here)
        problems += _check_localizations(option, here, True)
        if kind not in _OPTION_TYPES:
            problems.append(f"{here} has unknown type {kind!r}")
        elif kind in (SUBCOMMAND, GROUP):
            if (kind == GROUP and depth > 0) or (kind == SUBCOMMAND and depth > 1):
                problems.append(f"{here} is nested too deeply (command > group > subcommand)")
            children = option.get("options") or []
            if kind == GROUP and any(c.get("type") != SUBCOMMAND for c in children):
                problems.append(f"{here} is a group and may only contain subcommands")
            problems += _check_options(children, here, depth + 1)
            continue
        if option.get("required"):
            if seen_optional:
                problems.append(f"{here} is required but follows an optional option")
        else:
            seen_optional = True
        problems += _check_choices(option, here) + _check_bounds(option, here)
    return problems


def combined_size(item: Json) -> int:
    """Name, description and choice text of a command and everything below it (and localizations)."""
    total = len(str(item.get("name", ""))) + len(str(item.get("description", "")))
    total += sum(len(v) for v in (item.get("name_localizations") or {}).values())
    total += sum(len(v) for v in (item.get("description_localizations") or {}).values())
    for choice in item.get("choices") or []:
        total += len(str(choice.get("name", ""))) + len(str(choice.get("value", "")))
    return total + sum(combined_size(o) for o in item.get("options") or [])


def check_command(command: Json) -> list[str]:
    kind = command.get("type", 1)
    chat_input = kind == 1
    where = f"command {command.get('name')!r}"
    problems = check_name(command.get("name"), where, chat_input=chat_input)
    if kind not in PER_SCOPE:
        problems.append(f"{where} has unknown type {kind!r}")
    if chat_input:
        problems += _check_description(command.get("description"), where)
        problems += _check_options(command.get("options") or [], where, 0)
    elif command.get("description") or command.get("options"):
        problems.append(f"{where} is a context menu and cannot have a description or options")
    problems += _check_localizations(command, where, chat_input)
    permissions = command.get("default_member_permissions")
    if permissions is not None and not str(permissions).isdigit():
        problems.append(f"{where} default_member_permissions {permissions!r} must be a bitfield")
    size = combined_size(command)
    if size > COMBINED_MAX:
        problems.append(f"{where} has a combined size of {size} characters, the limit is {COMBINED_MAX}")
    return problems


def check_command_set(commands: list[Json]) -> list[str]:
    """All commands of one scope (global, or one guild) as a bulk overwrite sends them."""
    problems: list[str] = []
    for command in commands:
        problems += check_command(command)
    per_type = Counter(c.get("type", 1) for c in commands)
    for kind, count in per_type.items():
        limit = PER_SCOPE.get(kind)
        if limit is not None and count > limit:
            problems.append(f"{count} commands of type {kind} in one scope, the limit is {limit}")
    names = Counter((c.get("type", 1), c.get("name")) for c in commands)
    problems += [f"two commands of type {k} named {n!r}" for (k, n), c in names.items() if c > 1]
    return problems
