"""``ferry stats``: the migration insights as a table, and ``--png FILE`` for the chart.

The operator is trusted with exact counts (the admin view); ``--public`` prints what the public
surfaces show instead, small counts hidden.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
from pathlib import Path
from typing import TextIO

from bot.app import App
from bot.charts import render
from bot.console.table import render_table
from bot.services.insights import Insights


def add_parsers(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """``ferry stats [--public] [--png FILE]``."""
    stats = sub.add_parser("stats", help="print where the community went; --png writes the chart")
    stats.add_argument("--community", default=None, help="community slug (default: from the config)")
    stats.add_argument("--public", action="store_true", help="the public view: small counts hidden")
    stats.add_argument("--png", type=Path, metavar="FILE", help="also write the chart as a PNG")


async def dispatch(
    app: App, args: argparse.Namespace, community: str, out: TextIO = sys.stdout
) -> int | None:
    """Run ``ferry stats``; None when ``args`` names another command."""
    if args.command != "stats":
        return None
    insights = await (app.insights.public(community) if args.public else app.insights.admin(community))
    out.write(format_insights(insights) + "\n")
    if args.png is not None:
        picture = await asyncio.to_thread(render, insights)
        await asyncio.to_thread(args.png.write_bytes, picture)
        out.write(f"chart written to {args.png} ({len(picture)} bytes)\n")
    return 0


def format_insights(insights: Insights) -> str:
    """The numbers of the chart as text: handles per platform, members per number of platforms."""
    hidden = f"fewer than {insights.minimum}"
    scope = "public handles" if insights.public else "listed handles (exact; admins only)"
    lines = [f"{insights.name} on {insights.as_of.date().isoformat()}: {scope}", ""]
    rows = [
        [p.name, str(p.count) if p.count is not None else hidden]
        + ([] if insights.public else [str(p.verified)])
        for p in insights.platforms
    ]
    headers = ["platform", "handles"] + ([] if insights.public else ["verified"])
    lines.append(render_table(headers, rows) if rows else "no handles yet")
    if insights.spread:
        spread = [[str(s.platforms), str(s.members or hidden)] for s in insights.spread]
        lines += ["", render_table(["platforms", "members"], spread)]
    lines += ["", f"members with a handle: {insights.members}"]
    elapsed = insights.time_elapsed()
    if elapsed is not None and insights.deadline is not None:
        lines.append(
            f"deadline {insights.deadline.isoformat(' ', 'minutes')}: {elapsed:.0%} of the time gone"
        )
    return "\n".join(lines)
