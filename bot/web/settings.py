"""``[web]``: the page's section of the config files (defined with the other sections)."""

from bot.config.web import WebConfig

__all__ = ["WebConfig"]
