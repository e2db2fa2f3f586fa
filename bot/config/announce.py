# ruff: noqa: RUF001 - the Chinese wording uses fullwidth punctuation
"""``[communities.announcement]``: what a community's announcement says, and where it goes.

The template is checked when the config loads, so a typo in a placeholder is found by
``ferry check-config`` rather than by the first announcement. Rendering it is the job of
``bot.services.announcements``; this module only knows which placeholders exist and how the
built-in wording reads in each language.
"""

from __future__ import annotations

import string
from collections.abc import Mapping
from typing import Annotated

from pydantic import AfterValidator, BaseModel, BeforeValidator, ConfigDict, StringConstraints

from bot.config.fields import first_invisible, invalid
from bot.language import Language, known_language

PLACEHOLDERS = (
    "community",
    "links",
    "deadline",
    "countdown",
    "count",
    "top_platforms",
    "directory_url",
    "message",
)
MAX_TEMPLATE_LENGTH = 2000


def _language(value: object) -> object:
    # The same aliases the fronts accept (zh-CN, zh, en-GB), stored as the canonical tag.
    if not isinstance(value, str):
        return value  # the Literal's own error says what kind of value was found
    found = known_language(value)
    if found is None:
        raise invalid("is not a language Ferry speaks", 'write "en" or "zh-Hans" (zh-CN and zh mean zh-Hans)')
    return found


Locale = Annotated[Language, BeforeValidator(_language)]

# The template used when a community sets none. A line whose placeholder has nothing to say (no
# deadline, no web page, no message) is left out, so one template serves every community.
DEFAULT_TEMPLATES: Mapping[str, str] = {
    "en": (
        "📢 {community}\n"
        "{message}\n"
        "Move before {deadline} ({countdown}).\n"
        "Where to find us:\n"
        "{links}\n"
        "{count} handles are listed publicly in the directory: {directory_url}"
    ),
    "zh-Hans": (
        "📢 {community}\n"
        "{message}\n"
        "请在 {deadline} 之前搬家（{countdown}）。\n"
        "我们在这里：\n"
        "{links}\n"
        "目录中已公开 {count} 个账号：{directory_url}"
    ),
}

# The words a placeholder is filled with, per locale: the announcement goes out to everyone at
# once, so it speaks the community's language rather than the asking admin's.
WORDS: Mapping[str, Mapping[str, str]] = {
    "en": {
        "closed": "closed",
        "days": "in {n} days",
        "day": "in 1 day",
        "hours": "in {n} hours",
        "hour": "in 1 hour",
        "minutes": "in {n} minutes",
        "minute": "in 1 minute",
        "now": "in less than a minute",
        "deadline": "{date:%d %B %Y}, {date:%H:%M} ({offset})",
        "link": "• {label}: {url}",
    },
    "zh-Hans": {
        "closed": "已截止",
        "days": "{n} 天后",
        "day": "1 天后",
        "hours": "{n} 小时后",
        "hour": "1 小时后",
        "minutes": "{n} 分钟后",
        "minute": "1 分钟后",
        "now": "不到一分钟后",
        "deadline": "{date.year}年{date.month}月{date.day}日 {date:%H:%M}（{offset}）",
        "link": "• {label}：{url}",
    },
}


def template_problem(template: str) -> tuple[str, str] | None:
    """What is wrong with a template as (message, hint), or None when it renders.

    Only bare ``{name}`` fields are allowed: a format spec, a conversion or ``{name.attr}`` could
    read more than the value the placeholder stands for.
    """
    allowed = ", ".join("{" + name + "}" for name in PLACEHOLDERS)
    try:
        fields = [(name, spec, conv) for _, name, spec, conv in string.Formatter().parse(template)]
    except ValueError:
        return "has an unmatched { or }", "write {{ or }} for a literal brace; placeholders: " + allowed
    for name, spec, conversion in fields:
        if name is None:
            continue
        if name not in PLACEHOLDERS:
            shown = name if name.isidentifier() and len(name) <= 40 else "…"
            return f"has an unknown placeholder {{{shown}}}", "placeholders are " + allowed
        if spec or conversion:
            return f"placeholder {{{name}}} has a format or conversion", f"write just {{{name}}}"
    return None


def check_template(value: str) -> str:
    """``value`` unchanged, or a config error with a hint when it cannot render."""
    for line in value.splitlines():
        found = first_invisible(line)
        if found is not None:
            raise invalid(
                f"contains an invisible or direction-changing character ({found})",
                "retype the text without it; line breaks are fine",
            )
    problem = template_problem(value)
    if problem is not None:
        raise invalid(*problem)
    return value


# An announcement template as a config value; a schedule section can use the same type.
AnnouncementTemplate = Annotated[
    str, StringConstraints(min_length=1, max_length=MAX_TEMPLATE_LENGTH), AfterValidator(check_template)
]


class AnnouncementConfig(BaseModel):
    """The community's announcement: its template, its language, and whether Bluesky gets it too."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    template: AnnouncementTemplate | None = None
    bluesky: bool = False  # also post the announcement as a thread from the bot's Bluesky account
    locale: Locale = "en"  # the language of {deadline}, {countdown} and the default template

    def effective_template(self) -> str:
        """The template in force: the configured one, else the default in the community's language."""
        return self.template if self.template is not None else DEFAULT_TEMPLATES[self.locale]


__all__ = [
    "DEFAULT_TEMPLATES",
    "MAX_TEMPLATE_LENGTH",
    "PLACEHOLDERS",
    "WORDS",
    "AnnouncementConfig",
    "AnnouncementTemplate",
    "Locale",
    "check_template",
    "template_problem",
]
