"""The /directory message: ◀ ▶ paging, a platform filter and a CSV export that survive restarts.

The buttons are ``DynamicItem``s whose ``custom_id`` names a row of ``discord_views`` holding the
filter, the search and the visited pages. Every process registers them at start-up, so a click
works in whichever process holds the guild's shard, on a message sent yesterday or by another
process. Each click re-reads the state, checks that the clicker is the member who opened it and
that the server still belongs to that community, then answers. Rows unused for 30 days are pruned
(``bot.storage.view_states``); a click on one of those is told to run the command again.
"""

from __future__ import annotations

import asyncio
import io
import logging
import re
import weakref
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, TypeVar, cast

import discord

from bot.app import utc_now
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
from bot.discord.views import export_bytes, too_big
from bot.errors import FerryError
from bot.models import EVERY_VISIBILITY, Cursor, DirectoryPage, DirectoryQuery, ViewState
from bot.services.export_cache import Export
from bot.services.transfer import ExportFormat, ExportScope, export_filename

if TYPE_CHECKING:
    from bot.discord.client import FerryBot

log = logging.getLogger(__name__)

Interaction = discord.Interaction["FerryBot"]
ClientT = TypeVar("ClientT", bound=discord.Client)
KIND = "directory"
ALL_PLATFORMS = "*"  # select value for "no filter"; platform keys start with a letter
ACTIONS = ("prev", "next", "export")
# Clicks on one message are applied one after the other (a guild's clicks reach one process).
_locks: weakref.WeakValueDictionary[int, asyncio.Lock] = weakref.WeakValueDictionary()


def _lock(view_id: int) -> asyncio.Lock:
    lock = _locks.get(view_id)
    if lock is None:
        lock = _locks[view_id] = asyncio.Lock()
    return lock


@dataclass
class DirectoryState:
    """What one directory message shows: filter, search, and where each visited page starts."""

    platform: str | None
    search: str | None
    starts: list[Cursor | None] = field(default_factory=lambda: [None])
    next: Cursor | None = None  # where the page after the shown one starts, if there is one

    def to_json(self) -> dict[str, Any]:
        return {
            "platform": self.platform,
            "search": self.search,
            "starts": [None if c is None else c.encode() for c in self.starts],
            "next": None if self.next is None else self.next.encode(),
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> DirectoryState:
        def cursor(token: object) -> Cursor | None:
            return Cursor.decode(token) if isinstance(token, str) else None

        starts = [cursor(token) for token in data.get("starts") or [None]]
        return cls(
            platform=data.get("platform"),
            search=data.get("search"),
            starts=starts or [None],
            next=cursor(data.get("next")),
        )


class DirectoryMessage:
    """Renders one directory message (embed and controls) from its stored state."""

    def __init__(
        self, bot: FerryBot, *, view_id: int, community: str, state: DirectoryState, locale: discord.Locale
    ) -> None:
        self.bot = bot
        self.view_id = view_id
        self.community = community
        self.state = state
        self.locale = locale

    @classmethod
    async def open(
        cls,
        bot: FerryBot,
        *,
        owner_id: int,
        locale: discord.Locale,
        community: str,
        platform: str | None,
        search: str | None,
    ) -> tuple[discord.Embed, discord.ui.View]:
        """A new directory message, its state stored so that any process can answer its buttons."""
        message = cls(
            bot, view_id=0, community=community, state=DirectoryState(platform, search), locale=locale
        )
        page = await message.load()
        message.view_id = await bot.app.repository.create_view_state(
            kind=KIND,
            community=community,
            owner_id=str(owner_id),
            state=message.state.to_json(),
            now=utc_now(),
        )
        return message.render(page)

    async def load(self) -> DirectoryPage:
        """Fetch the page the state points at, and note where the next one starts."""
        state = self.state
        query = DirectoryQuery(
            community=self.community,
            visibilities=EVERY_VISIBILITY,  # the community's own server
            platform=state.platform,
            search=state.search,
            limit=DIRECTORY_PAGE_SIZE,
            after=state.starts[-1],
        )
        page = await self.bot.app.directory.directory(query)
        if page.prev_cursor is None and len(state.starts) > 1:
            # Rows were removed meanwhile and the service fell back to the directory's start.
            state.starts = [None]
        state.next = page.next_cursor
        return page

    def render(self, page: DirectoryPage) -> tuple[discord.Embed, discord.ui.View]:
        """The embed and the controls for ``page``."""
        pages = page.page_count(DIRECTORY_PAGE_SIZE)
        if pages is not None:
            pages = max(pages, len(self.state.starts))
        return self._embed(page, len(self.state.starts), pages), self._view(page)

    async def save(self) -> None:
        await self.bot.app.repository.save_view_state(self.view_id, self.state.to_json(), now=utc_now())

    def _view(self, page: DirectoryPage) -> discord.ui.View:
        locale, view_id = self.locale, self.view_id
        view = discord.ui.View(timeout=None)
        view.add_item(PlatformSelect(view_id, options=self._platform_options()))
        first = len(self.state.starts) == 1
        view.add_item(DirectoryButton(view_id, "prev", disabled=first))
        view.add_item(DirectoryButton(view_id, "next", disabled=page.next_cursor is None))
        export = DirectoryButton(view_id, "export", disabled=page.total == 0)
        export.item.label = fit(say(locale, "directory.export"), 80)
        view.add_item(export)
        return view

    def _platform_options(self) -> list[discord.SelectOption]:
        specs = self.bot.app.directory.platforms(self.community)[: SELECT_OPTIONS - 1]
        everything = say(self.locale, "directory.all_platforms")
        options = [discord.SelectOption(label=fit(everything, OPTION_LABEL_LIMIT), value=ALL_PLATFORMS)]
        options += [
            discord.SelectOption(label=fit(spec.display_name, OPTION_LABEL_LIMIT), value=spec.key)
            for spec in specs
        ]
        for option in options:
            option.default = option.value == (self.state.platform or ALL_PLATFORMS)
        return options

    def _embed(self, page: DirectoryPage, number: int, pages: int | None) -> discord.Embed:
        locale = self.locale
        community = self.bot.app.directory.community(self.community).name
        catalogue = self.bot.app.config().catalogue
        if self.state.platform is not None:
            name = catalogue.display_name(self.state.platform)
            title = say(locale, "directory.title_platform", community=community, platform=name)
        else:
            title = say(locale, "directory.title", community=community)
        lines = []
        if self.state.search:
            lines.append(say(locale, "directory.search", term=self.state.search))
        for entry in page.entries:
            lines.append(entry_line(entry, catalogue.display_name(entry.platform)))
        if not page.entries:
            lines.append(say(locale, "directory.empty"))
        embed = discord.Embed(
            title=fit(title, 256),
            description=lines_block(lines, EMBED_DESCRIPTION_LIMIT),
            colour=discord.Colour.blurple(),
        )
        legend = Raw(say(locale, "legend"))
        if pages is None:  # a search: its matches are not counted
            key = "directory.footer_search_more" if page.next_cursor else "directory.footer_search_end"
            footer = say(locale, key, page=number, legend=legend)
        else:
            footer = say(
                locale, "directory.footer", page=number, pages=pages, total=page.total, legend=legend
            )
        embed.set_footer(text=fit(footer, 300))
        return embed


def _ours(interaction: discord.Interaction[ClientT]) -> Interaction:
    # The items are registered on FerryBot only, so the client is always one.
    return cast(Interaction, interaction)


async def _allowed(interaction: Interaction, view_id: int) -> ViewState | None:
    """The state behind a click if this member may use it; otherwise answer and return None."""
    bot = interaction.client
    found = await bot.app.repository.view_state(view_id, kind=KIND)
    if (
        found is None
        or interaction.guild_id is None
        or bot.community(interaction.guild_id).slug != found.community
    ):
        # Pruned, or the server now belongs to another community: the old page is not for here.
        await interaction.response.send_message(say(interaction.locale, "view.gone"), ephemeral=True)
        return None
    if str(interaction.user.id) != found.owner_id:
        await interaction.response.send_message(
            say(interaction.locale, "directory.not_yours"), ephemeral=True
        )
        return None
    return found


async def _turn(interaction: Interaction, view_id: int, action: str, value: str | None = None) -> None:
    """Apply one click to the stored state and show the page it leads to."""
    # Acknowledge at once (the page is read from the database, which may queue behind writes).
    await interaction.response.defer()
    async with _lock(view_id):
        found = await interaction.client.app.repository.view_state(view_id, kind=KIND)
        if found is None:
            return
        state = DirectoryState.from_json(found.state)
        if action == "platform":
            state.platform = None if value in (None, ALL_PLATFORMS) else value
            state.starts = [None]
        elif action == "prev" and len(state.starts) > 1:
            state.starts.pop()
        elif action == "next" and state.next is not None:
            state.starts.append(state.next)
        message = DirectoryMessage(
            interaction.client,
            view_id=view_id,
            community=found.community,
            state=state,
            locale=interaction.locale,
        )
        page = await message.load()
        await message.save()
        embed, view = message.render(page)
        await interaction.edit_original_response(embed=embed, view=view)


async def _export(interaction: Interaction, community: str) -> None:
    """The whole directory as a CSV file, sent only to whoever asked."""
    # Writing the file can take longer than Discord's 3 s for a big directory.
    await interaction.response.defer(ephemeral=True, thinking=True)
    bot = interaction.client

    # What the directory shows a member, and no account ids: those are for the admins' export.
    # Kept per directory version: building it reads the whole directory, so a member may build
    # only a few in a row (RateLimitedError), while a kept copy is free.
    async def build() -> Export:
        return Export(
            *await export_bytes(bot, community, ExportFormat.CSV, ExportScope.ALL, account_ids=False)
        )

    try:
        export = await bot.exports.get(
            community, "members.csv", requester=("discord", interaction.user.id), build=build
        )
    except FerryError as error:
        await report_error(interaction, error)
        return
    data, count = export.data, export.count
    if await too_big(interaction, data):
        return
    filename = export_filename(community, ExportFormat.CSV, ExportScope.ALL)
    await interaction.followup.send(
        f"{say(interaction.locale, 'directory.exported', count=count)} "
        f"{say(interaction.locale, 'export.scope_all')}",
        file=discord.File(io.BytesIO(data), filename=filename),
        ephemeral=True,
    )


class DirectoryButton(
    discord.ui.DynamicItem[discord.ui.Button[discord.ui.View]],
    template=r"ferry:dir:(?P<view>[0-9]{1,18}):(?P<action>prev|next|export)",
):
    """◀, ▶ or the CSV export of one directory message."""

    def __init__(self, view_id: int, action: str, *, disabled: bool = False) -> None:
        emoji = {"prev": "◀", "next": "▶"}.get(action)
        style = discord.ButtonStyle.primary if action == "export" else discord.ButtonStyle.secondary
        super().__init__(
            discord.ui.Button(
                custom_id=f"ferry:dir:{view_id}:{action}", emoji=emoji, style=style, disabled=disabled, row=1
            )
        )
        self.view_id = view_id
        self.action = action
        self.found: ViewState | None = None

    @classmethod
    async def from_custom_id(
        cls, interaction: discord.Interaction[ClientT], item: discord.ui.Item[Any], match: re.Match[str], /
    ) -> DirectoryButton:
        return cls(int(match["view"]), match["action"])

    async def interaction_check(self, interaction: discord.Interaction[ClientT], /) -> bool:
        self.found = await _allowed(_ours(interaction), self.view_id)
        return self.found is not None

    async def callback(self, interaction: discord.Interaction[ClientT]) -> None:
        assert self.found is not None  # set by interaction_check
        if self.action == "export":
            await _export(_ours(interaction), self.found.community)
        else:
            await _turn(_ours(interaction), self.view_id, self.action)


class PlatformSelect(
    discord.ui.DynamicItem[discord.ui.Select[discord.ui.View]],
    template=r"ferry:dir:(?P<view>[0-9]{1,18}):platform",
):
    """The platform filter of one directory message; choosing goes back to page 1."""

    def __init__(self, view_id: int, *, options: list[discord.SelectOption] | None = None) -> None:
        select: discord.ui.Select[discord.ui.View] = discord.ui.Select(
            custom_id=f"ferry:dir:{view_id}:platform",
            options=options or [discord.SelectOption(label="-")],
            min_values=1,
            max_values=1,
            row=0,
        )
        super().__init__(select)
        self.view_id = view_id

    @classmethod
    async def from_custom_id(
        cls, interaction: discord.Interaction[ClientT], item: discord.ui.Item[Any], match: re.Match[str], /
    ) -> PlatformSelect:
        options = item.options if isinstance(item, discord.ui.Select) else None
        return cls(int(match["view"]), options=options)

    async def interaction_check(self, interaction: discord.Interaction[ClientT], /) -> bool:
        return await _allowed(_ours(interaction), self.view_id) is not None

    async def callback(self, interaction: discord.Interaction[ClientT]) -> None:
        await _turn(_ours(interaction), self.view_id, "platform", self.item.values[0])


DYNAMIC_ITEMS = (DirectoryButton, PlatformSelect)
