"""REST routes a bot calls outside interactions: login, command sync, channels, messages, members."""

from __future__ import annotations

from typing import Any

from aiohttp import web

from . import payloads
from .backend import Backend, Refusal
from .command_limits import check_command, check_command_set
from .httputil import json_response, no_content, read_body
from .limits import Context
from .state import StoredMessage

Json = dict[str, Any]
SEND_MESSAGES, EMBED_LINKS, ATTACH_FILES, MANAGE_MESSAGES = 1 << 11, 1 << 14, 1 << 15, 1 << 13
MANAGE_ROLES = 1 << 28


def _int(request: web.Request, key: str) -> int:
    try:
        return int(request.match_info[key])
    except ValueError:
        raise Refusal(
            "unknown", [f"{key} {request.match_info[key]!r} is not a snowflake"], status=404
        ) from None


class RestRoutes:
    def __init__(self, backend: Backend) -> None:
        self.b = backend

    def register(self, router: web.UrlDispatcher) -> None:
        api = "/api/v{version:\\d+}"
        for method, path, handler in [
            ("GET", "/users/@me", self.me),
            ("GET", "/users/{user_id:\\d+}", self.get_user),
            ("POST", "/users/@me/channels", self.open_dm),
            ("GET", "/oauth2/applications/@me", self.application),
            ("GET", "/applications/@me", self.application),
            ("GET", "/gateway", self.gateway),
            ("GET", "/gateway/bot", self.gateway_bot),
            ("GET", "/applications/{app_id}/commands", self.list_commands),
            ("PUT", "/applications/{app_id}/commands", self.put_commands),
            ("POST", "/applications/{app_id}/commands", self.create_command),
            ("DELETE", "/applications/{app_id}/commands/{command_id}", self.delete_command),
            ("GET", "/applications/{app_id}/guilds/{guild_id}/commands", self.list_commands),
            ("PUT", "/applications/{app_id}/guilds/{guild_id}/commands", self.put_commands),
            ("POST", "/applications/{app_id}/guilds/{guild_id}/commands", self.create_command),
            ("DELETE", "/applications/{app_id}/guilds/{guild_id}/commands/{command_id}", self.delete_command),
            ("GET", "/channels/{channel_id}", self.get_channel),
            ("POST", "/channels/{channel_id}/typing", self.typing),
            ("GET", "/channels/{channel_id}/messages", self.history),
            ("POST", "/channels/{channel_id}/messages", self.send),
            ("GET", "/channels/{channel_id}/messages/{message_id}", self.get_message),
            ("PATCH", "/channels/{channel_id}/messages/{message_id}", self.edit),
            ("DELETE", "/channels/{channel_id}/messages/{message_id}", self.delete),
            ("GET", "/guilds/{guild_id}", self.get_guild),
            ("GET", "/guilds/{guild_id}/channels", self.guild_channels),
            ("GET", "/guilds/{guild_id}/roles", self.guild_roles),
            ("GET", "/guilds/{guild_id}/members", self.list_members),
            ("GET", "/guilds/{guild_id}/members/{user_id}", self.get_member),
            ("PUT", "/guilds/{guild_id}/members/{user_id}/roles/{role_id}", self.add_role),
            ("DELETE", "/guilds/{guild_id}/members/{user_id}/roles/{role_id}", self.remove_role),
        ]:
            router.add_route(method, api + path, handler)

    # -- identity -------------------------------------------------------------------------
    async def me(self, request: web.Request) -> web.Response:
        data = payloads.user(self.b.bot_user) | {"verified": True, "mfa_enabled": False, "locale": "en-US"}
        return json_response(data)

    async def get_user(self, request: web.Request) -> web.Response:
        found = self.b.users.get(_int(request, "user_id"))
        if found is None:
            raise Refusal("unknown", ["unknown user"], status=404, code=10013)
        return json_response(payloads.user(found))

    async def open_dm(self, request: web.Request) -> web.Response:
        body, _ = await read_body(request)
        recipient = self.b.users.get(int(body.get("recipient_id", 0)))
        if recipient is None:
            raise Refusal("unknown", ["unknown recipient"], status=404, code=10013)
        channel = self.b.dm_channel(recipient)
        return json_response(payloads.channel(channel))

    async def application(self, request: web.Request) -> web.Response:
        return json_response(payloads.application(self.b.application_id, "Ferry stand-in", self.b.app_owner))

    async def gateway(self, request: web.Request) -> web.Response:
        return json_response({"url": self.b.base_url.replace("http", "ws", 1) + "/gateway"})

    async def gateway_bot(self, request: web.Request) -> web.Response:
        url = self.b.base_url.replace("http", "ws", 1) + "/gateway"
        config = self.b.config
        limit = {
            "total": config.session_start_total,
            "remaining": max(0, config.session_start_total - self.b.identifies()),
            "reset_after": 86_400_000,
            "max_concurrency": config.max_concurrency,
        }
        return json_response({"url": url, "shards": config.recommended_shards, "session_start_limit": limit})

    # -- application commands ---------------------------------------------------------------
    def _scope(self, request: web.Request) -> int | None:
        if _int(request, "app_id") != self.b.application_id:
            raise Refusal("unknown", ["application id does not match the bot's"], status=403, code=50001)
        if "guild_id" not in request.match_info:
            return None
        return self.b.guild(_int(request, "guild_id")).id

    def _store(self, scope: int | None, command: Json) -> Json:
        existing = self.b.commands.find(command["name"], scope, command.get("type", 1))
        if existing is not None and existing.get("guild_id") != (None if scope is None else str(scope)):
            existing = None  # a global command of that name does not belong to this guild scope
        if existing is None:
            self.b.commands.creates += 1  # Discord allows 200 creates per day per guild
        command_id = int(existing["id"]) if existing else self.b.ids.next()
        return payloads.stored_command(
            command,
            command_id=command_id,
            app_id=self.b.application_id,
            guild_id=scope,
            version=self.b.ids.next(),
        )

    async def list_commands(self, request: web.Request) -> web.Response:
        return json_response(self.b.commands.get(self._scope(request)))

    async def put_commands(self, request: web.Request) -> web.Response:
        scope = self._scope(request)
        body, _ = await read_body(request)
        if not isinstance(body, list):
            raise Refusal("limit", ["a bulk overwrite takes a JSON array of commands"])
        problems = check_command_set(body)
        if problems:
            raise Refusal("commands", problems)
        self.b.commands.scopes[scope] = [self._store(scope, c) for c in body]
        return json_response(self.b.commands.get(scope))

    async def create_command(self, request: web.Request) -> web.Response:
        scope = self._scope(request)
        body, _ = await read_body(request)
        problems = check_command(body)
        commands = [c for c in self.b.commands.get(scope) if c["name"] != body.get("name")]
        problems += check_command_set([*commands, body])
        if problems:
            raise Refusal("commands", problems)
        stored = self._store(scope, body)
        self.b.commands.scopes[scope] = [*commands, stored]
        return json_response(stored, 201)

    async def delete_command(self, request: web.Request) -> web.Response:
        scope = self._scope(request)
        command_id = request.match_info["command_id"]
        self.b.commands.scopes[scope] = [c for c in self.b.commands.get(scope) if c["id"] != command_id]
        return no_content()

    # -- channels and messages --------------------------------------------------------------
    def _require(self, channel_id: int, needed: int, what: str) -> None:
        channel = self.b.channel(channel_id)
        if channel.guild_id is None:
            return
        guild = self.b.guilds[channel.guild_id]
        member = guild.members.get(self.b.bot_user.id)
        granted = 0 if member is None else guild.permissions_in(member, channel)
        missing = needed & ~granted
        if missing:
            raise Refusal(
                "permissions",
                [f"the bot lacks permissions {missing} to {what} in #{channel.name}"],
                status=403,
                code=50013,
            )

    async def get_channel(self, request: web.Request) -> web.Response:
        return json_response(payloads.channel(self.b.channel(_int(request, "channel_id"))))

    async def typing(self, request: web.Request) -> web.Response:
        self.b.channel(_int(request, "channel_id"))
        return no_content()

    async def history(self, request: web.Request) -> web.Response:
        channel_id = _int(request, "channel_id")
        self.b.channel(channel_id)
        query = request.query
        newest_first = list(reversed(self.b.channel_messages(channel_id)))
        if "before" in query:
            newest_first = [m for m in newest_first if m.id < int(query["before"])]
        if "after" in query:
            newest_first = [m for m in newest_first if m.id > int(query["after"])]
        limit = min(int(query.get("limit", 50)), 100)
        return json_response([payloads.message(m, self.b.application_id) for m in newest_first[:limit]])

    async def send(self, request: web.Request) -> web.Response:
        channel = self.b.channel(_int(request, "channel_id"))
        body, uploads = await read_body(request)
        self.b.validate(body, Context.CHANNEL, uploads)
        self.b.check_mentions(body)
        needed = SEND_MESSAGES | (EMBED_LINKS if body.get("embeds") else 0) | (ATTACH_FILES if uploads else 0)
        self._require(channel.id, needed, "send this message")
        message = self.b.new_message(
            channel, self.b.bot_user, type=19 if body.get("message_reference") else 0
        )
        self.b.apply(message, body, uploads, from_interaction=False, edit=False)
        await self.b.announce("MESSAGE_CREATE", message)
        return json_response(payloads.message(message, self.b.application_id))

    async def get_message(self, request: web.Request) -> web.Response:
        message = self.b.message(_int(request, "channel_id"), _int(request, "message_id"))
        return json_response(payloads.message(message, self.b.application_id))

    def _own(self, message: StoredMessage) -> None:
        if message.author.id != self.b.bot_user.id:
            raise Refusal(
                "permissions", ["cannot edit a message authored by another user"], status=403, code=50005
            )

    async def edit(self, request: web.Request) -> web.Response:
        message = self.b.message(_int(request, "channel_id"), _int(request, "message_id"))
        self._own(message)
        body, uploads = await read_body(request)
        self.b.validate(body, Context.EDIT, uploads, ephemeral=message.ephemeral)
        self.b.apply(message, body, uploads, from_interaction=False, edit=True)
        await self.b.announce("MESSAGE_UPDATE", message)
        return json_response(payloads.message(message, self.b.application_id))

    async def delete(self, request: web.Request) -> web.Response:
        message = self.b.message(_int(request, "channel_id"), _int(request, "message_id"))
        if message.author.id != self.b.bot_user.id:
            self._require(message.channel_id, MANAGE_MESSAGES, "delete another user's message")
        message.deleted = True
        await self.b.announce("MESSAGE_DELETE", message)
        return no_content()

    # -- guilds ---------------------------------------------------------------------------
    async def get_guild(self, request: web.Request) -> web.Response:
        data = payloads.guild_create(self.b.guild(_int(request, "guild_id")))
        for key in ("channels", "members", "threads", "presences", "voice_states"):
            data.pop(key)  # GET /guilds/{id} has no gateway-only fields
        return json_response(data)

    async def guild_channels(self, request: web.Request) -> web.Response:
        guild = self.b.guild(_int(request, "guild_id"))
        return json_response([payloads.channel(c) for c in guild.channels.values()])

    async def guild_roles(self, request: web.Request) -> web.Response:
        guild = self.b.guild(_int(request, "guild_id"))
        return json_response([payloads.role(r) for r in guild.roles.values()])

    async def list_members(self, request: web.Request) -> web.Response:
        guild = self.b.guild(_int(request, "guild_id"))
        after = int(request.query.get("after", 0))
        limit = min(int(request.query.get("limit", 1)), 1000)
        members = sorted((m for m in guild.members.values() if m.user.id > after), key=lambda m: m.user.id)
        return json_response([payloads.member(m) for m in members[:limit]])

    async def get_member(self, request: web.Request) -> web.Response:
        guild = self.b.guild(_int(request, "guild_id"))
        member = guild.members.get(_int(request, "user_id"))
        if member is None:
            raise Refusal("unknown", ["unknown member"], status=404, code=10007)
        return json_response(payloads.member(member))

    async def _change_role(self, request: web.Request, add: bool) -> web.Response:
        guild = self.b.guild(_int(request, "guild_id"))
        member = guild.members.get(_int(request, "user_id"))
        role = guild.roles.get(_int(request, "role_id"))
        if member is None or role is None:
            raise Refusal("unknown", ["unknown member or role"], status=404, code=10011)
        bot = guild.members[self.b.bot_user.id]
        top = max((guild.roles[r].position for r in bot.roles), default=0)
        if not guild.base_permissions(bot) & MANAGE_ROLES or role.position >= top:
            raise Refusal(
                "permissions", [f"the bot cannot manage role {role.name!r}"], status=403, code=50013
            )
        if add and role.id not in member.roles:
            member.roles.append(role.id)
        elif not add and role.id in member.roles:
            member.roles.remove(role.id)
        if self.b.dispatch is not None:
            data = payloads.member(member) | {"guild_id": str(guild.id)}
            await self.b.dispatch("GUILD_MEMBER_UPDATE", data, 1 << 1)
        return no_content()

    async def add_role(self, request: web.Request) -> web.Response:
        return await self._change_role(request, True)

    async def remove_role(self, request: web.Request) -> web.Response:
        return await self._change_role(request, False)
