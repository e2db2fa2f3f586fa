"""Domain errors. Fronts map these to their own answers; none carries a front's wording.

Each error keeps the facts a front needs to render a specific message (platform, example, limit)
rather than a pre-rendered English sentence, so the text stays translatable.
"""

from __future__ import annotations

import enum

from bot.models import Visibility


class FerryError(Exception):
    """Base of every error a front is expected to show to a user."""


class InvalidHandleError(FerryError):
    """The text is not a valid handle on the platform."""

    def __init__(self, platform: str, reason: str, example: str) -> None:
        super().__init__(f"invalid {platform} handle: {reason} (example: {example})")
        self.platform = platform
        self.reason = reason  # a short machine-readable code, see bot.platforms.reasons
        self.example = example


class UnknownPlatformError(FerryError):
    """No platform (or alias) by that name is enabled in the community.

    ``disabled`` is the display name when the name is a platform Ferry knows that this community
    did not enable, so the answer can say "not enabled here" rather than "unknown".
    """

    def __init__(self, name: str, known: tuple[str, ...], *, disabled: str | None = None) -> None:
        super().__init__(f"platform {name!r} is not enabled" if disabled else f"unknown platform {name!r}")
        self.name = name
        self.known = known
        self.disabled = disabled


class UnknownCommunityError(FerryError):
    """No community has that slug."""

    def __init__(self, slug: str) -> None:
        super().__init__(f"unknown community {slug!r}")
        self.slug = slug


class NotRegisteredError(FerryError):
    """The member has no handle on that platform (or no entry at all when ``platform`` is None)."""

    def __init__(self, platform: str | None) -> None:
        super().__init__(f"not registered on {platform}" if platform else "not registered")
        self.platform = platform


class HandleTakenError(FerryError):
    """Another member of the community already registered this handle.

    ``holder_visibility`` is the visibility of that member's entry when known: a front outside the
    community may say the handle is taken only when the entry is public anyway.
    """

    def __init__(self, platform: str, handle: str, holder_visibility: Visibility | None = None) -> None:
        super().__init__(f"{platform} handle {handle!r} is already registered by another member")
        self.platform = platform
        self.handle = handle
        self.holder_visibility = holder_visibility


class RegistrationClosedError(FerryError):
    """This front does not take registrations into that community (``[bluesky] registration_communities``).

    Raised before any lookup, so the refusal says nothing about the community's members.
    """

    def __init__(self, community: str) -> None:
        super().__init__(f"community {community!r} takes no registrations from here")
        self.community = community


class MemberNotFoundError(FerryError):
    """No member matches the identity or id given."""

    def __init__(self, *args: object, given: str | None = None) -> None:
        super().__init__(*args)
        self.given = given  # what an admin typed to name a member, when it named nobody


class InputReason(enum.StrEnum):
    """Why input was refused; each front words ``input.<value>`` with the error's ``params``."""

    OUT_OF_RANGE = "out_of_range"  # low, high
    TOO_LONG = "too_long"  # limit (characters)
    ONE_OF = "one_of"  # choices
    BAD_TEMPLATE = "bad_template"  # placeholders
    EMPTY_FILE = "empty_file"
    TOO_MANY_ROWS = "too_many_rows"  # limit
    MISSING_COLUMNS = "missing_columns"  # columns
    NO_IDENTITY_COLUMN = "no_identity_column"
    DUPLICATE_ROW = "duplicate_row"  # line
    SAME_PERSON = "same_person"  # line
    HANDLE_ELSEWHERE = "handle_elsewhere"  # line
    PLATFORM_TWICE = "platform_twice"  # platform, line
    NO_HANDLE = "no_handle"
    NO_IDENTITY = "no_identity"
    NOT_DISCORD_ID = "not_discord_id"
    NOT_DID = "not_did"
    NAME_KEY_TOO_LONG = "name_key_too_long"  # limit


class InvalidInputError(FerryError):
    """Input that is not a handle but still bad: a name, a search term, a page, a file.

    ``field`` names what was bad (a front words it as ``field.<field>``); ``reason`` and ``params``
    say why, as values, so no English reaches a translated answer.
    """

    def __init__(self, field: str, reason: InputReason, **params: object) -> None:
        details = ", ".join(f"{name}={value}" for name, value in params.items())
        super().__init__(f"invalid {field}: {reason.value}" + (f" ({details})" if details else ""))
        self.field = field
        self.reason = reason
        self.params = params


class BannedError(FerryError):
    """An admin banned this member from registering in the community."""


class RateLimitedError(FerryError):
    """The member sent too many commands of one kind too quickly; they may try again later."""

    def __init__(self, action: str, retry_after: float) -> None:
        super().__init__(f"too many {action} requests; retry in {retry_after:.0f} s")
        self.action = action  # what was limited, e.g. "register" or "link-code"
        self.retry_after = retry_after  # seconds until one more is allowed


class LinkCodeError(FerryError):
    """A linking code was refused. ``reason`` is one of LINK_CODE_REASONS, for each front to word."""

    def __init__(self, reason: str) -> None:
        super().__init__(f"link code refused: {reason}")
        self.reason = reason


# Why a linking code is refused: never found (a typo or a guess), past its 15 minutes, already used,
# presented from a different Bluesky account than the one that used it, too many failed tries, or
# one of the two members is banned.
LINK_CODE_REASONS = ("unknown", "expired", "used", "other_account", "too_many_attempts", "banned")
