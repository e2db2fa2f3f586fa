"""Value types for what administrators type into config files.

Each validator raises a ``PydanticCustomError`` of type ``ferry`` whose context carries a ``hint``,
so the loader can tell the administrator how to fix the value without ever echoing it back.
"""

from __future__ import annotations

import re
import unicodedata
from typing import Annotated, Any
from urllib.parse import urlsplit

from pydantic import AfterValidator, BeforeValidator, Field, StringConstraints
from pydantic_core import PydanticCustomError

ERROR_TYPE = "ferry"

SLUG_RE = re.compile(r"^[a-z0-9][a-z0-9-]{1,31}$")
PLATFORM_KEY_RE = re.compile(r"^[a-z][a-z0-9_-]{0,31}$")  # the same rule as PlatformSpec.key
MAX_URL_LENGTH = 512
MAX_SNOWFLAKE = 2**64 - 1

# Characters that render as nothing or reorder what follows (bidi controls and zero-width joiners
# are Cf), so a label could look different from what it says. bot.services.names drops the same
# categories from display names; line and paragraph separators are refused here too.
_INVISIBLE_CATEGORIES = frozenset({"Cc", "Cf", "Cs", "Co", "Cn", "Zl", "Zp"})


def invalid(message: str, hint: str) -> PydanticCustomError:
    """A validation error the loader turns into a ConfigProblem with this message and hint."""
    return PydanticCustomError(ERROR_TYPE, "{message}", {"message": message, "hint": hint})


def first_invisible(text: str) -> str | None:
    """A description of the first invisible or direction-changing character, or None."""
    for position, char in enumerate(text, start=1):
        if unicodedata.category(char) in _INVISIBLE_CATEGORIES:
            name = unicodedata.name(char, "unnamed character")
            return f"U+{ord(char):04X} {name} at character {position}"
    return None


def check_visible(value: str) -> str:
    """Return ``value`` unchanged, or raise when it holds an invisible or direction-changing character."""
    found = first_invisible(value)
    if found is not None:
        raise invalid(
            f"contains an invisible or direction-changing character ({found})",
            "retype the text without it; such characters can make text look different from what it says",
        )
    return value


def _admin_text(value: str) -> str:
    # NFC so that the same label typed on two keyboards compares equal.
    return check_visible(unicodedata.normalize("NFC", value))


def _snowflake(value: Any) -> Any:
    # Checked before int validation so a quoted id gets a precise hint instead of "not an integer".
    if isinstance(value, str):
        raise invalid("a Discord id must be a number", "write it without quotes, e.g. 123456789012345678")
    if isinstance(value, bool) or not isinstance(value, int):
        raise invalid(
            "a Discord id must be a whole number", "copy it with Discord's 'Copy ID' (developer mode)"
        )
    if not 0 < value <= MAX_SNOWFLAKE:
        raise invalid("is not a Discord id", "Discord ids are positive numbers below 2**64")
    return value


def _slug(value: str) -> str:
    if not SLUG_RE.fullmatch(value):
        raise invalid(
            "is not a valid community slug",
            "2-32 characters: lower-case letters a-z, digits and '-', not starting with '-', e.g. \"demo\"",
        )
    return value


def _platform_key(value: str) -> str:
    if not PLATFORM_KEY_RE.fullmatch(value):
        raise invalid(
            "is not a valid platform key",
            "1-32 characters: lower-case a-z first, then a-z, digits, '_' or '-', e.g. \"rednote\"",
        )
    return value


def _https_url(value: str) -> str:
    # The URL itself is never repeated in a message: a pasted link may carry a private token.
    if len(value) > MAX_URL_LENGTH:
        raise invalid(f"URL is longer than {MAX_URL_LENGTH} characters", "use the shortest public link")
    if any(char.isspace() for char in value) or first_invisible(value) is not None:
        raise invalid("URL contains spaces or invisible characters", "percent-encode them or retype the URL")
    try:
        parts = urlsplit(value)
        _ = parts.port  # raises ValueError on a malformed port
    except ValueError:
        raise invalid(
            "is not a valid URL", "write a full link such as https://bsky.app/profile/..."
        ) from None
    if parts.scheme.lower() != "https":
        raise invalid("URL must start with https://", "links people follow must be encrypted; use https")
    if parts.username is not None or parts.password is not None:
        raise invalid(
            "URL contains a user name or password",
            "remove the part before '@'; secrets never go in config files",
        )
    if not parts.hostname or "." not in parts.hostname:
        raise invalid("URL has no valid host name", "write a full link such as https://bsky.app/profile/...")
    return value


def _text(max_length: int) -> StringConstraints:
    return StringConstraints(strip_whitespace=True, min_length=1, max_length=max_length)


# Free text an administrator types: surrounding blanks stripped, never empty, no invisible characters.
Label = Annotated[str, _text(80), AfterValidator(_admin_text)]
Note = Annotated[str, _text(200), AfterValidator(_admin_text)]
CommunityName = Annotated[str, _text(100), AfterValidator(_admin_text)]
Slug = Annotated[str, AfterValidator(_slug)]
PlatformKey = Annotated[str, AfterValidator(_platform_key)]
HttpsUrl = Annotated[str, StringConstraints(strip_whitespace=True), AfterValidator(_https_url)]
Snowflake = Annotated[int, BeforeValidator(_snowflake), Field(gt=0, le=MAX_SNOWFLAKE)]
"""A Discord id: a positive integer below 2**64, never a quoted string."""
