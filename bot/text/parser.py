"""The text command language shared by the Bluesky front and the console.

People type these into a post or a terminal, so the parser forgives what chat forgives: any case,
extra spaces, a leading mention of the bot, trailing punctuation in either script. It only splits
words; resolving platforms and validating handles is the service's job, so the same rules apply on
every front. In particular the parser never rewrites letters: a handle reaches the platform
normaliser as typed, exactly as a Discord option or a spreadsheet cell does.
"""

from __future__ import annotations

import dataclasses
import enum
import re
from dataclasses import dataclass

from bot.platforms.unicode_safety import fold_fullwidth

MAX_COMMAND_CHARS = 1000  # a Bluesky post is 300 graphemes; anything longer is not a command
MAX_CODE_WORDS = 3  # a link code is three groups


class Verb(enum.StrEnum):
    """The commands of the text language."""

    ADD = "add"
    REMOVE = "remove"
    LIST = "list"
    DIRECTORY = "directory"
    LINKS = "links"
    FORGET = "forget"
    HELP = "help"
    JOIN = "join"  # register the author's own account on the front's platform (Bluesky: proven by the DID)
    VERIFY = "verify"  # redeem a link code from Discord (Bluesky only: the post proves the DID)
    VISIBILITY = "visibility"
    MYDATA = "mydata"


_ALIASES: dict[str, Verb] = {
    "add": Verb.ADD,
    "register": Verb.ADD,
    "set": Verb.ADD,
    "remove": Verb.REMOVE,
    "delete": Verb.REMOVE,
    "rm": Verb.REMOVE,
    "list": Verb.LIST,
    "me": Verb.LIST,
    "mine": Verb.LIST,
    "directory": Verb.DIRECTORY,
    "dir": Verb.DIRECTORY,
    "who": Verb.DIRECTORY,
    "links": Verb.LINKS,
    "link": Verb.LINKS,
    "forget": Verb.FORGET,
    "help": Verb.HELP,
    "commands": Verb.HELP,
    "join": Verb.JOIN,
    "verify": Verb.VERIFY,
    "visibility": Verb.VISIBILITY,
    "vis": Verb.VISIBILITY,
    "privacy": Verb.VISIBILITY,
    "可见": Verb.VISIBILITY,
    "可见性": Verb.VISIBILITY,
    "mydata": Verb.MYDATA,
    "data": Verb.MYDATA,
    "我的数据": Verb.MYDATA,
}
# The words for who may see an entry, in either language; the value is a Visibility value.
_VISIBILITY_WORDS: dict[str, str] = {
    "public": "public",
    "everyone": "public",
    "公开": "public",
    "community": "community",
    "社区": "community",
    "仅社区": "community",
}
_ALL_PLATFORMS = frozenset({"all", "everything", "全部", "所有"})

# Sentence punctuation people end a chat line with; never part of a command word. Fullwidth marks
# need no entry: fold_fullwidth has already turned them into their ASCII twins.
_TRAILING = ".,;:!?\u3002\u3001"  # plus the ideographic full stop and comma, which are not fullwidth ASCII
_MENTION = re.compile(r"^(?:@\S+\s+)+")
_PAGE = re.compile(r"^[0-9]{1,6}$")
# A community slug may lead the command ("@ferry craft-circle directory") on an account that serves
# several communities; it has the shape of bot.config.fields.Slug and is only taken before a verb.
_SLUG = re.compile(r"^[a-z0-9][a-z0-9-]{1,31}$")


@dataclass(frozen=True, slots=True)
class Command:
    """A parsed command. Arguments are raw words; the service validates them."""

    verb: Verb
    platform: str | None = None
    handle: str | None = None
    page: int = 1
    community: str | None = None  # a slug named before the verb; None means the front's default
    code: str | None = None  # a link code as typed, for ``verify``; the service reads it forgivingly
    visibility: str | None = None  # a Visibility value, for ``visibility``
    ignored: tuple[str, ...] = ()  # words after a verb that takes none ("help 🙏"), left unread


class ParseError(Exception):
    """The text is not a command. ``verb`` is set when the verb was understood, for its usage line."""

    def __init__(self, verb: Verb | None, problem: str, word: str | None = None) -> None:
        super().__init__(problem)
        self.verb = verb
        self.problem = problem  # a message key in the front's catalogue
        self.word = word  # the word not understood, for "unexpected_word"


def _words(text: str) -> list[str]:
    # Only fullwidth ASCII and the ideographic space from CJK keyboards, the very folding the platform
    # normaliser does itself. Full NFKC here would turn "ⓐⓛⓘⓒⓔ" or math-bold letters into "alice"
    # before the normaliser could refuse them, so the text fronts would store what Discord refuses.
    text = fold_fullwidth(text)
    text = _MENTION.sub("", text.strip() + " ").strip()
    return [w for w in (word.strip(_TRAILING) for word in text.split()) if w]


def parse(text: str) -> Command:
    """Parse one command, raising ParseError with what was wrong."""
    if len(text) > MAX_COMMAND_CHARS:
        raise ParseError(None, "too_long")
    words = _words(text)
    words = _joined_my_data(words)
    if not words:
        raise ParseError(None, "empty")
    community = None
    first = words[0].casefold()
    if len(words) > 1 and first not in _ALIASES and words[1].casefold() in _ALIASES and _SLUG.match(first):
        community, words = first, words[1:]
    verb = _ALIASES.get(words[0].casefold())
    if verb is None:
        raise ParseError(None, "unknown_command")
    command = _command(verb, words[1:])
    return command if community is None else dataclasses.replace(command, community=community)


def _joined_my_data(words: list[str]) -> list[str]:
    """ "my data" reads as one word to people, first or after a community slug ("demo my data")."""
    # Only a word that is not a verb can be a slug: "add my data" stays an ``add`` of platform "my".
    starts = (0,) if words and words[0].casefold() in _ALIASES else (0, 1)
    for at in starts:
        if [w.casefold() for w in words[at : at + 2]] == ["my", "data"]:
            return [*words[:at], "mydata", *words[at + 2 :]]
    return words


def _command(verb: Verb, args: list[str]) -> Command:
    if verb is Verb.ADD:
        if len(args) < 2:
            raise ParseError(verb, "missing_arguments")
        if len(args) > 2:
            raise _unexpected(verb, args[2])
        return Command(verb, platform=args[0], handle=args[1])
    if verb is Verb.REMOVE:
        if not args:
            raise ParseError(verb, "missing_arguments")
        if len(args) > 1:
            raise _unexpected(verb, args[1])
        return Command(verb, platform=args[0])
    if verb is Verb.DIRECTORY:
        return _directory(args)
    if verb is Verb.VERIFY:
        # A code copied from Discord may arrive split at its dashes ("K7QM 4XPA 2H").
        if not args:
            raise ParseError(verb, "missing_arguments")
        if len(args) > MAX_CODE_WORDS:
            raise _unexpected(verb, args[MAX_CODE_WORDS])
        return Command(verb, code="".join(args))
    if verb is Verb.VISIBILITY:
        return _visibility(args)
    if verb is Verb.FORGET and args:
        # Erasing cannot be undone: "forget lemon8" may mean "remove lemon8", so it is not guessed.
        raise _unexpected(verb, args[0])
    # Other verbs without arguments ignore what follows: "help 🙏", "list please", "我的数据 谢谢".
    return Command(verb, ignored=tuple(args))


def _unexpected(verb: Verb, word: str) -> ParseError:
    return ParseError(verb, "unexpected_word", word=word)


def _directory(args: list[str]) -> Command:
    platform: str | None = None
    page = 1
    seen_page = False
    for arg in args:
        if _PAGE.match(arg) and not seen_page:
            page, seen_page = int(arg), True
            if page < 1:
                raise ParseError(Verb.DIRECTORY, "bad_page")
        elif platform is None and not _PAGE.match(arg):
            platform = arg
        else:
            raise _unexpected(Verb.DIRECTORY, arg)
    return Command(Verb.DIRECTORY, platform=platform, page=page)


def _visibility(args: list[str]) -> Command:
    """``<platform|all> <public|community>``, in either order; the platform may be left out for all."""
    if not args:
        raise ParseError(Verb.VISIBILITY, "missing_arguments")
    if len(args) > 2:
        raise _unexpected(Verb.VISIBILITY, args[2])
    chosen = [_VISIBILITY_WORDS[a.casefold()] for a in args if a.casefold() in _VISIBILITY_WORDS]
    others = [a for a in args if a.casefold() not in _VISIBILITY_WORDS]
    if len(chosen) != 1:
        raise ParseError(Verb.VISIBILITY, "bad_visibility")
    platform = others[0] if others and others[0].casefold() not in _ALL_PLATFORMS else None
    return Command(Verb.VISIBILITY, platform=platform, visibility=chosen[0])
