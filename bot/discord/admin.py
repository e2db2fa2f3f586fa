"""What every /ferry admin command shares: who acted, the operator log line, long replies."""

from __future__ import annotations

import io
import logging

import discord

from bot.discord.client import FerryBot
from bot.discord.messages import say
from bot.discord.render import EMBED_TOTAL_LIMIT, embeds_for_lines

log = logging.getLogger("cogs.admin")
Interaction = discord.Interaction[FerryBot]
# Leave room for titles and the summary line in a message's 6,000 characters.
REPORT_BUDGET = EMBED_TOTAL_LIMIT - 1000


def actor(interaction: Interaction) -> str:
    """The audit log's name for the admin behind an interaction."""
    return f"admin:discord:{interaction.user.id}"


def log_action(interaction: Interaction, action: str, **details: object) -> None:
    """Every admin action is logged with who, what and where (the database audit has the rest)."""
    log.info(
        "admin action",
        extra={
            "action": action,
            "admin_id": interaction.user.id,
            "guild_id": interaction.guild_id,
            **details,
        },
    )


def lines_reply(
    title: str, lines: list[str], filename: str, raw: list[str], *, locale: discord.Locale, more_key: str
) -> tuple[list[discord.Embed], list[discord.File]]:
    """Embeds with every line when they fit in one message; otherwise the first lines and a file with all.

    A shortened report ends with the ``more_key`` sentence (its ``{count}`` is the lines left out),
    so nobody takes the first lines for the whole story.
    """
    if sum(len(line) + 1 for line in lines) <= REPORT_BUDGET:
        return embeds_for_lines(title, lines), []
    shown: list[str] = []
    size = 0
    for line in lines:
        size += len(line) + 1
        if size > REPORT_BUDGET // 2:
            break
        shown.append(line)
    shown.append(say(locale, more_key, count=len(lines) - len(shown)))
    data = "\n".join(raw).encode("utf-8")
    return embeds_for_lines(title, shown), [discord.File(io.BytesIO(data), filename=filename)]


def platform_name(bot: FerryBot, key: str) -> str:
    """A platform's display name, or its key when the config no longer has it."""
    return bot.app.config().catalogue.display_name(key)
