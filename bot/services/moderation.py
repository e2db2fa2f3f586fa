"""What a community's admins (and each member, for their own entries) may change beyond registering.

Every change is audited by the repository in the same transaction; the ``actor`` strings say who
did it ("member", "admin:discord:<id>", "operator"), never what they typed.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from bot.errors import MemberNotFoundError
from bot.models import AuditRecord, Entry, Identity, Member, Verification, Visibility
from bot.services.directory import DirectoryService
from bot.services.events import ChangeKind, DirectoryChange
from bot.storage.repository import Repository

MAX_AUDIT_PAGE = 100  # rows per request
RECENT_ARRIVALS = 10


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

    async def audit(
        self,
        *,
        community: str,
        identity: Identity | None = None,
        limit: int = 25,
        before_id: int | None = None,
    ) -> list[AuditRecord]:
        """The audit log, newest first, of the community or of one member."""
        member_id = (await self._member(community, identity)).id if identity is not None else None
        return await self._repo.audit_log(
            community=community,
            member_id=member_id,
            limit=max(1, min(limit, MAX_AUDIT_PAGE)),
            before_id=before_id,
        )

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
