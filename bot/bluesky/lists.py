"""A curated Bluesky list per community — "follow everyone in one tap" — kept equal to the directory.

The list holds the DIDs of the community's listed members who joined from Bluesky and keep a public
Bluesky entry. Directory changes only mark a community as out of date; reconciling then compares the
database with the list items actually in the bot's repository, so a restart, a missed event or a
crash between writes leaves nothing added twice or behind. Writes go in ``applyWrites`` batches,
each paid for from the shared write budget first. The list and the optional starter pack get their
record keys stored before they are created, like replies, so a crash cannot make a second one.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from datetime import datetime
from typing import Any

from bot.bluesky.answers import list_state_key
from bot.bluesky.budget import CREATE, DELETE, BudgetKeeper
from bot.bluesky.gateway import LIST, LIST_ITEM, STARTER_PACK, Gateway, GatewayError, Write
from bot.bluesky.posts import new_tid
from bot.config import FerryConfig
from bot.models import IdentityKind
from bot.services.events import DirectoryChange
from bot.storage.repository import Repository
from bot.text.render import shorten

log = logging.getLogger(__name__)

BATCH = 50  # writes per applyWrites call: one commit, well under the PDS's 200
CURATE = "app.bsky.graph.defs#curatelist"


def _stamp(now: datetime) -> str:
    return now.isoformat(timespec="milliseconds").replace("+00:00", "Z")


class ListSync:
    """Reconciles communities' lists when told they changed, all of them at start, and every
    ``sweep`` seconds (a reconcile that finds nothing to change costs reads only)."""

    def __init__(
        self,
        *,
        gateway: Gateway,
        repository: Repository,
        budget: BudgetKeeper,
        config: Callable[[], FerryConfig],
        clock: Callable[[], datetime],
        sleep: Callable[[float], Awaitable[None]],
        settle: float = 2.0,
        retry: float = 30.0,
        sweep: float = 600.0,
    ) -> None:
        self._gw = gateway
        self._repo = repository
        self._budget = budget
        self._config = config
        self._clock = clock
        self._sleep = sleep
        self._settle = settle  # gathers a burst of changes into one reconcile
        self._retry = retry
        # Changes made by another process (``ferry forget`` or ``ferry ban`` run by the operator) never
        # reach this one's change feed: every community is reconciled again after this long without one.
        self._sweep = sweep
        self._dirty: set[str] = set()
        self._wake = asyncio.Event()

    async def on_change(self, change: DirectoryChange) -> None:
        """ChangeFeed listener: only members known by a Bluesky DID can be on a list."""
        if any(identity.kind is IdentityKind.BLUESKY for identity in change.identities):
            self.mark(change.community)

    def mark(self, community: str) -> None:
        self._dirty.add(community)
        self._wake.set()

    def communities(self) -> set[str]:
        config = self._config()
        return {*config.communities, config.bluesky.community or config.default_community_slug}

    async def run(self) -> None:
        """Reconcile everything once, then whatever changes, until cancelled."""
        for community in self.communities():
            self.mark(community)
        while True:
            try:
                await asyncio.wait_for(self._wake.wait(), timeout=self._sweep)
            except TimeoutError:
                for community in self.communities():
                    self.mark(community)
            await self._sleep(self._settle)
            await self.sync_dirty()

    async def sync_dirty(self) -> None:
        """Reconcile every community marked since the last call; failures stay marked for a retry."""
        self._wake.clear()
        pending, self._dirty = self._dirty, set()
        failed = False
        for community in sorted(pending):
            try:
                await self.reconcile(community)
            except GatewayError as exc:
                log.warning("bluesky list sync failed", extra={"community": community, "error": str(exc)})
                self._dirty.add(community)
                failed = True
        if failed:
            await self._sleep(self._retry)
            self._wake.set()

    async def reconcile(self, community: str) -> tuple[int, int]:
        """Make the list equal to the directory; returns (added, removed)."""
        wanted = await self._repo.public_bluesky_members(community)
        list_uri = await self._repo.get_state(list_state_key(community))
        if list_uri is None and not wanted:
            return 0, 0  # no list until someone is to be on it
        list_uri = await self._ensure_list(community, list_uri)
        present: dict[str, str] = {}
        extra: list[str] = []  # duplicate items of one subject, and items of people no longer wanted
        for record in await self._gw.list_records(LIST_ITEM):
            if record.value.get("list") != list_uri:
                continue
            subject = str(record.value.get("subject", ""))
            if subject in wanted and subject not in present:
                present[subject] = record.rkey
            else:
                extra.append(record.rkey)
        now = _stamp(self._clock())
        writes = [Write(LIST_ITEM, rkey) for rkey in extra]
        writes += [
            Write(
                LIST_ITEM, new_tid(), {"$type": LIST_ITEM, "subject": did, "list": list_uri, "createdAt": now}
            )
            for did in sorted(wanted - present.keys())
        ]
        for start in range(0, len(writes), BATCH):
            batch = writes[start : start + BATCH]
            await self._budget.spend(sum(CREATE if w.value is not None else DELETE for w in batch))
            await self._gw.apply_writes(batch)
        if self._config().bluesky.starter_pack:
            await self._ensure_starter_pack(community, list_uri)
        added = len(writes) - len(extra)
        if writes:
            log.info(
                "bluesky list synced", extra={"community": community, "added": added, "removed": len(extra)}
            )
        return added, len(extra)

    async def _ensure_list(self, community: str, list_uri: str | None) -> str:
        if list_uri is None:
            list_uri = f"at://{self._gw.did}/{LIST}/{new_tid()}"
            await self._repo.set_state(list_state_key(community), list_uri, self._clock())
        rkey = list_uri.rsplit("/", 1)[-1]
        if await self._gw.get_record(LIST, rkey) is None:
            await self._budget.spend(CREATE)
            await self._gw.create_record(LIST, rkey, self._list_record(community))
        return list_uri

    def _list_record(self, community: str) -> dict[str, Any]:
        section = self._config().bluesky
        name = self._config().community(community).name
        return {
            "$type": LIST,
            "purpose": CURATE,
            "name": shorten(section.list_name.replace("{community}", name), 64),
            "description": shorten(section.list_description.replace("{community}", name), 300),
            "createdAt": _stamp(self._clock()),
        }

    async def _ensure_starter_pack(self, community: str, list_uri: str) -> None:
        key = f"bluesky.starterpack:{community}"
        rkey = await self._repo.get_state(key)
        if rkey is None:
            rkey = new_tid()
            await self._repo.set_state(key, rkey, self._clock())
        if await self._gw.get_record(STARTER_PACK, rkey) is None:
            record = self._list_record(community)
            value = {
                "$type": STARTER_PACK,
                "name": shorten(record["name"], 50),
                "description": record["description"],
                "list": list_uri,
                "createdAt": record["createdAt"],
            }
            await self._budget.spend(CREATE)
            await self._gw.create_record(STARTER_PACK, rkey, value)
