"""List sync and profile hygiene against the fake gateway."""

from __future__ import annotations

import asyncio
from collections import deque

from bot.app import App
from bot.bluesky.answers import list_state_key
from bot.bluesky.front import BlueskyFront
from bot.bluesky.gateway import LIST, LIST_ITEM, PROFILE, STARTER_PACK, TransientError, Write
from bot.bluesky.profile import ensure_profile
from bot.models import Identity, IdentityKind, Source, Verification, Visibility
from tests.bot.bluesky.fakes import FakeGateway
from tests.bot.discord.fixtures import wait_for


def subjects(gateway: FakeGateway) -> list[str]:
    return sorted(str(r.value["subject"]) for (c, _), r in gateway.records.items() if c == LIST_ITEM)


async def join(app: App, did: str) -> None:
    await app.directory.register(
        community="movers",
        identity=Identity(IdentityKind.BLUESKY, did),
        display_name=did,
        platform="bluesky",
        handle=did.rsplit(":", 1)[-1] + ".test",
        source=Source.BLUESKY,
        verification=Verification.BLUESKY_PROVEN,  # as joining writes it: listable
    )


async def test_changes_keep_the_list_equal_to_the_directory(
    front: BlueskyFront, gateway: FakeGateway, app: App
) -> None:
    await front.lists.sync_dirty()
    assert [c for c, _ in gateway.records if c == LIST] == []  # no list until someone is on it

    await join(app, "did:plc:aaa")
    await join(app, "did:plc:bbb")
    await front.lists.sync_dirty()
    assert subjects(gateway) == ["did:plc:aaa", "did:plc:bbb"]
    [lst] = [r for (c, _), r in gateway.records.items() if c == LIST]
    assert lst.value["name"] == "Movers on Bluesky"
    assert await app.repository.get_state(list_state_key("movers")) == lst.uri

    bbb = Identity(IdentityKind.BLUESKY, "did:plc:bbb")
    await app.moderation.set_visibility(
        community="movers", identity=bbb, platform="bluesky", visibility=Visibility.COMMUNITY, actor="admin:t"
    )
    await front.lists.sync_dirty()
    assert subjects(gateway) == ["did:plc:aaa"]

    await app.directory.forget(community="movers", identity=Identity(IdentityKind.BLUESKY, "did:plc:aaa"))
    await front.lists.sync_dirty()
    assert subjects(gateway) == []


async def test_reconcile_after_restart_fixes_duplicates_and_leftovers(
    front: BlueskyFront, gateway: FakeGateway, app: App
) -> None:
    await join(app, "did:plc:aaa")
    await front.lists.sync_dirty()
    list_uri = await app.repository.get_state(list_state_key("movers"))
    # What a crash mid-batch or a missed event could leave: a duplicate and a stranger.
    await gateway.apply_writes(
        [
            Write(LIST_ITEM, "3dup", {"subject": "did:plc:aaa", "list": list_uri}),
            Write(LIST_ITEM, "3old", {"subject": "did:plc:gone", "list": list_uri}),
            Write(LIST_ITEM, "3other", {"subject": "did:plc:gone", "list": "at://x/app.bsky.graph.list/y"}),
        ]
    )
    assert await front.lists.reconcile("movers") == (0, 2)
    assert subjects(gateway) == ["did:plc:aaa", "did:plc:gone"]  # the other list is not ours to touch
    assert await front.lists.reconcile("movers") == (0, 0)


async def test_failed_sync_stays_marked_and_retries(
    front: BlueskyFront, gateway: FakeGateway, app: App
) -> None:
    await join(app, "did:plc:aaa")
    gateway.fail["apply_writes"] = deque([TransientError("HTTP 503")])
    await front.lists.sync_dirty()
    assert subjects(gateway) == []
    await front.lists.sync_dirty()
    assert subjects(gateway) == ["did:plc:aaa"]


async def test_starter_pack_is_made_once(front: BlueskyFront, gateway: FakeGateway, app: App) -> None:
    app.config.current = app.config.current.__class__.build(
        catalogue=app.config.current.catalogue,
        communities=app.config.current.communities.values(),
        defaults=app.config.current.defaults,
        bluesky=app.config.current.bluesky.model_copy(update={"starter_pack": True}),
    )
    await join(app, "did:plc:aaa")
    await front.lists.sync_dirty()
    await front.lists.reconcile("movers")
    packs = [r for (c, _), r in gateway.records.items() if c == STARTER_PACK]
    assert len(packs) == 1
    assert packs[0].value["list"] == await app.repository.get_state(list_state_key("movers"))


async def test_profile_gets_the_bot_label_and_keeps_other_fields(
    front: BlueskyFront, gateway: FakeGateway
) -> None:
    [profile] = [r for (c, _), r in gateway.records.items() if c == PROFILE]
    assert profile.value["labels"]["values"] == [{"val": "bot"}]
    await gateway.put_record(
        PROFILE,
        "self",
        {"displayName": "Ferry", "labels": {"values": [{"val": "!no-unauthenticated"}]}},
        None,
    )
    assert await ensure_profile(gateway, front.budget, "Where everyone went")
    value = gateway.records[(PROFILE, "self")].value
    assert value["displayName"] == "Ferry"
    assert value["description"] == "Where everyone went"
    assert [v["val"] for v in value["labels"]["values"]] == ["!no-unauthenticated", "bot"]
    assert not await ensure_profile(gateway, front.budget, "Where everyone went")


async def test_a_change_made_by_another_process_reaches_the_list_at_the_next_sweep(
    app: App, gateway: FakeGateway, fake_clock
) -> None:
    """``ferry forget`` run by the operator writes the database from its own process: no event here."""
    front = BlueskyFront(app, gateway=gateway, clock=fake_clock, sleep=fake_clock.sleep, list_sweep=0.05)
    await front.start()
    await join(app, "did:plc:aaa")
    task = asyncio.create_task(front.lists.run())
    try:
        await wait_for(lambda: subjects(gateway) == ["did:plc:aaa"])
        member = await app.repository.find_member(
            community="movers", identity=Identity(IdentityKind.BLUESKY, "did:plc:aaa")
        )
        assert member is not None
        await app.repository.forget_member(member_id=member.id, now=fake_clock(), actor="operator")
        await wait_for(lambda: subjects(gateway) == [])
    finally:
        task.cancel()
        await front.stop()
