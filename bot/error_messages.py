"""One mapping from a domain error to the message that explains it: a key and its values.

Every front (Discord, the text fronts, the web page) words errors from this mapping and only formats
the result in its own catalogue, so they cannot drift apart. Values are plain data or one of the
small wrappers below, which each front renders its own way: a nested message in the same language,
text the person typed (echoed cleaned and short), or a wait (a relative timestamp on Discord, whole
minutes in a post).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from bot.errors import (
    BannedError,
    FerryError,
    HandleTakenError,
    InvalidHandleError,
    InvalidInputError,
    LinkCodeError,
    MemberNotFoundError,
    NotRegisteredError,
    RateLimitedError,
    RegistrationClosedError,
    UnknownCommunityError,
    UnknownPlatformError,
)
from bot.models import Visibility
from bot.platforms.reasons import Reason
from bot.services.export_cache import EXPORT

HANDLE_REASONS = frozenset(reason.value for reason in Reason)
_RATE_KEYS = {"link-code": "error.link_code_rate", EXPORT: "error.export_rate"}


@dataclass(frozen=True, slots=True)
class Message:
    """A sentence to say, by key, with the values its template needs."""

    key: str
    values: Mapping[str, object] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class Typed:
    """Text a person typed, repeated back: a front strips what could reorder or ping, and shortens it."""

    text: str


@dataclass(frozen=True, slots=True)
class Wait:
    """How long until trying again is allowed, in seconds."""

    seconds: float


def describe(error: FerryError, *, outside: bool = False) -> Message:
    """The message for ``error``. ``outside``: the answer is seen beyond the community (a public post),
    so it must not confirm that a community-only entry exists."""
    if isinstance(error, RateLimitedError):
        key = _RATE_KEYS.get(error.action, "error.rate_limited")
        return Message(key, {"when": Wait(error.retry_after)})
    if isinstance(error, BannedError):
        return Message("error.banned")
    if isinstance(error, InvalidHandleError):
        reason = Message(f"reason.{error.reason}" if error.reason in HANDLE_REASONS else "reason.generic")
        return Message(
            "error.invalid_handle", {"platform": error.platform, "reason": reason, "example": error.example}
        )
    if isinstance(error, UnknownPlatformError):
        if error.disabled is not None:  # known to Ferry, only not enabled in this community
            return Message(
                "error.platform_not_enabled", {"name": error.disabled, "known": ", ".join(error.known)}
            )
        return Message("error.unknown_platform", {"name": Typed(error.name), "known": ", ".join(error.known)})
    if isinstance(error, NotRegisteredError):
        if error.platform is None:
            return Message("error.not_registered_any")
        return Message("error.not_registered", {"platform": error.platform})
    if isinstance(error, HandleTakenError):
        if outside and error.holder_visibility is not Visibility.PUBLIC:
            return Message("error.handle_refused", {"platform": error.platform})
        return Message("error.handle_taken", {"platform": error.platform, "handle": error.handle})
    if isinstance(error, MemberNotFoundError):
        if error.given is not None:
            return Message("error.member_target", {"given": Typed(error.given)})
        return Message("error.member_not_found")
    if isinstance(error, InvalidInputError):
        return Message(
            "error.invalid_input",
            {
                "field": Message(f"field.{error.field}"),
                "reason": Message(f"input.{error.reason.value}", error.params),
            },
        )
    if isinstance(error, UnknownCommunityError):
        return Message("error.unknown_community", {"slug": Typed(error.slug)})
    if isinstance(error, RegistrationClosedError):
        return Message("error.registration_closed", {"slug": error.community})
    if isinstance(error, LinkCodeError):
        return Message(f"error.link_code.{error.reason}")
    return Message("error.generic")
