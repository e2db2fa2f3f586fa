"""IDENTIFY slots handed out by the database: one per interval per bucket, across processes."""

from __future__ import annotations

import asyncio

import pytest

from bot.storage.database import Database
from bot.storage.repository import Repository


async def test_slots_of_one_bucket_are_an_interval_apart_across_processes(
    database: Database, database_url: str
) -> None:
    async with await Database.open(database_url) as other:
        stores = [Repository(database), Repository(other)]
        waits = await asyncio.gather(*(stores[n % 2].reserve_identify(0, interval=5.0) for n in range(4)))
    assert sorted(waits) == pytest.approx([0.0, 5.0, 10.0, 15.0], abs=0.5)


async def test_buckets_are_independent(repository: Repository) -> None:
    assert await repository.reserve_identify(0, interval=5.0) == pytest.approx(0.0, abs=0.1)
    assert await repository.reserve_identify(1, interval=5.0) == pytest.approx(0.0, abs=0.1)
    assert await repository.reserve_identify(0, interval=5.0) == pytest.approx(5.0, abs=0.5)
