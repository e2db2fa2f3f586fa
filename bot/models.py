"""Platform-independent values shared by the service, the storage layer and every front.

Nothing here imports discord or atproto: fronts translate their own objects into these.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any


class Visibility(enum.StrEnum):
    """Who may see an entry."""

    COMMUNITY = "community"  # only inside the community's own Discord server and console
    PUBLIC = "public"  # may also appear on Bluesky, the web page and public exports


EVERY_VISIBILITY: frozenset[Visibility] = frozenset(Visibility)  # inside the community: every entry


class Verification(enum.StrEnum):
    """How much trust an entry has earned, lowest first."""

    SELF_REPORTED = "self-reported"
    BLUESKY_PROVEN = "bluesky-proven"
    ADMIN_VERIFIED = "admin-verified"

    def outranks(self, other: Verification) -> bool:
        """Whether this level is more trusted than ``other`` (the levels above are listed lowest first)."""
        return _VERIFICATION_RANK[self] > _VERIFICATION_RANK[other]


_VERIFICATION_RANK = {level: rank for rank, level in enumerate(Verification)}


class Source(enum.StrEnum):
    """The front an entry or change came through."""

    DISCORD = "discord"
    BLUESKY = "bluesky"
    CONSOLE = "console"
    IMPORT = "import"
    ADMIN = "admin"


class IdentityKind(enum.StrEnum):
    """The namespace of a stable account id."""

    DISCORD = "discord"  # Discord user snowflake, as a decimal string
    BLUESKY = "bluesky"  # a DID, never a handle
    CONSOLE = "console"  # a local name chosen at the console (operators, demos)


@dataclass(frozen=True, slots=True)
class Identity:
    """A stable account id on one platform; the key of a member."""

    kind: IdentityKind
    external_id: str

    def __str__(self) -> str:
        return f"{self.kind.value}:{self.external_id}"


@dataclass(frozen=True, slots=True, kw_only=True)
class Erasure:
    """What a forget erased: a member and their handles, or only traces of an account that had none."""

    member: bool  # whether there was a member to erase
    handles: int  # how many of their handles went with them
    traces: int  # with no member: audit rows and Bluesky mentions that named the account, scrubbed


@dataclass(frozen=True, slots=True, kw_only=True)
class Member:
    """A person in one community's directory."""

    id: int
    community: str
    display_name: str
    hidden: bool
    created_at: datetime
    updated_at: datetime
    identities: tuple[Identity, ...] = ()
    banned: bool = False  # refused registration by an admin; unlisted, but keeps their data

    @property
    def listed(self) -> bool:
        """Whether other people may see this member at all (neither hidden nor banned)."""
        return not (self.hidden or self.banned)


@dataclass(frozen=True, slots=True, kw_only=True)
class Entry:
    """One handle of one member on one platform.

    ``profile_url`` is never stored: the service fills it from the platform's template.
    """

    id: int
    member_id: int
    community: str
    platform: str
    handle: str
    visibility: Visibility
    verification: Verification
    source: Source
    created_at: datetime
    updated_at: datetime
    member_name: str = ""
    profile_url: str | None = None

    def linked(self, url: str | None) -> Entry:
        """This entry with ``profile_url`` set. Spelled out rather than ``dataclasses.replace``,
        which inspects the fields on every call: a directory page links ten entries."""
        return Entry(
            id=self.id,
            member_id=self.member_id,
            community=self.community,
            platform=self.platform,
            handle=self.handle,
            visibility=self.visibility,
            verification=self.verification,
            source=self.source,
            created_at=self.created_at,
            updated_at=self.updated_at,
            member_name=self.member_name,
            profile_url=url,
        )


@dataclass(frozen=True, slots=True, kw_only=True)
class Registration:
    """The outcome of adding or replacing a handle."""

    entry: Entry
    previous_handle: str | None  # the handle this one replaced on the same platform, if any
    created: bool  # True when the member had no handle on this platform before

    @property
    def outcome(self) -> RegistrationOutcome:
        """Added, replaced or unchanged: decided here once, so every front says the same."""
        if self.created:
            return RegistrationOutcome.ADDED
        if self.previous_handle is None or self.previous_handle == self.entry.handle:
            return RegistrationOutcome.UNCHANGED
        return RegistrationOutcome.REPLACED


class RegistrationOutcome(enum.StrEnum):
    """What a registration did to the member's entry on that platform."""

    ADDED = "added"
    REPLACED = "replaced"
    UNCHANGED = "unchanged"


@dataclass(frozen=True, slots=True)
class Cursor:
    """A keyset position in the directory order ``(sort_key, entry id)``."""

    sort_key: str
    entry_id: int

    def encode(self) -> str:
        """An opaque, URL- and custom_id-safe token."""
        return f"{self.entry_id}:{self.sort_key}"

    @classmethod
    def decode(cls, token: str) -> Cursor:
        """Parse a token made by :meth:`encode`; raises ``ValueError`` on anything else."""
        entry_id, sep, sort_key = token.partition(":")
        if not sep or not entry_id.isdigit():
            raise ValueError("malformed directory cursor")
        return cls(sort_key=sort_key, entry_id=int(entry_id))


@dataclass(frozen=True, slots=True, kw_only=True)
class DirectoryQuery:
    """What a front asks of the directory. ``after``/``before`` are exclusive keyset bounds.

    ``visibilities`` has no default: a front says what its audience may see (``EVERY_VISIBILITY``
    inside the community, only ``PUBLIC`` outside it), so forgetting it cannot leak entries.
    """

    community: str
    visibilities: frozenset[Visibility]
    platform: str | None = None
    search: str | None = None
    limit: int = 10
    after: Cursor | None = None
    before: Cursor | None = None
    last: bool = False  # jump to the final page (ignored when a cursor is given)


@dataclass(frozen=True, slots=True, kw_only=True)
class DirectoryPage:
    """One page of the directory in stable order, with cursors to its neighbours."""

    entries: tuple[Entry, ...]
    next_cursor: Cursor | None
    prev_cursor: Cursor | None
    # Entries matching the query across all pages. None for a search whose matches go on past this
    # page: names live on members and no index counts a substring, so counting them would read every
    # candidate row on every page; fronts say "more" instead of a page count there.
    total: int | None

    def page_count(self, size: int) -> int | None:
        """Pages of ``size`` entries the matches fill (at least one), or None when not counted."""
        return None if self.total is None else max(1, -(-self.total // size))


@dataclass(frozen=True, slots=True, kw_only=True)
class AuditRecord:
    """One change to the directory. ``member_id`` stays after *forget*; ``detail`` does not."""

    id: int
    community: str
    at: datetime
    action: str
    actor: str  # "member", "admin:<identity>", "system", "import"
    member_id: int | None
    platform: str | None
    detail: dict[str, str] = field(default_factory=dict)


class RunState(enum.StrEnum):
    """What became of one occurrence of a scheduled announcement."""

    CLAIMED = "claimed"  # a process took it and is posting, or stopped before saying how it went
    POSTED = "posted"  # at least one publisher delivered it
    SKIPPED = "skipped"  # deliberately not posted (too late, or superseded by a newer one)
    FAILED = "failed"  # tried, and no publisher delivered it


@dataclass(frozen=True, slots=True, kw_only=True)
class AnnouncementRun:
    """One occurrence of a schedule as recorded; ``detail`` holds the deliveries or the reason."""

    community: str
    schedule: str
    due_at: datetime
    state: RunState
    updated_at: datetime
    detail: dict[str, object] = field(default_factory=dict)


@dataclass(frozen=True, slots=True, kw_only=True)
class ViewState:
    """What a Discord message's buttons act on (a directory's filter, search and page), by id."""

    id: int
    kind: str
    community: str
    owner_id: str
    state: dict[str, Any]
