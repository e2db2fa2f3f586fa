"""The migration directory: who is where now. Platform-independent; every front calls this.

Rules live here, SQL in the repository, wording in each front. Methods take the community slug and
the caller's stable identity, resolve platform names through the community's enabled catalogue,
normalise handles, and return models with profile links built from templates.
"""

from __future__ import annotations

import dataclasses
import functools
import logging
from collections.abc import Callable, Collection
from datetime import datetime

from bot.config import Community, FerryConfig
from bot.errors import BannedError, HandleTakenError, NotRegisteredError
from bot.models import (
    DirectoryPage,
    DirectoryQuery,
    Entry,
    Erasure,
    Identity,
    Member,
    Registration,
    Source,
    Verification,
    Visibility,
)
from bot.platforms import NormalisedHandle, PlatformSpec, normalise, profile_url
from bot.services.directory_pages import checked_query, numbered_page
from bot.services.events import ChangeFeed, ChangeKind, DirectoryChange
from bot.services.names import clean_display_name
from bot.services.ratelimit import (
    MemberLimiter,
    RateLimiter,
    SharedRateLimiter,
    count_member_command,
    member_keys,
    member_windows,
)
from bot.storage.registration import Claim
from bot.storage.repository import Repository

log = logging.getLogger(__name__)

MEMBER = "member"  # the actor of a member's own command; the only one rate limits apply to
REGISTRATION = "registration"  # the rate-limited action: adding, replacing and removing count together
VISIBILITY = "visibility"  # rate-limited on its own: each change rewrites the member's Bluesky list items

Clock = Callable[[], datetime]
ConfigSource = Callable[[], FerryConfig]


class DirectoryService:
    """Registrations and look-ups for every community Ferry serves."""

    def __init__(
        self,
        *,
        repository: Repository,
        config: ConfigSource,
        clock: Clock,
        changes: ChangeFeed | None = None,
        limiter: MemberLimiter | None = None,
    ) -> None:
        self._repo = repository
        self._config = config  # a callable so a reloaded config applies to the next call
        self._clock = clock
        self.changes = changes or ChangeFeed()
        self._limiter: MemberLimiter = limiter if limiter is not None else RateLimiter()

    # -- look-ups of configuration -------------------------------------------------------------

    def community(self, slug: str) -> Community:
        """The community by slug: configured, or a default one so the bot works before any config."""
        return self._config().community(slug)

    def platform(self, community: str, name: str) -> PlatformSpec:
        """Resolve a platform name or alias among the community's enabled platforms."""
        config = self._config()
        enabled = [spec.key for spec in config.enabled_platforms(config.community(community))]
        return config.catalogue.resolve(name, enabled)

    def platform_name(self, key: str) -> str:
        """What people call the platform of ``key`` (see ``Catalogue.display_name``)."""
        return self._config().catalogue.display_name(key)

    def platforms(self, community: str) -> tuple[PlatformSpec, ...]:
        """The community's enabled platforms in catalogue order."""
        config = self._config()
        return config.enabled_platforms(config.community(community))

    def normalise(
        self, community: str, platform: str, raw_handle: str
    ) -> tuple[PlatformSpec, NormalisedHandle]:
        """Resolve the platform and normalise the handle, raising the domain errors a user sees."""
        spec = self.platform(community, platform)
        return spec, normalise(spec, raw_handle)

    def with_link(self, entry: Entry) -> Entry:
        """The entry with its profile link built from the platform's template."""
        spec = self._config().catalogue.get(entry.platform)
        url = _profile_link(spec, entry.handle) if spec is not None else None
        return entry.linked(url)

    # -- member operations ---------------------------------------------------------------------

    async def register(
        self,
        *,
        community: str,
        identity: Identity,
        display_name: str,
        platform: str,
        handle: str,
        source: Source,
        visibility: Visibility | None = None,
        verification: Verification = Verification.SELF_REPORTED,
        actor: str = MEMBER,
    ) -> Registration:
        """Add the member's handle on a platform, or replace the one they had there.

        A new entry takes the community's default visibility unless one is given; a replaced entry
        keeps its visibility. Raises InvalidHandleError, UnknownPlatformError, HandleTakenError,
        RateLimitedError (a member's own command, too many too fast) or BannedError.
        """
        spec, normalised = self.normalise(community, platform, handle)

        counted = actor != MEMBER  # admins, imports and the operator act for others, often in bulk
        counting = None
        if not counted and isinstance(self._limiter, SharedRateLimiter):
            # A limit shared by several processes is counted in the database, inside the
            # registration's transaction (a refused registration still counts), on the member
            # that transaction finds behind the account.
            counting = self._limiter.counting(
                community=community, identity=identity, action=REGISTRATION, limits=self._config().limits
            )
            counted = True

        def admit(member: Member | None, tombstoned: bool) -> str:
            # Runs inside the write, on the member the write is based on; again when the write is
            # retried after losing a race, which must not count the command twice.
            nonlocal counted
            if not counted:
                self._count_now(community, identity, member, REGISTRATION)
                counted = True
            if tombstoned or (member is not None and member.banned):
                # Whoever registers for a banned member (an admin, an import) is refused as well:
                # the ban is lifted with unban, not worked around; nor does forgetting lift it.
                raise BannedError(str(identity))
            # No name given (an import without a name column) keeps the name a member already has.
            fallback = member.display_name if member is not None else None
            return clean_display_name(display_name, fallback=fallback)

        claim = Claim(
            community=community,
            identity=identity,
            platform=spec.key,
            handle=normalised.handle,
            handle_key=normalised.key,
            visibility=visibility,
            new_visibility=self.community(community).default_visibility,
            verification=verification,
            source=source,
            now=self._clock(),
            actor=actor,
            # What a member adds back themselves, a later import may update again.
            clear_withdrawn=actor == MEMBER,
            # A join is a proof: it beats another member's unverified claim, as a link code does.
            evict=verification is Verification.BLUESKY_PROVEN,
            counting=counting,
        )
        try:
            done = await self._repo.register_handle(claim, admit)
        except HandleTakenError as exc:
            # The storage layer speaks in platform keys; people read display names.
            raise HandleTakenError(spec.display_name, normalised.handle, exc.holder_visibility) from None
        if done.evicted is not None:
            await self.publish_eviction(done.evicted)
        member, registration = done.member, done.registration
        if registration.created or registration.previous_handle is not None:
            await self.changes.publish(
                DirectoryChange(
                    kind=ChangeKind.ENTRY_ADDED if registration.created else ChangeKind.ENTRY_REPLACED,
                    community=community,
                    member_id=member.id,
                    identities=member.identities,
                    platform=spec.key,
                    entry=registration.entry,
                )
            )
        log.info(
            "handle registered",
            extra={
                "community": community,
                "member_id": member.id,
                "platform": spec.key,
                "new_entry": registration.created,
                "source": source.value,
            },
        )
        return dataclasses.replace(registration, entry=self.with_link(registration.entry))

    async def remove(
        self, *, community: str, identity: Identity, platform: str, actor: str = MEMBER
    ) -> Entry:
        """Remove the member's handle on a platform; raises NotRegisteredError if there is none.

        A banned member may still remove handles: taking data away is their right, ban or not.
        """
        spec = self.platform(community, platform)
        member = await self._repo.find_member(community=community, identity=identity)
        await self.limit(community, identity, member, actor, REGISTRATION)
        removed = None
        if member is not None:
            removed = await self._repo.delete_entry(
                member_id=member.id, platform=spec.key, now=self._clock(), actor=actor
            )
        if member is None or removed is None:
            raise NotRegisteredError(spec.display_name)
        if actor == MEMBER:  # their choice, which a later import must respect
            await self._repo.mark_withdrawn(
                community=community, identities=member.identities, platform=spec.key, now=self._clock()
            )
        log.info("handle removed", extra={"community": community, "member_id": member.id})
        await self.changes.publish(
            DirectoryChange(
                kind=ChangeKind.ENTRY_REMOVED,
                community=community,
                member_id=member.id,
                identities=member.identities,
                platform=spec.key,
                entry=removed,
            )
        )
        return self.with_link(removed)

    async def limit(
        self, community: str, identity: Identity, member: Member | None, actor: str, action: str
    ) -> None:
        """Count one ``action`` command of a member (see ``count_member_command``)."""
        if actor != MEMBER:
            return  # admins, imports and the operator act for others, often in bulk
        await count_member_command(
            self._limiter,
            self._config().limits,
            community=community,
            identity=identity,
            member_id=member.id if member is not None else None,
            action=action,
        )

    def _count_now(self, community: str, identity: Identity, member: Member | None, action: str) -> None:
        """Count a member's command in this process's limiter, synchronously (inside a write)."""
        assert isinstance(self._limiter, RateLimiter)  # a shared one is counted by storage (Claim.counting)
        member_id = member.id if member is not None else None
        keys = member_keys(community=community, identity=identity, member_id=member_id, action=action)
        self._limiter.acquire_all(keys, action, member_windows(self._config().limits))

    async def refuse_tombstoned(self, community: str, identity: Identity) -> None:
        """Raise BannedError when a banned member who held this account was forgotten: erasure
        must not be a way around a ban."""
        if await self._repo.is_ban_tombstoned(community=community, identity=identity):
            raise BannedError(str(identity))

    async def publish_eviction(self, evicted: Entry) -> None:
        """Tell the fronts that another member's claim gave way to a handle's proven owner."""
        holder = await self._repo.get_member(evicted.member_id)
        log.info(
            "unverified claim removed for a proof",
            extra={
                "community": evicted.community,
                "member_id": evicted.member_id,
                "platform": evicted.platform,
            },
        )
        await self.changes.publish(
            DirectoryChange(
                kind=ChangeKind.ENTRY_REMOVED,
                community=evicted.community,
                member_id=evicted.member_id,
                identities=holder.identities if holder is not None else (),
                platform=evicted.platform,
                entry=evicted,
            )
        )

    async def member(self, *, community: str, identity: Identity) -> Member | None:
        """The member behind an identity, if they ever registered."""
        return await self._repo.find_member(community=community, identity=identity)

    async def handles(
        self,
        *,
        community: str,
        identity: Identity,
        visibilities: Collection[Visibility],
    ) -> list[Entry]:
        """The member's handles that the asker may see, in platform order."""
        member = await self._repo.find_member(community=community, identity=identity)
        if member is None:
            return []
        allowed = set(visibilities)
        return [
            self.with_link(e) for e in await self._repo.list_entries(member.id) if e.visibility in allowed
        ]

    async def whois(
        self,
        *,
        community: str,
        platform: str,
        handle: str,
        visibilities: Collection[Visibility],
    ) -> Entry | None:
        """Who registered this handle, as far as the asker may see."""
        spec, normalised = self.normalise(community, platform, handle)
        entry = await self._repo.find_entry_by_handle(
            community=community, platform=spec.key, handle_key=normalised.key
        )
        if entry is None or entry.visibility not in set(visibilities):
            return None
        member = await self._repo.get_member(entry.member_id)
        if member is None or not member.listed:
            return None  # a hidden or banned member is hidden from look-ups too, not only from listings
        return self.with_link(entry)

    async def forget(self, *, community: str, identity: Identity, actor: str = "member") -> Erasure:
        """Erase every personal row of the member, or, with no member, the account's traces (audit
        rows naming it, its mentions' words). Raises NotRegisteredError when there was neither (the
        member is found in the erasing transaction, so a concurrent merge cannot make this erase
        nothing and say it did)."""
        now = self._clock()
        forgotten = await self._repo.forget_identity(
            community=community, identity=identity, now=now, actor=actor
        )
        if forgotten is None:
            traces = await self._repo.scrub_identity(
                community=community, identity=identity, now=now, actor=actor
            )
            if not traces:
                raise NotRegisteredError(None)
            log.info("account traces scrubbed", extra={"community": community, "rows": traces})
            return Erasure(member=False, handles=0, traces=traces)
        member, erased = forgotten.member, forgotten.erased
        log.info(
            "member forgotten", extra={"community": community, "member_id": member.id, "entries": erased}
        )
        await self.changes.publish(
            DirectoryChange(
                kind=ChangeKind.MEMBER_FORGOTTEN,
                community=community,
                member_id=member.id,
                identities=member.identities,
            )
        )
        return Erasure(member=True, handles=erased, traces=0)

    # -- the directory -------------------------------------------------------------------------

    async def directory(self, query: DirectoryQuery) -> DirectoryPage:
        """One page of the directory, keyset-paged in a stable order."""
        return self._linked(await self._repo.directory_page(checked_query(query, self.platform)))

    async def directory_page_number(self, query: DirectoryQuery, number: int) -> tuple[DirectoryPage, int]:
        """The ``number``-th page (1-based) and the page count, for fronts that speak in page numbers
        (see ``numbered_page``)."""
        page, pages = await numbered_page(self._repo, query, number, self.platform)
        return self._linked(page), pages

    def _linked(self, page: DirectoryPage) -> DirectoryPage:
        return dataclasses.replace(page, entries=tuple(self.with_link(e) for e in page.entries))

    async def counts(self, *, community: str, visibilities: Collection[Visibility]) -> dict[str, int]:
        """How many visible handles each platform has."""
        return await self._repo.count_by_platform(community=community, visibilities=frozenset(visibilities))

    async def member_by_id(self, *, community: str, member_id: int) -> Member | None:
        """A member of ``community`` by id (what admins pick from suggestions), or None."""
        member = await self._repo.get_member(member_id)
        return member if member is not None and member.community == community else None


@functools.lru_cache(maxsize=8192)
def _profile_link(spec: PlatformSpec, handle: str) -> str | None:
    """``profile_url``, remembered: every page shows links, and building one re-checks the handle.
    Keyed by the spec itself, so a reloaded catalogue never reuses a link built from an old one."""
    return profile_url(spec, handle)
