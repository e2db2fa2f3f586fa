"""Interactive messages that live in memory: confirmation prompts, and the file helpers.

A confirmation lives for ``bot.view_timeout`` seconds (under the 15-minute interaction token, so
the message can still be edited when it expires) and then says that nothing happened: a
destructive action confirmed hours later, or after a restart, would surprise more than help. The
directory's buttons, which should keep working, are persistent: see ``directory_view``.
"""

from __future__ import annotations

import io
import logging
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Any, TypeVar

import discord

from bot.discord.client import report_error
from bot.discord.messages import say
from bot.discord.render import (
    fit,
)
from bot.services.transfer import ExportFormat, ExportScope

if TYPE_CHECKING:
    from bot.discord.client import FerryBot

log = logging.getLogger(__name__)

Interaction = discord.Interaction["FerryBot"]
ClientT = TypeVar("ClientT", bound=discord.Client)


class OwnedView(discord.ui.View):
    """A view only the member who opened it may use; expires by disabling its controls."""

    not_yours = "view.not_yours"  # the message key for anyone else who clicks

    def __init__(self, *, owner_id: int, locale: discord.Locale, timeout: float) -> None:
        super().__init__(timeout=timeout)
        self.owner_id = owner_id
        self.locale = locale
        self.message: discord.Message | discord.WebhookMessage | discord.InteractionMessage | None = None

    async def interaction_check(self, interaction: discord.Interaction[ClientT], /) -> bool:
        """Refuse other members politely rather than letting them drive someone else's message."""
        if interaction.user.id == self.owner_id:
            return True
        await interaction.response.send_message(say(interaction.locale, self.not_yours), ephemeral=True)
        return False

    async def on_error(
        self, interaction: discord.Interaction[ClientT], error: Exception, item: discord.ui.Item[Any], /
    ) -> None:
        """Same answers as the command tree gives."""
        await report_error(interaction, error)

    def disable(self) -> None:
        """Grey out every control (link buttons stay usable)."""
        for item in self.children:
            if isinstance(item, discord.ui.Button | discord.ui.Select) and not (
                isinstance(item, discord.ui.Button) and item.url
            ):
                item.disabled = True

    async def on_timeout(self) -> None:
        """Leave the message readable with its controls disabled."""
        self.disable()
        if self.message is not None:
            try:
                await self.message.edit(view=self)
            except discord.HTTPException:
                log.debug("could not disable an expired view", exc_info=True)


async def export_bytes(
    bot: FerryBot, community: str, fmt: ExportFormat, scope: ExportScope, *, account_ids: bool = True
) -> tuple[bytes, int]:
    """An export of the community's directory as file bytes, and how many records it holds."""
    buffer = io.StringIO()
    count = await bot.app.transfer.export(
        buffer, community=community, fmt=fmt, scope=scope, account_ids=account_ids
    )
    return buffer.getvalue().encode("utf-8"), count


async def too_big(interaction: Interaction, data: bytes) -> bool:
    """Say so (and return True) when a file is over what Discord accepts for this interaction."""
    if len(data) <= interaction.filesize_limit:
        return False
    size = f"{len(data) / 1_048_576:.1f}"
    await interaction.followup.send(say(interaction.locale, "export.too_big", size=size), ephemeral=True)
    return True


Action = Callable[[Interaction], Awaitable[None]]


class ConfirmView(OwnedView):
    """A confirm button that runs ``action`` once, and a cancel button; both end the view."""

    def __init__(
        self,
        *,
        owner_id: int,
        locale: discord.Locale,
        confirm_label: str,
        action: Action,
        timeout: float,
        still_allowed: Callable[[Interaction], bool] | None = None,
    ) -> None:
        super().__init__(owner_id=owner_id, locale=locale, timeout=timeout)
        self._action = action
        # Rights are checked when the command runs; the click may come minutes later, after the
        # member lost them, so an admin-only action checks again before it runs.
        self._still_allowed = still_allowed
        self._used = False
        self.confirm.label = fit(confirm_label, 80)
        self.cancel.label = fit(say(locale, "confirm.cancel"), 80)

    @discord.ui.button(style=discord.ButtonStyle.danger, label="Confirm")
    async def confirm(self, interaction: Interaction, button: discord.ui.Button[ConfirmView]) -> None:
        """Run the action, once: a second click that slipped in before the buttons went does nothing."""
        if self._still_allowed is not None and not self._still_allowed(interaction):
            await interaction.response.send_message(
                say(interaction.locale, "error.not_admin"), ephemeral=True
            )
            return
        if self._used:
            await interaction.response.defer()
            return
        self._used = True  # set before any await, so a concurrent click sees it
        self.stop()
        await self._action(interaction)

    @discord.ui.button(style=discord.ButtonStyle.secondary, label="Cancel")
    async def cancel(self, interaction: Interaction, button: discord.ui.Button[ConfirmView]) -> None:
        """Change nothing."""
        self.stop()
        await interaction.response.edit_message(
            content=say(self.locale, "confirm.cancelled"), embeds=[], view=None
        )

    async def on_timeout(self) -> None:
        """Say that nothing happened, and remove the buttons."""
        if self.message is not None:
            try:
                await self.message.edit(content=say(self.locale, "confirm.expired"), embeds=[], view=None)
            except discord.HTTPException:
                log.debug("could not mark a confirmation expired", exc_info=True)
