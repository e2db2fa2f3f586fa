"""Header detection: long and wide layouts, aliases, decorations, unknown and duplicate columns."""

import pytest

from bot.errors import FerryError, InvalidInputError
from bot.platforms.catalogue import Catalogue
from bot.platforms.spec import PlatformSpec
from bot.services.transfer.layout import Field, LayoutKind, detect_layout
from bot.text.errors import error_sentence

CATALOGUE = Catalogue.builtin()
ENABLED = ["rednote", "lemon8", "bluesky", "instagram", "mastodon"]


def resolve(name: str) -> PlatformSpec | None:
    try:
        return CATALOGUE.resolve(name, ENABLED)
    except FerryError:
        return None


def test_the_wide_layout_of_a_typical_sheet() -> None:
    header = [
        "\ufeffName",
        "Discord ID",
        "RedNote",
        "Lemon8 handle",
        "Bluesky @",
        "Instagram link",
        "小红书",
        "Notes",
    ]
    layout = detect_layout(header, resolve)
    assert layout.kind is LayoutKind.WIDE
    assert [(c.title, c.meaning) for c in layout.columns] == [
        ("Name", "name"),
        ("Discord ID", "discord_id"),
        ("RedNote", "rednote"),
        ("Lemon8 handle", "lemon8"),
        ("Bluesky @", "bluesky"),
        ("Instagram link", "instagram"),
    ]
    # A second column for the same platform is not merged into the first, nor dropped unseen.
    assert layout.unknown == ("小红书", "Notes")


def test_the_long_layout_with_case_and_spacing_variants() -> None:
    layout = detect_layout(["PLATFORM", " Handle ", "display-name", "Bluesky DID", "Visibility", ""], resolve)
    assert layout.kind is LayoutKind.LONG
    assert {f: c.position for f, c in layout.fields.items()} == {
        Field.PLATFORM: 0,
        Field.HANDLE: 1,
        Field.NAME: 2,
        Field.BLUESKY_DID: 3,
        Field.VISIBILITY: 4,
    }
    assert layout.unknown == ("#6",)  # a column without a header is named by its position


def test_platform_columns_beside_platform_and_handle_make_a_mixed_layout() -> None:
    layout = detect_layout(["platform", "handle", "name", "Mastodon"], resolve)
    assert layout.kind is LayoutKind.MIXED
    assert [c.meaning for c in layout.platforms] == ["mastodon"]


def test_a_disabled_platform_column_is_unknown_and_a_lone_handle_column_is_reported() -> None:
    layout = detect_layout(["Name", "TikTok", "Instagram", "Handle"], resolve)
    assert layout.kind is LayoutKind.WIDE
    assert layout.unknown == ("TikTok", "Handle")


@pytest.mark.parametrize(
    ("header", "problem"),
    [
        (["name", "handle"], "missing column(s): platform (or one column per platform)"),
        (["Name", "Notes"], "missing column(s): platform, handle"),
        (["platform", "handle"], "whose row"),
        (["Instagram", "Bluesky"], "whose row"),
    ],
)
def test_headers_that_cannot_work_are_refused(header: list[str], problem: str) -> None:
    with pytest.raises(InvalidInputError) as caught:
        detect_layout(header, resolve)
    assert problem in error_sentence(caught.value, "en", outside=False)
