"""The text fronts' catalogue: complete in English, same placeholders in every translation."""

import string

import pytest

from bot.platforms import Reason
from bot.text.messages import CATALOGUES, EN, has, locale_for, say


def _fields(template: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(template) if name}


@pytest.mark.parametrize("locale", sorted(CATALOGUES))
def test_translations_use_the_same_placeholders(locale: str) -> None:
    for key, template in CATALOGUES[locale].items():
        assert key in EN, f"{locale} has a key English lacks: {key}"
        assert _fields(template) == _fields(EN[key]), f"{locale}:{key}"


@pytest.mark.parametrize(
    ("tag", "locale"),
    [
        ("zh-CN", "zh-hans"),
        ("zh", "zh-hans"),
        ("zh_Hans", "zh-hans"),
        ("zh-TW", "en"),
        ("en-GB", "en"),
        (None, "en"),
    ],
)
def test_locale_tags_map_to_catalogues(tag: str | None, locale: str) -> None:
    assert locale_for(tag) == locale


def test_missing_translation_falls_back_to_english() -> None:
    assert say("xx", "usage.summary") == EN["usage.summary"]
    assert say("zh-hans", "usage.summary") != EN["usage.summary"]
    assert has("parse.empty")
    assert not has("no.such.key")


@pytest.mark.parametrize("locale", sorted(CATALOGUES))
def test_every_handle_rejection_reason_has_a_sentence(locale: str) -> None:
    for reason in Reason:
        assert f"reason.{reason.value}" in CATALOGUES[locale], f"{locale} lacks reason.{reason.value}"
