"""The terminal table keeps columns aligned by display width."""

from bot.console.table import MAX_CELL, display_width, render_table


def test_wide_characters_take_two_columns() -> None:
    assert display_width("abc") == 3
    assert display_width("小红书") == 6
    assert display_width("e\u0301") == 1


def test_columns_line_up_with_mixed_scripts() -> None:
    table = render_table(["name", "handle"], [["小明", "a"], ["Bob", "bb"]])
    lines = table.splitlines()
    assert lines[0] == "name  handle"
    assert lines[1] == "----  ------"
    starts = {
        display_width(line[: line.index(handle)]) for line, handle in zip(lines[2:], ["a", "bb"], strict=True)
    }
    assert starts == {6}


def test_long_cells_are_shortened() -> None:
    table = render_table(["x"], [["y" * 200]])
    assert display_width(table.splitlines()[-1]) == MAX_CELL
    assert table.endswith("…")
