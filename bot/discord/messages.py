"""How the Discord front says things: catalogues in ``bot.discord.locales``, one module per language.

Values passed to :func:`say` are escaped (markdown and mentions neutralised) unless wrapped in
:class:`Raw`, which is for text the bot built itself (links, timestamps, other messages). The
locale comes from ``interaction.locale``; Chinese (``zh-CN``) gets Chinese, everything else English.
Command descriptions are translated through :class:`FerryTranslator`.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta

import discord
from discord import app_commands

from bot.discord.locales.en import EN
from bot.discord.locales.zh import ZH, ZH_DESCRIPTIONS
from bot.discord.render import clean
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
    UnknownCommunityError,
    UnknownPlatformError,
)
from bot.language import language_of
from bot.services.export_cache import EXPORT

EN_LOCALE, ZH_LOCALE = "en", "zh"


CATALOGUES: Mapping[str, Mapping[str, str]] = {EN_LOCALE: EN, ZH_LOCALE: ZH}


@dataclass(frozen=True, slots=True)
class Raw:
    """A value the bot built itself (a link, a timestamp, another sentence): inserted unescaped."""

    text: str

    def __str__(self) -> str:
        return self.text


def locale_of(locale: discord.Locale | str | None) -> str:
    """Our catalogue for a Discord locale (``zh-CN``: Simplified Chinese), by :mod:`bot.language`'s policy."""
    value = locale.value if isinstance(locale, discord.Locale) else locale
    return ZH_LOCALE if language_of(value) == "zh-Hans" else EN_LOCALE


def say(locale: discord.Locale | str | None, key: str, **values: object) -> str:
    """The sentence ``key`` in the caller's language, with every plain string value escaped."""
    template = CATALOGUES[locale_of(locale)].get(key) or EN[key]
    safe = {
        name: value.text if isinstance(value, Raw) else clean(value, 200) if isinstance(value, str) else value
        for name, value in values.items()
    }
    return template.format(**safe)


_RATE_KEYS = {"link-code": "error.link_code_rate", EXPORT: "error.export_rate"}


def error_text(locale: discord.Locale | str | None, error: FerryError, *, now: datetime | None = None) -> str:
    """A specific, friendly sentence for a domain error. ``now`` anchors "try again in …" (tests)."""
    if isinstance(error, RateLimitedError):
        # A relative timestamp: each client renders "in 5 minutes" in its own language and counts down.
        # Rounded up, so the time shown is never a moment too early.
        when = (now or discord.utils.utcnow()) + timedelta(seconds=math.ceil(max(error.retry_after, 1.0)))
        key = _RATE_KEYS.get(error.action, "error.rate_limited")
        return say(locale, key, when=Raw(discord.utils.format_dt(when, "R")))
    if isinstance(error, BannedError):
        return say(locale, "error.banned")
    if isinstance(error, InvalidHandleError):
        reason_key = f"reason.{error.reason}"
        reason = say(locale, reason_key if reason_key in EN else "reason.generic")
        return say(
            locale, "error.invalid_handle", platform=error.platform, reason=Raw(reason), example=error.example
        )
    if isinstance(error, UnknownPlatformError):
        if error.disabled is not None:
            return say(
                locale, "error.platform_not_enabled", name=error.disabled, known=", ".join(error.known)
            )
        return say(locale, "error.unknown_platform", name=error.name, known=", ".join(error.known))
    if isinstance(error, NotRegisteredError):
        if error.platform is None:
            return say(locale, "error.not_registered_any")
        return say(locale, "error.not_registered", platform=error.platform)
    if isinstance(error, HandleTakenError):
        return say(locale, "error.handle_taken", platform=error.platform, handle=error.handle)
    if isinstance(error, MemberNotFoundError):
        if error.given is not None:
            return say(locale, "error.member_target", given=error.given)
        return say(locale, "error.member_not_found")
    if isinstance(error, InvalidInputError):
        return say(locale, "error.invalid_input", field=error.field, reason=error.reason)
    if isinstance(error, UnknownCommunityError):
        return say(locale, "error.unknown_community")
    if isinstance(error, LinkCodeError):
        return say(locale, "error.link_code_banned" if error.reason == "banned" else "error.link_code")
    return say(locale, "error.generic")


class FerryTranslator(app_commands.Translator):
    """Chinese command descriptions for Discord's client; names stay English (users and docs rely on them)."""

    async def translate(
        self,
        string: app_commands.locale_str,
        locale: discord.Locale,
        context: app_commands.TranslationContextTypes,
    ) -> str | None:
        """The Chinese description, for zh-CN only; None leaves Discord showing the English."""
        if locale is not discord.Locale.chinese:
            return None
        if context.location in (
            app_commands.TranslationContextLocation.command_description,
            app_commands.TranslationContextLocation.group_description,
            app_commands.TranslationContextLocation.parameter_description,
        ):
            return ZH_DESCRIPTIONS.get(string.message)
        return None
