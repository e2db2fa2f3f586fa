"""Interactive messages: the paged directory and confirmation prompts.

Views live in memory for ``bot.view_timeout`` seconds (under the 15-minute interaction token, so
the message can still be edited when they expire) and then disable their controls. The directory
pages by keyset cursors, so rows added or removed while someone browses never shift or repeat what
they see.
"""

from __future__ import annotations

import asyncio
import io
import logging
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Any, TypeVar

import discord

from bot.discord.client import report_error
from bot.discord.messages import Raw, say
from bot.discord.render import (
    DIRECTORY_PAGE_SIZE,
    EMBED_DESCRIPTION_LIMIT,
    OPTION_LABEL_LIMIT,
    SELECT_OPTIONS,
    entry_line,
    fit,
    lines_block,
)
from bot.models import EVERY_VISIBILITY, Cursor, DirectoryPage, DirectoryQuery
from bot.services.transfer import ExportFormat, ExportScope, export_filename

if TYPE_CHECKING:
    from bot.discord.client import FerryBot

log = logging.getLogger(__name__)

Interaction = discord.Interaction["FerryBot"]
ClientT = TypeVar("ClientT", bound=discord.Client)
ALL_PLATFORMS = "*"  # select value for "no filter"; platform keys start with a letter


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


class DirectoryView(OwnedView):
    """◀ ▶ paging, a platform filter and an ephemeral CSV export for one /directory message."""

    not_yours = "directory.not_yours"

    def __init__(
        self,
        bot: FerryBot,
        *,
        owner_id: int,
        locale: discord.Locale,
        community: str,
        platform: str | None,
        search: str | None,
    ) -> None:
        super().__init__(owner_id=owner_id, locale=locale, timeout=bot.view_timeout)
        self.bot = bot
        self.community = community
        self.platform = platform
        self.search = search
        self.starts: list[Cursor | None] = [None]  # the cursor each visited page starts after
        self._lock = asyncio.Lock()
        self.page: DirectoryPage | None = None
        self.export.label = say(locale, "directory.export")
        self.platform_select.placeholder = fit(say(locale, "directory.pick_platform"), 150)
        self.platform_select.options = self._platform_options()

    def _platform_options(self) -> list[discord.SelectOption]:
        specs = self.bot.app.directory.platforms(self.community)[: SELECT_OPTIONS - 1]
        everything = say(self.locale, "directory.all_platforms")
        options = [discord.SelectOption(label=fit(everything, OPTION_LABEL_LIMIT), value=ALL_PLATFORMS)]
        options += [
            discord.SelectOption(label=fit(spec.display_name, OPTION_LABEL_LIMIT), value=spec.key)
            for spec in specs
        ]
        for option in options:
            option.default = option.value == (self.platform or ALL_PLATFORMS)
        return options

    async def load(self) -> discord.Embed:
        """Fetch the current page and render it; updates the buttons to match."""
        query = DirectoryQuery(
            community=self.community,
            visibilities=EVERY_VISIBILITY,  # the community's own server
            platform=self.platform,
            search=self.search,
            limit=DIRECTORY_PAGE_SIZE,
            after=self.starts[-1],
        )
        self.page = page = await self.bot.app.directory.directory(query)
        if page.prev_cursor is None and len(self.starts) > 1:
            # Rows were removed meanwhile and the service fell back to the directory's start.
            self.starts = [None]
        pages = max(1, -(-page.total // DIRECTORY_PAGE_SIZE), len(self.starts))
        self.previous.disabled = len(self.starts) == 1
        self.next.disabled = page.next_cursor is None
        self.export.disabled = page.total == 0
        return self._embed(page, len(self.starts), pages)

    def _embed(self, page: DirectoryPage, number: int, pages: int) -> discord.Embed:
        locale = self.locale
        community = self.bot.app.directory.community(self.community).name
        catalogue = self.bot.app.config().catalogue
        if self.platform is not None:
            spec = catalogue.get(self.platform)
            name = spec.display_name if spec else self.platform
            title = say(locale, "directory.title_platform", community=community, platform=name)
        else:
            title = say(locale, "directory.title", community=community)
        lines = []
        if self.search:
            lines.append(say(locale, "directory.search", term=self.search))
        for entry in page.entries:
            spec = catalogue.get(entry.platform)
            lines.append(entry_line(entry, spec.display_name if spec else entry.platform))
        if not page.entries:
            lines.append(say(locale, "directory.empty"))
        embed = discord.Embed(
            title=fit(title, 256),
            description=lines_block(lines, EMBED_DESCRIPTION_LIMIT),
            colour=discord.Colour.blurple(),
        )
        legend = Raw(say(locale, "legend"))
        footer = say(locale, "directory.footer", page=number, pages=pages, total=page.total, legend=legend)
        embed.set_footer(text=fit(footer, 300))
        return embed

    async def _show(self, interaction: Interaction, change: Callable[[], None]) -> None:
        # Acknowledge at once (the page is read from the database, which may queue behind writes),
        # then change and reload under a lock so that two quick clicks apply one after the other.
        await interaction.response.defer()
        async with self._lock:
            change()
            embed = await self.load()
            await interaction.edit_original_response(embed=embed, view=self)

    @discord.ui.select(
        cls=discord.ui.Select, row=0, min_values=1, max_values=1, options=[discord.SelectOption(label="-")]
    )
    async def platform_select(
        self, interaction: Interaction, select: discord.ui.Select[DirectoryView]
    ) -> None:
        """Filter by platform; back to page 1."""
        value = select.values[0]

        def change() -> None:
            self.platform = None if value == ALL_PLATFORMS else value
            self.starts = [None]
            for option in select.options:
                option.default = option.value == value

        await self._show(interaction, change)

    @discord.ui.button(emoji="◀", style=discord.ButtonStyle.secondary, row=1)
    async def previous(self, interaction: Interaction, button: discord.ui.Button[DirectoryView]) -> None:
        """One page back."""

        def change() -> None:
            if len(self.starts) > 1:
                self.starts.pop()

        await self._show(interaction, change)

    @discord.ui.button(emoji="▶", style=discord.ButtonStyle.secondary, row=1)
    async def next(self, interaction: Interaction, button: discord.ui.Button[DirectoryView]) -> None:
        """One page on."""

        def change() -> None:
            if self.page is not None and self.page.next_cursor is not None:
                self.starts.append(self.page.next_cursor)

        await self._show(interaction, change)

    @discord.ui.button(label="Export CSV", style=discord.ButtonStyle.primary, row=1)
    async def export(self, interaction: Interaction, button: discord.ui.Button[DirectoryView]) -> None:
        """The whole directory as a CSV file, sent only to whoever asked."""
        # Writing the file can take longer than Discord's 3 s for a big directory.
        await interaction.response.defer(ephemeral=True, thinking=True)
        # What the directory shows a member, and no account ids: those are for the admins' export.
        data, count = await export_bytes(
            self.bot, self.community, ExportFormat.CSV, ExportScope.ALL, account_ids=False
        )
        if await too_big(interaction, data):
            return
        filename = export_filename(self.community, ExportFormat.CSV, ExportScope.ALL)
        await interaction.followup.send(
            f"{say(interaction.locale, 'directory.exported', count=count)} "
            f"{say(interaction.locale, 'export.scope_all')}",
            file=discord.File(io.BytesIO(data), filename=filename),
            ephemeral=True,
        )


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
