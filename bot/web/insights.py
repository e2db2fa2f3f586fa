"""The public charts page: ``/{slug}/stats`` (chart and the same numbers as tables), plus the
picture itself as ``stats.png`` and ``stats.svg``.

Public view only (public entries, counts under the minimum shown as "fewer than N"). The picture is
drawn in a worker thread and kept per community, directory version and day, so readers reloading
the page cost one version check each, not a drawing. The page shows a PNG: an SVG in an ``<img>``
would be subject to the page's strict Content-Security-Policy (matplotlib styles it inline), so the
SVG is offered as a download, where it is also the accessible, selectable-text copy.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from datetime import date

from aiohttp import web as aioweb

from bot.charts import Format, describe, render
from bot.services.insights import Insights, InsightService
from bot.web.app import CACHE_OK, _html, _published
from bot.web.templates import attr, layout, text, user

SAMPLED_DAYS = 8  # rows of the arrivals table: enough to read the trend, short enough to listen to
_INSIGHTS = aioweb.AppKey("ferry_web_insights", InsightService)
_PICTURES = aioweb.AppKey("ferry_web_pictures", dict)


def add_insight_routes(app: aioweb.Application, insights: InsightService) -> None:
    """Serve the charts page of every published community on ``app`` (from build_web_app)."""
    app[_INSIGHTS] = insights
    app[_PICTURES] = {}
    app.router.add_get("/{slug}/stats", stats_page)
    app.router.add_get("/{slug}/stats.png", _picture("png"))
    app.router.add_get("/{slug}/stats.svg", _picture("svg"))


async def stats_page(request: aioweb.Request) -> aioweb.Response:
    slug = _published(request)
    insights = await request.app[_INSIGHTS].public(slug)
    return _html(page(insights))


def _picture(fmt: Format) -> Callable[[aioweb.Request], Awaitable[aioweb.Response]]:
    async def handler(request: aioweb.Request) -> aioweb.Response:
        slug = _published(request)
        service = request.app[_INSIGHTS]
        aggregates = await service.aggregates(slug)
        insights = await service.public(slug)
        key = (slug, fmt, aggregates.version, insights.as_of.date())
        pictures: dict[tuple[str, str, int, date], bytes] = request.app[_PICTURES]
        body = pictures.get(key)
        if body is None:
            body = await asyncio.to_thread(render, insights, fmt=fmt)
            for old in [k for k in pictures if k[:2] == key[:2]]:
                del pictures[old]  # one picture per community and format: the newest
            pictures[key] = body
        content_type = "image/png" if fmt == "png" else "image/svg+xml"
        return aioweb.Response(body=body, content_type=content_type, headers={"Cache-Control": CACHE_OK})

    return handler


def _count(value: int | None, minimum: int) -> str:
    return str(value) if value is not None else f"fewer than {minimum}"


def page(insights: Insights) -> str:
    """The charts page: the picture with its numbers as alt text, then the same numbers as tables."""
    platforms = "".join(
        f'<tr><th scope="row">{text(p.name)}</th>'
        f'<td data-label="Handles">{text(_count(p.count, insights.minimum))}</td></tr>'
        for p in insights.platforms
    )
    spread = "".join(
        f'<tr><th scope="row">{s.platforms}</th>'
        f'<td data-label="Members">{text(_count(s.members, insights.minimum))}</td></tr>'
        for s in insights.spread
    )
    step = max(1, -(-len(insights.days) // SAMPLED_DAYS))
    picked = sorted({*range(0, len(insights.days), step), len(insights.days) - 1}) if insights.days else []
    heads = "".join(f'<th scope="col">{text(s.name)}</th>' for s in insights.series)
    arrivals = "".join(
        f'<tr><th scope="row">{insights.days[i].isoformat()}</th>'
        + "".join(f'<td data-label="{attr(s.name)}">{s.totals[i]}</td>' for s in insights.series)
        + "</tr>"
        for i in picked
    )
    empty = '<p class="empty">No public handles yet.</p>'
    body = (
        f"<header><h1>{user(insights.name)}: where we went, in charts</h1>"
        f'<p class="lede">Public handles only, on {insights.as_of.date().isoformat()}. A platform with '
        f"fewer than {insights.minimum} is not counted out loud, so nobody is singled out.</p></header>\n"
        '<main id="main" tabindex="-1">\n'
        '<figure class="chart">'
        f'<img src="stats.png" width="1200" height="1000" alt="{attr(describe(insights))}">'
        "<figcaption>The same numbers are in the tables below. Download the chart as "
        '<a href="stats.svg">SVG</a> or <a href="stats.png">PNG</a>.</figcaption></figure>\n'
        + (
            '<table><caption>Public handles per platform</caption><thead><tr><th scope="col">Platform</th>'
            f'<th scope="col">Handles</th></tr></thead><tbody>{platforms}</tbody></table>\n'
            if platforms
            else empty
        )
        + (
            "<table><caption>Members by number of platforms</caption><thead><tr>"
            '<th scope="col">Platforms</th><th scope="col">Members</th></tr></thead>'
            f"<tbody>{spread}</tbody></table>\n"
            if spread
            else ""
        )
        + (
            "<table><caption>Arrivals over time (handles so far, by day)</caption><thead><tr>"
            f'<th scope="col">Day</th>{heads}</tr></thead><tbody>{arrivals}</tbody></table>\n'
            if arrivals
            else ""
        )
        + '<p><a href="./">Back to the directory</a></p>\n</main>'
    )
    return layout(f"{insights.name}: where we went, in charts", body)
