"""Seed data for the web tests: 60 ordinary public entries, hostile names, and what must never show."""

from __future__ import annotations

from bot.models import Identity, IdentityKind, Source, Verification, Visibility
from bot.services.directory import DirectoryService
from bot.storage.repository import Repository

COMMUNITY = "open"  # default visibility public in tests.support.services.CONFIG
HOSTILE = {
    "<script>alert(1)</script>": ("instagram", "scripty"),
    '"><img src=x onerror=alert(1)>': ("instagram", "imgtag"),
    "\u202eevil\u202c Mallory": ("instagram", "mallory_rtl"),
    "שלום Dana": ("instagram", "dana_rtl"),
}
SECRET = ("Secret Sam", "instagram", "secret_sam")  # community visibility: never on the web
HIDDEN = ("Hidden Hannah", "bluesky", "hiddenhannah.bsky.social")  # public, but the member is hidden
NEVER = ("secret_sam", "Secret Sam", "hiddenhannah", "Hidden Hannah")


def _handle(platform: str, n: int) -> str:
    return {
        "bluesky": f"member{n:02d}.bsky.social",
        "instagram": f"member_{n:02d}",
        "youtube": f"@member{n:02d}",
    }[platform]


def _level(platform: str, n: int) -> Verification:
    # Only a Bluesky handle can be proven on Bluesky; an admin may check any.
    if n % 2:
        return Verification.SELF_REPORTED
    return Verification.BLUESKY_PROVEN if platform == "bluesky" else Verification.ADMIN_VERIFIED


async def seed(service: DirectoryService, repository: Repository, *, ordinary: int = 60) -> int:
    """Fill the community; returns how many entries are public."""
    platforms = ("bluesky", "instagram", "youtube")
    for n in range(ordinary):
        platform = platforms[n % 3]
        await service.register(
            community=COMMUNITY,
            identity=Identity(IdentityKind.CONSOLE, f"m{n:02d}"),
            display_name=f"Member {n:02d}",
            platform=platform,
            handle=_handle(platform, n),
            source=Source.CONSOLE,
            verification=_level(platform, n),
        )
    for i, (name, (platform, handle)) in enumerate(HOSTILE.items()):
        await service.register(
            community=COMMUNITY,
            identity=Identity(IdentityKind.CONSOLE, f"h{i}"),
            display_name=name,
            platform=platform,
            handle=handle,
            source=Source.CONSOLE,
        )
    name, platform, handle = SECRET
    await service.register(
        community=COMMUNITY,
        identity=Identity(IdentityKind.CONSOLE, "secret"),
        display_name=name,
        platform=platform,
        handle=handle,
        source=Source.CONSOLE,
        visibility=Visibility.COMMUNITY,
    )
    name, platform, handle = HIDDEN
    registration = await service.register(
        community=COMMUNITY,
        identity=Identity(IdentityKind.CONSOLE, "hidden"),
        display_name=name,
        platform=platform,
        handle=handle,
        source=Source.CONSOLE,
        visibility=Visibility.PUBLIC,
    )
    await repository.set_hidden(
        member_id=registration.entry.member_id,
        hidden=True,
        now=registration.entry.updated_at,
        actor="admin:test",
    )
    return ordinary + len(HOSTILE)
