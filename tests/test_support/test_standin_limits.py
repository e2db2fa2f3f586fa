"""Discord's limits as the stand-in checks them, without a bot."""

from __future__ import annotations

from typing import Any

import pytest

from tests.support.discord_standin.command_limits import check_command, check_command_set, combined_size
from tests.support.discord_standin.limits import Context, check_choices, check_message, check_modal
from tests.support.discord_standin.mentions import MentionPolicy, resolve_pings


def _button(custom_id: str, **extra: Any) -> dict[str, Any]:
    return {"type": 2, "style": 1, "label": "Go", "custom_id": custom_id} | extra


def _row(*components: dict[str, Any]) -> dict[str, Any]:
    return {"type": 1, "components": list(components)}


@pytest.mark.parametrize(
    ("data", "problem"),
    [
        ({"content": "x" * 2001}, "content is 2001 characters"),
        ({"embeds": [{"title": "t"}] * 11}, "11 embeds"),
        ({"embeds": [{"title": "t" * 257}]}, "title is 257"),
        ({"embeds": [{"description": "d" * 4097}]}, "description is 4097"),
        ({"embeds": [{"fields": [{"name": "n", "value": "v"}] * 26}]}, "26 fields"),
        ({"embeds": [{"fields": [{"name": "n" * 257, "value": "v" * 1025}]}]}, "value is 1025"),
        ({"embeds": [{"footer": {"text": "f" * 2049}}]}, "footer.text is 2049"),
        ({"embeds": [{"author": {"name": "a" * 257}}]}, "author.name is 257"),
        ({"embeds": [{"description": "d" * 4000}, {"description": "d" * 2001}]}, "limit across a message"),
        ({"embeds": [{"title": "t", "url": "ftp://example.org"}]}, "must use one of http, https"),
        ({"embeds": [{"title": "t", "url": "https://e.org/" + "a" * 600}]}, "the limit is 512"),
        ({"components": [_row(_button("a"))] * 6}, "6 action rows"),
        ({"components": [_row(*[_button(str(i)) for i in range(6)])]}, "6 buttons"),
        ({"components": [_row(_button("same"), _button("same"))]}, "used twice"),
        ({"components": [_row(_button(""))]}, "required and must not be empty"),
        ({"components": [_row(_button("x" * 101))]}, "the limit is 100"),
        ({"components": [_row(_button("a", label="l" * 81))]}, "label is 81"),
        (
            {"components": [_row({"type": 2, "style": 5, "label": "x", "url": "javascript:alert(1)"})]},
            "must use",
        ),
        (
            {
                "components": [
                    _row(
                        {
                            "type": 3,
                            "custom_id": "s",
                            "options": [{"label": "l", "value": str(i)} for i in range(26)],
                        }
                    )
                ]
            },
            "26 options",
        ),
        (
            {
                "components": [
                    _row({"type": 3, "custom_id": "s", "options": [{"label": "l" * 101, "value": "v"}]})
                ]
            },
            "label is 101",
        ),
        (
            {
                "components": [
                    _row(
                        {"type": 3, "custom_id": "s", "options": [{"label": "l", "value": "v"}]}, _button("b")
                    )
                ]
            },
            "select menu with other components",
        ),
        ({}, "empty message"),
        ({"content": "hi", "flags": 1 << 6}, "cannot set"),  # no ephemeral outside interactions
    ],
)
def test_message_limits(data: dict[str, Any], problem: str) -> None:
    problems = check_message(data, Context.CHANNEL)
    assert any(problem in p for p in problems), problems


def test_a_reasonable_message_passes() -> None:
    data = {
        "content": "c" * 2000,
        "embeds": [
            {
                "title": "t" * 256,
                "description": "d" * 4096,
                "url": "https://bsky.app/profile/x",
                "fields": [{"name": "n", "value": "v" * 1024}],
                "color": 0x5865F2,
            }
        ],
        "components": [_row(*[_button(str(i)) for i in range(5)])],
        "flags": 1 << 6,
    }
    assert check_message(data, Context.RESPONSE) == []


def test_choices_and_modals() -> None:
    choices = [{"name": str(i), "value": str(i)} for i in range(26)]
    assert any("26 choices" in p for p in check_choices(choices))
    assert any("does not match" in p for p in check_choices([{"name": "n", "value": "1"}], option_type=4))
    assert check_modal({"custom_id": "m", "title": "t" * 46, "components": []}) != []


def test_command_schema_limits() -> None:
    option = {"name": "o", "description": "d", "type": 3}
    good = {
        "name": "handle",
        "description": "d",
        "options": [{"name": "add", "description": "d", "type": 1, "options": [option]}],
    }
    assert check_command(good) == []
    assert any(
        "26 options" in p
        for p in check_command(
            {"name": "c", "description": "d", "options": [option | {"name": f"o{i}"} for i in range(26)]}
        )
    )
    assert any("101" in p for p in check_command({"name": "c", "description": "d" * 101}))
    assert any(
        "26 choices" in p
        for p in check_command(
            {
                "name": "c",
                "description": "d",
                "options": [option | {"choices": [{"name": str(i), "value": str(i)} for i in range(26)]}],
            }
        )
    )
    assert any(
        "mixes" in p
        for p in check_command(
            {
                "name": "c",
                "description": "d",
                "options": [option, {"name": "s", "description": "d", "type": 1}],
            }
        )
    )
    big = {
        "name": "c",
        "description": "d",
        "options": [
            option
            | {
                "name": f"o{i}",
                "description": "d" * 100,
                "choices": [{"name": "n" * 100, "value": "v" * 100}] * 25,
            }
            for i in range(2)
        ],
    }
    assert combined_size(big) > 8000 and any("combined size" in p for p in check_command(big))
    many = [{"name": f"c{i}", "description": "d"} for i in range(101)]
    assert any("101 commands" in p for p in check_command_set(many))
    assert check_command({"name": "Report User", "type": 2}) == []  # context menus allow spaces/capitals
    assert check_command({"name": "काम", "description": "Devanagari is allowed"}) == []


def test_mention_policy_and_pings() -> None:
    policy = MentionPolicy()
    assert policy.check({"parse": []}) == []
    assert policy.check({"parse": [], "users": ["1"]}) == []
    assert policy.check(None) and policy.check({"parse": ["everyone"]}) and policy.check({"roles": ["5"]})
    text = "<@1> <@&2> @everyone"
    assert not resolve_pings(text, {"parse": []}, from_interaction=False).anyone
    pings = resolve_pings(text, None, from_interaction=False)
    assert pings.users == {1} and pings.roles == {2} and pings.everyone
    assert resolve_pings(text, None, from_interaction=True).roles == frozenset()
