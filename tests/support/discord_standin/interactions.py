"""Interaction callbacks and the interaction webhook: the rules that bite a slash-command bot.

Enforced here: the 3 s deadline for the initial response (404/10062), one initial response only
(400/40060), response types valid for the interaction type, the deferred-response flag rule, the
15-minute token, and the fact that the first follow-up after a defer *replaces* the "thinking"
message and keeps the defer's visibility, whatever ``ephemeral=`` the follow-up asks for.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web

from . import payloads
from .backend import Backend, Refusal
from .httputil import json_response, no_content, read_body
from .limits import Context, check_choices, check_modal
from .mentions import EPHEMERAL, LOADING
from .state import Channel, StoredMessage, User
from .violations import Violation

Json = dict[str, Any]
Route = Callable[[web.Request], Awaitable[web.Response]]
APPLICATION_COMMAND, MESSAGE_COMPONENT, AUTOCOMPLETE, MODAL_SUBMIT = 2, 3, 4, 5
# Interaction type -> callback types Discord accepts for it.
VALID_RESPONSES = {
    APPLICATION_COMMAND: {4, 5, 9},
    MESSAGE_COMPONENT: {4, 5, 6, 7, 9},
    AUTOCOMPLETE: {8},
    MODAL_SUBMIT: {4, 5, 6, 7},
}


@dataclass
class InteractionRecord:
    """Server-side life of one interaction; ``InteractionHandle`` reads it for the test."""

    id: int
    token: str
    type: int
    channel: Channel
    user: User
    payload: Json
    created_at: float  # loop time of dispatch: both deadlines count from here
    name: str = ""
    focused_type: int | None = None
    component_message_id: int | None = None
    component_versions: int = 0  # edits of the component's message before this interaction
    response_type: int | None = None
    response_data: Json | None = None
    original_id: int | None = None
    followup_ids: list[int] = field(default_factory=list)
    choices: list[Json] | None = None
    modal: Json | None = None
    refusals: list[str] = field(default_factory=list)  # what the stand-in refused for this interaction
    silence: Violation | None = None  # the "unanswered" violation, superseded by a late answer
    # Loop times of the accepted initial response and of the first message that answers (the first
    # follow-up, or the edit that fills in a deferred response): what a user waits for, for benchmarks.
    acked_at: float | None = None
    answered_at: float | None = None
    shard: tuple[int, int] | None = None  # (id, count) of the session it was delivered to
    _changed: asyncio.Event = field(default_factory=asyncio.Event)

    def notify(self) -> None:
        # Swap in a fresh event so every waiter wakes exactly once per change.
        old, self._changed = self._changed, asyncio.Event()
        old.set()

    async def wait_changed(self, timeout: float) -> None:  # noqa: ASYNC109 - callers own the deadline
        await asyncio.wait_for(self._changed.wait(), timeout)

    def metadata(self) -> Json:
        return {"id": str(self.id), "type": self.type, "name": self.name, "user": payloads.user(self.user)}


class InteractionRoutes:
    def __init__(self, backend: Backend) -> None:
        self.b = backend
        self.records: dict[int, InteractionRecord] = {}
        self.by_token: dict[str, InteractionRecord] = {}

    def add(self, record: InteractionRecord) -> None:
        self.records[record.id] = record
        self.by_token[record.token] = record

    def register(self, router: web.UrlDispatcher) -> None:
        api = "/api/v{version:\\d+}"
        router.add_post(api + "/interactions/{interaction_id}/{token}/callback", self._tracked(self.callback))
        hook = api + "/webhooks/{webhook_id}/{token}"
        router.add_post(hook, self._tracked(self.followup))
        for method in ("GET", "PATCH", "DELETE"):
            router.add_route(method, hook + "/messages/{message_id}", self._tracked(self.webhook_message))

    def _tracked(self, route: Route) -> Route:
        """Attach refusals to their interaction so a waiting test fails fast with the reason."""

        async def handle(request: web.Request) -> web.Response:
            try:
                return await route(request)
            except Refusal as refusal:
                info = request.match_info
                record = self.by_token.get(info.get("token", ""))
                if record is not None:
                    record.refusals.append(f"{request.method} {request.path}: {'; '.join(refusal.problems)}")
                    record.notify()
                raise

        return handle

    @staticmethod
    def _now() -> float:
        return asyncio.get_running_loop().time()

    # -- initial response -----------------------------------------------------------------
    async def callback(self, request: web.Request) -> web.Response:
        record = self.records.get(int(request.match_info["interaction_id"]))
        if record is None or record.token != request.match_info["token"]:
            raise Refusal("unknown", ["unknown interaction"], status=404, code=10062)
        if record.response_type is not None:
            raise Refusal(
                "double_ack", [f"interaction already acknowledged (type {record.response_type})"], code=40060
            )
        late = self._now() - record.created_at
        if late > self.b.config.response_deadline:
            if record.silence in self.b.violations.pending:
                # One fault, one report: the late answer explains the silence.
                self.b.violations.pending.remove(record.silence)
            raise Refusal(
                "deadline",
                [f"initial response {late:.2f}s after dispatch, over {self.b.config.response_deadline}s"],
                status=404,
                code=10062,
            )
        body, uploads = await read_body(request)
        kind, data = body.get("type"), body.get("data") or {}
        if kind not in VALID_RESPONSES[record.type]:
            raise Refusal(
                "response_type", [f"callback type {kind} is not valid for interaction type {record.type}"]
            )
        message = await self._respond(record, kind, data, uploads)
        record.response_type, record.response_data = kind, data
        record.acked_at = self._now()
        if kind not in (5, 6) and record.answered_at is None:
            record.answered_at = record.acked_at  # a direct answer is the answer; a defer is not
        record.notify()
        if request.query.get("with_response") not in ("1", "true", "True"):
            return no_content()
        result: Json = {
            "interaction": {
                "id": str(record.id),
                "type": record.type,
                "response_message_id": None if message is None else str(message.id),
                "response_message_loading": kind == 5,
                "response_message_ephemeral": bool(message and message.ephemeral),
            }
        }
        if message is not None:
            result["resource"] = {"type": kind, "message": payloads.message(message, self.b.application_id)}
        return json_response(result)

    def _new_message(self, record: InteractionRecord, flags: int) -> StoredMessage:
        return self.b.new_message(
            record.channel,
            self.b.bot_user,
            flags=flags,
            type=20 if record.type == APPLICATION_COMMAND else 0,
            interaction=record.metadata(),
            interaction_id=record.id,
            webhook_id=self.b.application_id,
        )

    async def _respond(
        self, record: InteractionRecord, kind: int, data: Json, uploads: Any
    ) -> StoredMessage | None:
        if kind == 4:
            self.b.validate(data, Context.RESPONSE, uploads)
            self.b.check_mentions(data)
            message = self._new_message(record, 0)
            self.b.apply(message, data, uploads, from_interaction=True, edit=False)
            record.original_id = message.id
            await self.b.announce("MESSAGE_CREATE", message)
            return message
        if kind == 5:
            flags = int(data.get("flags") or 0)
            if flags & ~EPHEMERAL or set(data) - {"flags"}:
                raise Refusal("flags", ["a deferred response (type 5) may carry only data.flags = 64"])
            message = self._new_message(record, LOADING | flags)
            record.original_id = message.id
            await self.b.announce("MESSAGE_CREATE", message)
            return message
        if kind in (6, 7):
            target = self.b.messages.get(record.component_message_id or 0)
            if target is None:
                raise Refusal(
                    "response_type", ["type 6/7 need a message (component or modal from a message)"]
                )
            record.original_id = target.id
            if kind == 7:
                self.b.validate(data, Context.EDIT, uploads, ephemeral=target.ephemeral)
                self.b.apply(target, data, uploads, from_interaction=True, edit=True)
                await self.b.announce("MESSAGE_UPDATE", target)
            return target
        if kind == 8:
            choices = list(data.get("choices") or [])
            problems = check_choices(choices, record.focused_type)
            if problems:
                raise Refusal("limit", problems)
            record.choices = choices
        if kind == 9:
            problems = check_modal(data)
            if problems:
                raise Refusal("limit", problems)
            record.modal = data
        return None

    # -- follow-ups and edits ---------------------------------------------------------------
    def _by_token(self, request: web.Request) -> InteractionRecord:
        record = self.by_token.get(request.match_info["token"])
        if record is None or request.match_info["webhook_id"] != str(self.b.application_id):
            raise Refusal(
                "unknown", ["unknown webhook (wrong application id or token)"], status=404, code=10015
            )
        age = self._now() - record.created_at
        if age > self.b.config.token_lifetime:
            raise Refusal(
                "token_expired",
                [f"interaction token used {age:.1f}s after dispatch, over {self.b.config.token_lifetime}s"],
                status=401,
                code=50027,
            )
        return record

    async def followup(self, request: web.Request) -> web.Response:
        record = self._by_token(request)
        if record.response_type is None or record.response_type in (8, 9):
            raise Refusal(
                "followup", ["follow-up before an initial message response or defer"], status=404, code=10015
            )
        body, uploads = await read_body(request)
        self.b.validate(body, Context.FOLLOWUP, uploads)
        self.b.check_mentions(body)
        original = self.b.messages.get(record.original_id or 0)
        if record.response_type == 5 and original is not None and original.loading:
            asked = bool(int(body.get("flags") or 0) & EPHEMERAL)
            if asked != original.ephemeral:
                self.b.note(
                    request,
                    "ephemeral",
                    f"follow-up asked for ephemeral={asked} but it fills in a "
                    f"deferred response that is ephemeral={original.ephemeral}; Discord keeps the "
                    "defer's visibility, so pass ephemeral= to defer()",
                )
            self.b.apply(original, body, uploads, from_interaction=True, edit=True)
            message = original
            await self.b.announce("MESSAGE_UPDATE", message)
        else:
            message = self._new_message(record, 0)
            self.b.apply(message, body, uploads, from_interaction=True, edit=False)
            await self.b.announce("MESSAGE_CREATE", message)
        record.followup_ids.append(message.id)
        if record.answered_at is None:
            record.answered_at = self._now()
        record.notify()
        if request.query.get("wait") in ("1", "true", "True"):
            return json_response(payloads.message(message, self.b.application_id))
        return no_content()

    def _target(self, record: InteractionRecord, message_id: str) -> StoredMessage:
        if message_id == "@original":
            if record.original_id is None:
                raise Refusal(
                    "unknown", ["@original used before any initial response"], status=404, code=10008
                )
            target = self.b.messages[record.original_id]
        else:
            known = {*record.followup_ids, record.original_id}
            found = self.b.messages.get(int(message_id)) if message_id.isdigit() else None
            if found is None or found.id not in known:
                raise Refusal(
                    "unknown", [f"message {message_id} is not from this interaction"], status=404, code=10008
                )
            target = found
        if target.deleted:
            raise Refusal("unknown", ["message was deleted"], status=404, code=10008)
        return target

    async def webhook_message(self, request: web.Request) -> web.Response:
        record = self._by_token(request)
        message = self._target(record, request.match_info["message_id"])
        if request.method == "GET":
            return json_response(payloads.message(message, self.b.application_id))
        if request.method == "DELETE":
            message.deleted = True
            await self.b.announce("MESSAGE_DELETE", message)
            record.notify()
            return no_content()
        body, uploads = await read_body(request)
        self.b.validate(body, Context.EDIT, uploads, ephemeral=message.ephemeral)
        filling_in = message.loading
        if filling_in:
            # Filling in a deferred response creates what users see, so it pings like a new message.
            self.b.check_mentions(body)
        self.b.apply(message, body, uploads, from_interaction=True, edit=True)
        if filling_in and record.answered_at is None:
            record.answered_at = self._now()
        await self.b.announce("MESSAGE_UPDATE", message)
        record.notify()
        return json_response(payloads.message(message, self.b.application_id))
