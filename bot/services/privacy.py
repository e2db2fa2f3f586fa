"""A member choosing who sees their entries: the rule every front shares.

ModerationService.set_visibility does the write (audited, announced on the change feed so the
Bluesky list follows at once); this adds what a member's answer needs: which entries actually
changed, and a specific error when there is nothing of theirs to change.
"""

from __future__ import annotations

from dataclasses import dataclass

from bot.errors import NotRegisteredError
from bot.models import EVERY_VISIBILITY, Entry, Identity, Visibility
from bot.services.directory import MEMBER, VISIBILITY, DirectoryService
from bot.services.moderation import ModerationService


@dataclass(frozen=True, slots=True, kw_only=True)
class VisibilityChange:
    """The member's entries a visibility command was about, split by whether they changed."""

    visibility: Visibility
    changed: tuple[Entry, ...]
    unchanged: tuple[Entry, ...]  # already had the asked-for visibility


async def change_visibility(
    directory: DirectoryService,
    moderation: ModerationService,
    *,
    community: str,
    identity: Identity,
    platform: str | None,
    visibility: Visibility,
) -> VisibilityChange:
    """Set one platform's entry (``platform``) or all of the member's entries (None) to ``visibility``.

    Raises NotRegisteredError (with the platform's name, or None for "nothing at all"),
    UnknownPlatformError and RateLimitedError (too many changes too fast), before anything is written.
    """
    entries = await directory.handles(community=community, identity=identity, visibilities=EVERY_VISIBILITY)
    if platform is not None:
        spec = directory.platform(community, platform)
        entries = [e for e in entries if e.platform == spec.key]
        if not entries:
            raise NotRegisteredError(spec.display_name)
    if not entries:
        raise NotRegisteredError(None)
    changed = tuple(e for e in entries if e.visibility is not visibility)
    if changed:
        # Only a real change counts: it is what costs Bluesky list writes.
        member = await directory.member(community=community, identity=identity)
        await directory.limit(community, identity, member, MEMBER, VISIBILITY)
        await moderation.set_visibility(
            community=community, identity=identity, platform=platform, visibility=visibility
        )
    return VisibilityChange(
        visibility=visibility,
        changed=changed,
        unchanged=tuple(e for e in entries if e.visibility is visibility),
    )
