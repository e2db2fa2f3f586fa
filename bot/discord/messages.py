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
from bot.error_messages import Message, Typed, Wait, describe
from bot.errors import FerryError
from bot.language import language_of

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


def render(locale: discord.Locale | str | None, message: Message, *, now: datetime | None = None) -> str:
    """A front-neutral message in the caller's language; typed text escaped, nested messages translated."""
    values: dict[str, object] = {}
    for name, value in message.values.items():
        if isinstance(value, Message):
            values[name] = Raw(render(locale, value, now=now))
        elif isinstance(value, Wait):
            # A relative timestamp: each client renders "in 5 minutes" in its own language and counts
            # down. Rounded up, so the time shown is never a moment too early.
            when = (now or discord.utils.utcnow()) + timedelta(seconds=math.ceil(max(value.seconds, 1.0)))
            values[name] = Raw(discord.utils.format_dt(when, "R"))
        elif isinstance(value, Typed):
            values[name] = value.text  # escaped by say, like every plain string
        else:
            values[name] = value
    return say(locale, message.key, **values)


def error_text(locale: discord.Locale | str | None, error: FerryError, *, now: datetime | None = None) -> str:
    """A specific, friendly sentence for a domain error. ``now`` anchors "try again in …" (tests)."""
    # Discord answers stay inside the community's own server, so a taken handle may be named.
    return render(locale, describe(error), now=now)


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
