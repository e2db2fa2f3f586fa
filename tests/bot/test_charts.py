"""The charts: both panels, the community's name and date, hidden counts, and the size cap."""

from datetime import UTC, date, datetime

import pytest

from bot import charts
from bot.charts import OKABE_ITO, describe, render, render_within
from bot.services.insights import Insights, PlatformTotal, Series

AS_OF = datetime(2025, 2, 1, 9, 0, tzinfo=UTC)


def sample(**changes) -> Insights:
    base = {
        "community": "demo", "name": "Demo Community", "public": True, "minimum": 5, "as_of": AS_OF,
        "platforms": (
            PlatformTotal(key="rednote", name="RedNote", count=412, verified=None),
            PlatformTotal(key="bluesky", name="Bluesky", count=380, verified=None),
            PlatformTotal(key="lemon8", name="Lemon8", count=None, verified=None),
        ),
        "spread": (), "days": (date(2025, 1, 30), date(2025, 1, 31), date(2025, 2, 1)),
        "series": (
            Series(key="rednote", name="RedNote", totals=(10, 200, 412)),
            Series(key="bluesky", name="Bluesky", totals=(5, 100, 380)),
        ),
        "members": 700, "handles": 792, "deadline": None,
    }  # fmt: skip
    return Insights(**{**base, **changes})


def test_the_svg_says_who_when_and_hides_small_counts() -> None:
    svg = render(sample(), fmt="svg").decode()
    assert "Demo Community: where we went (2025-02-01)" in svg
    assert "fewer than 5" in svg and "412" in svg and "Public handles per platform" in svg
    assert OKABE_ITO[0].lower() in svg.lower() and OKABE_ITO[1].lower() in svg.lower()
    assert "2025-01-30" in svg  # the time axis is labelled with dates


@pytest.mark.filterwarnings("ignore:Glyph .* missing from font")
def test_the_chinese_wording_is_used_for_zh_where_a_cjk_font_draws_it(monkeypatch) -> None:
    monkeypatch.setattr(charts, "CJK_FONTS", ("Noto Sans CJK SC",))
    svg = render(sample(), fmt="svg", locale="zh-CN").decode()
    assert "各平台公开账号数" in svg and "少于 5" in svg


def test_without_a_cjk_font_the_picture_is_worded_in_english_and_the_alt_text_in_chinese(
    monkeypatch,
) -> None:
    monkeypatch.setattr(charts, "CJK_FONTS", ())
    svg = render(sample(), fmt="svg", locale="zh-CN").decode()
    assert "Public handles per platform" in svg
    assert "各平台公开账号数：RedNote 412、Bluesky 380、Lemon8 少于 5" in describe(sample(), locale="zh-CN")


def test_the_alt_text_says_the_numbers_and_fits_a_limit() -> None:
    text = describe(sample())
    assert text.startswith("Two charts of Demo Community on 2025-02-01. Public handles per platform: ")
    assert "RedNote 412, Bluesky 380, Lemon8 fewer than 5" in text
    assert "from 2025-01-30 to 2025-02-01, RedNote 10 to 412, Bluesky 5 to 380" in text
    short = describe(sample(), limit=120)
    assert len(short) <= 120 and "RedNote" in short


def test_the_same_numbers_draw_the_same_bytes() -> None:
    assert render(sample()) == render(sample())


def test_an_empty_directory_still_draws() -> None:
    png = render(sample(platforms=(), series=(), days=()))
    assert png.startswith(b"\x89PNG")


def test_a_png_is_redrawn_smaller_until_it_fits() -> None:
    full = render(sample())
    assert full.startswith(b"\x89PNG")
    small = render_within(sample(), limit=len(full) - 1)
    assert len(small) < len(full)
    with pytest.raises(ValueError, match="does not fit"):
        render_within(sample(), limit=100)


def test_a_chart_asked_for_again_is_not_drawn_again() -> None:
    first = render(sample(name="Cached"))
    assert render(sample(name="Cached")) is first
    assert render(sample(name="Cached"), locale="en", fmt="svg") is not first
