"""The README's examples work on the demo community it tells a new admin to try them on."""

import re
import tomllib
from pathlib import Path

from bot.config import check_config, load_config

ROOT = Path(__file__).resolve().parent.parent
README = (ROOT / "README.md").read_text(encoding="utf-8")
# A command in an example: add/remove/directory followed by a platform, inside `code` or a code block.
EXAMPLE = re.compile(r"(?im)(?:^|[`>\s])(?:@ferry\s+)?(?:add|remove|directory)\s+([^\s`<>\[|\\]+)")


def _code() -> list[str]:
    blocks = re.findall(r"```(?:console|sh)\n(.*?)```", README, flags=re.DOTALL)
    spans = re.findall(r"`([^`\n]+)`", re.sub(r"```.*?```", "", README, flags=re.DOTALL))
    return blocks + spans


def test_every_platform_in_a_command_example_is_enabled_in_the_demo_community() -> None:
    config = load_config(ROOT / "config" / "ferry.toml")
    enabled = [spec.key for spec in config.enabled_platforms(config.community("demo"))]
    named = {m for text in _code() for m in EXAMPLE.findall(text) if not m.startswith(("-", "/"))}
    named -= {"platform", "PLATFORM", "·", "…"}  # placeholders in usage lines
    assert {"rednote", "lemon8", "XHS", "小红书"} <= named  # the scan sees the examples
    aliases = README.split("Platforms answer to their aliases", 1)[1].split(")", 1)[0]
    named |= set(re.findall(r"`([^`]+)`", aliases))
    assert "xhs" in named
    for name in sorted(named):
        config.catalogue.resolve(name, enabled)  # UnknownPlatformError names the culprit


def test_every_toml_example_loads_beside_the_demo_config(tmp_path: Path) -> None:
    demo = (ROOT / "config" / "ferry.toml").read_text(encoding="utf-8")
    blocks = re.findall(r"```toml\n(.*?)```", README, flags=re.DOTALL)
    assert len(blocks) >= 2
    for block in blocks:
        tomllib.loads(block)
        path = tmp_path / "ferry.toml"
        path.write_text(demo + "\n" + block, encoding="utf-8")
        assert check_config(path) == [], block


def test_the_readme_states_the_python_version_the_package_requires() -> None:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    version = project["requires-python"].removeprefix(">=")
    assert f"Python {version} or newer" in README.split("\n## ", 1)[0]
    assert "sudo" in README.split("\n## ", 1)[0]  # scripts/test may install system packages
