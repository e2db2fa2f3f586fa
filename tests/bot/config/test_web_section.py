"""``[web]`` in the config files: loaded like every section, bounded like the service."""

from collections.abc import Callable
from pathlib import Path

from bot.config import check_config, load_config
from bot.config.web import MAX_PAGE_SIZE
from bot.services import directory_pages


def test_web_page_size_cap_matches_the_service() -> None:
    assert directory_pages.MAX_PAGE_SIZE == MAX_PAGE_SIZE


def test_web_section_loads(write: Callable[..., Path]) -> None:
    path = write(
        """
        [web]
        enabled = true
        port = 8081
        base_url = "https://movers.example.org/ferry/"
        communities = ["demo"]

        [[communities]]
        slug = "demo"
        name = "Demo"
        """
    )
    web = load_config(path).web
    assert web.enabled and web.port == 8081
    assert web.directory_url("demo") == "https://movers.example.org/ferry/demo/"


def test_web_section_problems_are_reported(write: Callable[..., Path]) -> None:
    path = write(
        """
        [web]
        base_url = "http://public.example.org"
        page_size = 500
        colour = "blue"
        """
    )
    paths = {problem.key_path for problem in check_config(path)}
    assert {"web.base_url", "web.page_size", "web.colour"} <= paths
