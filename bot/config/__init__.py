"""Administrators' config files: TOML in ``config/`` describing communities and platforms.

``load_config`` gives an immutable :class:`FerryConfig` or raises :class:`ConfigError` listing every
problem; ``check_config`` returns those problems for ``ferry check-config``. Secrets never live in
these files (see ``bot.settings``).
"""

from __future__ import annotations

from bot.config.loader import check_config, config_files, load_config
from bot.config.models import Bluesky, Channels, Community, ConfigFile, Defaults, Link, PlatformSection
from bot.config.problems import ConfigError, ConfigProblem, format_problems
from bot.config.runtime import FerryConfig

__all__ = [
    "Bluesky",
    "Channels",
    "Community",
    "ConfigError",
    "ConfigFile",
    "ConfigProblem",
    "Defaults",
    "FerryConfig",
    "Link",
    "PlatformSection",
    "check_config",
    "config_files",
    "format_problems",
    "load_config",
]
