"""``[web]``: the optional public directory page, as a pydantic model.

Meant to be read from a TOML table with ``WebConfig.model_validate(table)``; like every config
section it forbids unknown keys (a typo must not be silently ignored) and is frozen.
"""

from __future__ import annotations

from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, field_validator

from bot.config.fields import SLUG_RE
from bot.urls import check_endpoint_url

# The directory service's own cap (bot.services.directory_pages.MAX_PAGE_SIZE, checked by a test); not
# imported from there because the services import the config, and the config must not import them.
MAX_PAGE_SIZE = 50


class WebConfig(BaseModel):
    """Where the page listens, under which public address it is reached, and what it publishes."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    enabled: bool = False
    host: Annotated[str, Field(min_length=1, max_length=253)] = "127.0.0.1"
    port: Annotated[int, Field(ge=0, le=65535)] = 8080  # 0: any free port (tests)
    # The address people use (behind a reverse proxy, usually not host:port); links shared on
    # Bluesky and in announcements are built from it. Plain http only for a loopback dev server.
    base_url: Annotated[str, Field(max_length=200)] = "http://127.0.0.1:8080"
    communities: tuple[str, ...] | None = None  # published slugs; None: every configured community
    # The service refuses more rows per query than MAX_PAGE_SIZE, so the page cannot ask for more.
    page_size: Annotated[int, Field(ge=1, le=MAX_PAGE_SIZE)] = 25

    @field_validator("base_url")
    @classmethod
    def _check_base_url(cls, value: str) -> str:
        return check_endpoint_url(value, name="base_url")

    @field_validator("communities")
    @classmethod
    def _check_slugs(cls, value: tuple[str, ...] | None) -> tuple[str, ...] | None:
        for slug in value or ():
            if not SLUG_RE.fullmatch(slug):
                raise ValueError(f"{slug!r} is not a community slug")
        return value

    def publishes(self, slug: str, configured: frozenset[str]) -> bool:
        """Whether the page of this community is served: it must still be configured, as a reload
        may remove a community that the ``communities`` this page started with still names."""
        return slug in configured and (self.communities is None or slug in self.communities)

    def directory_url(self, slug: str) -> str:
        """The public address of a community's page, for Bluesky answers and announcements."""
        return f"{self.base_url}/{slug}/"


class WebServing:
    """The ``[web]`` the running web front serves, or None while none runs in this process.

    Every ``[web]`` key applies only at a restart, so after a reload the config may name another
    address or switch the page on or off: links to the page are built from what is served.
    """

    def __init__(self) -> None:
        self.current: WebConfig | None = None

    def __call__(self) -> WebConfig | None:
        return self.current

    def directory_url(self, slug: str, configured: frozenset[str]) -> str:
        """The address of the community's page, or "" when the page does not serve it."""
        web = self.current
        if web is None or not web.publishes(slug, configured):
            return ""
        return web.directory_url(slug)
