# ruff: noqa: RUF001 - the Chinese wording uses fullwidth punctuation
"""Pictures of :class:`~bot.services.insights.Insights`: where the community went, and when.

Drawn with matplotlib's object-oriented API on the Agg canvas (no pyplot, no display, no global
figure registry), so a chart can be rendered in a worker thread: fronts call :func:`render` through
``asyncio.to_thread``, never on the event loop. Every front shows the same picture: a bar chart of
handles per platform and a line chart of arrivals over time, titled with the community's name and
the date. Colours are the Okabe-Ito palette (safe for the common colour-vision deficiencies), and
lines differ by marker and dash too, so no information is carried by colour alone.
"""

from __future__ import annotations

import functools
import io
import threading
from collections.abc import Mapping
from typing import TYPE_CHECKING, Literal

from bot.services.insights import OTHER, Insights

if TYPE_CHECKING:
    from matplotlib.axes import Axes

Format = Literal["png", "svg"]

# DejaVu ships with matplotlib; a CJK font, where installed, draws Chinese names and labels (without
# one, Chinese glyphs come out as boxes: see docs/insights.md).
_CJK = ("Noto Sans CJK SC", "Noto Sans CJK JP", "WenQuanYi Zen Hei", "Source Han Sans SC")
# matplotlib is imported and set up on the first picture, not when a front imports this module:
# importing it scans the system's fonts (and builds a cache on a first run), which no console
# command or bot start should pay for. None until then; tests may set it.
CJK_FONTS: tuple[str, ...] | None = None
_SETUP = threading.Lock()
_configured = False


def _setup() -> tuple[str, ...]:
    """Import matplotlib and set Ferry's defaults once; returns the CJK fonts found."""
    global CJK_FONTS, _configured  # set once, under the lock, by the first drawing thread
    with _SETUP:
        if not _configured:
            import matplotlib  # imported late: see CJK_FONTS
            from matplotlib import font_manager

            # Text stays text in SVG (smaller, selectable, read by screen readers); stable ids.
            matplotlib.rcParams["svg.fonttype"] = "none"
            matplotlib.rcParams["svg.hashsalt"] = "ferry"
            if CJK_FONTS is None:
                installed = {font.name for font in font_manager.fontManager.ttflist}
                CJK_FONTS = tuple(name for name in _CJK if name in installed)
            matplotlib.rcParams["font.family"] = ["DejaVu Sans", *CJK_FONTS]
            _configured = True
        return CJK_FONTS or ()


OKABE_ITO = ("#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00", "#000000")
MARKERS = ("o", "s", "^", "D", "v", "P", "X")
DASHES = ("-", "--", "-.", ":", "-", "--", "-.")
BAR_COLOUR = "#0072B2"
BAR_HIDDEN = "#BBBBBB"

WORDS: Mapping[str, Mapping[str, str]] = {
    "en": {
        "title": "{community}: where we went ({date})",
        "bars": "Handles per platform",
        "bars_public": "Public handles per platform",
        "arrivals": "Arrivals over time (handles, cumulative)",
        "fewer": "fewer than {n}",
        "other": "other",
        "empty": "No handles to show yet",
        "alt": "Two charts of {community} on {date}. {bars}: {items}. {arrivals}: {growth}.",
        "alt_growth": "from {first} to {last}, {lines}",
        "alt_line": "{name} {start} to {end}",
        "alt_none": "none yet",
    },
    "zh-Hans": {
        "title": "{community}：我们去了哪里（{date}）",
        "bars": "各平台账号数",
        "bars_public": "各平台公开账号数",
        "arrivals": "到达人数变化（账号，累计）",
        "fewer": "少于 {n}",
        "other": "其他",
        "empty": "暂无可显示的账号",
        "alt": "{community} 的两张图表（{date}）。{bars}：{items}。{arrivals}：{growth}。",
        "alt_growth": "从 {first} 到 {last}，{lines}",
        "alt_line": "{name} 从 {start} 增至 {end}",
        "alt_none": "暂无",
    },
}


def words_for(locale: str, *, drawn: bool = True) -> Mapping[str, str]:
    """The chart wording for a locale ("zh", "zh-CN", "zh-Hans" read Chinese; anything else English).

    ``drawn``: for the picture itself, Chinese only when a CJK font is installed (boxes otherwise).
    """
    chinese = locale.lower().startswith("zh") and (not drawn or bool(_setup()))
    return WORDS["zh-Hans"] if chinese else WORDS["en"]


def render(insights: Insights, *, locale: str = "en", fmt: Format = "png", dpi: int = 100) -> bytes:
    """Both charts in one picture (1200 x 1000 px at the default ``dpi``): bars above, lines below.

    CPU-bound (a few hundred milliseconds): call it through ``asyncio.to_thread``. The service hands
    out the same :class:`Insights` until the directory changes, so repeated requests (a member
    asking ``/stats`` again, readers reloading the page) are answered from a small cache.
    """
    language = "zh-Hans" if words_for(locale) is WORDS["zh-Hans"] else "en"
    return _draw(insights, language, fmt, dpi)


@functools.lru_cache(maxsize=32)
def _draw(insights: Insights, language: str, fmt: Format, dpi: int) -> bytes:
    from matplotlib.figure import Figure  # imported late: see _setup

    _setup()
    words = WORDS[language]
    figure = Figure(figsize=(12, 10), dpi=dpi, layout="constrained")
    bars, lines = figure.add_subplot(2, 1, 1), figure.add_subplot(2, 1, 2)
    figure.suptitle(
        words["title"].format(community=insights.name, date=insights.as_of.date().isoformat()),
        fontsize=18,
        fontweight="bold",
    )
    _bars(bars, insights, words)
    _lines(lines, insights, words)
    buffer = io.BytesIO()
    figure.savefig(buffer, format=fmt, dpi=dpi, metadata=_metadata(fmt, insights))
    return buffer.getvalue()


def describe(insights: Insights, *, locale: str = "en", limit: int | None = None) -> str:
    """The chart in words, for alt text: the same numbers the bars and lines show.

    With ``limit`` (characters) the platforms and lines with the least are left out until it fits.
    """
    words = words_for(locale, drawn=False)
    separator = "、" if locale.lower().startswith("zh") else ", "
    items = [
        f"{p.name} {p.count if p.count else words['fewer'].format(n=insights.minimum)}"
        for p in insights.platforms
    ]
    lines = [
        words["alt_line"].format(
            name=words["other"] if s.key == OTHER else s.name, start=s.totals[0], end=s.totals[-1]
        )
        for s in insights.series
    ]
    while True:
        growth = (
            words["alt_growth"].format(
                first=insights.days[0].isoformat(),
                last=insights.days[-1].isoformat(),
                lines=separator.join(lines),
            )
            if lines and insights.days
            else words["alt_none"]
        )
        text = words["alt"].format(
            community=insights.name,
            date=insights.as_of.date().isoformat(),
            bars=words["bars_public"] if insights.public else words["bars"],
            items=separator.join(items) or words["alt_none"],
            arrivals=words["arrivals"],
            growth=growth,
        )
        if limit is None or len(text) <= limit:
            return text
        if len(lines) > 1:
            lines.pop()
        elif len(items) > 1:
            items.pop()
        else:
            return text[: limit - 1] + "…"


def render_within(insights: Insights, *, limit: int, locale: str = "en") -> bytes:
    """A PNG of at most ``limit`` bytes: drawn again at a lower resolution until it fits."""
    for dpi in (100, 80, 64, 50, 40):
        picture = render(insights, locale=locale, fmt="png", dpi=dpi)
        if len(picture) <= limit:
            return picture
    raise ValueError(f"the chart does not fit in {limit} bytes")


def _metadata(fmt: Format, insights: Insights) -> dict[str, str | None]:
    # No creation date and no software version: the same numbers give the same bytes.
    if fmt == "svg":
        return {"Title": insights.name, "Date": None, "Creator": None}
    return {"Title": insights.name, "Software": None}


def _bars(axes: Axes, insights: Insights, words: Mapping[str, str]) -> None:
    axes.set_title(words["bars_public"] if insights.public else words["bars"], loc="left", fontsize=14)
    shown = insights.platforms[:12]
    if not shown:
        _empty(axes, words)
        return
    names = [p.name for p in shown]
    counts = [p.count or 0 for p in shown]
    colours = [BAR_COLOUR if p.count else BAR_HIDDEN for p in shown]
    positions = range(len(shown))
    axes.barh(positions, counts, color=colours)
    axes.set_yticks(list(positions), labels=names, fontsize=12)
    axes.invert_yaxis()  # most handles on top
    biggest = max(counts) or 1
    for y, platform in zip(positions, shown, strict=True):
        label = str(platform.count) if platform.count else words["fewer"].format(n=insights.minimum)
        axes.text((platform.count or 0) + biggest * 0.01, y, label, va="center", fontsize=12)
    axes.set_xlim(0, biggest * 1.18)
    axes.spines[["top", "right"]].set_visible(False)
    from matplotlib.ticker import MaxNLocator  # imported late: see _setup

    axes.xaxis.set_major_locator(MaxNLocator(integer=True))


def _lines(axes: Axes, insights: Insights, words: Mapping[str, str]) -> None:
    axes.set_title(words["arrivals"], loc="left", fontsize=14)
    if not insights.series:
        _empty(axes, words)
        return
    marker_every = max(1, len(insights.days) // 12)
    days = list(range(len(insights.days)))  # day numbers: ticks are labelled with dates below
    for i, series in enumerate(insights.series):
        axes.plot(
            days,
            list(series.totals),
            label=words["other"] if series.key == OTHER else series.name,
            color=OKABE_ITO[i % len(OKABE_ITO)],
            linestyle=DASHES[i % len(DASHES)],
            marker=MARKERS[i % len(MARKERS)],
            markevery=marker_every,
            linewidth=2.2,
        )
    axes.legend(loc="upper left", fontsize=11, frameon=False)
    axes.grid(axis="y", color="#DDDDDD")
    axes.spines[["top", "right"]].set_visible(False)
    axes.set_ylim(bottom=0)
    from matplotlib.ticker import MaxNLocator  # imported late: see _setup

    axes.yaxis.set_major_locator(MaxNLocator(integer=True))
    step = max(1, -(-len(days) // 7))
    ticks = days[::step]
    axes.set_xticks(ticks, labels=[insights.days[i].isoformat() for i in ticks], fontsize=11)


def _empty(axes: Axes, words: Mapping[str, str]) -> None:
    axes.text(0.5, 0.5, words["empty"], ha="center", va="center", fontsize=14, transform=axes.transAxes)
    axes.set_axis_off()
