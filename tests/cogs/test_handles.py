"""/handle add | remove | list end to end through the Discord stand-in."""

from __future__ import annotations

import asyncio

import pytest

from bot.discord.client import FerryBot
from bot.models import EVERY_VISIBILITY, Identity, IdentityKind, Visibility
from tests.support.discord_standin import DiscordStandin

BSKY = "https://bsky.app/profile/"


async def add(standin: DiscordStandin, user, platform: str, handle: str, **extra):
    h = await standin.invoke_slash(
        standin.world.guild, user, "handle add", {"platform": platform, "handle": handle, **extra}
    )
    response = await h.response()
    assert response.kind == "deferred message" and response.ephemeral
    [message] = await h.followups()
    assert message.ephemeral
    return message


async def test_add_shows_the_canonical_handle_and_link(
    discord_standin: DiscordStandin, ferry: FerryBot
) -> None:
    world = discord_standin.world
    message = await add(discord_standin, world.member, "bsky", "@Alice.BSKY.social")
    assert "Added your Bluesky handle alice.bsky.social." in message.content
    assert f"<{BSKY}alice.bsky.social>" in message.content
    assert not message.pings.anyone

    message = await add(discord_standin, world.member, "Bluesky", "bob.bsky.social", visibility="public")
    assert "Updated your Bluesky handle to bob.bsky.social (was alice.bsky.social)" in message.content

    entries = await ferry.app.directory.handles(
        visibilities=EVERY_VISIBILITY,
        community="movers",
        identity=Identity(IdentityKind.DISCORD, str(world.member.id)),
    )
    assert [(e.platform, e.handle) for e in entries] == [("bluesky", "bob.bsky.social")]


async def test_platform_autocomplete_matches_aliases_and_stays_within_25(
    discord_standin: DiscordStandin, ferry: FerryBot
) -> None:
    world = discord_standin.world

    async def choices(typed: str) -> list[str]:
        found = await discord_standin.invoke_autocomplete(
            world.guild, world.member, "handle add", {"platform": typed}, "platform"
        )
        assert len(found) <= 25
        return [c["value"] for c in found]

    assert (await choices("xhs"))[0] == "rednote"
    assert (await choices("小红书"))[0] == "rednote"
    assert (await choices("bsky")) == ["bluesky"]
    everything = await choices("")
    assert sorted(everything) == sorted(["rednote", "lemon8", "bluesky", "mastodon", "instagram", "youtube"])
    assert await choices("tiktok") == []  # not enabled in this community


async def test_remove_with_autocomplete_of_own_platforms(
    discord_standin: DiscordStandin, ferry: FerryBot
) -> None:
    world = discord_standin.world
    await add(discord_standin, world.member, "lemon8", "mover_one")
    await add(discord_standin, world.member, "rednote", "5e8f1a2b3c4d5e6f7a8b9c0d")
    found = await discord_standin.invoke_autocomplete(
        world.guild, world.member, "handle remove", {"platform": "le"}, "platform"
    )
    assert [c["value"] for c in found] == ["lemon8"]
    assert "mover" in found[0]["name"]
    other = await discord_standin.invoke_autocomplete(
        world.guild, world.admin, "handle remove", {"platform": ""}, "platform"
    )
    assert other == []  # only your own

    h = await discord_standin.invoke_slash(world.guild, world.member, "handle remove", {"platform": "lemon8"})
    [message] = await h.followups()
    assert message.ephemeral and "Removed your Lemon8 handle mover\\_one." in message.content

    h = await discord_standin.invoke_slash(world.guild, world.member, "handle remove", {"platform": "lemon8"})
    [message] = await h.followups()
    assert message.content == "You have no Lemon8 handle in this directory."


async def test_list_mine_and_another_members(discord_standin: DiscordStandin, ferry: FerryBot) -> None:
    world = discord_standin.world
    h = await discord_standin.invoke_slash(world.guild, world.member, "handle list")
    [message] = await h.followups()
    assert "You have no handles here yet" in message.content

    await add(discord_standin, world.member, "bluesky", "alice.bsky.social")
    h = await discord_standin.invoke_slash(world.guild, world.admin, "handle list", {"member": world.member})
    [message] = await h.followups()
    assert message.ephemeral
    [embed] = message.embeds
    assert embed["title"] == "Plain Member's handles"
    assert f"[alice.bsky.social]({BSKY}alice.bsky.social)" in embed["description"]

    identity = Identity(IdentityKind.DISCORD, str(world.member.id))
    await ferry.app.moderation.set_hidden(community="movers", identity=identity, hidden=True, actor="test")
    h = await discord_standin.invoke_slash(world.guild, world.admin, "handle list", {"member": world.member})
    [message] = await h.followups()
    assert message.content == "Plain Member has no handles you can see."


async def test_domain_errors_are_specific_and_ephemeral(
    discord_standin: DiscordStandin, ferry: FerryBot
) -> None:
    world = discord_standin.world
    message = await add(discord_standin, world.member, "myspace", "tom")
    assert message.content.startswith("I don't know the platform “myspace”. Platforms here: rednote, lemon8")
    # Known to Ferry, only not enabled in this community: say so rather than "I don't know it".
    message = await add(discord_standin, world.member, "tiktok", "tom")
    assert message.content.startswith("TikTok is not enabled in this community. Platforms here: rednote,")

    message = await add(discord_standin, world.member, "bluesky", "javascript:alert(1)")
    assert message.content.startswith("That isn't a valid Bluesky handle:")

    await add(discord_standin, world.member, "bluesky", "alice.bsky.social")
    message = await add(discord_standin, world.admin, "bluesky", "alice.bsky.social")
    assert "Someone else here already registered Bluesky alice.bsky.social" in message.content


async def test_chinese_locale_gets_chinese(discord_standin: DiscordStandin, ferry: FerryBot) -> None:
    world = discord_standin.world
    h = await discord_standin.invoke_slash(
        world.guild,
        world.member,
        "handle add",
        {"platform": "小红书", "handle": "5e8f1a2b3c4d5e6f7a8b9c0d"},
        locale="zh-CN",
    )
    [message] = await h.followups()
    assert message.content.startswith("已添加你的 RedNote (Xiaohongshu) 账号 5e8f1a2b3c4d5e6f7a8b9c0d。")
    assert "可见范围：本社区" in message.content
    h = await discord_standin.invoke_slash(
        world.guild, world.member, "handle remove", {"platform": "lemon8"}, locale="zh-CN"
    )
    [message] = await h.followups()
    assert message.content == "你在名录中没有 Lemon8 账号。"
    command = discord_standin.command("handle", world.guild)
    assert command["description_localizations"]["zh-CN"] == "你在搬家名录中的账号"


async def test_hundred_members_registering_at_once(discord_standin: DiscordStandin, ferry: FerryBot) -> None:
    world = discord_standin.world
    users = []
    for n in range(100):
        user = discord_standin.add_user(f"mover{n}", global_name=f"Mover {n}")
        discord_standin.add_member(world.guild, user)
        users.append(user)
    handles = await asyncio.gather(
        *(
            discord_standin.invoke_slash(
                world.guild, user, "handle add", {"platform": "bluesky", "handle": f"mover{n}.bsky.social"}
            )
            for n, user in enumerate(users)
        )
    )
    for h in handles:
        [message] = await h.followups(timeout=20)
        assert message.content.startswith("Added your Bluesky handle")
    counts = await ferry.app.directory.counts(visibilities=EVERY_VISIBILITY, community="movers")
    assert counts == {"bluesky": 100}
    page = await ferry.app.directory.directory(
        __import__("bot.models", fromlist=["DirectoryQuery"]).DirectoryQuery(
            visibilities=EVERY_VISIBILITY, community="movers", limit=50
        )
    )
    assert page.total == 100


async def test_verify_bluesky_without_a_bluesky_account_says_linking_is_unavailable(
    discord_standin: DiscordStandin, ferry: FerryBot
) -> None:
    world = discord_standin.world
    h = await discord_standin.invoke_slash(
        world.guild, world.member, "handle verify-bluesky", {"handle": "a.bsky.social"}
    )
    [message] = await h.followups()
    assert message.ephemeral
    assert message.content == "Linking a Bluesky account is not available: this Ferry has no Bluesky account."
    member = await ferry.app.directory.member(
        community="movers", identity=Identity(IdentityKind.DISCORD, str(world.member.id))
    )
    assert member is None  # no code, no member row made for nothing


async def test_visibility_of_one_platform_or_all(discord_standin: DiscordStandin, ferry: FerryBot) -> None:
    world = discord_standin.world
    me = Identity(IdentityKind.DISCORD, str(world.member.id))
    await add(discord_standin, world.member, "bluesky", "alice.bsky.social")  # community-only by default
    await add(discord_standin, world.member, "lemon8", "mover_one")

    async def visibility(options: dict[str, str], **kw: str) -> str:
        h = await discord_standin.invoke_slash(world.guild, world.member, "handle visibility", options, **kw)
        response = await h.response()
        assert response.kind == "deferred message" and response.ephemeral
        [message] = await h.followups()
        assert message.ephemeral and not message.pings.anyone
        return message.content

    async def public() -> list[str]:
        entries = await ferry.app.directory.handles(
            community="movers", identity=me, visibilities=frozenset({Visibility.PUBLIC})
        )
        return [e.platform for e in entries]

    answer = await visibility({"visibility": "public", "platform": "bluesky"})
    assert answer == "Now visible to everyone (may appear on Bluesky and in public exports): Bluesky."
    assert await public() == ["bluesky"]
    answer = await visibility({"visibility": "public"})
    assert answer.endswith(": Lemon8.")  # only what changed is named
    assert sorted(await public()) == ["bluesky", "lemon8"]
    answer = await visibility({"visibility": "public", "platform": "lemon8"})
    assert answer.startswith("Already visible to everyone") and answer.endswith("Nothing changed.")
    answer = await visibility({"visibility": "community"}, locale="zh-CN")
    assert answer == "现在可见范围为本社区：Bluesky, Lemon8。"
    assert await public() == []
    assert await visibility({"visibility": "public", "platform": "rednote"}) == (
        "You have no RedNote (Xiaohongshu) handle in this directory."
    )

    found = await discord_standin.invoke_autocomplete(
        world.guild, world.member, "handle visibility", {"visibility": "public", "platform": ""}, "platform"
    )
    assert sorted(c["value"] for c in found) == ["bluesky", "lemon8"]


async def test_visibility_without_handles_says_so(discord_standin: DiscordStandin, ferry: FerryBot) -> None:
    world = discord_standin.world
    h = await discord_standin.invoke_slash(
        world.guild, world.member, "handle visibility", {"visibility": "public"}
    )
    [message] = await h.followups()
    assert message.content == "Ferry keeps nothing about you here."


async def test_list_footer_explains_the_marks(discord_standin: DiscordStandin, ferry: FerryBot) -> None:
    world = discord_standin.world
    await add(discord_standin, world.member, "bluesky", "alice.bsky.social")
    await ferry.app.moderation.verify(
        community="movers",
        identity=Identity(IdentityKind.DISCORD, str(world.member.id)),
        platform="bluesky",
        actor="admin:test",
    )
    h = await discord_standin.invoke_slash(world.guild, world.member, "handle list")
    [message] = await h.followups()
    [embed] = message.embeds
    assert "alice.bsky.social) ✓✓" in embed["description"]
    assert embed["footer"]["text"] == "✓ proven on Bluesky · ✓✓ verified by an admin · no mark: self-reported"


@pytest.fixture
def other_guild(discord_standin: DiscordStandin):
    """A second server with the same member, added before the bot connects; no community names it."""
    world = discord_standin.world
    guild = discord_standin.add_guild("Elsewhere", world.owner)
    discord_standin.add_channel(guild, "general")
    discord_standin.add_member(guild, world.member)
    discord_standin.add_member(guild, world.admin)
    return guild


async def test_community_entries_stay_inside_their_own_server(
    discord_standin: DiscordStandin, other_guild, ferry: FerryBot
) -> None:
    world = discord_standin.world
    await ferry.tree.sync()  # globally, so the second server has the commands too
    await add(discord_standin, world.member, "lemon8", "only_here")  # community-only by default

    async def seen_in(guild) -> tuple[str, str]:
        h = await discord_standin.invoke_slash(guild, world.admin, "directory", {})
        [directory] = await h.followups()
        h = await discord_standin.invoke_slash(guild, world.admin, "handle list", {"member": world.member})
        [listed] = await h.followups()
        return str(directory.embeds[0]), str(listed.embeds or listed.content)

    directory, listed = await seen_in(world.guild)
    assert "only\\\\_here" in directory and "only\\\\_here" in listed
    assert "no mark: self-reported" in directory  # the legend is in the /directory footer too
    directory, listed = await seen_in(other_guild)
    assert "only" not in directory and "Nobody is listed yet" in directory
    assert listed == "Plain Member has no handles you can see."
