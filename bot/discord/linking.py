"""How the Discord front shows a link code: the code, when it stops working, and what to post."""

from __future__ import annotations

import discord

from bot.discord.messages import Raw, say
from bot.services.linking import IssuedCode


def link_code_text(locale: discord.Locale | str | None, issued: IssuedCode, bot_handle: str) -> str:
    """The private reply to /handle verify-bluesky, with the exact post to make from Bluesky.

    The code and the bot's handle go inside code spans, so they are inserted as built (escaping
    would show backslashes there); neither is user text. The expiry is a Discord timestamp, which
    every reader sees in their own time zone and which counts down by itself. The member's handle
    was typed by them, so it is escaped like any user text.
    """
    return say(
        locale,
        "link.code",
        code=Raw(issued.code),
        expires=Raw(discord.utils.format_dt(issued.expires_at, "R")),
        bot=Raw(bot_handle),
        handle=issued.handle,
    )
