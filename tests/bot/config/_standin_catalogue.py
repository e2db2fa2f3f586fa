"""A minimal stand-in for ``bot.platforms.catalogue`` while that module is being written.

Installed by ``conftest.py`` only when the real module cannot be imported; it follows the agreed API
(``Catalogue.builtin``, ``with_overrides``, ``get``, ``specs``, ``resolve``, ``PlatformConfigError``).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from pydantic import ValidationError

from bot.errors import UnknownPlatformError
from bot.platforms.spec import HandleKind, PlatformOverride, PlatformSpec


@dataclass(frozen=True)
class PlatformProblem:
    key: str
    field: str
    message: str


class PlatformConfigError(Exception):
    def __init__(self, problems: Iterable[PlatformProblem]) -> None:
        self.problems = list(problems)
        super().__init__("; ".join(p.message for p in self.problems))


_BUILTIN = (
    PlatformSpec(
        key="rednote",
        display_name="RedNote",
        aliases=("xhs", "xiaohongshu", "小红书"),
        kind=HandleKind.REDNOTE,
        example="95123456789",
        profile_url="https://www.xiaohongshu.com/user/profile/{handle}",
    ),
    PlatformSpec(key="lemon8", display_name="Lemon8", example="lemon8user"),
    PlatformSpec(
        key="bluesky",
        display_name="Bluesky",
        aliases=("bsky",),
        kind=HandleKind.BLUESKY,
        example="alice.bsky.social",
        profile_url="https://bsky.app/profile/{handle}",
    ),
    PlatformSpec(key="instagram", display_name="Instagram", aliases=("ig",), example="alice"),
    PlatformSpec(key="youtube", display_name="YouTube", kind=HandleKind.YOUTUBE, example="@alice"),
    PlatformSpec(key="mastodon", display_name="Mastodon", kind=HandleKind.MASTODON, example="@a@b.social"),
)


class Catalogue:
    def __init__(self, specs: Iterable[PlatformSpec]) -> None:
        self._specs = tuple(specs)

    @classmethod
    def builtin(cls) -> Catalogue:
        return cls(_BUILTIN)

    @property
    def specs(self) -> tuple[PlatformSpec, ...]:
        return self._specs

    def get(self, key: str) -> PlatformSpec | None:
        return next((s for s in self._specs if s.key == key), None)

    def resolve(self, name: str, enabled: Iterable[str] | None = None) -> PlatformSpec:
        allowed = set(enabled) if enabled is not None else None
        wanted = name.casefold()
        for spec in self._specs:
            if allowed is not None and spec.key not in allowed:
                continue
            if wanted == spec.key or wanted in (a.casefold() for a in spec.aliases):
                return spec
        raise UnknownPlatformError(name, tuple(s.key for s in self._specs))

    def with_overrides(self, overrides: Mapping[str, PlatformOverride]) -> Catalogue:
        specs = {s.key: s for s in self._specs}
        problems = []
        for key, override in overrides.items():
            changes = override.model_dump(exclude_unset=True)
            if changes.get("pattern") is not None:
                try:
                    re.compile(changes["pattern"])
                except re.error as exc:
                    problems.append(PlatformProblem(key, "pattern", f"not a regular expression: {exc}"))
                    continue
            base = specs[key].model_dump() if key in specs else {"key": key}
            if key not in specs:
                for needed in ("display_name", "example"):
                    if needed not in changes:
                        problems.append(PlatformProblem(key, needed, f"a new platform needs {needed}"))
            try:
                specs[key] = PlatformSpec.model_validate({**base, **changes})
            except ValidationError:
                continue
        if problems:
            raise PlatformConfigError(problems)
        return Catalogue(specs.values())
