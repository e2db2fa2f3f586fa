"""The text command language: forgiving about form, strict about arity."""

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.text.messages import has
from bot.text.parser import MAX_COMMAND_CHARS, Command, ParseError, Verb, parse


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("add rednote 5e8f1a2b3c4d5e6f7a8b9c0d", Command(Verb.ADD, "rednote", "5e8f1a2b3c4d5e6f7a8b9c0d")),
        ("ADD   XHS   @alice!", Command(Verb.ADD, "XHS", "@alice")),
        ("@ferrybot.test add bsky alice.bsky.social.", Command(Verb.ADD, "bsky", "alice.bsky.social")),
        (
            "@ferry @other add mastodon @me@mastodon.social",
            Command(Verb.ADD, "mastodon", "@me@mastodon.social"),
        ),
        ("ａｄｄ　lemon8　ｃｏｏｋ", Command(Verb.ADD, "lemon8", "cook")),
        ("add 小红书 alice。", Command(Verb.ADD, "小红书", "alice")),
        # Only fullwidth ASCII is folded; other look-alike letters reach the normaliser, which refuses them.
        ("add lemon8 ⓐⓛⓘⓒⓔ", Command(Verb.ADD, "lemon8", "ⓐⓛⓘⓒⓔ")),
        ("ａｄｄ lemon8 𝐚𝐥𝐢𝐜𝐞！", Command(Verb.ADD, "lemon8", "𝐚𝐥𝐢𝐜𝐞")),
        ("remove lemon8", Command(Verb.REMOVE, "lemon8")),
        ("Remove Lemon8?", Command(Verb.REMOVE, "Lemon8")),
        ("list", Command(Verb.LIST)),
        ("me", Command(Verb.LIST)),
        ("  Me!  ", Command(Verb.LIST)),
        ("directory", Command(Verb.DIRECTORY)),
        ("directory rednote", Command(Verb.DIRECTORY, "rednote")),
        ("directory 3", Command(Verb.DIRECTORY, page=3)),
        ("directory rednote 2", Command(Verb.DIRECTORY, "rednote", page=2)),
        ("directory 2 rednote", Command(Verb.DIRECTORY, "rednote", page=2)),
        ("links", Command(Verb.LINKS)),
        ("forget", Command(Verb.FORGET)),
        ("help", Command(Verb.HELP)),
        ("HELP.", Command(Verb.HELP)),
    ],
)
def test_parses_the_forms_people_type(text: str, expected: Command) -> None:
    assert parse(text) == expected


@pytest.mark.parametrize(
    ("text", "verb", "problem"),
    [
        ("", None, "empty"),
        ("   ", None, "empty"),
        ("@ferrybot.test", None, "empty"),
        ("hello there", None, "unknown_command"),
        ("add", Verb.ADD, "missing_arguments"),
        ("add rednote", Verb.ADD, "missing_arguments"),
        ("add rednote a b", Verb.ADD, "unexpected_word"),
        ("remove", Verb.REMOVE, "missing_arguments"),
        ("remove a b", Verb.REMOVE, "unexpected_word"),
        ("directory a b c", Verb.DIRECTORY, "unexpected_word"),
        ("directory a b", Verb.DIRECTORY, "unexpected_word"),
        ("directory 2 3", Verb.DIRECTORY, "unexpected_word"),
        ("directory 0", Verb.DIRECTORY, "bad_page"),
        ("forget lemon8", Verb.FORGET, "unexpected_word"),
        ("x" * (MAX_COMMAND_CHARS + 1), None, "too_long"),
    ],
)
def test_reports_what_is_wrong(text: str, verb: Verb | None, problem: str) -> None:
    with pytest.raises(ParseError) as caught:
        parse(text)
    assert caught.value.verb == verb
    assert caught.value.problem == problem


@given(st.text(max_size=200))
def test_any_text_parses_or_raises_parse_error(text: str) -> None:
    try:
        command = parse(text)
    except ParseError as exc:
        assert has(f"parse.{exc.problem}"), exc.problem  # every problem has a sentence to show
    else:
        assert isinstance(command.verb, Verb)
        assert command.page >= 1


@given(
    st.sampled_from(["add", "ADD", "Add"]),
    st.from_regex(r"[a-z0-9]{1,10}", fullmatch=True),
    st.from_regex(r"[A-Za-z0-9_]{1,20}", fullmatch=True),
    st.text(alphabet=" \t", min_size=1, max_size=4),
    st.sampled_from(["", "!", ".", "。", "?"]),
)
def test_spacing_case_and_punctuation_do_not_change_meaning(
    verb: str, platform: str, handle: str, gap: str, end: str
) -> None:
    command = parse(f"{gap}{verb}{gap}{platform}{gap}{handle}{end}{gap}")
    assert command == Command(Verb.ADD, platform, handle)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("visibility bluesky community", Command(Verb.VISIBILITY, "bluesky", visibility="community")),
        ("Visibility Bluesky PUBLIC.", Command(Verb.VISIBILITY, "Bluesky", visibility="public")),
        ("vis all public", Command(Verb.VISIBILITY, visibility="public")),
        ("privacy public", Command(Verb.VISIBILITY, visibility="public")),
        ("privacy community lemon8", Command(Verb.VISIBILITY, "lemon8", visibility="community")),
        ("可见性 小红书 社区。", Command(Verb.VISIBILITY, "小红书", visibility="community")),
        ("可见 全部 公开", Command(Verb.VISIBILITY, visibility="public")),
        ("movers vis all community", Command(Verb.VISIBILITY, visibility="community", community="movers")),
        ("mydata", Command(Verb.MYDATA)),
        ("My Data", Command(Verb.MYDATA)),
        ("@ferry my data?", Command(Verb.MYDATA)),
        ("data", Command(Verb.MYDATA)),
        ("我的数据", Command(Verb.MYDATA)),
        ("demo my data", Command(Verb.MYDATA, community="demo")),
        ("demo mydata", Command(Verb.MYDATA, community="demo")),
        ("@ferry Demo My Data?", Command(Verb.MYDATA, community="demo")),
    ],
)
def test_parses_privacy_commands(text: str, expected: Command) -> None:
    assert parse(text) == expected


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ("visibility", "missing_arguments"),
        ("visibility bluesky", "bad_visibility"),
        ("visibility bluesky hidden", "bad_visibility"),
        ("visibility public community", "bad_visibility"),
        ("visibility bluesky public now", "unexpected_word"),
    ],
)
def test_reports_what_is_wrong_with_visibility(text: str, problem: str) -> None:
    with pytest.raises(ParseError) as caught:
        parse(text)
    assert caught.value.verb is Verb.VISIBILITY
    assert caught.value.problem == problem
    assert has(f"parse.{problem}")


def test_my_data_is_not_joined_after_a_verb() -> None:
    assert parse("add my data") == Command(Verb.ADD, "my", "data")


@pytest.mark.parametrize(
    ("text", "verb"),
    [
        ("help 🙏", Verb.HELP),
        ("my data please", Verb.MYDATA),
        ("list everyone", Verb.LIST),
        ("me 谢谢", Verb.LIST),
        ("links пожалуйста", Verb.LINKS),
        ("join ありがとう", Verb.JOIN),
    ],
)
def test_verbs_without_arguments_ignore_trailing_words(text: str, verb: Verb) -> None:
    command = parse(text)
    assert command.verb is verb and command.ignored == tuple(text.split()[-1:])


@pytest.mark.parametrize(
    ("text", "word"),
    [
        ("add rednote 5e8f1a2b3c4d5e6f7a8b9c0d 谢谢", "谢谢"),
        ("remove lemon8 🙏", "🙏"),
        ("directory rednote 2 пожалуйста", "пожалуйста"),
        ("visibility bluesky public 谢谢", "谢谢"),
        ("verify a b c d", "d"),
        ("forget lemon8", "lemon8"),
    ],
)
def test_arguments_name_the_word_not_understood(text: str, word: str) -> None:
    with pytest.raises(ParseError) as caught:
        parse(text)
    assert (caught.value.problem, caught.value.word) == ("unexpected_word", word)
