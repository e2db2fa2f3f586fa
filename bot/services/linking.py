"""Linking a Discord member to the Bluesky account they post from, with a one-time code.

The member asks for a code on Discord (where their user id is known) and posts it from Bluesky
(where the signed post proves the DID). Redeeming it makes the two one member, and their Bluesky
entry becomes the proven handle. Platform-independent: fronts pass identities and word the errors.
"""

from __future__ import annotations

import hashlib
import logging
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from bot.config import FerryConfig
from bot.errors import BannedError, LinkCodeError, RateLimitedError
from bot.models import Entry, Identity, IdentityKind, Member
from bot.platforms import PlatformSpec, normalise
from bot.services.directory import DirectoryService
from bot.services.events import ChangeKind, DirectoryChange
from bot.services.names import clean_display_name
from bot.storage.link_codes import LinkRules, ProvenHandle
from bot.storage.repository import Repository

log = logging.getLogger(__name__)

# Crockford's base32: no I, L, O or U, so a code read aloud or copied by hand has no look-alikes.
CODE_ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
CODE_LENGTH = 10  # 50 bits: beyond guessing at ten tries an hour, short enough to type on a phone
CODE_GROUPS = (4, 4, 2)
_CONFUSABLE = str.maketrans({"O": "0", "I": "1", "L": "1", "-": None, " ": None})

CODE_LIFETIME = timedelta(minutes=15)
MAX_CODES = 5  # per member per CODE_WINDOW
CODE_WINDOW = timedelta(hours=1)
# Refused tries per Bluesky account per window. Counted from the ``link.refused`` audit rows that
# every refusal writes anyway: durable across restarts and shared by every process, at the cost of
# one indexed count per try, which an in-memory limiter would not give.
MAX_FAILED_TRIES = 10
TRY_WINDOW = timedelta(hours=1)

BLUESKY = "bluesky"  # the catalogue key of the platform the proof comes from

Clock = Callable[[], datetime]


def new_code() -> str:
    """A fresh code in canonical form (no dashes), from the operating system's secure random source."""
    return "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))


def format_code(code: str) -> str:
    """The canonical code grouped for reading, e.g. ``K7QM-4XPA-2H``."""
    parts, start = [], 0
    for size in CODE_GROUPS:
        parts.append(code[start : start + size])
        start += size
    return "-".join(parts)


def canonical_code(text: str) -> str | None:
    """What a person typed, as a canonical code: any case, dashes or spaces anywhere, O/0 and
    I/L/1 taken for one another. None when it cannot be a code at all."""
    code = text.strip().upper().translate(_CONFUSABLE)
    if len(code) != CODE_LENGTH or any(char not in CODE_ALPHABET for char in code):
        return None
    return code


def code_hash(code: str) -> str:
    """What the database keeps of a code (canonical form, or whatever was typed when it is not one)."""
    return hashlib.sha256(code.encode()).hexdigest()


@dataclass(frozen=True, slots=True, kw_only=True)
class IssuedCode:
    """A code to show the member once; only its hash is stored."""

    code: str  # grouped for reading
    expires_at: datetime
    handle: str  # the Bluesky handle that alone may redeem it, normalised


@dataclass(frozen=True, slots=True, kw_only=True)
class Linked:
    """A successful link: the merged member, its proven Bluesky entry, and what a conflict cost."""

    member: Member
    entry: Entry
    merged: bool  # the Bluesky account already had a member of its own, now part of this one
    dropped: tuple[Entry, ...]  # older entries that lost to a newer one on the same platform


class LinkingService:
    """Issues link codes to Discord members and redeems them for Bluesky accounts."""

    def __init__(
        self,
        *,
        repository: Repository,
        directory: DirectoryService,
        config: Callable[[], FerryConfig],
        clock: Clock,
    ) -> None:
        self._repo = repository
        self._directory = directory
        self._config = config
        self._clock = clock

    async def issue_code(
        self, *, community: str, identity: Identity, display_name: str, handle: str
    ) -> IssuedCode:
        """A new code for the member (created on first sight) that only the Bluesky account
        ``handle`` can redeem; their older open codes stop working.

        The code has to be posted in public, so binding it to the member's own handle is what keeps
        someone who copies it from linking their account instead. Raises
        :class:`~bot.errors.InvalidHandleError`, :class:`~bot.errors.BannedError` and
        :class:`~bot.errors.RateLimitedError` ("link-code") after MAX_CODES in CODE_WINDOW.
        """
        if identity.kind is IdentityKind.BLUESKY:
            raise ValueError("link codes are issued to the account being linked to Bluesky, not to one")
        bound = normalise(self._bluesky(), handle)
        existing = await self._repo.find_member(community=community, identity=identity)
        if existing is None:
            await self._directory.refuse_tombstoned(community, identity)
        elif existing.banned:
            raise BannedError(str(identity))
        now = self._clock()
        member = await self._repo.ensure_member(
            community=community,
            identity=identity,
            display_name=clean_display_name(display_name),
            now=now,
        )
        code = new_code()
        expires_at = now + CODE_LIFETIME
        wait = await self._repo.create_link_code(
            code_hash=code_hash(code),
            community=community,
            member_id=member.id,
            handle_key=bound.key,
            now=now,
            expires_at=expires_at,
            max_codes=MAX_CODES,
            window=CODE_WINDOW,
        )
        if wait is not None:
            log.info("link code rate-limited", extra={"community": community, "member_id": member.id})
            raise RateLimitedError("link-code", wait)
        log.info("link code issued", extra={"community": community, "member_id": member.id})
        return IssuedCode(code=format_code(code), expires_at=expires_at, handle=bound.handle)

    def _bluesky(self) -> PlatformSpec:
        spec = self._config().catalogue.get(BLUESKY)
        if spec is None:
            raise RuntimeError("the platform catalogue has no Bluesky entry")
        return spec

    async def redeem(self, *, community: str, code: str, did: str, handle: str) -> Linked:
        """Link the Bluesky account ``did`` (posting as ``handle``) to the member who got ``code``.

        ``community`` is where the code was posted; the link is made in the community the code was
        issued in, which a Bluesky mention need not name. Raises :class:`~bot.errors.LinkCodeError`
        (audited as ``link.refused``), :class:`~bot.errors.InvalidHandleError` for an unusable
        handle, :class:`~bot.errors.BannedError` for a forgotten banned account, or
        :class:`~bot.errors.HandleTakenError` when an admin verified this handle for someone else.
        """
        spec = self._bluesky()
        proven = normalise(spec, handle)
        # Text that cannot be a code still goes through the store, so it is audited and counted
        # like any wrong guess; its hash matches nothing.
        typed = canonical_code(code) or f"not-a-code:{code.strip()}"
        hashed = code_hash(typed)
        # Which community a code belongs to never changes, so reading it ahead of the transaction is safe.
        home = await self._repo.link_code_community(hashed) or community
        await self._directory.refuse_tombstoned(home, Identity(IdentityKind.BLUESKY, did))
        result = await self._repo.redeem_link_code(
            code_hash=hashed,
            community=community,
            account=ProvenHandle(
                platform=spec.key,
                did=did,
                handle=proven.handle,
                handle_key=proven.key,
                visibility=self._directory.community(home).default_visibility,
            ),
            rules=LinkRules(max_failures=MAX_FAILED_TRIES, window=TRY_WINDOW),
            now=self._clock(),
        )
        if result.refused is not None:
            log.info("link code refused", extra={"community": home, "reason": result.refused})
            raise LinkCodeError(result.refused)
        assert result.member is not None and result.entry is not None  # set on success
        member, entry = result.member, result.entry
        community = member.community
        if result.evicted is not None:
            await self._directory.publish_eviction(result.evicted)
        log.info(
            "member linked",
            extra={
                "community": community,
                "member_id": member.id,
                "absorbed_id": result.absorbed_id,
                "dropped": len(result.dropped),
            },
        )
        await self._directory.changes.publish(
            DirectoryChange(
                kind=ChangeKind.MEMBER_LINKED,
                community=community,
                member_id=member.id,
                identities=member.identities,
                platform=entry.platform,
                entry=entry,
            )
        )
        return Linked(
            member=member,
            entry=self._directory.with_link(entry),
            merged=result.absorbed_id is not None,
            dropped=result.dropped,
        )
