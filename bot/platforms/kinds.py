"""One normaliser per :class:`HandleKind`, each turning prepared text into ``(handle, key)``.

The text reaching these has been length-capped, stripped, checked for control and invisible
characters and NFC-normalised by :func:`bot.platforms.normalise`. Every rejection raises
:class:`RejectError`; the caller attaches the platform's name and example.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Callable, Mapping
from urllib.parse import quote

from bot.platforms._regex import fullmatch
from bot.platforms.domains import domain_problem
from bot.platforms.reasons import Reason, RejectError
from bot.platforms.spec import HandleKind, PlatformSpec
from bot.platforms.unicode_safety import script_problem
from bot.platforms.urls import host_matches, profile_path_handle, spec_fullmatch, split_url

MASTODON_USER_MAX = 30  # Mastodon's own limit for local accounts (app/models/account.rb)
_MASTODON_USER = r"[a-z0-9_]+(?:[.-]+[a-z0-9_]+)*"
_DID_PLC = r"did:plc:[a-z2-7]{24}"
_DID_WEB = r"did:web:(?P<domain>.+)"
REDNOTE_USER_ID = r"[0-9a-f]{24}"
YOUTUBE_CHANNEL = r"UC[A-Za-z0-9_-]{22}"
YOUTUBE_MIN = 3

Normaliser = Callable[[PlatformSpec, str], tuple[str, str]]


def handle_key(handle: str, case_insensitive: bool) -> str:
    """The uniqueness key: NFKC, and case-folded where the platform ignores case."""
    folded = unicodedata.normalize("NFKC", handle)
    return unicodedata.normalize("NFKC", folded.casefold()) if case_insensitive else folded


def generic(spec: PlatformSpec, text: str) -> tuple[str, str]:
    """Driven by the spec alone: link extraction, pattern, case, reserved names, script checks."""
    candidate, from_url = _candidate(spec, text)
    return _finish(spec, candidate, from_url=from_url)


def bluesky(spec: PlatformSpec, text: str) -> tuple[str, str]:
    """A domain handle (``alice.bsky.social``) or a DID, from text or a bsky.app profile link.

    DIDs are accepted because bsky.app links often carry them and they never change; without a
    network lookup a DID and its handle are separate keys, so both forms of one account can
    coexist until the service resolves them.
    """
    candidate, from_url = _candidate(spec, text, domains_are_handles=True)
    lowered = candidate.lower()
    if lowered.startswith("did:"):
        return _did(lowered)
    _check_script(spec, candidate)
    _check_domain(lowered)
    return _finish(spec, candidate, from_url=from_url)


def mastodon(spec: PlatformSpec, text: str) -> tuple[str, str]:
    """``user@server``, ``@user@server`` or ``https://server/@user``, on a public DNS name only."""
    url = split_url(text)
    if url is not None:
        if spec.url_hosts and not host_matches(url.host, spec.url_hosts):
            raise RejectError(Reason.UNSUPPORTED_HOST)
        _check_domain(url.host)
        body = profile_path_handle(url.path, spec.url_path_pattern)
        if "@" not in body:  # https://server/@user; https://server/@user@other is a remote account
            body = f"{body}@{url.host}"
    else:
        body = _strip_at(text)
    _check_script(spec, body)
    user, at, domain = body.partition("@")
    if not at:
        known = fullmatch(_MASTODON_USER, user.lower(), own=True)
        raise RejectError(Reason.MISSING_DOMAIN if known else Reason.INVALID_FORMAT)
    if not user or "@" in domain:
        raise RejectError(Reason.INVALID_FORMAT)
    _check_domain(domain.lower())
    if len(user) > MASTODON_USER_MAX:
        raise RejectError(Reason.TOO_LONG)
    return _finish(spec, f"{user}@{domain.lower()}", from_url=url is not None)


def rednote(spec: PlatformSpec, text: str) -> tuple[str, str]:
    """The 24-hex user id (from text or a profile link; linkable) or a RED ID (小红书号; not linkable).

    A hex string one or a few characters off 24 is refused rather than stored as a RED ID: it is
    far more likely a user id with a character lost or doubled than someone's chosen RED ID.
    """
    candidate, from_url = _candidate(spec, text)
    lowered = candidate.lower()
    if fullmatch(REDNOTE_USER_ID, lowered, own=True):
        return lowered, lowered
    if from_url or _looks_like_mistyped_user_id(lowered):
        raise RejectError(Reason.BAD_PROFILE_ID)
    return _finish(spec, candidate, from_url=False)


def youtube(spec: PlatformSpec, text: str) -> tuple[str, str]:
    """An ``@handle`` (stored with its ``@``) or a ``UC…`` channel id (case-sensitive, as given)."""
    url = split_url(text)
    if url is not None:
        if not host_matches(url.host, spec.url_hosts):
            raise RejectError(Reason.UNSUPPORTED_HOST)
        candidate = profile_path_handle(url.path, spec.url_path_pattern)
        if not candidate.startswith("@") and not fullmatch(YOUTUBE_CHANNEL, candidate, own=True):
            raise RejectError(Reason.NOT_PROFILE_URL)  # /watch, /results, legacy /c/ and /user/ names
    else:
        candidate = text
    if fullmatch(YOUTUBE_CHANNEL, candidate, own=True):
        return candidate, candidate
    name = _strip_at(candidate)
    if not name:
        raise RejectError(Reason.EMPTY)
    _check_script(spec, name)
    if len(name) < YOUTUBE_MIN:
        raise RejectError(Reason.TOO_SHORT)
    return _finish(spec, "@" + name, from_url=url is not None)


NORMALISERS: Mapping[HandleKind, Normaliser] = {
    HandleKind.GENERIC: generic,
    HandleKind.BLUESKY: bluesky,
    HandleKind.MASTODON: mastodon,
    HandleKind.REDNOTE: rednote,
    HandleKind.YOUTUBE: youtube,
}


def link_values(spec: PlatformSpec, handle: str) -> dict[str, str] | None:
    """URL-safe values for the profile template of a canonical ``handle``, or None if unlinkable.

    Values are percent-encoded here so that nothing a person typed can end the path, start a
    query or reach the host; ``@`` and ``:`` stay readable (both are legal in a path).
    """
    if spec.kind is HandleKind.REDNOTE:
        # Only the user id appears in profile URLs; a RED ID cannot be turned into a link.
        return {"handle": handle} if fullmatch(REDNOTE_USER_ID, handle, own=True) else None
    if spec.kind is HandleKind.YOUTUBE and fullmatch(YOUTUBE_CHANNEL, handle, own=True):
        return {"handle": "channel/" + handle}
    values = {"handle": quote(handle, safe="@:")}
    if spec.kind is HandleKind.MASTODON:
        user, _, domain = handle.partition("@")
        values |= {"user": quote(user, safe=""), "domain": domain}
    return values


def _candidate(spec: PlatformSpec, text: str, *, domains_are_handles: bool = False) -> tuple[str, bool]:
    """The handle part of ``text``, and whether it came out of a link."""
    url = split_url(text)
    if url is not None:
        if not host_matches(url.host, spec.url_hosts):
            raise RejectError(Reason.UNSUPPORTED_HOST)
        return profile_path_handle(url.path, spec.url_path_pattern), True
    if not domains_are_handles and host_matches(text.lower().rstrip("/"), spec.url_hosts):
        raise RejectError(Reason.NOT_PROFILE_URL)  # "instagram.com" on its own is the site, not a person
    return _strip_at(text), False


def _finish(spec: PlatformSpec, candidate: str, *, from_url: bool) -> tuple[str, str]:
    """The checks every kind ends with: scripts, case, length, pattern, reserved names."""
    if not candidate:
        raise RejectError(Reason.EMPTY)
    _check_script(spec, candidate)
    # Lower-casing can leave text that is not NFC (e.g. "İ" becomes "i" plus a combining dot).
    handle = unicodedata.normalize("NFC", candidate.lower()) if spec.case_insensitive else candidate
    if len(handle) > spec.max_length:
        raise RejectError(Reason.TOO_LONG)
    if spec_fullmatch(spec.pattern, handle) is None:
        raise RejectError(Reason.INVALID_FORMAT)
    if handle.casefold() in {name.casefold() for name in spec.reserved}:
        # Via a link, a reserved name means the link was to a site page (x.com/home).
        raise RejectError(Reason.NOT_PROFILE_URL if from_url else Reason.RESERVED_NAME)
    return handle, handle_key(handle, spec.case_insensitive)


def _strip_at(text: str) -> str:
    # Only one: "@@alice" is a typo to show, not to repair silently.
    return text.removeprefix("@")


def _check_script(spec: PlatformSpec, text: str) -> None:
    problem = script_problem(text, ascii_only=spec.ascii_only)
    if problem is not None:
        raise RejectError(problem)


def _check_domain(domain: str) -> None:
    problem = domain_problem(domain)
    if problem is not None:
        raise RejectError(problem)


def _did(did: str) -> tuple[str, str]:
    if fullmatch(_DID_PLC, did, own=True):
        return did, did
    web = fullmatch(_DID_WEB, did, own=True)
    domain = (web.group("domain") if web is not None else None) or ""
    # did:web may encode a port (%3A) or a path (:); Bluesky accepts neither.
    if domain and domain_problem(domain) is None:
        return did, did
    raise RejectError(Reason.BAD_DID)


def _looks_like_mistyped_user_id(text: str) -> bool:
    hex_only = all(ch in "0123456789abcdef" for ch in text)
    mixed = any(ch.isdigit() for ch in text) and any(ch.isalpha() for ch in text)
    return hex_only and mixed and 20 <= len(text) <= 28
