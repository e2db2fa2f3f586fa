"""Autocomplete choices. Autocomplete cannot be deferred, so these stay cheap and never raise."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from discord import app_commands

from bot.discord.client import identity_of
from bot.discord.render import OPTION_LABEL_LIMIT, fit, visible
from bot.models import EVERY_VISIBILITY
from bot.platforms import fold_name

if TYPE_CHECKING:
    import discord

    from bot.discord.client import FerryBot

log = logging.getLogger(__name__)

MAX_CHOICES = 25  # Discord refuses more; discord.py does not cut the list itself


def platform_choices(
    interaction: discord.Interaction[FerryBot], current: str
) -> list[app_commands.Choice[str]]:
    """The community's enabled platforms matching what was typed (keys, aliases, display names)."""
    if interaction.guild_id is None:
        return []
    config = interaction.client.app.config()
    community = config.community_for_guild(interaction.guild_id)
    enabled = [spec.key for spec in config.enabled_platforms(community)]
    specs = config.catalogue.suggest(current, enabled, limit=MAX_CHOICES)
    return [
        app_commands.Choice(name=fit(spec.display_name, OPTION_LABEL_LIMIT), value=spec.key) for spec in specs
    ]


async def own_platform_choices(
    interaction: discord.Interaction[FerryBot], current: str
) -> list[app_commands.Choice[str]]:
    """The platforms the member has a handle on, for /handle remove."""
    if interaction.guild_id is None:
        return []
    app = interaction.client.app
    community = interaction.client.community(interaction.guild_id).slug
    try:
        entries = await app.directory.handles(
            community=community, identity=identity_of(interaction.user), visibilities=EVERY_VISIBILITY
        )
    except Exception:  # a failed suggestion must not become "The application did not respond"
        log.exception("autocomplete failed", extra={"guild_id": interaction.guild_id})
        return []
    catalogue = app.config().catalogue
    typed = fold_name(current)
    choices = []
    for entry in entries:
        name = catalogue.display_name(entry.platform)
        if typed and not (fold_name(name).startswith(typed) or entry.platform.startswith(typed)):
            continue
        label = fit(visible(f"{name} · {entry.handle}"), OPTION_LABEL_LIMIT)
        choices.append(app_commands.Choice(name=label, value=entry.platform))
    return choices[:MAX_CHOICES]
