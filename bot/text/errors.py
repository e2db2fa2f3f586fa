"""Domain errors as sentences of the text fronts (console, Bluesky; the web page reuses them).

The wording comes from :func:`bot.error_messages.describe`; this module only formats its values
for plain text: nested messages in the same language, typed text cleaned and short, waits in whole
minutes.
"""

from __future__ import annotations

import logging
import math

from bot.error_messages import Message, Typed, Wait, describe
from bot.errors import FerryError
from bot.services.names import clean_display_name
from bot.text.messages import count, say
from bot.text.render import shorten

log = logging.getLogger(__name__)

ECHO_GRAPHEMES = 32  # of user text repeated back in an error


def echo(typed: str) -> str:
    """What the person typed, to repeat back: without invisible or direction-changing characters
    (they would reorder the bot's own post) and kept short."""
    return shorten(clean_display_name(typed, fallback="?"), ECHO_GRAPHEMES)


def render(locale: str, message: Message, **context: object) -> str:
    """``message`` in ``locale``; ``context`` adds values a template may use (the community's name)."""
    values: dict[str, object] = dict(context)
    for name, value in message.values.items():
        if isinstance(value, Message):
            values[name] = render(locale, value, **context)
        elif isinstance(value, Wait):
            # Whole minutes, rounded up: "try again in 1 minute" must not come a few seconds early.
            values[name] = count(locale, "minutes", max(1, math.ceil(value.seconds / 60)))
        elif isinstance(value, Typed):
            values[name] = echo(value.text)
        else:
            values[name] = value
    return say(locale, message.key, **values)


def error_sentence(error: FerryError, locale: str, *, outside: bool, community: str = "") -> str:
    """The sentence for ``error``; ``outside`` when the answer is seen beyond the community."""
    message = describe(error, outside=outside)
    if message.key == "error.generic":
        log.warning("unworded domain error", extra={"error": type(error).__name__})
    return render(locale, message, community=community)
