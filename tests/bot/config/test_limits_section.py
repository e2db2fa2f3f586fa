"""``[limits]`` in the config files: defaults, bounds, and merging across files like every section."""

from collections.abc import Callable
from pathlib import Path

from bot.config import check_config, load_config


def test_defaults_without_a_limits_section(write: Callable[..., Path]) -> None:
    limits = load_config(write("[[communities]]\nslug = 'demo'\nname = 'Demo'\n")).limits
    assert (limits.registrations_per_minute, limits.registrations_per_hour) == (5, 30)


def test_keys_merge_across_files_and_zero_turns_a_window_off(write: Callable[..., Path]) -> None:
    write("[limits]\nregistrations_per_minute = 0\n", name="conf/a.toml")
    path = write("[limits]\nregistrations_per_hour = 100\n", name="conf/b.toml")
    limits = load_config(path.parent).limits
    assert (limits.registrations_per_minute, limits.registrations_per_hour) == (0, 100)


def test_bad_values_and_unknown_keys_are_reported(write: Callable[..., Path]) -> None:
    path = write(
        """
        [limits]
        registrations_per_minute = -1
        registrations_per_hour = "lots"
        registrations_per_day = 3
        """
    )
    paths = {problem.key_path for problem in check_config(path)}
    assert paths == {
        "limits.registrations_per_minute",
        "limits.registrations_per_hour",
        "limits.registrations_per_day",
    }


def test_a_key_set_in_two_files_is_a_problem(write: Callable[..., Path]) -> None:
    write("[limits]\nregistrations_per_minute = 3\n", name="conf/a.toml")
    path = write("[limits]\nregistrations_per_minute = 4\n", name="conf/b.toml")
    [problem] = check_config(path.parent)
    assert problem.key_path == "limits.registrations_per_minute" and "set twice" in problem.message
