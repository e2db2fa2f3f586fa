"""What a community's admins (and each member, for their own entries) may change beyond registering.

Every change is audited by the repository in the same transaction; the ``actor`` strings say who
did it ("member", "admin:discord:<id>", "operator"), never what they typed.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime
from types import MappingProxyType

from bot.errors import (
    InputReason,
    InvalidInputError,
    MemberNotFoundError,
    NotRegisteredError,
    UnknownPlatformError,
)
from bot.models import AuditRecord, Entry, Identity, IdentityKind, Member, Source, Verification, Visibility
from bot.services.directory import DirectoryService
from bot.services.events import ChangeKind, DirectoryChange
from bot.services.names import clean_note, clean_search
from bot.storage.repository import Repository

MAX_AUDIT_PAGE = 100  # rows per request
RECENT_ARRIVALS = 10
BLUESKY_PLATFORM = "bluesky"  # the catalogue key of the one platform a Bluesky post can prove
MAX_BAN_REASON = 200  # characters; a note for the other admins, not a letter to the member

# What an admin filters the audit log by, as exact action names so the (community, action, id)
# index answers. Keys are stable: fronts offer them as choices and word them.
AUDIT_GROUPS: Mapping[str, frozenset[str]] = MappingProxyType(
    {
        "registrations": frozenset({"entry.add", "entry.replace", "entry.update"}),
        "removals": frozenset({"entry.remove"}),
        "visibility": frozenset({"entry.visibility"}),
        "verification": frozenset({"entry.verification"}),
        "moderation": frozenset({"member.hide", "member.show", "member.ban", "member.unban"}),
        "links": frozenset({"member.link", "link.refused"}),
        "privacy": frozenset({"member.forget"}),
    }
)


@dataclass(frozen=True, slots=True, kw_only=True)
class CommunityStats:
    """A community's directory at a glance."""

    members: int
    handles: dict[str, int]  # per platform key, every visibility
    recent: tuple[Entry, ...]  # newest registrations first


class ModerationService:
    """Hiding, verifying, visibility changes, the audit log and statistics."""

    def __init__(
        self, *, repository: Repository, directory: DirectoryService, clock: Callable[[], datetime]
    ) -> None:
        self._repo = repository
        self._directory = directory
        self._clock = clock

    async def _member(self, community: str, identity: Identity) -> Member:
        member = await self._repo.find_member(community=community, identity=identity)
        if member is None:
            raise MemberNotFoundError(str(identity))
        return member

    async def set_hidden(self, *, community: str, identity: Identity, hidden: bool, actor: str) -> Member:
        """Hide a member from every directory view, or show them again; their data is kept."""
        member = await self._member(community, identity)
        updated = await self._repo.set_hidden(
            member_id=member.id, hidden=hidden, now=self._clock(), actor=actor
        )
        if updated.hidden != member.hidden:
            await self._publish(ChangeKind.MEMBER_HIDDEN if hidden else ChangeKind.MEMBER_SHOWN, member)
        return updated

    async def ban(
        self, *, community: str, identity: Identity, actor: str, reason: str | None = None
    ) -> Member:
        """Bar a person from registering and take them out of every listing; their data is kept.

        Someone who never registered gets a member row first, so a ban can come before the abuse.
        """
        # Cleaned, because the reason is shown back in Discord embeds and in the operator's terminal.
        note = clean_note(reason, field="reason", limit=MAX_BAN_REASON) if reason else None
        member = await self._repo.find_member(community=community, identity=identity)
        if member is None:
            member = await self._repo.ensure_member(
                community=community, identity=identity, display_name=identity.external_id, now=self._clock()
            )
        return await self._set_banned(member, banned=True, actor=actor, reason=note)

    async def unban(self, *, community: str, identity: Identity, actor: str) -> Member | None:
        """Lift a ban: the member may register again and their entries are listed again.

        Also lifts the ban a forgotten banned member left on this account (a hashed tombstone, see
        forget); then there is no member to return, only None. Raises MemberNotFoundError when
        the account has neither a member nor a tombstone.
        """
        lifted = await self._repo.lift_ban_tombstone(
            community=community, identity=identity, now=self._clock(), actor=actor
        )
        member = await self._repo.find_member(community=community, identity=identity)
        if member is None:
            if lifted:
                return None
            raise MemberNotFoundError(str(identity))
        return await self._set_banned(member, banned=False, actor=actor)

    async def _set_banned(
        self, member: Member, *, banned: bool, actor: str, reason: str | None = None
    ) -> Member:
        updated = await self._repo.set_banned(
            member_id=member.id, banned=banned, now=self._clock(), actor=actor, reason=reason
        )
        if updated.banned != member.banned:
            await self._publish(ChangeKind.MEMBER_BANNED if banned else ChangeKind.MEMBER_UNBANNED, updated)
        return updated

    async def verify(
        self,
        *,
        community: str,
        identity: Identity,
        platform: str,
        level: Verification = Verification.ADMIN_VERIFIED,
        actor: str,
    ) -> Entry:
        """Set an entry's verification level (an admin vouching for it, or taking that back)."""
        member = await self._member(community, identity)
        spec = self._directory.platform(community, platform)
        entry = await self._repo.set_verification(
            member_id=member.id, platform=spec.key, verification=level, now=self._clock(), actor=actor
        )
        await self._publish(ChangeKind.VERIFICATION_CHANGED, member, platform=spec.key, entry=entry)
        return self._directory.with_link(entry)

    async def unverify(self, *, community: str, identity: Identity, platform: str, actor: str) -> Entry:
        """Take an admin's vouching back, down to what the member can still show for themselves.

        A Bluesky handle that came from the member's own Bluesky account (its source is Bluesky and
        the member holds a Bluesky identity) stays proven by that account; anything else becomes
        self-reported, including other platforms' handles sent from Bluesky, which that account's
        post does not prove. (An admin-verified Bluesky handle the member typed from Bluesky rather
        than joined with cannot be told apart, and drops to proven too: the level before an admin's
        verification is not stored.) A handle that is not admin-verified is left as it is.
        """
        member = await self._member(community, identity)
        spec = self._directory.platform(community, platform)
        current = next((e for e in await self._repo.list_entries(member.id) if e.platform == spec.key), None)
        if current is None:
            raise NotRegisteredError(spec.display_name)
        if current.verification is not Verification.ADMIN_VERIFIED:
            return self._directory.with_link(current)  # only ever lowers: nothing to take back
        proven = (
            current.platform == BLUESKY_PLATFORM
            and current.source is Source.BLUESKY
            and any(i.kind is IdentityKind.BLUESKY for i in member.identities)
        )
        level = Verification.BLUESKY_PROVEN if proven else Verification.SELF_REPORTED
        return await self.verify(
            community=community, identity=identity, platform=spec.key, level=level, actor=actor
        )

    async def set_visibility(
        self,
        *,
        community: str,
        identity: Identity,
        platform: str | None,
        visibility: Visibility,
        actor: str = "member",
    ) -> int:
        """Set who may see one entry (or all of the member's entries); returns how many changed."""
        member = await self._member(community, identity)
        key = self._directory.platform(community, platform).key if platform is not None else None
        changed = await self._repo.set_visibility(
            member_id=member.id, platform=key, visibility=visibility, now=self._clock(), actor=actor
        )
        if changed:
            await self._publish(ChangeKind.VISIBILITY_CHANGED, member, platform=key)
        return changed

    async def _publish(
        self, kind: ChangeKind, member: Member, *, platform: str | None = None, entry: Entry | None = None
    ) -> None:
        await self._directory.changes.publish(
            DirectoryChange(
                kind=kind,
                community=member.community,
                member_id=member.id,
                identities=member.identities,
                platform=platform,
                entry=entry,
            )
        )

    async def candidates(self, *, community: str, search: str | None, limit: int) -> list[Entry]:
        """Entries whose member name or handle contains ``search``, of every member including hidden
        and banned ones (whom an admin may want to unhide or unban), for picking who to act on."""
        if not 1 <= limit <= MAX_AUDIT_PAGE:
            raise InvalidInputError("limit", InputReason.OUT_OF_RANGE, low=1, high=MAX_AUDIT_PAGE)
        term = clean_search(search) if search else None
        found = await self._repo.find_entries(community=community, search=term, limit=limit)
        return [self._directory.with_link(entry) for entry in found]

    async def audit(
        self,
        *,
        community: str,
        identity: Identity | None = None,
        group: str | None = None,
        platform: str | None = None,
        limit: int = 25,
        before_id: int | None = None,
    ) -> list[AuditRecord]:
        """The audit log, newest first, of the community, narrowed to one member, one of
        :data:`AUDIT_GROUPS` and one platform when given.

        A platform is resolved through the catalogue only when it still exists there, so the
        history of a platform since removed from the config can still be read by its key.
        """
        if group is not None and group not in AUDIT_GROUPS:
            raise InvalidInputError("action", InputReason.ONE_OF, choices=", ".join(AUDIT_GROUPS))
        member_id = (await self._member(community, identity)).id if identity is not None else None
        return await self._repo.audit_log(
            community=community,
            member_id=member_id,
            actions=AUDIT_GROUPS[group] if group is not None else None,
            platform=self._platform_key(community, platform) if platform is not None else None,
            limit=max(1, min(limit, MAX_AUDIT_PAGE)),
            before_id=before_id,
        )

    def _platform_key(self, community: str, name: str) -> str:
        try:
            return self._directory.platform(community, name).key
        except UnknownPlatformError:
            return name.strip().lower()

    async def stats(self, *, community: str) -> CommunityStats:
        """Members, handles per platform and the most recent arrivals."""
        recent = await self._repo.recent_entries(community=community, limit=RECENT_ARRIVALS)
        return CommunityStats(
            members=await self._repo.count_members(community=community),
            handles=await self._repo.count_by_platform(
                community=community, visibilities=frozenset(Visibility)
            ),
            recent=tuple(self._directory.with_link(e) for e in recent),
        )
