"""Turn what a person typed or pasted into a platform's canonical handle, and handles into links.

Pipeline (security.md §7): cap the raw length, strip, fold fullwidth ASCII, NFC, refuse control,
invisible and unencodable characters, then the platform kind's own rules (links, ``@``,
pattern, case, reserved names, scripts). Profile links come only from the catalogue's templates.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass

from bot.errors import InvalidHandleError
from bot.platforms.kinds import NORMALISERS, link_values
from bot.platforms.reasons import Reason, RejectError
from bot.platforms.spec import PlatformSpec
from bot.platforms.unicode_safety import character_problem, fold_fullwidth
from bot.platforms.urls import fill_template, template_is_valid

# Far above any platform's limit (253 for a DNS name, plus a URL around it), low enough that no
# step after this one has to think about cost.
MAX_RAW_LENGTH = 512


@dataclass(frozen=True, slots=True)
class NormalisedHandle:
    """A validated handle.

    ``handle`` is the canonical form to store and show; ``key`` is the uniqueness key (NFKC, and
    case-folded on case-insensitive platforms), so NFC/NFD and case variants collide.
    """

    handle: str
    key: str


def normalise(spec: PlatformSpec, raw: str) -> NormalisedHandle:
    """Validate ``raw`` for ``spec`` and return its canonical form.

    Accepts the forms people paste: ``@name``, profile links on the platform's hosts (with or
    without scheme, ``www.``/``m.``, query or fragment), and the platform's own alternatives
    (Mastodon ``user@server``, Bluesky DIDs, RedNote user ids, YouTube channel ids).

    Raises:
        InvalidHandleError: with a :class:`~bot.platforms.reasons.Reason` code, the platform's
            display name and its example handle.
    """
    try:
        handle, key = NORMALISERS[spec.kind](spec, _prepare(raw))
    except RejectError as exc:
        raise InvalidHandleError(
            platform=spec.display_name, reason=exc.reason.value, example=spec.example
        ) from None
    return NormalisedHandle(handle=handle, key=key)


def profile_url(spec: PlatformSpec, handle: str) -> str | None:
    """The https profile link for ``handle``, built only from the platform's template.

    Returns None when the platform has no (valid) template, the handle has no link (a RedNote RED
    ID), or the handle no longer passes the platform's rules (an old row after a config change), so
    one bad row never produces a bad link.
    """
    # A spec that never went through the catalogue's checks still never yields a bad link.
    if spec.profile_url is None or not template_is_valid(spec.profile_url, spec.kind):
        return None
    try:
        canonical = normalise(spec, handle).handle
    except InvalidHandleError:
        return None
    values = link_values(spec, canonical)
    return fill_template(spec.profile_url, values) if values is not None else None


def _prepare(raw: str) -> str:
    if len(raw) > MAX_RAW_LENGTH:
        raise RejectError(Reason.TOO_LONG)
    text = unicodedata.normalize("NFC", fold_fullwidth(raw).strip())
    if not text:
        raise RejectError(Reason.EMPTY)
    # After NFC, so that a decomposed accent is judged as the single letter it composes into.
    problem = character_problem(text)
    if problem is not None:
        raise RejectError(problem)
    return text
