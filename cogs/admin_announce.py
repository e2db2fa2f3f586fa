"""/ferry announce: preview the community's announcement, then send it everywhere it goes.

A mixin of the ``Admin`` group cog (``cogs.admin``). The preview is exactly what is sent: the
announcement is composed once, and the Send button publishes that one, under one idempotency key,
so a click that Discord delivers twice still posts once. Where the preview or a front would leave
the end out (Discord's limits on embeds and messages, a Bluesky thread's length), it says so.
"""

from __future__ import annotations

import uuid

import discord
from discord import app_commands
from discord.ext import commands

from bot.discord.admin import Interaction, log_action
from bot.discord.announcer import escaped_lines
from bot.discord.checks import ferry_admin, is_ferry_admin
from bot.discord.client import FerryBot
from bot.discord.locales.en import EN
from bot.discord.messages import Raw, say
from bot.discord.render import FIELD_VALUE_LIMIT, embeds_for_lines, fit, safe_url
from bot.discord.views import ConfirmView
from bot.services.announcements import MAX_MESSAGE_LENGTH, Cut, Delivery


class AnnounceCommands(commands.Cog):
    """The announcement: a private preview with a Send button, and a report of every delivery."""

    bot: FerryBot

    @app_commands.command(name="announce", description="Preview the announcement, then send it")
    @app_commands.describe(message="A note for the template's {message} placeholder")
    @ferry_admin()
    async def announce(
        self,
        interaction: Interaction,
        message: app_commands.Range[str, 1, MAX_MESSAGE_LENGTH] | None = None,
    ) -> None:
        """Show the announcement privately; Send posts it to the channel (and Bluesky when enabled)."""
        await interaction.response.defer(ephemeral=True, thinking=True)
        locale = interaction.locale
        slug = self.bot.community_slug(interaction)
        announcement = await self.bot.app.announcements.compose(slug, message)
        if not announcement.text.strip():
            await interaction.followup.send(say(locale, "announce.empty"), ephemeral=True)
            return
        preview = preview_embeds(locale, announcement.text)
        targets = self._announce_targets(locale, slug)
        if not targets:
            await interaction.followup.send(say(locale, "announce.nowhere"), embeds=preview, ephemeral=True)
            return
        cuts = [cut for cut in self.bot.app.announcements.cuts(announcement) if cut.publisher in targets]
        key = f"manual:{uuid.uuid4()}"

        async def send(confirmed: Interaction) -> None:
            # Posting takes longer than Discord's 3 s when Bluesky gets a thread: acknowledge first.
            await confirmed.response.defer()
            deliveries = await self.bot.app.announcements.publish(announcement, key=key)
            log_action(
                confirmed,
                "announce",
                key=key,
                delivered=[d.publisher for d in deliveries if d.ok],
                failed={d.publisher: d.error for d in deliveries if not d.ok},
            )
            await confirmed.edit_original_response(
                content=fit(self._announce_report(locale, deliveries), 2000), embeds=preview, view=None
            )

        view = ConfirmView(
            owner_id=interaction.user.id,
            locale=locale,
            confirm_label=say(locale, "announce.send"),
            action=send,
            timeout=self.bot.view_timeout,
            # Rights are checked again on Send: an admin who lost the role since the preview must
            # not be able to post publicly on the community's behalf.
            still_allowed=is_ferry_admin,
        )
        view.message = await interaction.followup.send(
            "\n".join(
                [
                    say(locale, "announce.targets", targets=Raw(", ".join(targets.values()))),
                    *cut_notes(locale, cuts),
                ]
            ),
            embeds=preview,
            view=view,
            ephemeral=True,
            wait=True,
        )

    def _announce_targets(self, locale: discord.Locale, slug: str) -> dict[str, str]:
        """Where Send would post, by publisher, in the admin's words; empty when nowhere."""
        community = self.bot.app.config().community(slug)
        publishers = self.bot.app.announcements.publishers()
        targets = {}
        channel = community.channels.announcements
        if channel is not None and "discord" in publishers:
            targets["discord"] = say(locale, "announce.target_discord", channel=Raw(f"<#{channel}>"))
        if community.announcement.bluesky and "bluesky" in publishers:
            targets["bluesky"] = say(locale, "announce.target_bluesky")
        return targets

    @staticmethod
    def _announce_report(locale: discord.Locale, deliveries: list[Delivery]) -> str:
        lines = []
        for delivery in deliveries:
            name_key = f"announce.publisher.{delivery.publisher}"
            name = say(locale, name_key) if name_key in EN else delivery.publisher
            where = safe_url(delivery.where) or ""
            if delivery.ok:
                lines.append(say(locale, "announce.ok", publisher=Raw(name), where=Raw(where)))
            elif delivery.error == "partial":
                lines.append(say(locale, "announce.partial", publisher=Raw(name), where=Raw(where)))
            else:
                reason_key = f"announce.error.{delivery.error}"
                reason = say(locale, reason_key if reason_key in EN else "announce.error.other")
                lines.append(say(locale, "announce.failed", publisher=Raw(name), reason=Raw(reason)))
        return "\n".join(lines) or say(locale, "announce.nobody")


def preview_embeds(locale: discord.Locale | str, text: str) -> list[discord.Embed]:
    """The announcement as embeds; when it does not all fit, the last line says how much is left out.

    embeds_for_lines drops the lines past Discord's limits, so the lines kept are counted and, if
    any were dropped, fewer are kept until the note fits after them.
    """
    title = say(locale, "announce.title")
    lines = escaped_lines(text, FIELD_VALUE_LIMIT)
    embeds = embeds_for_lines(title, lines)
    keep = _lines_in(embeds)
    while keep < len(lines):
        note = say(locale, "announce.more_lines", count=len(lines) - keep)
        embeds = embeds_for_lines(title, [*lines[:keep], note])
        if _lines_in(embeds) == keep + 1:
            break
        keep -= 1
    return embeds


def _lines_in(embeds: list[discord.Embed]) -> int:
    # escaped_lines never returns a line with a line break in it; a lone empty line has no description.
    return sum(len(embed.description.split("\n")) if embed.description else 1 for embed in embeds)


def cut_notes(locale: discord.Locale | str, cuts: list[Cut]) -> list[str]:
    """One sentence per front that would post only the beginning of the announcement."""
    return [
        say(locale, f"announce.cut.{cut.publisher}", most=cut.most, needed=cut.needed)
        for cut in cuts
        if f"announce.cut.{cut.publisher}" in EN
    ]
