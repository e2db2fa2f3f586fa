"""Links people paste instead of a handle, and the profile-link templates the catalogue fills.

A pasted link is only ever parsed, never fetched: short links (``xhslink.com``) would need a request
to a user-chosen URL to resolve, so they are refused with a reason that asks for the full link.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Collection, Mapping
from dataclasses import dataclass
from urllib.parse import unquote, urlsplit

from bot.platforms._regex import Match, fullmatch
from bot.platforms.builtins import SHIPPED_PATTERNS
from bot.platforms.domains import DOMAIN_PATTERN
from bot.platforms.reasons import Reason, RejectError
from bot.platforms.spec import HandleKind
from bot.platforms.unicode_safety import character_problem

# Hosts whose links only redirect elsewhere. Global rather than per platform, so a TikTok short
# link pasted for Lemon8 still gets the helpful reason.
SHORT_LINK_HOSTS = frozenset(
    {
        "xhslink.com",
        "vt.tiktok.com",
        "vm.tiktok.com",
        "s.lemon8-app.com",
        "v.lemon8-app.com",
        "youtu.be",
        "go.bsky.app",
        "t.co",
        "bit.ly",
        "tinyurl.com",
        "fb.me",
        "on.fb.me",
    }
)
# Subdomains that serve the same profiles as the bare host.
_MIRROR_PREFIXES = ("", "www.", "m.", "mobile.")
# Schemes someone might paste that are never a profile link; refusing them by name gives a clear
# reason instead of "invalid format", and keeps javascript:/data: out of everything downstream.
_REFUSED_SCHEMES = frozenset(
    {"javascript", "data", "file", "vbscript", "blob", "about", "mailto", "tel", "ftp", "ws", "wss", "intent"}
)
_LINK_SCHEMES = frozenset({"http", "https"})
_SCHEME_RE = re.compile(r"([A-Za-z][A-Za-z0-9+.-]*):")
_BARE_HOST_RE = re.compile(r"[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,63}(?::[0-9]*)?")
_PLACEHOLDER_RE = re.compile(r"\{([^{}]*)\}")


@dataclass(frozen=True, slots=True)
class PastedUrl:
    """A pasted http(s) link, reduced to what identifies a profile: query and fragment are dropped."""

    host: str  # lower-case, as written (``www.`` kept; see :func:`host_matches`)
    path: str  # percent-decoded once


def split_url(text: str) -> PastedUrl | None:
    """Parse ``text`` as a link, or return None when it does not look like one.

    Raises :class:`RejectError` for links that can never be a profile: other schemes, user names or
    passwords in the authority (``https://bsky.app@evil.example/``), ports, short links.
    """
    if text.startswith(("://", "//")):
        raise RejectError(Reason.UNSUPPORTED_SCHEME)
    scheme = _SCHEME_RE.match(text)
    name = scheme[1].lower() if scheme is not None else ""
    if scheme is not None and (
        text[scheme.end() :].startswith("//") or name in _REFUSED_SCHEMES | _LINK_SCHEMES
    ):
        if name not in _LINK_SCHEMES:
            raise RejectError(Reason.UNSUPPORTED_SCHEME)
        url = text
    elif "/" in text and _BARE_HOST_RE.fullmatch(text.partition("/")[0]):
        url = "https://" + text  # "instagram.com/name" typed without a scheme
    else:
        return None
    try:
        parts = urlsplit(url)
        port = parts.port
        path = unquote(parts.path, errors="strict")
    except (ValueError, UnicodeDecodeError):
        raise RejectError(Reason.BAD_URL) from None
    host = parts.hostname or ""
    if "@" in parts.netloc or not host:
        raise RejectError(Reason.BAD_URL)
    if port is not None or parts.netloc.endswith(":"):
        raise RejectError(Reason.PORT_NOT_ALLOWED)
    if host in SHORT_LINK_HOSTS:
        raise RejectError(Reason.SHORT_LINK)
    return PastedUrl(host=host, path=path)


def host_matches(host: str, hosts: Collection[str]) -> bool:
    """Whether ``host`` is one of ``hosts`` or its ``www.``/``m.``/``mobile.`` mirror."""
    return any(host == prefix + known for known in hosts for prefix in _MIRROR_PREFIXES)


def spec_fullmatch(pattern: str, text: str) -> Match | None:
    """All of ``text`` against a platform's ``pattern`` or ``url_path_pattern``: a built-in one runs
    without the time limit, one an admin set keeps it."""
    return fullmatch(pattern, text, own=pattern in SHIPPED_PATTERNS)


def profile_path_handle(path: str, path_pattern: str | None) -> str:
    """The ``handle`` group of a profile link's path; raises :class:`RejectError` for other pages."""
    if not path_pattern:
        raise RejectError(Reason.NOT_PROFILE_URL)
    found = spec_fullmatch(path_pattern, path)
    handle = found.group("handle") if found is not None else None
    if not handle:
        raise RejectError(Reason.NOT_PROFILE_URL)
    # Percent-decoding may have produced characters the raw text could not carry.
    problem = character_problem(handle)
    if problem is not None:
        raise RejectError(problem)
    return handle


def template_placeholders(kind: HandleKind) -> frozenset[str]:
    """Names a profile-link template of this kind may use."""
    return frozenset({"handle", "user", "domain"} if kind is HandleKind.MASTODON else {"handle"})


def template_problems(template: str, kind: HandleKind) -> list[str]:
    """Why ``template`` cannot be a profile-link template, as sentences for an administrator.

    The host must be written out (user text may only fill the path), so no handle can turn a
    link into one to another site. Mastodon is the one exception: its host is the account's own
    server, ``{domain}``, which the normaliser has checked is a public DNS name.
    """
    problems: list[str] = []
    if not template.startswith("https://"):
        problems.append("must start with https://")
    # Judge the host even when the scheme is wrong, so one pass reports both problems.
    authority, slash, _ = template.partition("://")[2].partition("/")
    names = _PLACEHOLDER_RE.findall(template)
    allowed = template_placeholders(kind)
    unknown = sorted(set(names) - allowed)
    if unknown:
        problems.append(f"unknown placeholder {{{unknown[0]}}}; allowed: " + ", ".join(sorted(allowed)))
    if "{" in _PLACEHOLDER_RE.sub("", template) or "}" in _PLACEHOLDER_RE.sub("", template):
        problems.append("has an unmatched { or }")
    identifying = names.count("handle") == 1 or (names.count("user") == 1 and names.count("domain") == 1)
    if not identifying or any(names.count(name) > 1 for name in allowed):
        alternative = " (or {user} and {domain} once each)" if kind is HandleKind.MASTODON else ""
        problems.append("must contain {handle} exactly once" + alternative)
    own_server = kind is HandleKind.MASTODON and authority == "{domain}"
    if not own_server and fullmatch(DOMAIN_PATTERN, authority, own=True) is None:
        problems.append("the host after https:// must be a plain domain name, with no placeholder or port")
    if not slash:
        problems.append("needs a path after the host, such as https://example.com/{handle}")
    return problems


@functools.lru_cache(maxsize=256)
def template_is_valid(template: str, kind: HandleKind) -> bool:
    """Whether :func:`template_problems` finds nothing (cached: links are built on every page)."""
    return not template_problems(template, kind)


def fill_template(template: str, values: Mapping[str, str]) -> str:
    """Substitute already URL-safe ``values`` into a template that passed :func:`template_problems`."""
    return _PLACEHOLDER_RE.sub(lambda found: values[found[1]], template)
