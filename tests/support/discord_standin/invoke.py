"""Build INTERACTION_CREATE payloads the way Discord's client would, from the *synced* commands.

Going through the synced schema (not the bot's Python objects) is the point: a test can only invoke
what the bot registered, with option types and choices Discord would enforce in its UI. Mistakes in
the *test* (unknown option, wrong type) raise ``StandinUsageError`` immediately.
"""

from __future__ import annotations

import mimetypes
import secrets
from dataclasses import dataclass
from typing import Any

from . import payloads
from .backend import Backend, Upload
from .state import Channel, Guild, Member, Role, User

Json = dict[str, Any]
STRING, INTEGER, BOOLEAN, USER, CHANNEL, ROLE, MENTIONABLE, NUMBER, ATTACHMENT = 3, 4, 5, 6, 7, 8, 9, 10, 11


class StandinUsageError(AssertionError):
    """The test asked for something a Discord user could not do."""


@dataclass(frozen=True)
class FileOption:
    """A file a user attaches to an attachment option; the stand-in serves it from its loopback CDN."""

    filename: str
    data: bytes
    content_type: str | None = None


@dataclass
class Resolver:
    """Collects ``data.resolved`` while option values are converted."""

    backend: Backend
    guild: Guild | None
    channel: Channel

    def __post_init__(self) -> None:
        self.resolved: dict[str, dict[str, Json]] = {}

    def _add(self, key: str, item_id: int, data: Json) -> str:
        self.resolved.setdefault(key, {})[str(item_id)] = data
        return str(item_id)

    def user(self, value: object) -> str:
        user = value.user if isinstance(value, Member) else value
        if not isinstance(user, User):
            user = self.backend.users.get(int(str(value)))
            if user is None:
                raise StandinUsageError(f"unknown user {value!r}")
        member = self.guild.members.get(user.id) if self.guild else None
        if member is not None and self.guild is not None:
            data = payloads.member(member, self.guild.permissions_in(member, self.channel))
            data.pop("user")
            self._add("members", user.id, data)
        return self._add("users", user.id, payloads.user(user))

    def role(self, value: object) -> str:
        role = (
            value
            if isinstance(value, Role)
            else (self.guild.roles.get(int(str(value))) if self.guild else None)
        )
        if role is None:
            raise StandinUsageError(f"unknown role {value!r}")
        return self._add("roles", role.id, payloads.role(role))

    def channel_option(self, value: object, allowed_types: list[int] | None) -> str:
        channel = value if isinstance(value, Channel) else self.backend.channels.get(int(str(value)))
        if channel is None:
            raise StandinUsageError(f"unknown channel {value!r}")
        if allowed_types and channel.type not in allowed_types:
            raise StandinUsageError(f"channel #{channel.name} (type {channel.type}) not in {allowed_types}")
        data = payloads.channel(channel)
        if self.guild is not None and channel.guild_id == self.guild.id:
            bot = self.guild.members[self.backend.bot_user.id]
            data["permissions"] = str(self.guild.permissions_in(bot, channel))
        return self._add("channels", channel.id, data)

    def attachment(self, value: object) -> str:
        if isinstance(value, tuple):
            value = FileOption(*value)
        if not isinstance(value, FileOption):
            raise StandinUsageError(f"attachment options take FileOption(filename, data), got {value!r}")
        content_type = (
            value.content_type or mimetypes.guess_type(value.filename)[0] or "application/octet-stream"
        )
        stored = self.backend.store_upload(
            self.channel.id, Upload(0, value.filename, value.data, content_type), None
        )
        return self._add("attachments", stored.id, payloads.attachment(stored))


def _check_scalar(option: Json, value: object) -> None:
    kind, name = option["type"], option["name"]
    expected: tuple[type, ...] = {STRING: (str,), INTEGER: (int,), BOOLEAN: (bool,), NUMBER: (int, float)}[
        kind
    ]
    if not isinstance(value, expected) or (kind != BOOLEAN and isinstance(value, bool)):
        raise StandinUsageError(f"option {name!r} is type {kind}; {value!r} is not a {expected[0].__name__}")
    choices = option.get("choices")
    if choices and value not in [c["value"] for c in choices]:
        raise StandinUsageError(f"option {name!r} only offers choices {[c['value'] for c in choices]}")
    if isinstance(value, str):
        low, high = option.get("min_length", 0), option.get("max_length", 6000)
        if not low <= len(value) <= high:
            raise StandinUsageError(
                f"option {name!r} takes {low}..{high} characters (Discord's UI enforces it)"
            )
    elif isinstance(value, int | float) and kind != BOOLEAN:
        low, high = option.get("min_value"), option.get("max_value")
        if (low is not None and value < low) or (high is not None and value > high):
            raise StandinUsageError(f"option {name!r} takes values in {low}..{high}")


def convert_options(
    definitions: list[Json], given: dict[str, Any], resolver: Resolver, focused: str | None
) -> tuple[list[Json], int | None]:
    """Option payloads for one (sub)command level, plus the focused option's type for autocomplete."""
    by_name = {o["name"]: o for o in definitions}
    unknown = set(given) - set(by_name)
    if unknown:
        raise StandinUsageError(
            f"unknown option(s) {sorted(unknown)}; the synced command has {sorted(by_name)}"
        )
    if focused is None:
        missing = [o["name"] for o in definitions if o.get("required") and o["name"] not in given]
        if missing:
            raise StandinUsageError(f"required option(s) {missing} missing")
    elif focused not in by_name or not by_name[focused].get("autocomplete"):
        raise StandinUsageError(f"option {focused!r} does not have autocomplete enabled")
    result: list[Json] = []
    focused_type = None
    for name, value in given.items():
        option = by_name[name]
        kind = option["type"]
        item: Json = {"name": name, "type": kind}
        if name == focused:
            # Discord sends what the user has typed so far, always as a string.
            item.update(value=str(value), focused=True)
            focused_type = kind
        elif kind in (STRING, INTEGER, BOOLEAN, NUMBER):
            _check_scalar(option, value)
            item["value"] = value
        elif kind == USER:
            item["value"] = resolver.user(value)
        elif kind == ROLE:
            item["value"] = resolver.role(value)
        elif kind == MENTIONABLE:
            item["value"] = resolver.role(value) if isinstance(value, Role) else resolver.user(value)
        elif kind == CHANNEL:
            item["value"] = resolver.channel_option(value, option.get("channel_types"))
        elif kind == ATTACHMENT:
            item["value"] = resolver.attachment(value)
        result.append(item)
    return result, focused_type


def command_data(
    command: Json, path: list[str], given: dict[str, Any], resolver: Resolver, focused: str | None
) -> tuple[Json, int | None]:
    """``data`` for a type 2/4 interaction: walk groups and subcommands named in ``path``."""
    data: Json = {"id": command["id"], "name": command["name"], "type": command.get("type", 1)}
    if "guild_id" in command:
        data["guild_id"] = command["guild_id"]  # the client's tree looks guild commands up by this
    level, holder, walked = command.get("options") or [], data, [command["name"]]
    for part in path:
        sub = next((o for o in level if o["name"] == part and o["type"] in (1, 2)), None)
        if sub is None:
            raise StandinUsageError(f"/{' '.join(walked)} has no subcommand or group {part!r}")
        child: Json = {"name": part, "type": sub["type"], "options": []}
        holder.setdefault("options", []).append(child)
        level, holder = sub.get("options") or [], child
        walked.append(part)
    if any(o["type"] in (1, 2) for o in level):
        raise StandinUsageError(f"/{' '.join(walked)} is a group; name one of its subcommands")
    options, focused_type = convert_options(level, given, resolver, focused)
    holder["options"] = options
    if resolver.resolved:
        data["resolved"] = resolver.resolved
    return data, focused_type


def base_payload(
    backend: Backend, kind: int, user: User, guild: Guild | None, channel: Channel, locale: str
) -> Json:
    """The envelope every interaction shares: who, where, with which permissions."""
    payload: Json = {
        "id": str(backend.ids.next()),
        "application_id": str(backend.application_id),
        "type": kind,
        "token": "standin-interaction." + secrets.token_urlsafe(32),
        "version": 1,
        "channel_id": str(channel.id),
        "channel": payloads.channel(channel),
        "locale": locale,
        "entitlements": [],
        "entitlement_sku_ids": [],
        "attachment_size_limit": backend.config.attachment_size_limit,
    }
    if guild is None:
        payload.update(user=payloads.user(user), context=1, authorizing_integration_owners={"0": "0"})
        payload["app_permissions"] = str((1 << 51) - 1 & ~(1 << 3))
        return payload
    member = guild.members.get(user.id)
    if member is None:
        raise StandinUsageError(f"{user.username} is not a member of {guild.name}")
    bot = guild.members[backend.bot_user.id]
    payload.update(
        guild_id=str(guild.id),
        guild={"id": str(guild.id), "locale": guild.preferred_locale, "features": []},
        guild_locale=guild.preferred_locale,
        member=payloads.member(member, guild.permissions_in(member, channel)),
        app_permissions=str(guild.permissions_in(bot, channel)),
        context=0,
        authorizing_integration_owners={"0": str(guild.id)},
    )
    payload["channel"]["permissions"] = payload["member"]["permissions"]
    return payload
