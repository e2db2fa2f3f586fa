"""Domain errors. Fronts map these to their own answers; none carries a front's wording.

Each error keeps the facts a front needs to render a specific message (platform, example, limit)
rather than a pre-rendered English sentence, so the text stays translatable.
"""

from __future__ import annotations


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
    """No platform (or alias) by that name is enabled in the community."""

    def __init__(self, name: str, known: tuple[str, ...]) -> None:
        super().__init__(f"unknown platform {name!r}")
        self.name = name
        self.known = known


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
    """Another member of the community already registered this handle."""

    def __init__(self, platform: str, handle: str) -> None:
        super().__init__(f"{platform} handle {handle!r} is already registered by another member")
        self.platform = platform
        self.handle = handle


class MemberNotFoundError(FerryError):
    """No member matches the identity or id given."""


class InvalidInputError(FerryError):
    """Input that is not a handle but still bad: a name, a search term, a cursor, a file."""

    def __init__(self, field: str, reason: str) -> None:
        super().__init__(f"invalid {field}: {reason}")
        self.field = field
        self.reason = reason
