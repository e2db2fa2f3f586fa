"""Markers of what a member took out of the directory themselves, so a re-import does not put it back.

Each marker is a one-way hash of (community, account, platform) in ``kv_state``: it says nothing
about the person to whoever reads the table, yet a sheet row naming the same account matches it.
A platform of ``*`` stands for a whole forgotten member.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from datetime import datetime

from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncConnection

from bot.models import Identity
from bot.storage._common import Store
from bot.storage._dialect import upsert
from bot.storage.tables import kv_state

EVERY_PLATFORM = "*"


def withdrawn_key(community: str, identity: Identity, platform: str) -> str:
    """The ``kv_state`` key marking ``platform`` (or every platform) as withdrawn for the account."""
    raw = f"withdrawn:{community}:{identity.kind.value}:{identity.external_id}:{platform}"
    return "withdrawn:" + hashlib.sha256(raw.encode()).hexdigest()


async def mark_withdrawn(
    conn: AsyncConnection,
    dialect: str,
    community: str,
    identities: Iterable[Identity],
    platform: str,
    now: datetime,
) -> None:
    for identity in identities:
        key = withdrawn_key(community, identity, platform)
        await conn.execute(
            upsert(dialect, kv_state, {"key": key, "value": "1", "updated_at": now}, on=("key",))
        )


async def clear_withdrawn(
    conn: AsyncConnection, community: str, identities: Iterable[Identity], platform: str
) -> None:
    """Drop the platform's markers of these accounts: the member added a handle there again."""
    keys = [withdrawn_key(community, identity, platform) for identity in identities]
    if keys:
        await conn.execute(delete(kv_state).where(kv_state.c.key.in_(keys)))


class WithdrawnStore(Store):
    """Withdrawal markers: set when a member removes a handle, checked by imports."""

    async def mark_withdrawn(
        self, *, community: str, identities: Iterable[Identity], platform: str, now: datetime
    ) -> None:
        async with self._db.transaction(write=True) as conn:
            await mark_withdrawn(conn, self._db.dialect, community, identities, platform, now)

    async def is_withdrawn(self, *, community: str, identity: Identity, platform: str) -> bool:
        """Whether the account's member withdrew this platform's handle, or was forgotten."""
        keys = [withdrawn_key(community, identity, p) for p in (platform, EVERY_PLATFORM)]
        async with self._db.transaction() as conn:
            found = await conn.execute(select(kv_state.c.key).where(kv_state.c.key.in_(keys)))
            return found.first() is not None
