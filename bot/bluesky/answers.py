"""From a recorded mention to the text of the answer's posts, through the shared text commands.

The author's DID is the member's identity (the post is signed by it), the community is the one named
after the mention or else the configured default, and the answer is in the post's language when a
translation exists. Only public entries are ever shown on Bluesky.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from bot.bluesky.gateway import Notice
from bot.bluesky.insights import ChartPoster
from bot.bluesky.own_links import is_own_link
from bot.bluesky.posts import POST_GRAPHEMES
from bot.config import FerryConfig
from bot.config.web import WebServing
from bot.models import Identity, IdentityKind, Source, Visibility
from bot.services.names import clean_display_name
from bot.storage.bluesky import InboxItem
from bot.storage.repository import Repository
from bot.text.handler import TextCommands, TextContext
from bot.text.messages import locale_for, say
from bot.text.parser import ParseError, parse

INVALID_HANDLE = "handle.invalid"  # what the AppView shows for an account whose handle does not verify


def list_state_key(community: str) -> str:
    """Where the URI of a community's Bluesky list is kept."""
    return f"bluesky.list:{community}"


def list_web_url(list_uri: str) -> str:
    """The bsky.app page of a list, from its AT-URI ``at://<did>/app.bsky.graph.list/<rkey>``."""
    did, _, rkey = list_uri.removeprefix("at://").partition("/app.bsky.graph.list/")
    return f"https://bsky.app/profile/{did}/lists/{rkey}"


def command_text(notice: Notice, bot_did: str) -> str:
    """The part of the post that is the command: what follows the last mention of the bot.

    People write "hey @ferry join" as often as "@ferry join"; the words before the mention are
    addressed to people, not to the bot.
    """
    raw = notice.text.encode()
    ends = [
        end for start, end, did in notice.mention_spans if did == bot_did and 0 <= start < end <= len(raw)
    ]
    if not ends:
        return notice.text
    return raw[max(ends) :].decode("utf-8", errors="ignore")


def is_command(text: str) -> bool:
    """Whether a reply carries a command (replies without one are conversation, not for the bot).

    A reply that does not mention the bot must be only a command: "join us tomorrow" in a thread is
    talk between people, while "@ferry join 🙏" is addressed to the bot and may say more.
    """
    try:
        return not parse(text).ignored
    except ParseError:
        return False


def payload(notice: Notice, bot_did: str) -> dict[str, object]:
    """What the inbox keeps of a notification to answer it after a restart."""
    return {
        "text": command_text(notice, bot_did),
        "langs": list(notice.langs),
        "root_uri": notice.reply_root.uri if notice.reply_root else None,
        "root_cid": notice.reply_root.cid if notice.reply_root else None,
        "author_handle": notice.author_handle,
        "author_name": notice.author_name,
    }


@dataclass(frozen=True, slots=True)
class Answer:
    """The posts of one answer (in thread order) and the language they are written in."""

    parts: tuple[str, ...]
    locale: str


class Answerer:
    """Runs the command of a recorded mention and words the answer."""

    def __init__(
        self,
        *,
        commands: TextCommands,
        repository: Repository,
        config: Callable[[], FerryConfig],
        web: WebServing | None = None,
        charts: ChartPoster | None = None,
    ) -> None:
        self._commands = commands
        self._charts = charts  # answers "stats" with a picture when given
        self._repo = repository
        self._config = config
        self._web = web or WebServing()  # the public page this process serves, if any

    def is_own_link(self, url: str) -> bool:
        """Whether an answer may make ``url`` a link: only the links Ferry builds (see own_links)."""
        return is_own_link(url, config=self._config(), web=self._web)

    def default_community(self) -> str:
        config = self._config()
        return config.bluesky.community or config.default_community_slug

    async def rest_hint(self, community: str, locale: str) -> str:
        """Where to see the whole directory: the web page, else the Bluesky list, else Discord.

        ``[bluesky].web_url`` names a page served elsewhere (another host, a proxy path); otherwise the
        page this process serves, when it publishes the community.
        """
        config = self._config()
        if config.bluesky.web_url:
            return config.bluesky.web_url.replace("{community}", community)
        served = self._web.directory_url(community, frozenset(config.communities))
        if served:
            return served
        list_uri = await self._repo.get_state(list_state_key(community))
        if list_uri:
            return list_web_url(list_uri)
        settings = config.community(community)
        if settings.discord_guild_ids:
            return say(locale, "rest.discord", community=settings.name)
        return ""

    async def answer(self, item: InboxItem) -> Answer:
        data = item.payload
        langs = data.get("langs") or []
        locale = locale_for(str(langs[0]) if langs else None)
        handle = str(data.get("author_handle") or "")
        community = self.default_community()
        try:
            named = parse(str(data.get("text", ""))).community
        except ParseError:
            named = None
        ctx = TextContext(
            community=community,
            identity=Identity(IdentityKind.BLUESKY, item.author_did),
            # The profile name, else the handle; never the DID, which is no name to show.
            display_name=clean_display_name(
                str(data.get("author_name") or ""),
                fallback=handle if handle != INVALID_HANDLE else None,
            ),
            source=Source.BLUESKY,
            locale=locale,
            budget=POST_GRAPHEMES,
            visibilities=frozenset({Visibility.PUBLIC}),
            # An account without a verified handle is still itself: its DID is a valid Bluesky handle.
            handle=handle if handle and handle != INVALID_HANDLE else item.author_did,
            communities=tuple(self._config().communities),
            registers=self._config().bluesky.registers(self._config().default_community_slug),
            rest_hint=await self.rest_hint(named or community, locale),
        )
        if self._charts is not None:
            wanted, slug = self._charts.request(str(data.get("text", "")))
            if wanted:
                where = slug or community
                hint = await self.rest_hint(where, locale)
                return Answer((await self._charts.text(where, locale, hint),), locale)
        max_posts = self._config().bluesky.max_thread_posts
        parts = await self._commands.answer_thread(str(data.get("text", "")), ctx, max_posts=max_posts)
        return Answer(tuple(parts), locale)
