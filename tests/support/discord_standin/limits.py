"""Discord's limits on message payloads, embeds, components, modals and autocomplete answers.

Each check returns human-readable problems (empty when the payload is fine). Numbers follow
``/work/shared/reference/discord.md`` §1; Discord answers any of these with 400 / code 50035 and
rejects the *whole* message, which is why the stand-in refuses rather than trims.
"""

from __future__ import annotations

import enum
from collections.abc import Iterator
from datetime import datetime
from typing import Any

from .mentions import ALLOWED_CREATE_FLAGS, EPHEMERAL, IS_COMPONENTS_V2, SUPPRESS_EMBEDS

CONTENT_MAX = 2000
EMBEDS_MAX = 10
EMBED_TOTAL_MAX = 6000
ROWS_MAX = 5
ROW_BUTTONS_MAX = 5
V2_COMPONENTS_MAX = 40
CUSTOM_ID_MAX = 100
BUTTON_LABEL_MAX = 80
URL_MAX = 512
SELECT_OPTIONS_MAX = 25
SELECT_TEXT_MAX = 100
CHOICES_MAX = 25
_EMBED_TEXT = {"title": 256, "description": 4096}
_SELECT_TYPES = {3, 5, 6, 7, 8}
_WEB_SCHEMES = ("http://", "https://")
_MEDIA_SCHEMES = ("http://", "https://", "attachment://")

Json = dict[str, Any]


class Context(enum.Enum):
    """What kind of request carries the message: the rules on emptiness and flags differ."""

    CHANNEL = "channel message"
    RESPONSE = "interaction response"
    FOLLOWUP = "follow-up"
    EDIT = "edit"


def _text(value: object) -> str:
    return value if isinstance(value, str) else ""


def _too_long(where: str, value: object, limit: int, *, required: bool = False) -> list[str]:
    if value is None and not required:
        return []
    text = _text(value)
    if required and not text:
        return [f"{where} is required and must not be empty"]
    if len(text) > limit:
        return [f"{where} is {len(text)} characters, the limit is {limit}"]
    return []


def _url(where: str, value: object, schemes: tuple[str, ...], limit: int | None = None) -> list[str]:
    if value is None:
        return []
    text = _text(value)
    if not text.lower().startswith(schemes):
        # Discord fails the whole message with URL_TYPE_INVALID_SCHEME (discord-api-docs#5837).
        return [f"{where} {text!r} must use one of {', '.join(s.split(':')[0] for s in schemes)}"]
    if limit is not None and len(text) > limit:
        return [f"{where} is {len(text)} characters, the limit is {limit}"]
    return []


def embed_length(embed: Json) -> int:
    """Characters that count towards the 6,000 budget shared by all embeds of a message."""
    total = len(_text(embed.get("title"))) + len(_text(embed.get("description")))
    for item in embed.get("fields") or []:
        total += len(_text(item.get("name"))) + len(_text(item.get("value")))
    total += len(_text((embed.get("footer") or {}).get("text")))
    total += len(_text((embed.get("author") or {}).get("name")))
    return total


def check_embed(embed: Json, where: str) -> list[str]:
    problems: list[str] = []
    for key, limit in _EMBED_TEXT.items():
        problems += _too_long(f"{where}.{key}", embed.get(key), limit)
    fields = embed.get("fields") or []
    if len(fields) > 25:
        problems.append(f"{where} has {len(fields)} fields, the limit is 25")
    for index, item in enumerate(fields):
        problems += _too_long(f"{where}.fields[{index}].name", item.get("name"), 256, required=True)
        problems += _too_long(f"{where}.fields[{index}].value", item.get("value"), 1024, required=True)
    footer = embed.get("footer")
    if footer is not None:
        problems += _too_long(f"{where}.footer.text", footer.get("text"), 2048, required=True)
        problems += _url(f"{where}.footer.icon_url", footer.get("icon_url"), _MEDIA_SCHEMES)
    author = embed.get("author")
    if author is not None:
        problems += _too_long(f"{where}.author.name", author.get("name"), 256, required=True)
        problems += _url(f"{where}.author.url", author.get("url"), _WEB_SCHEMES, URL_MAX)
        problems += _url(f"{where}.author.icon_url", author.get("icon_url"), _MEDIA_SCHEMES)
    problems += _url(f"{where}.url", embed.get("url"), _WEB_SCHEMES, URL_MAX)
    for media in ("image", "thumbnail"):
        problems += _url(f"{where}.{media}.url", (embed.get(media) or {}).get("url"), _MEDIA_SCHEMES)
    colour = embed.get("color")
    if colour is not None and not (isinstance(colour, int) and 0 <= colour <= 0xFFFFFF):
        problems.append(f"{where}.color {colour!r} must be an integer in 0..0xFFFFFF")
    stamp = embed.get("timestamp")
    if stamp is not None:
        try:
            datetime.fromisoformat(_text(stamp))
        except ValueError:
            problems.append(f"{where}.timestamp {stamp!r} is not ISO 8601")
    return problems


def check_embeds(embeds: list[Json]) -> list[str]:
    problems: list[str] = []
    if len(embeds) > EMBEDS_MAX:
        problems.append(f"{len(embeds)} embeds, the limit is {EMBEDS_MAX}")
    for index, embed in enumerate(embeds):
        problems += check_embed(embed, f"embeds[{index}]")
    total = sum(embed_length(e) for e in embeds)
    if total > EMBED_TOTAL_MAX:
        problems.append(f"embeds total {total} characters, the limit across a message is {EMBED_TOTAL_MAX}")
    return problems


def walk_components(components: list[Json]) -> Iterator[Json]:
    """Every component, depth first (rows, containers, sections and their accessories)."""
    for component in components:
        yield component
        yield from walk_components(component.get("components") or [])
        for key in ("accessory", "component"):
            if isinstance(component.get(key), dict):
                yield from walk_components([component[key]])


def _check_button(button: Json, where: str) -> list[str]:
    problems = _too_long(f"{where}.label", button.get("label"), BUTTON_LABEL_MAX)
    style = button.get("style")
    if style == 5:
        problems += _url(f"{where}.url", button.get("url"), (*_WEB_SCHEMES, "discord://"), URL_MAX)
        if button.get("url") is None:
            problems.append(f"{where} is a link button without a url")
        if button.get("custom_id") is not None:
            problems.append(f"{where} is a link button and must not have a custom_id")
    elif style == 6:
        if button.get("sku_id") is None:
            problems.append(f"{where} is a premium button without a sku_id")
    elif style in {1, 2, 3, 4}:
        if button.get("custom_id") is None:
            problems.append(f"{where} (style {style}) needs a custom_id")
        if button.get("url") is not None:
            problems.append(f"{where} (style {style}) must not have a url")
    else:
        problems.append(f"{where} has unknown button style {style!r}")
    if style != 6 and not button.get("label") and not button.get("emoji"):
        problems.append(f"{where} needs a label or an emoji")
    return problems


def _check_select(select: Json, where: str) -> list[str]:
    problems = _too_long(f"{where}.placeholder", select.get("placeholder"), 150)
    low, high = select.get("min_values", 1), select.get("max_values", 1)
    if not 0 <= low <= 25 or not 1 <= high <= 25 or low > high:
        problems.append(f"{where} min_values={low} max_values={high} must satisfy 0<=min<=max<=25")
    if select.get("type") == 3:
        options = select.get("options") or []
        if not 1 <= len(options) <= SELECT_OPTIONS_MAX:
            problems.append(f"{where} has {len(options)} options, it needs 1..{SELECT_OPTIONS_MAX}")
        if high > len(options):
            problems.append(f"{where} max_values={high} exceeds its {len(options)} options")
        values = [o.get("value") for o in options]
        if len(set(values)) != len(values):
            problems.append(f"{where} has duplicate option values")
        for index, option in enumerate(options):
            here = f"{where}.options[{index}]"
            problems += _too_long(f"{here}.label", option.get("label"), SELECT_TEXT_MAX, required=True)
            problems += _too_long(f"{here}.value", option.get("value"), SELECT_TEXT_MAX, required=True)
            problems += _too_long(f"{here}.description", option.get("description"), SELECT_TEXT_MAX)
    elif len(select.get("default_values") or []) > 25:
        problems.append(f"{where} has more than 25 default_values")
    return problems


def _check_custom_ids(components: list[Json]) -> list[str]:
    problems: list[str] = []
    seen: set[str] = set()
    for component in walk_components(components):
        custom_id = component.get("custom_id")
        if custom_id is None:
            continue
        problems += _too_long(f"custom_id {custom_id!r}", custom_id, CUSTOM_ID_MAX, required=True)
        if custom_id in seen:
            problems.append(f"custom_id {custom_id!r} is used twice in one message")
        seen.add(custom_id)
    return problems


def _check_items(components: list[Json]) -> list[str]:
    problems: list[str] = []
    for index, component in enumerate(walk_components(components)):
        where = f"component #{index} (type {component.get('type')})"
        if component.get("type") == 2:
            problems += _check_button(component, where)
        elif component.get("type") in _SELECT_TYPES:
            problems += _check_select(component, where)
        elif component.get("type") == 4:
            problems.append(f"{where}: text inputs are only allowed in modals")
    return problems


def check_components(components: list[Json], flags: int) -> list[str]:
    problems = _check_custom_ids(components) + _check_items(components)
    if flags & IS_COMPONENTS_V2:
        count = sum(1 for _ in walk_components(components))
        if count > V2_COMPONENTS_MAX:
            problems.append(f"{count} components, the Components V2 limit is {V2_COMPONENTS_MAX}")
        return problems
    if len(components) > ROWS_MAX:
        problems.append(f"{len(components)} action rows, the limit is {ROWS_MAX}")
    for index, row in enumerate(components):
        if row.get("type") != 1:
            problems.append(f"top-level component {index} is type {row.get('type')}, expected an action row")
            continue
        children = row.get("components") or []
        kinds = {child.get("type") for child in children}
        if not children:
            problems.append(f"action row {index} is empty")
        elif kinds & _SELECT_TYPES and len(children) != 1:
            problems.append(f"action row {index} holds a select menu with other components")
        elif len(children) > ROW_BUTTONS_MAX:
            problems.append(f"action row {index} has {len(children)} buttons, the limit is {ROW_BUTTONS_MAX}")
    return problems


def check_flags(flags: int, context: Context, *, ephemeral_original: bool = False) -> list[str]:
    if context is Context.EDIT:
        # Only SUPPRESS_EMBEDS (and the flags a message already has) can be sent on an edit.
        allowed = SUPPRESS_EMBEDS | IS_COMPONENTS_V2 | (EPHEMERAL if ephemeral_original else 0)
    elif context is Context.CHANNEL:
        allowed = ALLOWED_CREATE_FLAGS & ~EPHEMERAL
    else:
        allowed = ALLOWED_CREATE_FLAGS
    extra = flags & ~allowed
    return [f"flags {flags} include {extra}, which a {context.value} cannot set"] if extra else []


def check_message(
    data: Json, context: Context, *, files: int = 0, ephemeral_original: bool = False
) -> list[str]:
    """Everything Discord checks on a message body before creating or editing the message."""
    problems: list[str] = []
    flags = int(data.get("flags") or 0)
    content = data.get("content")
    embeds = data.get("embeds") or []
    components = data.get("components") or []
    problems += _too_long("content", content, CONTENT_MAX)
    problems += check_embeds(embeds)
    problems += check_components(components, flags)
    problems += check_flags(flags, context, ephemeral_original=ephemeral_original)
    if flags & IS_COMPONENTS_V2 and (content or embeds):
        problems.append("a Components V2 message cannot carry content or embeds")
    if len(data.get("sticker_ids") or []) > 3:
        problems.append("more than 3 stickers")
    empty = not (content or embeds or components or files or data.get("poll") or data.get("sticker_ids"))
    if context is not Context.EDIT and empty:
        problems.append("cannot send an empty message (code 50006)")
    return problems


def check_modal(data: Json) -> list[str]:
    problems = _too_long("modal custom_id", data.get("custom_id"), CUSTOM_ID_MAX, required=True)
    problems += _too_long("modal title", data.get("title"), 45, required=True)
    rows = data.get("components") or []
    if not 1 <= len(rows) <= 5:
        problems.append(f"a modal has {len(rows)} components, it needs 1..5")
    for index, item in enumerate(walk_components(rows)):
        where = f"modal component #{index}"
        if item.get("type") == 18:
            problems += _too_long(f"{where}.label", item.get("label"), 45, required=True)
            problems += _too_long(f"{where}.description", item.get("description"), 100)
        elif item.get("type") == 4:
            problems += _too_long(f"{where}.custom_id", item.get("custom_id"), CUSTOM_ID_MAX, required=True)
            problems += _too_long(f"{where}.label", item.get("label"), 45)
            problems += _too_long(f"{where}.placeholder", item.get("placeholder"), 100)
            problems += _too_long(f"{where}.value", item.get("value"), 4000)
            low, high = item.get("min_length", 0), item.get("max_length", 4000)
            if not 0 <= low <= 4000 or not 1 <= high <= 4000:
                problems.append(f"{where} min_length/max_length must be within 0..4000 / 1..4000")
        elif item.get("type") in _SELECT_TYPES:
            problems += _check_select(item, where)
    return problems


_CHOICE_TYPES: dict[int, tuple[type, ...]] = {3: (str,), 4: (int,), 10: (int, float)}


def check_choices(choices: list[Json], option_type: int | None = None) -> list[str]:
    """Autocomplete answers and static choices: at most 25, names and string values 1..100."""
    problems: list[str] = []
    if len(choices) > CHOICES_MAX:
        problems.append(f"{len(choices)} choices, the limit is {CHOICES_MAX} (slice [:25])")
    expected = _CHOICE_TYPES.get(option_type or 0)
    for index, choice in enumerate(choices):
        problems += _too_long(f"choices[{index}].name", choice.get("name"), 100, required=True)
        value = choice.get("value")
        if isinstance(value, str):
            problems += _too_long(f"choices[{index}].value", value, 100, required=True)
        if expected and (not isinstance(value, expected) or isinstance(value, bool)):
            problems.append(f"choices[{index}].value {value!r} does not match option type {option_type}")
    return problems
