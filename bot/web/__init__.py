"""The optional public directory page (``[web]`` in the config): HTML, JSON and CSV of public entries."""

from bot.web.settings import WebConfig

__all__ = ["WebConfig"]
