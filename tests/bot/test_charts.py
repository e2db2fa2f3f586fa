"""The charts: both panels, the community's name and date, hidden counts, and the size cap."""

from datetime import UTC, date, datetime

import pytest

from bot.charts import OKABE_ITO, render, render_within
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
def test_the_chinese_wording_is_used_for_zh() -> None:
    svg = render(sample(), fmt="svg", locale="zh-CN").decode()
    assert "各平台公开账号数" in svg and "少于 5" in svg


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
