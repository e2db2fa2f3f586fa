"""Process settings from the environment and ``.env``.

Built once by the entry point and passed down; nothing imports a settings instance. Secrets are
``SecretStr`` and only ever leave it at the point of use. Admin-editable behaviour lives in the TOML
config files (``bot.config``), never here.
"""

from __future__ import annotations

import enum
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import AliasChoices, Field, SecretStr, ValidationError, field_validator, model_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

from bot.urls import check_endpoint_url

DEFAULT_DATABASE_URL = "sqlite+aiosqlite:///data/ferry.db"
_SUPPORTED_DRIVERS = ("sqlite+aiosqlite", "postgresql+asyncpg")


class LogFormat(enum.StrEnum):
    """How log records are written to stderr."""

    TEXT = "text"  # one readable line per record, for a terminal
    JSON = "json"  # one JSON object per line, for a log collector


class Settings(BaseSettings):
    """Everything the process needs that is not community configuration."""

    model_config = SettingsConfigDict(
        env_file=".env",
        env_file_encoding="utf-8",
        extra="ignore",
        case_sensitive=False,
        # The defaults are fine as they are; validating them would only slow start-up.
        validate_default=False,
    )

    discord_token: SecretStr | None = None
    bluesky_handle: str | None = None
    bluesky_app_password: SecretStr | None = None
    bluesky_service_url: str = "https://bsky.social"
    database_url: str = DEFAULT_DATABASE_URL
    config_path: Path = Field(
        default=Path("config"), validation_alias=AliasChoices("FERRY_CONFIG", "config_path")
    )
    log_level: str = "INFO"
    # Discord servers that get the commands at every start (development only; README, "Discord"),
    # and users who may run owner-only commands besides the application's owner (or team).
    discord_dev_guild_ids: Annotated[tuple[int, ...], NoDecode] = ()
    discord_owner_ids: Annotated[tuple[int, ...], NoDecode] = ()
    log_format: LogFormat = LogFormat.TEXT
    # How often ``ferry run`` looks at the config files for changes; 0 turns the watch off.
    config_watch_seconds: Annotated[float, Field(ge=0, le=3600)] = Field(
        default=3.0, validation_alias=AliasChoices("FERRY_CONFIG_WATCH_SECONDS", "config_watch_seconds")
    )
    # Discord sharding across processes (docs/scale-out-discord.md): unset, one unsharded connection.
    # DISCORD_SHARD_COUNT is a number or "auto" (Discord's recommendation from /gateway/bot);
    # DISCORD_SHARD_IDS the shards this process serves: "0,1", "all" (the default) or "none" for
    # a process without Discord (web or Bluesky only).
    discord_shard_count: Annotated[int, Field(ge=1, le=100_000)] | Literal["auto"] | None = None
    discord_shard_ids: Annotated[tuple[int, ...] | Literal["all"], NoDecode] = "all"

    @field_validator("database_url")
    @classmethod
    def _known_driver(cls, value: str) -> str:
        scheme = value.split("://", 1)[0]
        if scheme not in _SUPPORTED_DRIVERS:
            # Never echo the URL itself: it may carry a password.
            raise ValueError(f"must start with one of {', '.join(d + '://' for d in _SUPPORTED_DRIVERS)}")
        return value

    @field_validator("bluesky_service_url")
    @classmethod
    def _secure_service(cls, value: str) -> str:
        # The app password is sent here at login: never in clear text beyond this machine.
        return check_endpoint_url(value, name="the Bluesky service URL")

    @field_validator("discord_dev_guild_ids", "discord_owner_ids", mode="before")
    @classmethod
    def _id_list(cls, value: Any) -> Any:
        # "123, 456" in the environment; a list when built in code.
        if isinstance(value, str):
            return tuple(part.strip() for part in value.split(",") if part.strip())
        return value

    @field_validator("discord_shard_count", mode="before")
    @classmethod
    def _shard_count(cls, value: Any) -> Any:
        if isinstance(value, str):
            text = value.strip().lower()
            return text or None
        return value

    @field_validator("discord_shard_ids", mode="before")
    @classmethod
    def _shard_ids(cls, value: Any) -> Any:
        if isinstance(value, str):
            text = value.strip().lower()
            if text in {"", "all", "auto"}:
                return "all"
            if text == "none":
                return ()
            return tuple(part.strip() for part in text.split(",") if part.strip())
        return value

    @model_validator(mode="after")
    def _shards_fit(self) -> Settings:
        ids = self.discord_shard_ids
        if ids == "all":
            return self
        if len(set(ids)) != len(ids) or any(shard < 0 for shard in ids):
            raise ValueError("DISCORD_SHARD_IDS must list distinct shard numbers from 0")
        if ids and self.discord_shard_count is None:
            raise ValueError('DISCORD_SHARD_IDS needs DISCORD_SHARD_COUNT (a number or "auto")')
        count = self.discord_shard_count
        if isinstance(count, int) and any(shard >= count for shard in ids):
            raise ValueError(f"DISCORD_SHARD_IDS must be below DISCORD_SHARD_COUNT ({count})")
        return self

    @field_validator("log_level")
    @classmethod
    def _known_level(cls, value: str) -> str:
        level = value.upper()
        if level not in {"DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"}:
            raise ValueError("must be one of DEBUG, INFO, WARNING, ERROR, CRITICAL")
        return level

    @field_validator("discord_token", "bluesky_app_password", mode="before")
    @classmethod
    def _blank_is_unset(cls, value: object) -> object:
        # ``DISCORD_TOKEN=`` copied from .env.example means "no Discord", not an empty token.
        if isinstance(value, str) and not value.strip():
            return None
        return value.strip() if isinstance(value, str) else value

    @field_validator("bluesky_handle")
    @classmethod
    def _strip_at(cls, value: str | None) -> str | None:
        if value is None or not value.strip():
            return None
        return value.strip().removeprefix("@").lower()

    @property
    def discord_enabled(self) -> bool:
        """Whether a Discord token was given and this process serves at least one shard."""
        if self.discord_shard_ids == ():
            return False
        return self.discord_token is not None and bool(self.discord_token.get_secret_value())

    @property
    def discord_sharded(self) -> bool:
        """Whether the Discord connection is split into shards (DISCORD_SHARD_COUNT is set)."""
        return self.discord_shard_count is not None

    @property
    def bluesky_enabled(self) -> bool:
        """Whether both Bluesky credentials were given."""
        return self.bluesky_handle is not None and self.bluesky_app_password is not None


class SettingsError(Exception):
    """Settings could not be loaded; the message is safe to print (no input values)."""


def load_settings(**overrides: Any) -> Settings:
    """Build the settings once, turning a validation error into a message without values.

    pydantic's own error text includes the offending input, which for a mistyped variable next to
    a token could print the token, so only the location and the complaint are kept.
    """
    try:
        return Settings(**overrides)
    except ValidationError as exc:
        lines = []
        for error in exc.errors(include_input=False, include_url=False):
            where = ".".join(str(part) for part in error["loc"]) or "settings"
            lines.append(f"  {where.upper()}: {error['msg']}")
        raise SettingsError("invalid settings in the environment or .env:\n" + "\n".join(lines)) from None
