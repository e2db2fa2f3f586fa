"""Reading a spreadsheet's header: which column holds what, in the long or the wide layout.

Long layout: one row per handle, with ``platform`` and ``handle`` columns. Wide layout: one row per
person, with a column per platform whose header names the platform ("Instagram", "Lemon8 handle",
"小红书"). Both may carry ``name``, ``discord_id``, ``bluesky_did`` and ``visibility`` columns. A
header that is neither is reported back as unknown, never silently dropped.
"""

from __future__ import annotations

import enum
import re
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass

from bot.errors import InputReason, InvalidInputError
from bot.platforms.spec import PlatformSpec


class Field(enum.StrEnum):
    """A column with a fixed meaning, in either layout."""

    PLATFORM = "platform"
    HANDLE = "handle"
    NAME = "name"
    DISCORD_ID = "discord_id"
    BLUESKY_DID = "bluesky_did"
    VISIBILITY = "visibility"


class LayoutKind(enum.StrEnum):
    """How the sheet is arranged."""

    LONG = "long"  # platform + handle columns, one row per handle
    WIDE = "wide"  # one column per platform, one row per person
    MIXED = "mixed"  # both at once: each row gives its platform/handle pair and its platform columns


# Headers are compared after _normalise(): case-folded, spaces and dashes as "_".
_FIELD_ALIASES: dict[Field, frozenset[str]] = {
    Field.PLATFORM: frozenset({"platform", "site", "network", "app", "平台"}),
    Field.HANDLE: frozenset(
        {"handle", "username", "account", "profile", "link", "url", "handle_or_link", "账号", "帳號"}
    ),
    Field.NAME: frozenset(
        {"name", "member", "display_name", "member_name", "nickname", "名字", "姓名", "昵称", "名称"}
    ),
    Field.DISCORD_ID: frozenset({"discord_id", "discord_user_id", "discord"}),
    Field.BLUESKY_DID: frozenset({"bluesky_did", "did"}),
    Field.VISIBILITY: frozenset({"visibility"}),
}
# Words that decorate a platform column's header without changing which platform it is.
_DECORATION = frozenset(
    {
        "handle",
        "handles",
        "username",
        "usernames",
        "user",
        "name",
        "link",
        "links",
        "url",
        "urls",
        "id",
        "account",
    }
)
_WORD = re.compile(r"[^\W_]+(?:[.][^\W_]+)*")  # keeps "bsky.app" whole; "@", ":" and "/" split words
NO_HEADER = "#{position}"  # how a column without a header is named in reports (1-based)


@dataclass(frozen=True, slots=True)
class Column:
    """One recognised column: where it is, its header as written, and what it holds."""

    position: int  # 0-based
    title: str
    field: Field | None = None
    platform: PlatformSpec | None = None  # wide layout: this column holds handles on this platform

    @property
    def meaning(self) -> str:
        """What the column was taken to be: a field name or a platform key."""
        if self.platform is not None:
            return self.platform.key
        assert self.field is not None
        return self.field.value


@dataclass(frozen=True, slots=True)
class Layout:
    """The detected mapping of a sheet's header."""

    kind: LayoutKind
    fields: dict[Field, Column]
    platforms: tuple[Column, ...]
    unknown: tuple[str, ...]  # headers matched to nothing (or to something an earlier column took)

    @property
    def columns(self) -> tuple[Column, ...]:
        """Every recognised column in file order."""
        return tuple(sorted((*self.fields.values(), *self.platforms), key=lambda c: c.position))

    def title(self, field: Field) -> str:
        """The header of a field's column as written in the file, or the field's name without one."""
        column = self.fields.get(field)
        return column.title if column is not None else field.value


def _normalise(title: str) -> str:
    text = unicodedata.normalize("NFKC", title.lstrip("\ufeff")).strip().casefold()
    return re.sub(r"[\s\-]+", "_", text)


def _platform_words(title: str) -> str:
    words = [
        w for w in _WORD.findall(unicodedata.normalize("NFKC", title).casefold()) if w not in _DECORATION
    ]
    return " ".join(words)


def detect_layout(header: list[str], resolve: Callable[[str], PlatformSpec | None]) -> Layout:
    """Map the header; ``resolve`` names a platform enabled in the community, or returns None.

    Raises InvalidInputError when the header gives no way to find a handle or to know whose it is.
    """
    fields: dict[Field, Column] = {}
    platforms: dict[str, Column] = {}
    unknown: list[str] = []
    for position, raw in enumerate(header):
        title = raw.lstrip("\ufeff").strip()
        if not title:
            unknown.append(NO_HEADER.format(position=position + 1))
            continue
        normalised = _normalise(title)
        field = next((f for f, aliases in _FIELD_ALIASES.items() if normalised in aliases), None)
        if field is not None:
            if field in fields:
                unknown.append(title)
            else:
                fields[field] = Column(position, title, field=field)
            continue
        words = _platform_words(title)
        spec = resolve(words) if words else None
        if spec is None or spec.key in platforms:
            unknown.append(title)
        else:
            platforms[spec.key] = Column(position, title, platform=spec)
    long = Field.PLATFORM in fields and Field.HANDLE in fields
    if not long and not platforms:
        missing = [f.value for f in (Field.PLATFORM, Field.HANDLE) if f not in fields]
        raise InvalidInputError("header", InputReason.MISSING_COLUMNS, columns=", ".join(missing))
    if long:
        kind = LayoutKind.MIXED if platforms else LayoutKind.LONG
    else:
        kind = LayoutKind.WIDE
        # A lone platform or handle column means nothing without its partner: say so, not guess.
        unknown.extend(fields.pop(f).title for f in (Field.PLATFORM, Field.HANDLE) if f in fields)
    if not {Field.DISCORD_ID, Field.BLUESKY_DID, Field.NAME} & fields.keys():
        raise InvalidInputError("header", InputReason.NO_IDENTITY_COLUMN)
    ordered = tuple(sorted(platforms.values(), key=lambda c: c.position))
    return Layout(kind=kind, fields=fields, platforms=ordered, unknown=tuple(unknown))
