"""The floor for the Bluesky latency benchmark: a bare atproto ``AsyncClient`` mention loop.

On the same poll ticks as the Ferry bot it is compared with (``next_tick_in`` with Ferry's DID, so
for every burst both wait the same for their next poll and the comparison is what each does after
it) it lists the newest notifications, answers each mention it has not answered yet with one reply in the
thread (its account is new, so every mention is a request), a few at once (Ferry's default
``max_concurrency``), and sleeps again; a failed request is tried again next cycle. No database, no
rate limits, no crash safety, no ``updateSeen``: what the network allows, not a bot to run.
"""

from __future__ import annotations

import asyncio
import logging
from datetime import UTC, datetime
from typing import Any

from atproto import AsyncClient, models
from atproto_client.exceptions import AtProtocolError

from bot.bluesky.poller import next_tick_in

log = logging.getLogger(__name__)

ANSWER = "Noted: {text}"
CONCURRENCY = 4


class BaselineLoop:
    def __init__(
        self, client: AsyncClient, did: str, *, interval: float, ticks_of: str | None = None
    ) -> None:
        self._client = client
        self._did = did
        self.interval = interval
        self._ticks_of = ticks_of or did  # whose poll ticks to keep
        self._seen: set[str] = set()
        self.answered = 0
        self.failures = 0

    @classmethod
    async def login(
        cls, service_url: str, handle: str, password: str, *, interval: float, ticks_of: str | None = None
    ) -> BaselineLoop:
        client = AsyncClient(base_url=service_url)
        await client.login(handle, password, fetch_bsky_profile=False)
        session = await client.com.atproto.server.get_session()
        return cls(client, session.did, interval=interval, ticks_of=ticks_of)

    async def run(self) -> None:
        while True:
            try:
                await self.poll_once()
            except AtProtocolError as exc:  # a slow or failed request: try again next cycle
                self.failures += 1
                log.warning("baseline poll failed: %s", type(exc).__name__)
            await asyncio.sleep(next_tick_in(datetime.now(UTC), self._ticks_of, self.interval))

    async def poll_once(self) -> None:
        params: dict[str, Any] = {"limit": 100, "priority": False, "reasons": ["mention"]}
        page = await self._client.app.bsky.notification.list_notifications(params=params)
        fresh = [n for n in page.notifications if n.reason == "mention" and n.uri not in self._seen]
        self._seen.update(n.uri for n in fresh)
        gate = asyncio.Semaphore(CONCURRENCY)

        async def answer(notification: Any) -> None:
            async with gate:
                try:
                    await self._reply(notification)
                except AtProtocolError:
                    self._seen.discard(notification.uri)  # answered next cycle instead
                    raise

        results = await asyncio.gather(*(answer(n) for n in reversed(fresh)), return_exceptions=True)
        failed = [r for r in results if isinstance(r, BaseException)]
        if failed:
            raise failed[0]

    async def _reply(self, notification: Any) -> None:
        parent = models.create_strong_ref(notification)
        record = notification.record
        reply = getattr(record, "reply", None)
        root = reply.root if reply is not None else parent
        text = str(getattr(record, "text", ""))[:200]
        await self._client.send_post(
            ANSWER.format(text=text),
            profile_identify=self._did,
            reply_to=models.AppBskyFeedPost.ReplyRef(parent=parent, root=root),
        )
        self.answered += 1
