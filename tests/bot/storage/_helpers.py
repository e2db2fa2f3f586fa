"""Small builders shared by the storage tests."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from bot.models import Identity, IdentityKind, Member, Registration, Source, Verification, Visibility
from bot.storage.repository import Repository

COMMUNITY = "tiktok-refugees"
T0 = datetime(2025, 1, 19, 12, 0, tzinfo=UTC)


def at(minutes: int) -> datetime:
    """A fixed instant ``minutes`` after :data:`T0`."""
    return T0 + timedelta(minutes=minutes)


def discord(user_id: int | str) -> Identity:
    """A Discord identity."""
    return Identity(IdentityKind.DISCORD, str(user_id))


async def add_member(
    repo: Repository, name: str, *, user_id: int | str | None = None, community: str = COMMUNITY
) -> Member:
    """A member known by a Discord identity derived from the name unless given."""
    identity = discord(user_id if user_id is not None else f"id-{name}")
    return await repo.ensure_member(community=community, identity=identity, display_name=name, now=T0)


async def register(
    repo: Repository,
    member: Member,
    platform: str,
    handle: str,
    *,
    key: str | None = None,
    visibility: Visibility | None = None,
    verification: Verification = Verification.SELF_REPORTED,
    source: Source = Source.DISCORD,
    now: datetime = T0,
    actor: str = "member",
) -> Registration:
    """Register a handle whose key is its lower-cased form unless given."""
    return await repo.upsert_entry(
        member_id=member.id,
        community=member.community,
        platform=platform,
        handle=handle,
        handle_key=key if key is not None else handle.lower(),
        visibility=visibility,
        verification=verification,
        source=source,
        now=now,
        actor=actor,
    )
