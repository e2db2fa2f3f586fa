"""/mydata export | forget end to end: the JSON file, the confirm flow, cancel and expiry."""

from __future__ import annotations

import json

from bot.discord.client import FerryBot
from bot.models import Identity, IdentityKind
from tests.bot.discord.fixtures import make_bot, wait_for
from tests.support.discord_standin import DiscordStandin


async def register(standin: DiscordStandin, user, platform: str, handle: str) -> None:
    h = await standin.invoke_slash(
        standin.world.guild, user, "handle add", {"platform": platform, "handle": handle}
    )
    await h.followups()


async def test_export_sends_your_data_as_an_ephemeral_json_file(
    discord_standin: DiscordStandin, ferry: FerryBot
) -> None:
    world = discord_standin.world
    await register(discord_standin, world.member, "bluesky", "alice.bsky.social")
    await register(discord_standin, world.member, "lemon8", "alice_moves")
    h = await discord_standin.invoke_slash(world.guild, world.member, "mydata export")
    assert (await h.response()).ephemeral
    [message] = await h.followups()
    assert message.ephemeral and message.attachments[0].filename == "ferry-my-data.json"
    document = json.loads(message.attachments[0].data)
    assert document["member"]["identities"] == [f"discord:{world.member.id}"]
    assert {e["handle"] for e in document["entries"]} == {"alice.bsky.social", "alice_moves"}
    changes = document["changes"]
    assert [c["action"] for c in changes] == ["entry.add", "entry.add"]
    assert all(set(c) == {"at", "action", "actor", "platform", "detail"} for c in changes)


async def test_export_when_nothing_is_kept(discord_standin: DiscordStandin, ferry: FerryBot) -> None:
    world = discord_standin.world
    h = await discord_standin.invoke_slash(world.guild, world.member, "mydata export")
    [message] = await h.followups()
    assert message.content == "Ferry keeps nothing about you here." and message.ephemeral


async def test_forget_asks_then_erases_everything(discord_standin: DiscordStandin, ferry: FerryBot) -> None:
    world = discord_standin.world
    await register(discord_standin, world.member, "bluesky", "alice.bsky.social")
    h = await discord_standin.invoke_slash(world.guild, world.member, "mydata forget")
    response = await h.response()
    assert response.ephemeral and response.kind == "deferred message"  # answered before any reading
    message = await h.original_message()
    assert message.ephemeral and "(1 handles)" in message.content
    assert message.content.endswith("Messages and Bluesky replies already posted stay where they are.")
    confirm, _cancel = message.custom_ids()
    click = await discord_standin.click_button(message, confirm, world.member)
    done = await click.response()
    assert done.kind == "deferred update"
    await click.updated()
    assert discord_standin.message(message.id).content == "Done: everything about you is erased (1 handles)."
    assert discord_standin.message(message.id).components == []
    identity = Identity(IdentityKind.DISCORD, str(world.member.id))
    assert await ferry.app.directory.member(community="movers", identity=identity) is None


async def test_forget_cancelled_keeps_everything(discord_standin: DiscordStandin, ferry: FerryBot) -> None:
    world = discord_standin.world
    await register(discord_standin, world.member, "bluesky", "alice.bsky.social")
    h = await discord_standin.invoke_slash(world.guild, world.member, "mydata forget", locale="zh-CN")
    message = await h.original_message()
    assert message.content.startswith("这将删除")
    click = await discord_standin.click_button(message, message.custom_ids()[1], world.member)
    await click.response()
    assert discord_standin.message(message.id).content == "已取消，没有任何更改。"
    identity = Identity(IdentityKind.DISCORD, str(world.member.id))
    assert await ferry.app.directory.member(community="movers", identity=identity) is not None


async def test_forget_confirmation_expires(discord_standin: DiscordStandin, ferry_app) -> None:
    world = discord_standin.world
    async with discord_standin.running(make_bot(discord_standin, ferry_app, view_timeout=0.2)):
        await register(discord_standin, world.member, "bluesky", "alice.bsky.social")
        h = await discord_standin.invoke_slash(world.guild, world.member, "mydata forget")
        message = await h.original_message()
        await wait_for(lambda: discord_standin.message(message.id).components == [])
        assert discord_standin.message(message.id).content == "This confirmation expired; nothing changed."
    identity = Identity(IdentityKind.DISCORD, str(world.member.id))
    assert await ferry_app.directory.member(community="movers", identity=identity) is not None


async def test_export_names_no_admin(discord_standin: DiscordStandin, ferry: FerryBot) -> None:
    world = discord_standin.world
    await register(discord_standin, world.member, "lemon8", "alice_moves")
    await ferry.app.moderation.verify(
        community=ferry.community(world.guild.id).slug,
        identity=Identity(IdentityKind.DISCORD, str(world.member.id)),
        platform="lemon8",
        actor=f"admin:discord:{world.admin.id}",
    )
    h = await discord_standin.invoke_slash(world.guild, world.member, "mydata export")
    [message] = await h.followups()
    data = message.attachments[0].data
    assert str(world.admin.id).encode() not in data
    verified = next(c for c in json.loads(data)["changes"] if c["action"] == "entry.verification")
    assert verified["actor"] == "admin" and verified["detail"] == {"verification": "admin-verified"}


async def test_export_holds_the_whole_history_and_the_ban(
    discord_standin: DiscordStandin, ferry: FerryBot
) -> None:
    world = discord_standin.world
    community = ferry.community(world.guild.id).slug
    me = Identity(IdentityKind.DISCORD, str(world.member.id))
    await register(discord_standin, world.member, "lemon8", "alice_moves")
    # More changes than one page of the audit log holds (100): the file must not stop at a page.
    for n in range(130):
        await ferry.app.moderation.set_hidden(
            community=community, identity=me, hidden=n % 2 == 0, actor="operator"
        )
    await ferry.app.moderation.ban(community=community, identity=me, actor="operator")
    h = await discord_standin.invoke_slash(world.guild, world.member, "mydata export")
    [message] = await h.followups()
    document = json.loads(message.attachments[0].data)
    assert document["member"]["banned"] is True
    actions = [c["action"] for c in document["changes"]]
    assert len(actions) == 132 and actions[0] == "member.ban" and actions[-1] == "entry.add"
