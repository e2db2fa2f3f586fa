"""Progress for long jobs: a bar on a terminal, sparse lines in a log."""

import io

from bot.console.progress import ProgressBar


class Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_terminal_gets_a_redrawn_bar_ending_in_a_newline() -> None:
    stream = Terminal()
    bar = ProgressBar("importing", stream)
    bar(5, 10)
    bar(10, 10)
    text = stream.getvalue()
    assert text.count("\r") == 2
    assert "[###############...............] 5/10" in text
    assert text.endswith("10/10\n")


def test_logs_get_lines_not_carriage_returns() -> None:
    stream = io.StringIO()
    bar = ProgressBar("exporting", stream)
    bar(1, 1000)
    bar(2, 1000)  # too soon after the first: skipped
    bar(1000, 1000)  # the end is always shown
    lines = stream.getvalue().splitlines()
    assert len(lines) == 2 and "\r" not in stream.getvalue()
    assert lines[-1].endswith("1,000/1,000")


def test_unknown_total_shows_a_count() -> None:
    stream = Terminal()
    ProgressBar("reading", stream)(42, 0)
    assert stream.getvalue() == "\rreading 42"
