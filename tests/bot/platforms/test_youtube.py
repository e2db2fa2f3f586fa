"""YouTube: @handles in any one script, and case-sensitive UC… channel ids."""

from __future__ import annotations

import unicodedata

import pytest

from bot.platforms import Reason
from tests.bot.platforms.helpers import accepts, rejects

CHANNEL = "UCX6OQ3DkcsbYNE6H8uQQuVA"
BASE = "https://www.youtube.com/"

TESUTO = "@\u30c6\u30b9\u30c8"  # @テスト
TESUTO_URL = BASE + "@%E3%83%86%E3%82%B9%E3%83%88"
NAMASTE = "@\u0928\u092e\u0938\u094d\u0924\u0947"  # Devanagari, with combining marks
NAMASTE_URL = BASE + "@%E0%A4%A8%E0%A4%AE%E0%A4%B8%E0%A5%8D%E0%A4%A4%E0%A5%87"
SHALOM = "@\u05e9\u05dc\u05d5\u05dd123"  # Hebrew and digits
SHALOM_URL = BASE + "@%D7%A9%D7%9C%D7%95%D7%9D123"
TOKYO = "@\u6771\u4eac\u30bf\u30ef\u30fctokyo"  # Han, Katakana and Latin: ordinary Japanese
TOKYO_URL = BASE + "@%E6%9D%B1%E4%BA%AC%E3%82%BF%E3%83%AF%E3%83%BCtokyo"

ACCEPTED = [
    (TESUTO, TESUTO, TESUTO_URL),
    (TESUTO[1:], TESUTO, TESUTO_URL),
    ("https://www.youtube.com/@%E3%83%86%E3%82%B9%E3%83%88", TESUTO, TESUTO_URL),
    (NAMASTE, NAMASTE, NAMASTE_URL),
    (SHALOM, SHALOM, SHALOM_URL),
    (TOKYO, TOKYO, TOKYO_URL),
    ("@MrBeast", "@mrbeast", BASE + "@mrbeast"),
    ("youtube.com/@MrBeast/videos", "@mrbeast", BASE + "@mrbeast"),
    ("https://m.youtube.com/@mrbeast?si=abc", "@mrbeast", BASE + "@mrbeast"),
    ("@abc", "@abc", BASE + "@abc"),
    ("@" + "a" * 30, "@" + "a" * 30, BASE + "@" + "a" * 30),
    ("@sunny.bakes-1_x\u00b7y", "@sunny.bakes-1_x\u00b7y", BASE + "@sunny.bakes-1_x%C2%B7y"),
    (CHANNEL, CHANNEL, BASE + "channel/" + CHANNEL),
    (f"https://www.youtube.com/channel/{CHANNEL}", CHANNEL, BASE + "channel/" + CHANNEL),
    (f"youtube.com/channel/{CHANNEL}/featured", CHANNEL, BASE + "channel/" + CHANNEL),
]


@pytest.mark.parametrize(("raw", "handle", "url"), ACCEPTED)
def test_accepted(raw: str, handle: str, url: str) -> None:
    accepts("youtube", raw, handle, url)


REJECTED = [
    ("@ab", Reason.TOO_SHORT),
    ("ab", Reason.TOO_SHORT),
    ("@" + "a" * 31, Reason.TOO_LONG),
    ("@", Reason.EMPTY),
    ("@@abc", Reason.INVALID_FORMAT),
    ("@abc!", Reason.INVALID_FORMAT),
    ("@abc/def", Reason.INVALID_FORMAT),
    ("@abc\u05e9\u05dc\u05d5\u05dd", Reason.MIXED_SCRIPT),  # Latin with Hebrew: mixed LTR/RTL
    ("@\u0645\u0631\u062d\u0628\u0627abc", Reason.MIXED_SCRIPT),  # Arabic with Latin
    ("@p\u0430ypal", Reason.MIXED_SCRIPT),
    ("@abc\u202eevil", Reason.INVISIBLE_CHARACTER),
    ("@abc\u2067def", Reason.INVISIBLE_CHARACTER),
    ("@a b c", Reason.CONTAINS_WHITESPACE),
    ("@z\u0337\u0322\u031ba\u0338l\u0336g\u0337o\u0335", Reason.EXCESS_MARKS),  # zalgo
    ("@a\u0928\u094d\u094d\u094d\u094d", Reason.EXCESS_MARKS),
    ("@\ue000abc", Reason.UNSUPPORTED_CHARACTER),
    ("https://www.youtube.com/watch?v=dQw4w9WgXcQ", Reason.NOT_PROFILE_URL),
    ("https://www.youtube.com/c/SomeName", Reason.NOT_PROFILE_URL),
    ("https://www.youtube.com/user/SomeName", Reason.NOT_PROFILE_URL),
    ("https://www.youtube.com/channel/UCshort", Reason.NOT_PROFILE_URL),
    ("https://www.youtube.com/", Reason.NOT_PROFILE_URL),
    ("https://youtu.be/dQw4w9WgXcQ", Reason.SHORT_LINK),
    ("https://www.youtube.com.evil.example/@abc", Reason.UNSUPPORTED_HOST),
]


@pytest.mark.parametrize(("raw", "reason"), REJECTED)
def test_rejected(raw: str, reason: Reason) -> None:
    rejects("youtube", raw, reason)


def test_handles_ignore_case_and_normalisation_form_but_channel_ids_do_not() -> None:
    nfc = accepts("youtube", "@Jos\u00e9", "@jos\u00e9", BASE + "@jos%C3%A9")
    nfd = accepts("youtube", unicodedata.normalize("NFD", "@JOS\u00c9"), "@jos\u00e9", BASE + "@jos%C3%A9")
    assert nfc == nfd
    lower = CHANNEL[:2] + CHANNEL[2:].lower()
    assert accepts("youtube", lower, lower, BASE + "channel/" + lower).key != CHANNEL
