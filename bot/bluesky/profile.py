"""Account hygiene at start: the ``bot`` self-label, and the description from config.

``putRecord`` replaces the whole profile, so the current record is read, every field kept, and the
write made conditional on the version read (``swapRecord``): a change made meanwhile in the app
fails the write instead of being overwritten.
"""

from __future__ import annotations

import logging
from typing import Any

from bot.bluesky.budget import CREATE, UPDATE, BudgetKeeper
from bot.bluesky.gateway import PROFILE, Gateway

log = logging.getLogger(__name__)

SELF_LABELS = "com.atproto.label.defs#selfLabels"


def with_bot_label(value: dict[str, Any], description: str | None) -> dict[str, Any]:
    """The profile ``value`` with the ``bot`` self-label (other labels kept) and the description."""
    profile = dict(value)
    profile["$type"] = PROFILE
    labels = dict(profile.get("labels") or {})
    values = [dict(v) for v in labels.get("values") or []]
    if not any(v.get("val") == "bot" for v in values):
        values.append({"val": "bot"})
    profile["labels"] = {"$type": SELF_LABELS, "values": values}
    if description is not None:
        profile["description"] = description
    return profile


async def ensure_profile(gateway: Gateway, budget: BudgetKeeper, description: str | None) -> bool:
    """Write the profile only when it lacks the label or the description; returns whether it wrote."""
    current = await gateway.get_record(PROFILE, "self")
    value = current.value if current is not None else {}
    wanted = with_bot_label(value, description)
    if current is not None and wanted == {**value, "$type": PROFILE}:
        return False
    if current is None:
        await budget.spend(CREATE)
        await gateway.create_record(PROFILE, "self", wanted)
    else:
        await budget.spend(UPDATE)
        await gateway.put_record(PROFILE, "self", wanted, swap_cid=current.cid)
    log.info("bluesky profile updated", extra={"self_label": "bot"})
    return True
