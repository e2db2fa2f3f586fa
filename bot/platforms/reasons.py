"""Why a handle was rejected, as short codes that fronts translate into their own words.

``InvalidHandleError.reason`` always holds one of these values, so a front can switch on it and keep
every sentence in its own message catalogue.
"""

from __future__ import annotations

import enum


class Reason(enum.StrEnum):
    """A machine-readable reason for rejecting a handle."""

    # Shape and length
    EMPTY = "empty"
    TOO_SHORT = "too_short"
    TOO_LONG = "too_long"
    INVALID_FORMAT = "invalid_format"  # does not match the platform's pattern
    RESERVED_NAME = "reserved_name"  # a site path such as x.com/home, not a person
    CONTAINS_WHITESPACE = "contains_whitespace"

    # Characters
    CONTROL_CHARACTER = "control_character"  # Cc, including NUL, tab and newline
    INVISIBLE_CHARACTER = "invisible_character"  # Cf, bidi controls, zero-width, tags, selectors
    BAD_ENCODING = "bad_encoding"  # lone surrogates: text that was never valid UTF-8
    UNSUPPORTED_CHARACTER = "unsupported_character"  # private use, unassigned, noncharacters
    EXCESS_MARKS = "excess_marks"  # stacked combining marks ("zalgo")
    NOT_ASCII = "not_ascii"  # letters the platform does not allow
    MIXED_SCRIPT = "mixed_script"  # letters from alphabets that do not belong together
    CONFUSABLE = "confusable"  # look-alikes of ASCII letters, such as Cyrillic U+0430 for "a"

    # Pasted links
    UNSUPPORTED_SCHEME = "unsupported_scheme"  # javascript:, data:, file:, "://x"
    BAD_URL = "bad_url"  # unparsable, or with a user name, password or port
    UNSUPPORTED_HOST = "unsupported_host"  # a link to another site
    NOT_PROFILE_URL = "not_profile_url"  # a post, a search page or a site page, not a profile
    SHORT_LINK = "short_link"  # xhslink.com, vt.tiktok.com...: never followed, ask for the full link

    # Platform specifics
    MISSING_DOMAIN = "missing_domain"  # "alice" where alice.bsky.social or alice@mastodon.social is needed
    RESERVED_DOMAIN = "reserved_domain"  # .local, .onion, localhost, handle.invalid
    LOOKALIKE_DOMAIN = "lookalike_domain"  # an xn-- (punycode) label spelling look-alikes or mixing alphabets
    IP_ADDRESS = "ip_address"  # a server given by IP rather than by name
    PORT_NOT_ALLOWED = "port_not_allowed"  # host:8080
    BAD_DID = "bad_did"  # a malformed or unsupported did:plc / did:web
    BAD_PROFILE_ID = "bad_profile_id"  # a RedNote id that is not 24 hex digits


class RejectError(Exception):
    """Raised inside the pipeline; :func:`bot.platforms.normalise` turns it into ``InvalidHandleError``."""

    def __init__(self, reason: Reason) -> None:
        super().__init__(reason.value)
        self.reason = reason
