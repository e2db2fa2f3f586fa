"""The Bluesky inbox and outbox, and the list-sync query, on both dialects."""

from __future__ import annotations

from bot.models import Identity, IdentityKind, Source, Verification, Visibility
from bot.storage.bluesky import InboxItem, OutboxPart
from bot.storage.repository import Repository
from tests.bot.storage._helpers import COMMUNITY, add_member, at, register


def item(n: int, author: str = "did:plc:alice") -> InboxItem:
    return InboxItem(
        uri=f"at://{author}/app.bsky.feed.post/{n}",
        cid=f"cid{n}",
        author_did=author,
        reason="mention",
        indexed_at=at(n),
        payload={"text": f"help {n}", "langs": ["zh-Hans"]},
    )


async def test_notifications_are_recorded_once_by_uri(repository: Repository) -> None:
    assert await repository.record_notifications([item(2), item(1)], at(10)) == 2
    assert await repository.record_notifications([item(1), item(3)], at(11)) == 1
    due = await repository.due_inbox(at(12), limit=10)
    assert [d.uri for d in due] == [item(n).uri for n in (1, 2, 3)]  # oldest first
    assert due[0].payload == {"text": "help 1", "langs": ["zh-Hans"]}
    assert await repository.known_uris([item(1).uri, "at://other"]) == {item(1).uri}


async def test_plan_post_finish(repository: Repository) -> None:
    await repository.record_notifications([item(1)], at(0))
    uri = item(1).uri
    parts = [
        OutboxPart(inbox_uri=uri, part_no=k, rkey=f"3abc{k}", text=f"part {k}", lang="en") for k in (1, 2)
    ]
    assert await repository.plan_reply(uri, parts, at(1))
    assert not await repository.plan_reply(uri, parts, at(2)), "a second plan is refused"
    stored = await repository.outbox(uri)
    assert [(p.rkey, p.done) for p in stored] == [("3abc1", False), ("3abc2", False)]
    # Still due: planned but not posted, so a restart resumes it.
    assert [d.state for d in await repository.due_inbox(at(3), limit=5)] == ["replying"]

    await repository.part_posted(uri, 1, "at://bot/app.bsky.feed.post/3abc1", "cidA", at(4))
    assert [p.done for p in await repository.outbox(uri)] == [True, False]
    await repository.finish(uri, "done", at(5))
    assert await repository.due_inbox(at(6), limit=5) == []
    assert await repository.answered_since("did:plc:alice", at(0)) == 1
    assert await repository.answered_since("did:plc:alice", at(6)) == 0


async def test_deferred_items_wait(repository: Repository) -> None:
    await repository.record_notifications([item(1)], at(0))
    assert await repository.defer(item(1).uri, at(30), "HTTP 502", at(1)) == 1
    assert await repository.due_inbox(at(29), limit=5) == []
    again = await repository.due_inbox(at(30), limit=5)
    assert [(d.uri, d.attempts) for d in again] == [(item(1).uri, 1)]


async def test_public_bluesky_members(repository: Repository) -> None:
    async def bluesky_member(
        did: str,
        visibility: Visibility,
        source: Source = Source.BLUESKY,
        verification: Verification = Verification.BLUESKY_PROVEN,
    ) -> int:
        member = await repository.ensure_member(
            community=COMMUNITY, identity=Identity(IdentityKind.BLUESKY, did), display_name=did, now=at(0)
        )
        handle = did.removeprefix("did:plc:") + ".test"
        await register(
            repository,
            member,
            "bluesky",
            handle,
            visibility=visibility,
            source=source,
            verification=verification,
        )
        return member.id

    public = await bluesky_member("did:plc:pub", Visibility.PUBLIC)
    await bluesky_member("did:plc:vouched", Visibility.PUBLIC, verification=Verification.ADMIN_VERIFIED)
    await bluesky_member("did:plc:private", Visibility.COMMUNITY)
    # A sheet's DID is only a claim: the member never posted, so never agreed to be listed.
    await bluesky_member("did:plc:imported", Visibility.PUBLIC, Source.IMPORT, Verification.SELF_REPORTED)
    await bluesky_member("did:plc:imp-vouched", Visibility.PUBLIC, Source.IMPORT, Verification.ADMIN_VERIFIED)
    await bluesky_member("did:plc:unproven", Visibility.PUBLIC, verification=Verification.SELF_REPORTED)
    # A Discord member with a public Bluesky handle is not proven to own it: not on the list.
    discord = await add_member(repository, "dora")
    await register(repository, discord, "bluesky", "dora.test", visibility=Visibility.PUBLIC)
    assert await repository.public_bluesky_members(COMMUNITY) == {"did:plc:pub", "did:plc:vouched"}
    assert await repository.public_bluesky_members("elsewhere") == set()

    await repository.set_hidden(member_id=public, hidden=True, now=at(1), actor="admin:x")
    assert await repository.public_bluesky_members(COMMUNITY) == {"did:plc:vouched"}


async def answered(repository: Repository, n: int, author: str, *, state: str = "done") -> str:
    """Record notification ``n`` by ``author``, plan a one-part reply and close it with ``state``."""
    await repository.record_notifications([item(n, author)], at(n))
    uri = item(n, author).uri
    part = OutboxPart(inbox_uri=uri, part_no=1, rkey=f"3rk{n}", text=f"reply {n}", lang="en")
    assert await repository.plan_reply(uri, [part], at(n))
    if state != "replying":
        await repository.finish(uri, state, at(n))
    return uri


async def test_forget_scrubs_the_finished_mentions_and_replies_of_the_members_dids(
    repository: Repository,
) -> None:
    alice = await repository.ensure_member(
        community=COMMUNITY,
        identity=Identity(IdentityKind.BLUESKY, "did:plc:alice"),
        display_name="alice",
        now=at(0),
    )
    done = await answered(repository, 1, "did:plc:alice")
    busy = await answered(repository, 2, "did:plc:alice", state="replying")
    other = await answered(repository, 3, "did:plc:bob")

    await repository.forget_member(member_id=alice.id, now=at(5), actor="member")

    [scrubbed] = [i for i in await repository.due_inbox(at(9), limit=9) if i.uri == busy]
    assert scrubbed.payload == {"text": "help 2", "langs": ["zh-Hans"]}  # still being answered: kept
    assert (await repository.inbox_item(done)).payload == {}
    assert [p.text for p in await repository.outbox(done)] == [""]
    assert await repository.known_uris([done]) == {done}  # the URI stays: never answered twice
    assert (await repository.inbox_item(other)).payload == {"text": "help 3", "langs": ["zh-Hans"]}
    assert [p.text for p in await repository.outbox(other)] == ["reply 3"]


async def test_prune_deletes_only_what_finished_before_the_cut_off(repository: Repository) -> None:
    old = await answered(repository, 1, "did:plc:alice", state="skipped")
    busy = await answered(repository, 2, "did:plc:alice", state="replying")
    recent = await answered(repository, 30, "did:plc:alice")
    assert await repository.prune_finished(at(10)) == 1
    assert await repository.prune_finished(at(10)) == 0
    assert await repository.inbox_item(old) is None and await repository.outbox(old) == []
    assert (await repository.inbox_item(busy)).payload["text"] == "help 2"  # not finished: kept
    assert (await repository.inbox_item(recent)).payload["text"] == "help 30"
