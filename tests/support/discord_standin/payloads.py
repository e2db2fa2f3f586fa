"""JSON builders for the objects discord.py parses: users, members, guilds, messages, commands.

They send the superset of fields real Discord sends that discord.py reads (see the reference doc
§3.5/§3.6/§3.10), so the same payloads parse on every discord.py 2.x.
"""

from __future__ import annotations

from typing import Any

from .state import Channel, Guild, Member, Role, StoredAttachment, StoredMessage, User

Json = dict[str, Any]


def user(u: User) -> Json:
    return {
        "id": str(u.id),
        "username": u.username,
        "discriminator": "0",
        "global_name": u.global_name,
        "avatar": u.avatar,
        "bot": u.bot,
        "public_flags": 0,
        "flags": 0,
    }


def role(r: Role) -> Json:
    return {
        "id": str(r.id),
        "name": r.name,
        "permissions": str(r.permissions),
        "position": r.position,
        "color": 0,
        "colors": {"primary_color": 0, "secondary_color": None, "tertiary_color": None},
        "hoist": False,
        "managed": r.managed,
        "mentionable": r.mentionable,
        "flags": 0,
    }


def channel(c: Channel) -> Json:
    data: Json = {
        "id": str(c.id),
        "type": c.type,
        "name": c.name,
        "position": c.position,
        "topic": c.topic,
        "parent_id": None if c.parent_id is None else str(c.parent_id),
        "nsfw": False,
        "last_message_id": None,
        "rate_limit_per_user": 0,
        "permission_overwrites": [
            {"id": str(o.id), "type": o.type, "allow": str(o.allow), "deny": str(o.deny)}
            for o in c.overwrites
        ],
    }
    if c.guild_id is not None:
        data["guild_id"] = str(c.guild_id)
    if c.type == 1:
        data["recipients"] = [user(r) for r in c.recipients]
    return data


def member(m: Member, permissions: int | None = None) -> Json:
    data: Json = {
        "user": user(m.user),
        "roles": [str(r) for r in m.roles],
        "nick": m.nick,
        "avatar": None,
        "banner": None,
        "joined_at": m.joined_at,
        "premium_since": None,
        "deaf": False,
        "mute": False,
        "pending": False,
        "flags": 0,  # required by discord.py >= 2.2
        "communication_disabled_until": None,
    }
    if permissions is not None:
        data["permissions"] = str(permissions)
    return data


def guild_create(g: Guild, *, member_ids: set[int] | None = None) -> Json:
    """``member_ids`` limits the member list: without GUILD_MEMBERS Discord sends only the bot itself."""
    members = [m for m in g.members.values() if member_ids is None or m.user.id in member_ids]
    return {
        "id": str(g.id),
        "name": g.name,
        "icon": None,
        "owner_id": str(g.owner_id),
        "unavailable": False,
        "large": False,
        "member_count": len(g.members),
        "preferred_locale": g.preferred_locale,
        "features": [],
        "verification_level": 0,
        "default_message_notifications": 1,
        "explicit_content_filter": 0,
        "mfa_level": 0,
        "nsfw_level": 0,
        "premium_tier": 0,
        "system_channel_id": None,
        "rules_channel_id": None,
        "public_updates_channel_id": None,
        "afk_channel_id": None,
        "afk_timeout": 300,
        "joined_at": "2024-01-01T00:00:00+00:00",
        "roles": [role(r) for r in g.roles.values()],
        "emojis": [],
        "stickers": [],
        "channels": [channel(c) for c in g.channels.values()],
        "members": [member(m) for m in members],
        "threads": [],
        "presences": [],
        "voice_states": [],
        "stage_instances": [],
        "guild_scheduled_events": [],
        "soundboard_sounds": [],
    }


def attachment(a: StoredAttachment) -> Json:
    data: Json = {
        "id": str(a.id),
        "filename": a.filename,
        "size": a.size,
        "url": a.url,
        "proxy_url": a.url,
        "content_type": a.content_type,
    }
    if a.description is not None:
        data["description"] = a.description
    return data


def message(m: StoredMessage, application_id: int) -> Json:
    data: Json = {
        "id": str(m.id),
        "channel_id": str(m.channel_id),
        "author": user(m.author),
        "content": m.content,
        "timestamp": m.timestamp,
        "edited_timestamp": m.edited_timestamp,
        "tts": False,
        "mention_everyone": m.pings.everyone,
        "mentions": [],
        "mention_roles": [str(r) for r in m.pings.roles],
        "attachments": [attachment(a) for a in m.attachments],
        "embeds": m.embeds,
        "components": m.components,
        "pinned": False,
        "type": m.type,
        "flags": m.flags,
    }
    if m.guild_id is not None:
        data["guild_id"] = str(m.guild_id)
    if m.webhook_id is not None:
        data["webhook_id"] = str(m.webhook_id)
        data["application_id"] = str(application_id)
    if m.interaction is not None:
        # Both spellings: discord.py <= 2.3 reads the legacy ``interaction`` key.
        data["interaction"] = m.interaction
        data["interaction_metadata"] = {
            "id": m.interaction["id"],
            "type": m.interaction["type"],
            "user": m.interaction["user"],
            "authorizing_integration_owners": {"0": str(m.guild_id)} if m.guild_id else {"1": "0"},
        }
    return data


def application(app_id: int, name: str, owner: User) -> Json:
    return {
        "id": str(app_id),
        "name": name,
        "description": "Discord stand-in application",
        "icon": None,
        "bot_public": False,
        "bot_require_code_grant": False,
        "owner": user(owner),
        "verify_key": "0" * 64,
        "flags": 0,
        "team": None,
        "rpc_origins": [],
        "interactions_endpoint_url": None,  # non-null would make discord.py warn and receive nothing
        "tags": [],
        "redirect_uris": [],
    }


def stored_command(data: Json, *, command_id: int, app_id: int, guild_id: int | None, version: int) -> Json:
    """What Discord answers for a synced command: the request plus ids, with bitfields as strings."""
    command = {key: value for key, value in data.items() if key != "id"}
    command.setdefault("type", 1)
    command.setdefault("description", "")
    command.update(id=str(command_id), application_id=str(app_id), version=str(version))
    permissions = command.get("default_member_permissions")
    command["default_member_permissions"] = None if permissions is None else str(permissions)
    if guild_id is not None:
        command["guild_id"] = str(guild_id)
    return command
