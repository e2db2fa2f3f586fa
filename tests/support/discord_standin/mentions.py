"""Who a message would ping, and the policy that keeps a directory bot from pinging anyone by accident.

Ferry echoes user-supplied text (handles, display names) into channels, so a stray ``@everyone`` or
``<@&role>`` in that text must never notify. The policy therefore demands an explicit
``allowed_mentions`` on every request that creates a visible message, with ``everyone`` and ``roles``
off unless a test opts in; explicitly listed users (``AllowedMentions(users=[member])``) are fine.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

SUPPRESS_EMBEDS = 1 << 2
EPHEMERAL = 1 << 6
LOADING = 1 << 7
SUPPRESS_NOTIFICATIONS = 1 << 12
IS_VOICE_MESSAGE = 1 << 13
IS_COMPONENTS_V2 = 1 << 15
ALLOWED_CREATE_FLAGS = (
    SUPPRESS_EMBEDS | EPHEMERAL | SUPPRESS_NOTIFICATIONS | IS_VOICE_MESSAGE | IS_COMPONENTS_V2
)

_USER = re.compile(r"<@!?(\d+)>")
_ROLE = re.compile(r"<@&(\d+)>")
_EVERYONE = re.compile(r"@(everyone|here)\b")


@dataclass
class MentionPolicy:
    """What the stand-in tolerates in ``allowed_mentions``; tests flip a field to opt in."""

    require_allowed_mentions: bool = True
    everyone: bool = False
    roles: bool = False
    parse_users: bool = False

    def check(self, allowed: dict[str, Any] | None) -> list[str]:
        if allowed is None:
            if self.require_allowed_mentions:
                advice = "build the bot with allowed_mentions=discord.AllowedMentions.none()"
                return [f"no allowed_mentions: Discord would parse mentions from the content; {advice}"]
            return []
        parse = set(allowed.get("parse") or [])
        problems: list[str] = []
        if "everyone" in parse and not self.everyone:
            problems.append("allowed_mentions lets @everyone/@here ping (parse includes 'everyone')")
        if ("roles" in parse or allowed.get("roles")) and not self.roles:
            problems.append("allowed_mentions lets roles ping")
        if "users" in parse and not self.parse_users:
            problems.append("allowed_mentions parses every user mention; list the users to ping instead")
        return problems


@dataclass(frozen=True)
class Pings:
    """Who actually gets notified by a message, as Discord would resolve it."""

    users: frozenset[int] = field(default_factory=frozenset)
    roles: frozenset[int] = field(default_factory=frozenset)
    everyone: bool = False

    @property
    def anyone(self) -> bool:
        return bool(self.users or self.roles or self.everyone)


def resolve_pings(content: str | None, allowed: dict[str, Any] | None, *, from_interaction: bool) -> Pings:
    """Apply Discord's rules: without ``allowed_mentions`` a normal message parses everything and an
    interaction message or webhook parses users only."""
    text = content or ""
    if allowed is None:
        parse = {"users"} if from_interaction else {"users", "roles", "everyone"}
        listed_users: set[int] = set()
        listed_roles: set[int] = set()
    else:
        parse = set(allowed.get("parse") or [])
        listed_users = {int(u) for u in allowed.get("users") or []}
        listed_roles = {int(r) for r in allowed.get("roles") or []}
    users = {int(u) for u in _USER.findall(text)}
    roles = {int(r) for r in _ROLE.findall(text)}
    return Pings(
        users=frozenset(users if "users" in parse else users & listed_users),
        roles=frozenset(roles if "roles" in parse else roles & listed_roles),
        everyone="everyone" in parse and _EVERYONE.search(text) is not None,
    )
