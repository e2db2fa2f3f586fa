"""Runs text commands against the directory service and words the answers.

Shared by the console and the Bluesky front: each passes its caller's identity, what that caller
may see, its locale and its length budget; the answer comes back as plain-text posts.
"""

from __future__ import annotations

import dataclasses
import logging
from collections.abc import Collection
from dataclasses import dataclass

from bot.errors import (
    FerryError,
    RegistrationClosedError,
    UnknownCommunityError,
)
from bot.models import Entry, Identity, RegistrationOutcome, Source, Verification, Visibility
from bot.services.directory import DirectoryService
from bot.services.linking import LinkingService
from bot.services.moderation import ModerationService
from bot.text.directory import DirectoryAnswers
from bot.text.errors import echo, error_sentence
from bot.text.links import LinkAnswers
from bot.text.messages import count as count_of
from bot.text.messages import say
from bot.text.parser import Command, ParseError, Verb, parse
from bot.text.privacy import PrivacyCommands
from bot.text.render import (
    MARKS,
    pack,
    platform_name,
    shorten,
    width,
    with_legend,
)

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True, kw_only=True)
class TextContext:
    """Who is asking, through which front, and how much room the answer has."""

    community: str
    identity: Identity
    display_name: str
    source: Source
    locale: str = "en"
    budget: int = 300  # graphemes per post
    # What this front may show. Public only unless the front says otherwise, so a front that
    # forgets to choose can never leak community-only entries beyond the community.
    visibilities: Collection[Visibility] = frozenset({Visibility.PUBLIC})
    handle: str | None = None  # the caller's own handle on this front's platform, for ``join``
    communities: Collection[str] = ()  # slugs a command may name before its verb
    # Communities ``add`` and ``join`` may register into; None: any (the console is the operator's).
    registers: Collection[str] | None = None
    rest_hint: str = ""  # where the whole directory is, ending a directory thread


ROOM_FOR_PLATFORMS = 20  # graphemes a shortened platform list in a tight help needs to say anything


class TextCommands:
    """The text command language, executed."""

    def __init__(
        self,
        directory: DirectoryService,
        moderation: ModerationService,
        linking: LinkingService | None = None,
    ) -> None:
        self._directory = directory
        self._privacy = PrivacyCommands(directory, moderation)
        self._links = LinkAnswers(directory)
        self._pages = DirectoryAnswers(directory)
        self._linking = linking  # None where linking cannot happen (the console)

    async def answer(self, text: str, ctx: TextContext) -> str:
        """Parse and run one command; every outcome, error or not, is a sentence for the user."""
        try:
            command = parse(text)
        except ParseError as exc:
            usage = say(ctx.locale, f"usage.{exc.verb.value}" if exc.verb else "usage.summary")
            word = echo(exc.word or "")
            return shorten(say(ctx.locale, f"parse.{exc.problem}", usage=usage, word=word), ctx.budget)
        try:
            ctx = self._scoped(command, ctx)
            reply = await self._run(command, ctx)
        except FerryError as exc:
            reply = self._error(exc, ctx)
        return shorten(reply, ctx.budget)

    async def answer_thread(self, text: str, ctx: TextContext, *, max_posts: int) -> list[str]:
        """Like :meth:`answer`, but a directory or the links may fill up to ``max_posts`` posts.

        A post-based front (Bluesky) sends the parts as a self-reply thread; other answers are one post.
        """
        try:
            command = parse(text)
        except ParseError:
            command = None
        if command is None or command.verb not in (Verb.DIRECTORY, Verb.LINKS) or max_posts <= 1:
            return [await self.answer(text, ctx)]
        try:
            ctx = self._scoped(command, ctx)
            if command.verb is Verb.LINKS:
                return self._links.thread(ctx, max_posts)
            return await self._pages.answer(command, ctx, max_posts)
        except FerryError as exc:
            return [shorten(self._error(exc, ctx), ctx.budget)]

    def _scoped(self, command: Command, ctx: TextContext) -> TextContext:
        """The context for the community the command names, if it names one this front serves."""
        if command.community is None or command.community == ctx.community:
            return ctx
        if command.community not in ctx.communities:
            raise UnknownCommunityError(command.community)
        return dataclasses.replace(ctx, community=command.community)

    async def _run(self, command: Command, ctx: TextContext) -> str:
        if command.verb is Verb.ADD:
            return await self._add(command, ctx)
        if command.verb is Verb.REMOVE:
            assert command.platform is not None
            entry = await self._directory.remove(
                community=ctx.community, identity=ctx.identity, platform=command.platform
            )
            return say(ctx.locale, "removed", platform=self._platform_name(entry), handle=entry.handle)
        if command.verb is Verb.LIST:
            return await self._list(ctx)
        if command.verb is Verb.DIRECTORY:
            [post] = await self._pages.answer(command, ctx, max_posts=1)
            return post
        if command.verb is Verb.LINKS:
            return self._links.single(ctx)
        if command.verb is Verb.JOIN:
            return await self._join(ctx)
        if command.verb is Verb.VERIFY:
            return await self._verify(command, ctx)
        if command.verb is Verb.VISIBILITY:
            return await self._privacy.visibility(command, ctx)
        if command.verb is Verb.MYDATA:
            return await self._privacy.mydata(ctx)
        if command.verb is Verb.FORGET:
            erasure = await self._directory.forget(community=ctx.community, identity=ctx.identity)
            if not erasure.member:  # never registered, but what it left (a link attempt, mentions) went
                return say(ctx.locale, "forgot.traces", community=self._community_name(ctx))
            return say(
                ctx.locale,
                "forgot",
                community=self._community_name(ctx),
                count=count_of(ctx.locale, "handles", erasure.handles),
            )
        return self._help(ctx)

    @staticmethod
    def _open_for_registration(ctx: TextContext) -> None:
        # Checked before anything is read, so a closed community's answer is the same for any handle.
        if ctx.registers is not None and ctx.community not in ctx.registers:
            raise RegistrationClosedError(ctx.community)

    async def _add(self, command: Command, ctx: TextContext) -> str:
        assert command.platform is not None
        assert command.handle is not None
        self._open_for_registration(ctx)
        result = await self._directory.register(
            community=ctx.community,
            identity=ctx.identity,
            display_name=ctx.display_name,
            platform=command.platform,
            handle=command.handle,
            source=ctx.source,
        )
        entry = result.entry
        link = f" {entry.profile_url}" if entry.profile_url else ""
        values = {"platform": self._platform_name(entry), "handle": entry.handle, "link": link}
        return say(ctx.locale, result.outcome.value, previous=result.previous_handle or "", **values)

    async def _join(self, ctx: TextContext) -> str:
        # Only Bluesky knows who wrote the command for certain: the post is signed by the author's DID.
        if ctx.source is not Source.BLUESKY or ctx.handle is None:
            return say(ctx.locale, "join.unsupported", usage=say(ctx.locale, "usage.add"))
        self._open_for_registration(ctx)
        result = await self._directory.register(
            community=ctx.community,
            identity=ctx.identity,
            display_name=ctx.display_name,
            platform="bluesky",
            handle=ctx.handle,
            source=ctx.source,
            verification=Verification.BLUESKY_PROVEN,
        )
        key = "join.again" if result.outcome is RegistrationOutcome.UNCHANGED else "joined"
        return say(ctx.locale, key, community=self._community_name(ctx), handle=result.entry.handle)

    async def _verify(self, command: Command, ctx: TextContext) -> str:
        # The code ties a Discord member to whoever posts it; only a signed Bluesky post says who that is.
        if ctx.source is not Source.BLUESKY or self._linking is None:
            return say(ctx.locale, "verify.unsupported")
        assert command.code is not None
        linked = await self._linking.redeem(
            community=ctx.community,
            code=command.code,
            did=ctx.identity.external_id,
            handle=ctx.handle or ctx.identity.external_id,
        )
        # This answer is public: it names the proven handle and the platforms of replaced handles,
        # never the Discord account or any community-only handle.
        # The code's community, which the mention need not have named.
        community = self._directory.community(linked.member.community).name
        text = say(ctx.locale, "verify.linked", community=community, handle=linked.entry.handle)
        platforms = dict.fromkeys(self._platform_name(entry) for entry in linked.dropped)
        if platforms:
            text += " " + say(ctx.locale, "verify.dropped", platforms=", ".join(platforms))
        return text

    async def _list(self, ctx: TextContext) -> str:
        every = await self._directory.handles(
            community=ctx.community, identity=ctx.identity, visibilities=frozenset(Visibility)
        )
        # The caller's own entries; those this front may not show are counted, never named.
        entries = [e for e in every if e.visibility in set(ctx.visibilities)]
        withheld = len(every) - len(entries)
        community = self._community_name(ctx)
        note = (
            say(ctx.locale, "list.withheld", count=count_of(ctx.locale, "handles", withheld))
            if withheld
            else ""
        )
        if not entries:
            if withheld:
                return say(ctx.locale, "list.only_withheld", community=community, note=note)
            return say(ctx.locale, "list.empty", community=community, usage=say(ctx.locale, "usage.add"))
        lines = [self._line(entry, with_name=False) for entry in entries]
        text, _ = pack(say(ctx.locale, "list.header", community=community), lines, ctx.budget, footer=note)
        return with_legend(text, say(ctx.locale, "legend"), entries, ctx.budget)

    def _help(self, ctx: TextContext) -> str:
        verbs = [Verb.ADD, Verb.REMOVE, Verb.LIST, Verb.DIRECTORY, Verb.LINKS, Verb.VISIBILITY]
        verbs += [Verb.MYDATA, Verb.FORGET, Verb.HELP]
        if ctx.source is Source.BLUESKY:
            verbs.insert(0, Verb.JOIN)
        lines = [f"• {say(ctx.locale, f'usage.{verb.value}')}" for verb in verbs]
        platforms = ", ".join(spec.key for spec in self._directory.platforms(ctx.community))
        lines.append(say(ctx.locale, "help.platforms", platforms=platforms))
        header = say(ctx.locale, "help.header", community=self._community_name(ctx))
        legend = say(ctx.locale, "legend")  # always shown: it is the only place every front explains marks
        text, taken = pack(header, lines, ctx.budget, footer=legend)
        if taken < len(lines):
            # A post's budget: every verb on one line beats the first few explained.
            summary = say(ctx.locale, "usage.summary")
            if ctx.source is Source.BLUESKY:
                summary = f"{Verb.JOIN.value} · {summary}"
            text, _ = pack(header, [summary], ctx.budget, footer=legend)
            room = ctx.budget - width(text) - 1
            if room > ROOM_FOR_PLATFORMS:  # the first platforms named beat none at all
                text, _ = pack(header, [summary, shorten(lines[-1], room)], ctx.budget, footer=legend)
        return text

    def _error(self, exc: FerryError, ctx: TextContext) -> str:
        # Outside the community (a public post), "taken" would confirm a community-only entry exists.
        outside = Visibility.COMMUNITY not in ctx.visibilities
        return error_sentence(exc, ctx.locale, outside=outside, community=self._community_name(ctx))

    def _line(self, entry: Entry, *, with_name: bool) -> str:
        platform = self._platform_name(entry)
        who = f"{entry.member_name} — " if with_name else ""
        link = f" {entry.profile_url}" if entry.profile_url else ""
        return f"• {who}{platform}: {entry.handle}{MARKS[entry.verification]}{link}"

    def _platform_name(self, entry: Entry) -> str:
        return platform_name(self._directory, entry)

    def _community_name(self, ctx: TextContext) -> str:
        return self._directory.community(ctx.community).name
