"""/stats: where the community went, for every member (public counts and the chart).

The admins' exact numbers are ``/ferry stats`` (cogs.admin_moderation); this one shows only what is
public anyway, with small platforms hidden, so any member may post it in a channel.
"""

from __future__ import annotations

import discord
from discord import app_commands
from discord.ext import commands

from bot.discord.client import FerryBot
from bot.discord.insights import chart_file, insights_embed

Interaction = discord.Interaction[FerryBot]


class Insights(commands.Cog):
    """The public migration insights."""

    def __init__(self, bot: FerryBot) -> None:
        self.bot = bot

    @app_commands.command(name="stats", description="Where the community went: public counts and a chart")
    @app_commands.describe(private="Show it only to you")
    @app_commands.guild_only()
    async def stats(self, interaction: Interaction, private: bool = False) -> None:
        """The public view of the insights, with the chart attached."""
        await interaction.response.defer(ephemeral=private, thinking=True)
        community = self.bot.community_slug(interaction)
        insights = await self.bot.app.insights.public(community)
        embed = insights_embed(insights, interaction.locale)
        picture = await chart_file(insights, interaction.locale)
        await interaction.followup.send(embed=embed, file=picture, ephemeral=private)


async def setup(bot: FerryBot) -> None:
    """Extension entry point."""
    await bot.add_cog(Insights(bot))
