"""RedNote / Xiaohongshu: the 24-hex user id (linkable) and the RED ID (not linkable)."""

from __future__ import annotations

import pytest

from bot.platforms import Reason
from tests.bot.platforms.helpers import accepts, rejects

USER_ID = "5ff0e6410000000001008400"
LINK = f"https://www.xiaohongshu.com/user/profile/{USER_ID}"

ACCEPTED = [
    (USER_ID, USER_ID, LINK),
    (USER_ID.upper(), USER_ID, LINK),
    (f"{LINK}?xsec_token=ABC123=&xsec_source=pc_search", USER_ID, LINK),
    (f"https://www.rednote.com/user/profile/{USER_ID}", USER_ID, LINK),
    (f"xiaohongshu.com/user/profile/{USER_ID}/", USER_ID, LINK),
    (f"http://xiaohongshu.com/user/profile/{USER_ID}#notes", USER_ID, LINK),
    # RED IDs (小红书号): shown on the profile, never in a URL, so no link
    ("95123456", "95123456", None),
    ("@Sunny_Bakes", "sunny_bakes", None),
    ("a", "a", None),
    ("z" * 24, "z" * 24, None),
    # Decision: a 23-digit number is a plausible RED ID, not a mistyped hex id (no hex letters)
    ("1" * 23, "1" * 23, None),
]


@pytest.mark.parametrize(("raw", "handle", "url"), ACCEPTED)
def test_accepted(raw: str, handle: str, url: str | None) -> None:
    accepts("rednote", raw, handle, url)


REJECTED = [
    # Decision: hex with letters, a few characters off 24, is a mistyped user id, not a RED ID
    (USER_ID[:-1], Reason.BAD_PROFILE_ID),  # 23
    (USER_ID + "a", Reason.BAD_PROFILE_ID),  # 25
    (USER_ID[:-4], Reason.BAD_PROFILE_ID),  # 20
    (f"https://www.xiaohongshu.com/user/profile/{USER_ID[:-1]}", Reason.BAD_PROFILE_ID),
    ("https://www.xiaohongshu.com/user/profile/sunny_bakes", Reason.BAD_PROFILE_ID),  # RED ID as URL id
    ("http://xhslink.com/a/AbCdEfGh", Reason.SHORT_LINK),
    ("xhslink.com/a/AbCdEfGh", Reason.SHORT_LINK),
    ("https://www.xiaohongshu.com/explore/64f0e6410000000001008400", Reason.NOT_PROFILE_URL),
    ("https://www.xiaohongshu.com/discovery/item/64f0e6410000000001008400", Reason.NOT_PROFILE_URL),
    ("xiaohongshu.com", Reason.NOT_PROFILE_URL),
    (f"https://evil.example/user/profile/{USER_ID}", Reason.UNSUPPORTED_HOST),
    ("z" * 25, Reason.TOO_LONG),
    ("", Reason.EMPTY),
    ("sunny.bakes", Reason.INVALID_FORMAT),
    ("\u5c0f\u7ea2\u4e66\u53f7", Reason.NOT_ASCII),
    ("sunny\u200d", Reason.INVISIBLE_CHARACTER),
]


@pytest.mark.parametrize(("raw", "reason"), REJECTED)
def test_rejected(raw: str, reason: Reason) -> None:
    rejects("rednote", raw, reason)


def test_user_id_and_red_id_keys_differ_in_kind_not_in_case() -> None:
    assert accepts("rednote", USER_ID.upper(), USER_ID, LINK).key == USER_ID
    assert accepts("rednote", "Sunny_Bakes", "sunny_bakes", None).key == "sunny_bakes"
