"""The platforms in force: built-ins with admins' overrides and additions, looked up by any name."""

from __future__ import annotations

import functools
import unicodedata
from collections.abc import Collection, Iterable, Mapping
from dataclasses import dataclass
from types import MappingProxyType
from typing import Any, NoReturn

from pydantic import ValidationError

from bot.errors import InvalidHandleError, UnknownPlatformError
from bot.platforms._regex import PatternError, compile_pattern, fullmatch
from bot.platforms.builtins import BUILTIN_SPECS
from bot.platforms.domains import DOMAIN_PATTERN
from bot.platforms.normalise import normalise
from bot.platforms.spec import PlatformOverride, PlatformSpec
from bot.platforms.urls import template_problems

MAX_NAME_LENGTH = 100  # platform names are short; longer input cannot match and is not echoed whole
# Fields where an explicit None means something ("no link", "no profile links to paste").
_NULLABLE_FIELDS = frozenset({"profile_url", "url_path_pattern"})


@dataclass(frozen=True, slots=True)
class PlatformProblem:
    """One thing wrong with a platform's definition; ``field`` is "" for the platform as a whole."""

    key: str
    field: str
    message: str


class PlatformConfigError(ValueError):
    """The platform definitions are not usable; ``problems`` lists every problem found, not just one."""

    def __init__(self, problems: list[PlatformProblem]) -> None:
        super().__init__(
            "; ".join(f"{p.key}{'.' + p.field if p.field else ''}: {p.message}" for p in problems)
        )
        self.problems = problems


def fold_name(name: str) -> str:
    """The form platform names are compared in: NFKC, case-folded, trimmed of punctuation and spaces.

    Inner spaces, hyphens and underscores go too, so "Red Note", "red-note" and "RedNote" agree.
    """
    text = unicodedata.normalize("NFKC", name).casefold()
    start, end = 0, len(text)
    while start < end and _is_edge(text[start]):
        start += 1
    while end > start and _is_edge(text[end - 1]):
        end -= 1
    return "".join(ch for ch in text[start:end] if not (ch.isspace() or ch in "-_" or _is_edge(ch, "C")))


class Catalogue:
    """An immutable, validated set of platforms in a stable order."""

    __slots__ = ("_by_key", "_index", "_prefixes", "_specs")

    _specs: tuple[PlatformSpec, ...]
    _by_key: Mapping[str, PlatformSpec]
    _index: Mapping[str, str]  # folded name -> key, for resolve()
    _prefixes: Mapping[str, tuple[str, ...]]  # key -> folded names and display-name words, for suggest()

    def __init__(self, specs: Iterable[PlatformSpec]) -> None:
        """Validate ``specs`` as a whole; raises :class:`PlatformConfigError` listing every problem."""
        checked = tuple(specs)
        problems = [problem for spec in checked for problem in _spec_problems(spec)]
        problems.extend(_clashes(_claim(spec.key, spec.model_dump()) for spec in checked))
        if problems:
            raise PlatformConfigError(problems)
        self._setup(checked)

    @classmethod
    def builtin(cls) -> Catalogue:
        """The built-in platforms (one shared instance: it is immutable)."""
        return _builtin()

    @property
    def specs(self) -> tuple[PlatformSpec, ...]:
        """Every platform, built-ins first in their fixed order, then additions in config order."""
        return self._specs

    def get(self, key: str) -> PlatformSpec | None:
        """The platform with exactly this key, or None."""
        return self._by_key.get(key)

    def display_name(self, key: str) -> str:
        """What people call the platform of ``key``; the key itself once the config no longer has it.

        Every front names platforms through this, so a platform only disabled in one community is
        still called by its name there, on every front alike.
        """
        spec = self._by_key.get(key)
        return spec.display_name if spec else key

    def with_overrides(self, overrides: Mapping[str, PlatformOverride]) -> Catalogue:
        """A new catalogue with each override merged field by field onto the platform of that key.

        A key not in the catalogue adds a platform, which must then set at least ``display_name``
        and ``example``. Every definition is checked (regexes compile, templates are https with a
        fixed host, the example is a valid handle, no name is shared between platforms) and
        :class:`PlatformConfigError` reports all problems at once.
        """
        merged: list[PlatformSpec] = []
        claims: list[_Claim] = []  # the names each definition claims, even a broken one
        problems: list[PlatformProblem] = []
        for spec in self._specs:
            current, data = spec, spec.model_dump()
            override = overrides.get(spec.key)
            if override is not None:
                changed, data = _merge(spec.key, spec, override, problems)
                current = changed or spec  # a broken override is reported; check the rest as before
            merged.append(current)
            claims.append(_claim(spec.key, data))
        for key, override in overrides.items():
            if key not in self._by_key:
                added, data = _merge(key, None, override, problems)
                merged.extend([added] if added is not None else [])
                claims.append(_claim(key, data))
        problems.extend(problem for spec in merged for problem in _spec_problems(spec))
        problems.extend(_clashes(claims))
        if problems:
            raise PlatformConfigError(problems)
        catalogue = object.__new__(Catalogue)
        catalogue._setup(tuple(merged))
        return catalogue

    def resolve(self, name: str, enabled: Collection[str] | None = None) -> PlatformSpec:
        """The enabled platform whose key, alias or display name is ``name``.

        Matching ignores case, width, surrounding punctuation and spaces: ``XHS``, ``小红书``,
        ``RedNote`` and `` bsky `` all work. Raises ``UnknownPlatformError`` with the enabled keys.
        """
        allowed = self._enabled(enabled)
        key = self._index.get(fold_name(name[: MAX_NAME_LENGTH + 1]))
        if key is not None and key in allowed:
            return self._by_key[key]
        disabled = self._by_key[key].display_name if key is not None else None
        raise UnknownPlatformError(name.strip()[:MAX_NAME_LENGTH], known=allowed, disabled=disabled)

    def suggest(
        self, prefix: str, enabled: Collection[str] | None = None, limit: int = 25
    ) -> list[PlatformSpec]:
        """Enabled platforms for autocomplete: exact name matches first, then prefix matches.

        Prefixes match keys, aliases, display names and single words of display names, so "xiao"
        finds RedNote (Xiaohongshu). An empty prefix lists every enabled platform.
        """
        folded = fold_name(prefix[: MAX_NAME_LENGTH + 1])
        allowed = self._enabled(enabled)
        exact: list[PlatformSpec] = []
        partial: list[PlatformSpec] = []
        for spec in self._specs:
            if spec.key not in allowed:
                continue
            names = self._prefixes[spec.key]
            if folded in names:
                exact.append(spec)
            elif any(name.startswith(folded) for name in names):
                partial.append(spec)
        return (exact + partial)[: max(limit, 0)]

    def __setattr__(self, name: str, value: Any) -> NoReturn:
        raise AttributeError(f"Catalogue is immutable; cannot set {name}")

    def __repr__(self) -> str:
        return f"Catalogue({', '.join(spec.key for spec in self._specs)})"

    def _setup(self, specs: tuple[PlatformSpec, ...]) -> None:
        index: dict[str, str] = {}
        prefixes: dict[str, tuple[str, ...]] = {}
        for spec in specs:
            names = _names(spec)
            index.update(dict.fromkeys(names, spec.key))
            words = (fold_name(word) for word in spec.display_name.replace("(", " ").split())
            prefixes[spec.key] = tuple(dict.fromkeys([*names, *(word for word in words if word)]))
        object.__setattr__(self, "_specs", specs)
        object.__setattr__(self, "_by_key", MappingProxyType({spec.key: spec for spec in specs}))
        object.__setattr__(self, "_index", MappingProxyType(index))
        object.__setattr__(self, "_prefixes", MappingProxyType(prefixes))

    def _enabled(self, enabled: Collection[str] | None) -> tuple[str, ...]:
        keys = tuple(spec.key for spec in self._specs)
        return keys if enabled is None else tuple(key for key in keys if key in enabled)


@functools.cache
def _builtin() -> Catalogue:
    return Catalogue(BUILTIN_SPECS)


def _is_edge(ch: str, classes: str = "PZCS") -> bool:
    return unicodedata.category(ch)[0] in classes


def _names(spec: PlatformSpec) -> list[str]:
    """The folded names ``resolve`` accepts for ``spec``; empty folds are left out."""
    folded = (fold_name(name) for name in (spec.key, spec.display_name, *spec.aliases))
    return list(dict.fromkeys(name for name in folded if name))


def _merge(
    key: str, base: PlatformSpec | None, override: PlatformOverride, problems: list[PlatformProblem]
) -> tuple[PlatformSpec | None, dict[str, Any]]:
    """``base`` with the fields the override set (None and problems recorded if that is invalid),
    and the merged fields as given."""
    data: dict[str, Any] = base.model_dump() if base is not None else {"key": key}
    for field in override.model_fields_set:
        value = getattr(override, field)
        if value is not None or field in _NULLABLE_FIELDS:
            data[field] = value
    try:
        return PlatformSpec.model_validate(data), data
    except ValidationError as exc:
        for error in exc.errors():
            field = str(error["loc"][0]) if error["loc"] else ""
            if error["type"] == "missing":
                message = f"a new platform must set {field}"
            elif field == "key":
                field, message = "", "a platform key is a lower-case letter then up to 31 of a-z, 0-9, _ or -"
            else:
                message = error["msg"]
            problems.append(PlatformProblem(key, field, message))
        return None, data


_Claim = tuple[str, list[tuple[str, str]]]  # platform key, and (field, name) for every name it claims


def _claim(key: str, data: Mapping[str, Any]) -> _Claim:
    """The names a definition claims, read leniently so that broken definitions can clash too."""
    names = [("", key)]
    if isinstance(data.get("display_name"), str):
        names.append(("display_name", data["display_name"]))
    aliases = data.get("aliases")
    if isinstance(aliases, tuple | list):
        names.extend(("aliases", alias) for alias in aliases if isinstance(alias, str))
    return key, names


def _clashes(claims: Iterable[_Claim]) -> list[PlatformProblem]:
    """Keys defined twice, and names (key, display name, alias) shared by two platforms."""
    problems: list[PlatformProblem] = []
    owners: dict[str, str] = {}
    keys: set[str] = set()
    for key, names in claims:
        if key in keys:
            problems.append(PlatformProblem(key, "", "this platform key is defined twice"))
            continue
        keys.add(key)
        for field, name in names:
            folded = fold_name(name)
            owner = owners.setdefault(folded, key) if folded else key  # empty aliases are reported per spec
            if owner != key:
                message = f"{name!r} is already a name of platform {owner!r}; names must be unique"
                problems.append(PlatformProblem(key, field, message))
    return problems


def _spec_problems(spec: PlatformSpec) -> list[PlatformProblem]:
    """What is wrong with one spec on its own."""
    problems: list[PlatformProblem] = []

    def add(field: str, message: str) -> None:
        problems.append(PlatformProblem(spec.key, field, message))

    for field, pattern in (("pattern", spec.pattern), ("url_path_pattern", spec.url_path_pattern)):
        try:
            compiled = compile_pattern(pattern) if pattern is not None else None
        except PatternError as exc:
            add(field, f"the regular expression does not compile: {exc}")
            continue
        if field == "url_path_pattern" and compiled is not None and "handle" not in compiled.groupindex:
            add(field, "needs a named group (?P<handle>...) for the handle's place in the path")
    for message in template_problems(spec.profile_url, spec.kind) if spec.profile_url is not None else ():
        add("profile_url", message)
    for host in spec.url_hosts:
        if fullmatch(DOMAIN_PATTERN, host, own=True) is None:
            add("url_hosts", f"{host!r} is not a lower-case domain name such as example.com")
    for alias in spec.aliases:
        if not fold_name(alias):
            add("aliases", f"{alias!r} is empty once spaces and punctuation are removed")
    if not problems:  # the example exercises the fields above, so only check it when they work
        try:
            normalise(spec, spec.example)
        except InvalidHandleError as exc:
            add("example", f"{spec.example!r} is not a valid handle under these rules ({exc.reason})")
    return problems
