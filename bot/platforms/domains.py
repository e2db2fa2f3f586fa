"""DNS-name rules shared by Bluesky handles, Mastodon servers and configured URL hosts.

Only public names pass: no IP literals, ports, single labels or special-use top-level domains.
We never connect to these names, but a handle on ``localhost`` or ``10.0.0.1`` is always a mistake
or a probe, and its profile link would point somewhere private.
"""

from __future__ import annotations

import ipaddress

import idna

from bot.platforms._regex import fullmatch
from bot.platforms.reasons import Reason
from bot.platforms.unicode_safety import character_problem, is_lookalike

MAX_DOMAIN = 253
_LABEL = r"[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?"
# At least two labels, the last one not starting with a digit (atproto handle syntax; RFC 1123).
DOMAIN_PATTERN = rf"(?:{_LABEL}\.)+[a-z](?:[a-z0-9-]{{0,61}}[a-z0-9])?"
LABEL_PATTERN = _LABEL

_ACE_PREFIX = "xn--"  # an internationalised label, in its ASCII (punycode) form

# Special-use names (RFC 6761, RFC 9476, ICANN .internal) that never reach a public account,
# as listed by the atproto handle spec.
RESERVED_TLDS = frozenset({"alt", "arpa", "example", "internal", "invalid", "local", "localhost", "onion"})


def domain_problem(domain: str) -> Reason | None:
    """Why ``domain`` (already lower-case) is not a public DNS name, or None when it is."""
    bare = domain.removeprefix("[").removesuffix("]")
    if _is_ip(bare) or (domain.startswith("[") and "]" in domain):
        return Reason.IP_ADDRESS
    if ":" in domain:
        host = domain.rpartition(":")[0]
        return Reason.IP_ADDRESS if _is_ip(host.strip("[]")) else Reason.PORT_NOT_ALLOWED
    if len(domain) > MAX_DOMAIN:
        return Reason.TOO_LONG
    tld = domain.rpartition(".")[2]
    if domain == "localhost" or tld in RESERVED_TLDS:
        return Reason.RESERVED_DOMAIN
    if "." not in domain:
        # "alice" is a name without its server; "al!ce" is simply not a name.
        return Reason.MISSING_DOMAIN if fullmatch(_LABEL, domain, own=True) else Reason.INVALID_FORMAT
    if fullmatch(DOMAIN_PATTERN, domain, own=True) is None:
        return Reason.INVALID_FORMAT
    return _punycode_problem(domain)


def _punycode_problem(domain: str) -> Reason | None:
    """Judge each ``xn--`` label by the letters it stands for, not by its ASCII spelling.

    ``xn--80ak6aa92e.com`` is ASCII, so the script checks would wave it through, yet every browser
    and app shows it in Cyrillic letters that look exactly like "apple.com".
    """
    for label in domain.split("."):
        if not label.startswith(_ACE_PREFIX):
            continue
        try:
            decoded = idna.decode(label)
        except idna.IDNAError:
            # Not valid punycode, or letters IDNA 2008 forbids: no registry issues such a name.
            return Reason.INVALID_FORMAT
        if character_problem(decoded) is not None or is_lookalike(decoded):
            return Reason.LOOKALIKE_DOMAIN
    return None


def _is_ip(text: str) -> bool:
    try:
        ipaddress.ip_address(text)
    except ValueError:
        return False
    return True
