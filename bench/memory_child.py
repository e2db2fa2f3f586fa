"""A Ferry process's memory on a seeded directory: ``python -m bench.memory_child URL SERIAL``.

``bench.run`` starts this after its own measurements, on the database it seeded, so the figure is a
process that holds what ``ferry run`` holds with both fronts configured (discord.py, the atproto
SDK, the service) and does a member's and an admin's work on the whole directory, not the
benchmark's seeding and bookkeeping. Prints one JSON object: the resident set after the imports and
the peak (VmHWM), in MB.
"""

from __future__ import annotations

import asyncio
import dataclasses
import importlib
import json
import sys

# What `ferry run` loads with a Discord token and a Bluesky account configured (bot.runner imports
# each front only when it is configured).
FRONTS = ("bot.runner", "bot.discord.front", "bot.bluesky.front")
PAGES = 100  # "next page" presses from the first page
REGISTRATIONS = 50


def _status_mb(field: str) -> float:
    with open("/proc/self/status", encoding="ascii") as status:
        for line in status:
            if line.startswith(field + ":"):
                return int(line.split()[1]) / 1024  # kB
    raise RuntimeError(f"{field} not in /proc/self/status")


async def _work(url: str, first_serial: int) -> None:
    from bench.data import COMMUNITY, registrations
    from bot.app import ConfigHolder, utc_now
    from bot.config import FerryConfig
    from bot.models import EVERY_VISIBILITY, DirectoryQuery, Source
    from bot.services.directory import DirectoryService
    from bot.services.insights import InsightService
    from bot.services.ratelimit import member_limiter
    from bot.storage import Database, Repository

    config = ConfigHolder(FerryConfig.empty())
    db = await Database.open(url)
    try:
        repository = Repository(db)
        service = DirectoryService(
            repository=repository,
            config=config,
            clock=utc_now,
            limiter=member_limiter(db.dialect, repository),
        )
        query = DirectoryQuery(community=COMMUNITY, visibilities=EVERY_VISIBILITY)
        page = await service.directory(query)
        for _ in range(PAGES):
            if page.next_cursor is None:
                break
            page = await service.directory(dataclasses.replace(query, after=page.next_cursor))
        await service.directory(dataclasses.replace(query, last=True))
        await service.directory(dataclasses.replace(query, platform="lemon8"))
        await service.directory(dataclasses.replace(query, search="luna"))
        await service.counts(community=COMMUNITY, visibilities=EVERY_VISIBILITY)
        for reg in registrations(REGISTRATIONS, first_serial, 13, lambda _platform, _handle: None):
            await service.register(
                community=COMMUNITY,
                identity=reg.identity,
                display_name=reg.display_name,
                platform=reg.platform,
                handle=reg.typed,
                source=Source.DISCORD,
            )
        insights = InsightService(store=repository, config=config, clock=utc_now)
        await insights.admin(COMMUNITY)
        await insights.public(COMMUNITY)
    finally:
        await db.close()


def main(argv: list[str]) -> int:
    url, first_serial = argv[0], int(argv[1])
    for module in FRONTS:
        importlib.import_module(module)
    imports_mb = _status_mb("VmRSS")
    asyncio.run(_work(url, first_serial))
    print(json.dumps({"imports_mb": imports_mb, "peak_mb": _status_mb("VmHWM")}))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
