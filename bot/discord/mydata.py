"""The /mydata export file: everything Ferry keeps about one member, written as it is read.

The audit history has no upper bound, so it is read page by page and written straight into the
file (a temporary file on disk), keeping memory bounded however long a member's history is.
"""

from __future__ import annotations

import json
from typing import IO, Any

from bot.models import EVERY_VISIBILITY, AuditRecord, Entry, Identity, Member
from bot.services.directory import DirectoryService
from bot.services.moderation import MAX_AUDIT_PAGE, ModerationService


async def write_export(
    out: IO[bytes],
    *,
    directory: DirectoryService,
    moderation: ModerationService,
    community: str,
    identity: Identity,
    member: Member,
) -> None:
    """Write the member's data as one JSON document to ``out``, the whole audit history included."""
    entries = await directory.handles(community=community, identity=identity, visibilities=EVERY_VISIBILITY)
    head = {
        "community": community,
        "member": {
            "display_name": member.display_name,
            "hidden": member.hidden,
            "banned": member.banned,
            "created_at": member.created_at.isoformat(),
            "updated_at": member.updated_at.isoformat(),
            "identities": [str(i) for i in member.identities],
        },
        "entries": [_entry(e) for e in entries],
    }
    # The head, less its closing brace, then the history as the last key, one row at a time.
    out.write(_dumps(head)[:-1].encode("utf-8"))
    out.write(b', "changes": [')
    before: int | None = None
    first = True
    while True:
        page = await moderation.audit(
            community=community, identity=identity, limit=MAX_AUDIT_PAGE, before_id=before
        )
        for record in page:
            out.write((b"" if first else b", ") + _dumps(_change(record, member)).encode("utf-8"))
            first = False
        if len(page) < MAX_AUDIT_PAGE:
            break
        before = page[-1].id
    out.write(b"]}\n")


def _dumps(value: dict[str, Any]) -> str:
    return json.dumps(value, ensure_ascii=False)


def _entry(e: Entry) -> dict[str, Any]:
    return {
        "platform": e.platform,
        "handle": e.handle,
        "profile_url": e.profile_url,
        "visibility": e.visibility.value,
        "verification": e.verification.value,
        "source": e.source.value,
        "created_at": e.created_at.isoformat(),
        "updated_at": e.updated_at.isoformat(),
    }


# Actors that name nobody: the member's own commands, Ferry itself, the operator's console, an import.
PLAIN_ACTORS = frozenset({"member", "system", "forgotten", "operator", "import"})
SOMEONE_ELSE = "someone else"


def _change(r: AuditRecord, member: Member) -> dict[str, Any]:
    return {
        "at": r.at.isoformat(),
        "action": r.action,
        "actor": shown_actor(r.actor, member),
        "platform": r.platform,
        "detail": r.detail,
    }


def shown_actor(actor: str, member: Member) -> str:
    """The actor as the member may see it: another person's account id is that person's data, so
    an admin is just "admin" and anyone else who acted on the member (say, the Bluesky account that
    posted a copy of their link code) is "someone else"."""
    if actor in PLAIN_ACTORS or actor in {str(i) for i in member.identities}:
        return actor
    if actor == "admin" or actor.startswith("admin:"):
        return "admin"
    return SOMEONE_ELSE
