"""The text verbs about a member's own privacy: ``visibility`` and ``mydata``.

An answer on Bluesky is a public post, so what it shows follows the front's visibilities like every
other answer: where only public entries may be shown, community-only handles are counted, never
named, and no account id of another platform appears. The console sees everything.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from bot.errors import NotRegisteredError
from bot.models import EVERY_VISIBILITY, Entry, Visibility
from bot.services.directory import DirectoryService
from bot.services.moderation import ModerationService
from bot.services.privacy import change_visibility
from bot.text.messages import count as count_of
from bot.text.messages import say
from bot.text.parser import Command
from bot.text.render import MARKS, pack, platform_name, with_legend

if TYPE_CHECKING:
    from bot.text.handler import TextContext


class PrivacyCommands:
    """Changing who sees one's entries, and seeing what Ferry keeps."""

    def __init__(self, directory: DirectoryService, moderation: ModerationService) -> None:
        self._directory = directory
        self._moderation = moderation

    async def visibility(self, command: Command, ctx: TextContext) -> str:
        """Set one platform's entry (or all of the caller's) to public or community-only."""
        assert command.visibility is not None
        change = await change_visibility(
            self._directory,
            self._moderation,
            community=ctx.community,
            identity=ctx.identity,
            platform=command.platform,
            visibility=Visibility(command.visibility),
        )
        # Platforms only, never handles: on Bluesky this answer is public, and a handle just made
        # community-only must not be repeated there.
        shown = change.changed or change.unchanged
        names = ", ".join(platform_name(self._directory, e) for e in shown)
        state = "now" if change.changed else "already"
        return say(
            ctx.locale,
            f"visibility.{state}.{change.visibility.value}",
            platforms=names,
            community=self._directory.community(ctx.community).name,
        )

    async def mydata(self, ctx: TextContext) -> str:
        """What Ferry keeps about the caller, as much as this front may show."""
        member = await self._directory.member(community=ctx.community, identity=ctx.identity)
        if member is None:
            raise NotRegisteredError(None)
        community = self._directory.community(ctx.community).name
        entries = await self._directory.handles(
            community=ctx.community, identity=ctx.identity, visibilities=EVERY_VISIBILITY
        )
        shown = [e for e in entries if e.visibility in set(ctx.visibilities)]
        notes: list[str] = []  # said before the handles, so a tight post never drops them
        if Visibility.COMMUNITY in set(ctx.visibilities):
            header = say(ctx.locale, "mydata.header", community=community)
            facts = [
                say(
                    ctx.locale,
                    "mydata.member",
                    name=member.display_name,
                    since=member.created_at.date().isoformat(),
                ),
                say(ctx.locale, "mydata.accounts", accounts=", ".join(str(i) for i in member.identities)),
            ]
            if member.hidden:
                facts.append(say(ctx.locale, "mydata.hidden"))
            footer = say(ctx.locale, "mydata.more.console")
        else:
            header = say(ctx.locale, "mydata.header.public", community=community)
            facts = []
            withheld = len(entries) - len(shown)
            if withheld:  # "no handles" alone would be false
                handles = count_of(ctx.locale, "handles", withheld)
                notes.append(say(ctx.locale, "mydata.withheld", count=handles))
            footer = say(ctx.locale, "mydata.more.public", community=community)
        lines = [self._line(e, ctx.locale) for e in shown]
        if not lines and not notes:
            lines = [say(ctx.locale, "mydata.no_handles")]
        # First, so a tight post drops handles before it drops the fact that explains them. The
        # person already learns of a ban publicly when an add is refused, so every front says it.
        ban = [say(ctx.locale, "mydata.banned")] if member.banned else []
        text, _ = pack(header, [*ban, *notes, *lines, *facts], ctx.budget, footer=footer)
        return with_legend(text, say(ctx.locale, "legend"), shown, ctx.budget)

    def _line(self, entry: Entry, locale: str) -> str:
        return say(
            locale,
            "mydata.entry",
            platform=platform_name(self._directory, entry),
            handle=entry.handle,
            mark=MARKS[entry.verification],
            visibility=say(locale, f"visibility.word.{entry.visibility.value}"),
            verification=say(locale, f"verification.{entry.verification.value}"),
            added=entry.created_at.date().isoformat(),
        )
