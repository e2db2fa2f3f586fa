"""Long admin reports: everything inline when it fits, else the first lines, a count and a file."""

from __future__ import annotations

import discord

from bot.discord.admin import REPORT_BUDGET, lines_reply


def test_a_report_that_fits_is_sent_whole_without_a_file() -> None:
    embeds, files = lines_reply(
        "report",
        ["one", "two"],
        "all.txt",
        ["one", "two"],
        locale=discord.Locale.american_english,
        more_key="reload.more",
    )
    assert [embed.description for embed in embeds] == ["one\ntwo"] and files == []


def test_a_shortened_report_says_how_many_lines_are_in_the_file() -> None:
    lines = [f"problem {n:03} " + "x" * 90 for n in range(100)]
    embeds, [file] = lines_reply(
        "report", lines, "all.txt", lines, locale=discord.Locale.chinese, more_key="reload.more"
    )
    shown = "\n".join(embed.description or "" for embed in embeds).splitlines()
    assert shown[:-1] == lines[: len(shown) - 1]
    assert sum(len(line) + 1 for line in shown) <= REPORT_BUDGET
    assert shown[-1] == f"……另有 {100 - (len(shown) - 1)} 行，见附件。"
    assert file.filename == "all.txt" and file.fp.read().decode().splitlines() == lines
