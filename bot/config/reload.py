"""Re-reading the config files while the bot runs, for the file watcher, ``/ferry reload`` and SIGHUP.

A config that loads replaces the one in force as a whole (services read it on every use, so the
change applies at once); one with any problem is rejected and the running config stays. Either way
the outcome is logged, and the latest failure is remembered until a reload succeeds, so an admin
asking later can see why the files and the running bot disagree, and since when.
"""

from __future__ import annotations

import asyncio
import enum
import logging
from collections.abc import Callable
from dataclasses import dataclass, field, fields
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Protocol

from pydantic import BaseModel

from bot.config.loader import config_files, load_config
from bot.config.problems import ConfigError, ConfigProblem
from bot.config.runtime import FerryConfig

if TYPE_CHECKING:
    from bot.config.fleet import ProcessReload

log = logging.getLogger(__name__)

# Values a front copies when it starts, so a new value only takes effect after a restart: the web
# front binds and builds its routes from [web] once; the Bluesky front sizes its write budget and
# its mention poller, and writes its profile, once. None means every key of the section.
RESTART_KEYS: dict[str, frozenset[str] | None] = {
    "web": None,
    "bluesky": frozenset(
        {
            "poll_interval_seconds",
            "max_concurrency",
            "replies_per_author_per_hour",
            "write_points_per_hour",
            "write_points_per_day",
            "profile_description",
        }
    ),
}
_NOT_COMPARED = frozenset({"communities", "source_files", "_guilds"})  # compared by community, or derived


class ReloadTrigger(enum.StrEnum):
    """What asked for a reload; an automatic one is what an admin may not have seen happen."""

    STARTUP = "startup"
    WATCH = "watch"
    COMMAND = "command"
    SIGNAL = "signal"
    FLEET = "fleet"  # /ferry reload run in another process of the same database


class FleetReloading(Protocol):
    """Reloads in every process on the database (``bot.config.fleet.FleetReload``)."""

    name: str

    async def reload_everywhere(self, trigger: ReloadTrigger) -> tuple[ReloadOutcome, list[ProcessReload]]:
        """Reload here and in every other process; this one's outcome and the others' answers."""
        ...


class ConfigHolding(Protocol):
    """Where the config in force lives (``bot.app.ConfigHolder``)."""

    current: FerryConfig


@dataclass(frozen=True, slots=True)
class ConfigChanges:
    """What a successful reload changed, by name only (values can be secrets pasted by mistake)."""

    added: tuple[str, ...] = ()  # community slugs
    removed: tuple[str, ...] = ()
    changed: tuple[str, ...] = ()
    keys: tuple[str, ...] = ()  # changed keys, e.g. ``communities[demo].links``, ``bluesky.list_name``
    needs_restart: tuple[str, ...] = ()  # the subset of ``keys`` that applies only after a restart

    def __bool__(self) -> bool:
        return bool(self.added or self.removed or self.keys)


@dataclass(frozen=True, slots=True)
class ReloadOutcome:
    """One reload: applied when ``problems`` is empty, else rejected with every problem found."""

    trigger: ReloadTrigger
    at: datetime
    files: tuple[Path, ...] = ()  # the files read (for a rejected reload: those of the config kept)
    communities: int = 0  # configured communities in the config in force afterwards
    problems: tuple[ConfigProblem, ...] = ()
    changes: ConfigChanges = field(default_factory=ConfigChanges)

    @property
    def ok(self) -> bool:
        return not self.problems


def diff(old: FerryConfig, new: FerryConfig) -> ConfigChanges:
    """The communities and keys that differ between two configs."""
    added = tuple(slug for slug in new.communities if slug not in old.communities)
    removed = tuple(slug for slug in old.communities if slug not in new.communities)
    changed: list[str] = []
    keys: list[str] = []
    for slug, community in new.communities.items():
        before = old.communities.get(slug)
        if before is not None and before != community:
            changed.append(slug)
            keys.extend(f"communities[{slug}].{name}" for name in _model_diff(before, community))
    for item in fields(FerryConfig):
        if item.name in _NOT_COMPARED:
            continue
        before_value, after_value = getattr(old, item.name), getattr(new, item.name)
        if item.name == "catalogue":
            if before_value.specs != after_value.specs:
                keys.append("platforms")
        elif isinstance(before_value, BaseModel) and isinstance(after_value, BaseModel):
            keys.extend(f"{item.name}.{name}" for name in _model_diff(before_value, after_value))
        elif before_value != after_value:
            keys.append(item.name)
    restart = [key for key in keys if _needs_restart(key)]
    return ConfigChanges(tuple(added), tuple(removed), tuple(changed), tuple(keys), tuple(restart))


def _model_diff(before: BaseModel, after: BaseModel) -> list[str]:
    return [name for name in type(after).model_fields if getattr(before, name) != getattr(after, name)]


def _needs_restart(key: str) -> bool:
    section, _, name = key.partition(".")
    if section not in RESTART_KEYS:
        return False
    names = RESTART_KEYS[section]
    return names is None or name in names


def utc_now() -> datetime:
    # bot.app has the same clock, but bot.app imports this module.
    return datetime.now(UTC)


class Reloader:
    """Loads the config files again and swaps the config in force when they load."""

    def __init__(self, holder: ConfigHolding, path: Path, *, clock: Callable[[], datetime] = utc_now) -> None:
        self._holder = holder
        self._path = path
        self._clock = clock
        self._lock = asyncio.Lock()  # a watcher and a command must not swap in each other's older read
        config = holder.current
        self.applied = ReloadOutcome(
            ReloadTrigger.STARTUP, clock(), config.source_files, len(config.communities)
        )
        self.last_failure: ReloadOutcome | None = None  # cleared by the next reload that applies
        # The latest failure nobody asked for (file watch, SIGHUP): what an admin may not have seen.
        self.last_automatic_failure: ReloadOutcome | None = None
        # Set while this process listens for the others' reloads (several processes on PostgreSQL).
        self.fleet: FleetReloading | None = None

    @property
    def path(self) -> Path:
        return self._path

    async def reload(self, trigger: ReloadTrigger) -> ReloadOutcome:
        """Read the files; apply them if they load, else keep the running config. Logs either way."""
        async with self._lock:
            current = self._holder.current
            config, problems = await asyncio.to_thread(self._read, bool(current.source_files))
            now = self._clock()
            if config is None:
                outcome = ReloadOutcome(
                    trigger, now, current.source_files, len(current.communities), tuple(problems)
                )
                self.last_failure = outcome
                if trigger not in (ReloadTrigger.COMMAND, ReloadTrigger.FLEET):
                    self.last_automatic_failure = outcome
                _log_rejected(outcome)
                return outcome
            outcome = ReloadOutcome(
                trigger, now, config.source_files, len(config.communities), changes=diff(current, config)
            )
            self._holder.current = config
            self.applied = outcome
            self.last_failure = self.last_automatic_failure = None
            _log_applied(outcome)
            return outcome

    def _read(self, had_files: bool) -> tuple[FerryConfig | None, list[ConfigProblem]]:
        # Without any file the loader gives the empty config; while the bot runs that would drop
        # every community because a file was moved away, so it is a problem instead.
        if had_files and not config_files(self._path):
            what = "holds no *.toml config file" if self._path.is_dir() else "does not exist"
            hint = "restore the config file; the config in force stays until the files load again"
            return None, [ConfigProblem(self._path, "", what, hint)]
        try:
            return load_config(self._path), []
        except ConfigError as exc:
            return None, list(exc.problems)


def _log_applied(outcome: ReloadOutcome) -> None:
    changes = outcome.changes
    log.info(
        "config reloaded" if changes else "config reloaded, nothing changed",
        extra={
            "trigger": outcome.trigger.value,
            "files": [str(path) for path in outcome.files],
            "communities": outcome.communities,
            "communities_added": list(changes.added),
            "communities_removed": list(changes.removed),
            "communities_changed": list(changes.changed),
            "keys_changed": list(changes.keys),
        },
    )
    if changes.needs_restart:
        log.warning(
            "config change needs a restart to apply",
            extra={"trigger": outcome.trigger.value, "keys": list(changes.needs_restart)},
        )


def _log_rejected(outcome: ReloadOutcome) -> None:
    log.warning(
        "config reload rejected; the running config stays",
        extra={"trigger": outcome.trigger.value, "problems": len(outcome.problems)},
    )
    for problem in outcome.problems:  # problems name keys and kinds of values, never the values
        log.warning(
            "config problem",
            extra={
                "trigger": outcome.trigger.value,
                "file": str(problem.file),
                "key_path": problem.key_path,
                "problem": problem.message,
                "hint": problem.hint,
            },
        )


__all__ = ["ConfigChanges", "ReloadOutcome", "ReloadTrigger", "Reloader", "diff"]
