"""``[communities.announcement]``: a template that cannot render is a config problem at load time."""

from collections.abc import Callable
from pathlib import Path

import pytest

from bot.config import check_config, load_config
from bot.config.announce import DEFAULT_TEMPLATES, PLACEHOLDERS, template_problem

COMMUNITY = """
[[communities]]
slug = "demo"
name = "Demo"

[communities.announcement]
"""


def test_announcement_section_loads(write: Callable[..., Path]) -> None:
    path = write(COMMUNITY + 'template = "Hi {community}\\n{links}"\nbluesky = true\nlocale = "zh-Hans"\n')
    announcement = load_config(path).community("demo").announcement
    assert announcement.bluesky
    assert announcement.locale == "zh-Hans"
    assert announcement.effective_template() == "Hi {community}\n{links}"


def test_default_template_follows_the_locale(write: Callable[..., Path]) -> None:
    path = write(COMMUNITY + 'locale = "zh-Hans"\n')
    assert (
        load_config(path).community("demo").announcement.effective_template() == DEFAULT_TEMPLATES["zh-Hans"]
    )
    unconfigured = load_config(path).community("elsewhere").announcement
    assert not unconfigured.bluesky
    assert unconfigured.effective_template() == DEFAULT_TEMPLATES["en"]


@pytest.mark.parametrize("template", DEFAULT_TEMPLATES.values())
def test_default_templates_are_valid(template: str) -> None:
    assert template_problem(template) is None


@pytest.mark.parametrize(
    ("template", "message", "hint"),
    [
        ("Move by {dedline}", "unknown placeholder {dedline}", "{deadline}"),
        ("Move {", "unmatched { or }", "{{"),
        ("Move }", "unmatched { or }", "{{"),
        ("{count:>5}", "has a format or conversion", "write just {count}"),
        ("{count!r}", "has a format or conversion", "write just {count}"),
        ("{links[0]}", "unknown placeholder {…}", "placeholders are"),
        ("{}", "unknown placeholder {…}", "placeholders are"),
    ],
)
def test_bad_templates_are_reported_with_a_hint(
    write: Callable[..., Path], template: str, message: str, hint: str
) -> None:
    path = write(COMMUNITY + f"template = {template!r}\n".replace("'", '"'))
    [problem] = check_config(path)
    assert problem.key_path == "communities[demo].announcement.template"
    assert message in problem.message
    assert hint in problem.hint


def test_other_announcement_mistakes(write: Callable[..., Path]) -> None:
    path = write(COMMUNITY + 'locale = "fr"\nbluesky = 2\ntemplat = "x"\ntemplate = "a\\u202eb"\n')
    problems = {problem.key_path: problem for problem in check_config(path)}
    base = "communities[demo].announcement."
    assert set(problems) == {base + "locale", base + "bluesky", base + "templat", base + "template"}
    assert "did you mean 'template'" in problems[base + "templat"].hint
    assert "invisible" in problems[base + "template"].message


def test_every_placeholder_is_accepted() -> None:
    assert template_problem(" ".join("{" + name + "}" for name in PLACEHOLDERS)) is None


def test_example_and_demo_configs_document_and_use_the_section() -> None:
    config_dir = Path(__file__).resolve().parents[3] / "config"
    example = (config_dir / "ferry.example.toml").read_text(encoding="utf-8")
    for key in ("template", "bluesky", "locale"):
        assert f"# {key} (" in example, f"{key} is not explained"
    for name in PLACEHOLDERS:
        assert f"#   {{{name}}} " in example, f"{{{name}}} is not explained"
    announcement = load_config(config_dir / "ferry.example.toml").community("tiktok-refugees").announcement
    assert announcement.bluesky and announcement.template is not None
    demo = load_config(config_dir).community("demo").announcement
    assert demo.template is not None and "{links}" in demo.template
