"""Acting on what the bot sent: clicking buttons, picking from select menus, submitting modals."""

from __future__ import annotations

from typing import Any

from . import payloads
from .driver import DriverCore
from .handles import InteractionHandle
from .interactions import MESSAGE_COMPONENT, MODAL_SUBMIT
from .invoke import Resolver, StandinUsageError, base_payload
from .state import Member, Role, StoredMessage, User

Json = dict[str, Any]
_SELECTS = {3: "string", 5: "user", 6: "role", 7: "mentionable", 8: "channel"}


class ComponentActions(DriverCore):
    def _component_payload(
        self, message: StoredMessage, custom_id: str, user: User | Member
    ) -> tuple[Json, Json]:
        user = user.user if isinstance(user, Member) else user
        current = self.backend.messages.get(message.id)
        if current is None or current.deleted:
            raise StandinUsageError(f"message {message.id} does not exist (or was deleted)")
        if current.author.id != self.backend.bot_user.id:
            raise StandinUsageError("components can only be used on the bot's messages")
        owner = (current.interaction or {}).get("user", {}).get("id")
        if current.ephemeral and owner != str(user.id):
            raise StandinUsageError("an ephemeral message is only visible to the user who invoked it")
        component = current.find_component(custom_id)
        if component is None:
            raise StandinUsageError(
                f"message {current.id} has no component {custom_id!r}: {current.custom_ids()}"
            )
        if component.get("disabled"):
            raise StandinUsageError(f"component {custom_id!r} is disabled")
        channel = self.backend.channels[current.channel_id]
        guild = self.backend.guilds.get(current.guild_id or 0)
        payload = base_payload(self.backend, MESSAGE_COMPONENT, user, guild, channel, user.locale)
        payload["message"] = payloads.message(current, self.backend.application_id)
        return payload, component

    async def click_button(
        self, message: StoredMessage, custom_id: str, user: User | Member
    ) -> InteractionHandle:
        payload, component = self._component_payload(message, custom_id, user)
        if component.get("type") != 2 or component.get("style") in (5, 6):
            raise StandinUsageError(f"{custom_id!r} is not a clickable (non-link) button")
        payload["data"] = {"custom_id": custom_id, "component_type": 2}
        record = self._record(
            payload,
            self._as_user(user),
            self.backend.channels[message.channel_id],
            custom_id,
            component_message_id=message.id,
        )
        return await self._dispatch(record)

    async def select(
        self, message: StoredMessage, custom_id: str, values: list[Any], user: User | Member
    ) -> InteractionHandle:
        """Pick ``values`` (option values; or User/Role/Channel objects for the other select kinds)."""
        payload, component = self._component_payload(message, custom_id, user)
        kind = component.get("type")
        if kind not in _SELECTS:
            raise StandinUsageError(f"{custom_id!r} is not a select menu")
        low, high = component.get("min_values", 1), component.get("max_values", 1)
        if not low <= len(values) <= high:
            raise StandinUsageError(f"select {custom_id!r} takes {low}..{high} values, got {len(values)}")
        channel = self.backend.channels[message.channel_id]
        data: Json = {"custom_id": custom_id, "component_type": kind}
        if kind == 3:
            offered = [o["value"] for o in component.get("options") or []]
            if any(v not in offered for v in values):
                raise StandinUsageError(f"select {custom_id!r} offers {offered}, got {values}")
            data["values"] = list(values)
        else:
            resolver = Resolver(self.backend, self.backend.guilds.get(channel.guild_id or 0), channel)
            data["values"] = [_resolve_select_value(resolver, kind, v) for v in values]
            data["resolved"] = resolver.resolved
        payload["data"] = data
        record = self._record(
            payload, self._as_user(user), channel, custom_id, component_message_id=message.id
        )
        return await self._dispatch(record)

    async def submit_modal(
        self, handle: InteractionHandle, values: dict[str, str], user: User | Member | None = None
    ) -> InteractionHandle:
        """Fill in and submit the modal the bot answered ``handle`` with (text inputs by custom_id)."""
        modal = handle.record.modal
        if modal is None:
            raise StandinUsageError("the bot did not answer this interaction with a modal")
        submitter = self._as_user(user) if user is not None else handle.record.user
        channel = handle.record.channel
        guild = self.backend.guilds.get(channel.guild_id or 0)
        payload = base_payload(self.backend, MODAL_SUBMIT, submitter, guild, channel, submitter.locale)
        payload["data"] = {"custom_id": modal["custom_id"], "components": _fill_modal(modal, values)}
        origin = handle.record.component_message_id
        if origin is not None:
            payload["message"] = payloads.message(self.backend.messages[origin], self.backend.application_id)
        record = self._record(payload, submitter, channel, modal["custom_id"], component_message_id=origin)
        return await self._dispatch(record)


def _resolve_select_value(resolver: Resolver, kind: int, value: Any) -> str:
    if kind == 6 or (kind == 7 and isinstance(value, Role)):
        return resolver.role(value)
    if kind == 8:
        return resolver.channel_option(value, None)
    return resolver.user(value)


def _fill_modal(modal: Json, values: dict[str, str]) -> list[Json]:
    """Echo the modal's inputs back with the user's values, in the shape discord.py expects."""

    def fill(component: Json) -> Json:
        custom_id = component.get("custom_id", "")
        if component.get("type") == 4:
            value = values.get(custom_id, component.get("value") or "")
            if component.get("required", True) and not value:
                raise StandinUsageError(f"modal input {custom_id!r} is required")
            if not component.get("min_length", 0) <= len(value) <= component.get("max_length", 4000):
                raise StandinUsageError(f"modal input {custom_id!r} length out of bounds")
            return {"type": 4, "custom_id": custom_id, "value": value}
        return {"type": component.get("type"), "custom_id": custom_id, "values": values.get(custom_id, [])}

    filled: list[Json] = []
    for row in modal.get("components") or []:
        if row.get("type") == 1:
            filled.append({"type": 1, "components": [fill(c) for c in row.get("components") or []]})
        elif row.get("type") == 18:
            filled.append({"type": 18, "component": fill(row["component"])})
    return filled
