"""One language policy: the console, Discord and the config read a tag the same way."""

import discord
import pytest

from bot.config.announce import AnnouncementConfig
from bot.discord.messages import locale_of
from bot.language import known_language, language_of
from bot.text.messages import locale_for

TAGS = {
    "en": "en",
    "en-GB": "en",
    "EN_us": "en",
    "zh": "zh-Hans",
    "zh-CN": "zh-Hans",
    "zh_cn": "zh-Hans",
    "zh-SG": "zh-Hans",
    "zh-Hans": "zh-Hans",
    "zh-Hans-CN": "zh-Hans",
    "zh-TW": None,  # Traditional Chinese: not a language Ferry has yet
    "zh-Hant": None,
    "zh-HK": None,
    "fr": None,
    "": None,
    "zhx": None,
}


@pytest.mark.parametrize(("tag", "language"), TAGS.items())
def test_every_front_and_the_config_agree(tag: str, language: str | None) -> None:
    assert known_language(tag) == language
    answered = language or "en"
    assert language_of(tag) == answered
    assert locale_for(tag) == answered.lower()  # the text front's catalogue keys
    assert locale_of(tag) == ("zh" if answered == "zh-Hans" else "en")
    if language is None:
        with pytest.raises(ValueError, match="is not a language Ferry speaks"):
            AnnouncementConfig.model_validate({"locale": tag})
    else:
        assert AnnouncementConfig.model_validate({"locale": tag}).locale == language


def test_discord_locales_follow_the_same_policy() -> None:
    assert locale_of(discord.Locale.chinese) == "zh"
    assert locale_of(discord.Locale.taiwan_chinese) == "en"
    assert locale_of(discord.Locale.british_english) == "en"
    assert locale_of(None) == "en"
