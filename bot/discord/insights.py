"""The migration insights on Discord: an embed with the chart attached, for admins and for members.

The chart is drawn in a worker thread (``asyncio.to_thread``) and attached as a PNG with its
numbers as the attachment's description (Discord's alt text), so a screen reader hears the same
counts the picture shows. Admins get the exact view, privately; members get the public one.
"""

from __future__ import annotations

import asyncio
import io

import discord
from discord.utils import format_dt

from bot.charts import describe, render_within
from bot.discord.client import FerryBot
from bot.discord.messages import Raw, locale_of, say
from bot.discord.render import EMBED_TITLE_LIMIT, FIELD_VALUE_LIMIT, clean, fit, lines_block
from bot.services.insights import Insights

CHART_FILE = "ferry-stats.png"
ALT_TEXT_LIMIT = 1024  # an attachment's description
# Far under Discord's upload limit; a picture this size shows inline on every client.
CHART_BYTES_LIMIT = 1_000_000
SPREAD_LIMIT = 512  # characters of the spread field: a handful of short lines

Interaction = discord.Interaction[FerryBot]


async def chart_file(insights: Insights, locale: discord.Locale | str | None) -> discord.File:
    """The chart as an attachment, its numbers in words as the description."""
    language = "zh" if locale_of(locale) == "zh" else "en"
    picture = await asyncio.to_thread(render_within, insights, limit=CHART_BYTES_LIMIT, locale=language)
    alt = describe(insights, locale=language, limit=ALT_TEXT_LIMIT)
    return discord.File(io.BytesIO(picture), filename=CHART_FILE, description=alt)


def add_insights(
    embed: discord.Embed,
    insights: Insights,
    locale: discord.Locale | str | None,
    *,
    population: int | None = None,
    platforms: bool = True,
) -> discord.Embed:
    """Fill ``embed`` with the numbers (per platform unless the embed has them already, spread,
    share moved, deadline) and the chart. Every field is capped, so with the three fields of
    ``/ferry stats`` the embed stays far under Discord's 6,000 characters."""
    fewer = say(locale, "insights.fewer", minimum=insights.minimum)
    note = "insights.public_note" if insights.public else "insights.admin_note"
    embed.description = say(locale, note, minimum=insights.minimum)
    none = say(locale, "insights.none")
    if platforms:
        lines = [
            f"{clean(p.name, 40)}: {p.count if p.count is not None else fewer}"
            + ("" if p.verified is None else f" ({p.verified} ✓)")
            for p in insights.platforms
        ]
        embed.add_field(
            name=say(locale, "insights.platforms"),
            value=lines_block(lines, FIELD_VALUE_LIMIT) or none,
            inline=False,
        )
    spread = [
        say(
            locale,
            "insights.spread_line",
            platforms=s.platforms,
            members=s.members if s.members is not None else fewer,
        )
        for s in insights.spread
    ]
    embed.add_field(name=say(locale, "insights.spread"), value=lines_block(spread, SPREAD_LIMIT) or none)
    share = insights.share_moved(population)
    moved = (
        say(
            locale,
            "insights.moved_share",
            members=insights.members,
            share=f"{share:.0%}",
            population=population,
        )
        if share is not None
        else say(locale, "insights.moved_count", members=insights.members)
    )
    embed.add_field(name=say(locale, "insights.moved"), value=moved)
    elapsed = insights.time_elapsed()
    if elapsed is not None and insights.deadline is not None:
        when = Raw(format_dt(insights.deadline, "f"))
        embed.add_field(
            name=say(locale, "insights.deadline"),
            value=say(locale, "insights.deadline_progress", deadline=when, share=f"{elapsed:.0%}"),
            inline=False,
        )
    embed.set_image(url=f"attachment://{CHART_FILE}")
    embed.timestamp = insights.as_of
    return embed


def insights_embed(
    insights: Insights, locale: discord.Locale | str | None, *, population: int | None = None
) -> discord.Embed:
    """A new embed titled with the community's name, filled by :func:`add_insights`."""
    title = fit(say(locale, "insights.title", community=insights.name), EMBED_TITLE_LIMIT)
    embed = discord.Embed(title=title, colour=discord.Colour.blue())
    return add_insights(embed, insights, locale, population=population)


async def send_with_chart(
    bot: FerryBot, interaction: Interaction, embed: discord.Embed, community: str
) -> None:
    """Finish ``/ferry stats``: add the exact insights and the chart to its embed, then send it
    privately. The share moved is of the server's member count, which only Discord knows."""
    insights = await bot.app.insights.admin(community)
    population = interaction.guild.member_count if interaction.guild is not None else None
    add_insights(embed, insights, interaction.locale, population=population, platforms=False)
    picture = await chart_file(insights, interaction.locale)
    await interaction.followup.send(embed=embed, file=picture, ephemeral=True)
