"""``ferry run``: fronts chosen by credentials, stopped together on SIGTERM."""

import asyncio
import gc
import os
import signal
from pathlib import Path

import pytest

from bot import runner
from bot.app import App, open_app
from bot.config.reload import ReloadTrigger
from bot.settings import Settings


def settings(tmp_path: Path, **values: object) -> Settings:
    values.setdefault("config_path", tmp_path / "none")
    return Settings(  # type: ignore[call-arg]
        _env_file=None,
        database_url=f"sqlite+aiosqlite:///{tmp_path / 'ferry.db'}",
        **values,
    )


async def test_an_enabled_web_page_is_a_front_of_its_own(tmp_path: Path) -> None:
    config = tmp_path / "ferry.toml"
    config.write_text("[web]\nenabled = true\nport = 0\n", encoding="utf-8")
    async with open_app(settings(tmp_path, config_path=config)) as app:
        fronts = runner.build_fronts(app)
    assert [front.name for front in fronts] == ["web"]


async def test_no_credentials_means_no_front(tmp_path: Path) -> None:
    with pytest.raises(runner.NoFrontError, match="ferry console"):
        await runner.run_fronts(settings(tmp_path))


async def test_a_discord_token_builds_the_discord_front(tmp_path: Path) -> None:
    async with open_app(settings(tmp_path, discord_token="token")) as app:
        fronts = runner.build_fronts(app)
    assert [front.name for front in fronts] == ["discord"]


async def test_both_credentials_build_both_fronts(tmp_path: Path) -> None:
    both = settings(
        tmp_path,
        discord_token="token",
        bluesky_handle="ferry.bsky.social",
        bluesky_app_password="xxxx-xxxx-xxxx-xxxx",
        bluesky_service_url="http://127.0.0.1:9",
    )
    async with open_app(both) as app:
        fronts = runner.build_fronts(app)
    assert [front.name for front in fronts] == ["discord", "bluesky"]


class SleepyFront:
    name = "sleepy"

    def __init__(self) -> None:
        self.started = asyncio.Event()
        self.cancelled = False

    async def run(self) -> None:
        self.started.set()
        try:
            await asyncio.Event().wait()
        except asyncio.CancelledError:
            self.cancelled = True
            raise


async def test_sigterm_stops_every_front_and_closes_the_database(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    fronts = [SleepyFront(), SleepyFront()]
    closed: list[bool] = []

    def build(app: App, *_: object) -> list[SleepyFront]:
        original = app.database.close

        async def close() -> None:
            closed.append(True)
            await original()

        monkeypatch.setattr(app.database, "close", close)
        return fronts

    monkeypatch.setattr(runner, "build_fronts", build)

    async def terminate_when_started() -> None:
        for front in fronts:
            await front.started.wait()
        os.kill(os.getpid(), signal.SIGTERM)

    killer = asyncio.create_task(terminate_when_started())
    status = await asyncio.wait_for(runner.run_fronts(settings(tmp_path, discord_token="token")), timeout=10)
    await killer
    assert status == 0
    assert all(front.cancelled for front in fronts)
    assert closed == [True]


async def test_config_watch_runs_beside_the_fronts_and_sighup_reloads(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    config = tmp_path / "ferry.toml"
    config.write_text('[[communities]]\nslug = "alpha"\nname = "Alpha"\n', encoding="utf-8")
    seen: dict[str, object] = {}

    class ReloadingFront(SleepyFront):
        def __init__(self, app: App) -> None:
            super().__init__()
            self.app = app

        async def run(self) -> None:
            seen["tasks"] = {task.get_name() for task in asyncio.all_tasks()}
            config.write_text('[[communities]]\nslug = "bravo"\nname = "Bravo"\n', encoding="utf-8")
            os.kill(os.getpid(), signal.SIGHUP)
            for _ in range(1000):  # the signal reaches the loop, then the reload runs in a thread
                if self.app.config().is_configured("bravo"):
                    break
                await asyncio.sleep(0.01)
            seen["trigger"] = self.app.reloader.applied.trigger
            os.kill(os.getpid(), signal.SIGTERM)
            await super().run()

    monkeypatch.setattr(runner, "build_fronts", lambda app, *_: [ReloadingFront(app)])
    # An hour between looks: only SIGHUP can have reloaded within this test.
    ready = settings(tmp_path, discord_token="token", config_path=config, config_watch_seconds=3600)
    assert await asyncio.wait_for(runner.run_fronts(ready), timeout=10) == 0
    assert "config:watch" in seen["tasks"]  # type: ignore[operator]
    assert seen["trigger"] is ReloadTrigger.SIGNAL


async def test_a_zero_interval_turns_the_watch_off(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    names: set[str] = set()

    class LookingFront(SleepyFront):
        async def run(self) -> None:
            names.update(task.get_name() for task in asyncio.all_tasks())
            os.kill(os.getpid(), signal.SIGTERM)
            await super().run()

    monkeypatch.setattr(runner, "build_fronts", lambda app, *_: [LookingFront()])
    quiet = settings(tmp_path, discord_token="token", config_watch_seconds=0)
    assert await asyncio.wait_for(runner.run_fronts(quiet), timeout=10) == 0
    assert "config:watch" not in names and "front:sleepy" in names


async def test_the_scheduler_runs_whenever_a_front_can_post(tmp_path: Path) -> None:
    config = tmp_path / "ferry.toml"
    config.write_text('[[communities]]\nslug = "demo"\nname = "Demo"\n', encoding="utf-8")
    async with open_app(settings(tmp_path, config_path=config)) as app:
        assert runner.build_scheduler(app) is None  # the web page alone posts nothing
    async with open_app(settings(tmp_path, discord_token="token", config_path=config)) as app:
        scheduler = runner.build_scheduler(app)
        assert scheduler is not None and scheduler.count() == 0
        # A schedule added while Ferry runs is picked up by the same loop, without a restart.
        config.write_text(
            '[[communities]]\nslug = "demo"\nname = "Demo"\n[[communities.schedules]]\nname = "evening"\n'
            'daily = "18:00"\ntimezone = "UTC"\n',
            encoding="utf-8",
        )
        assert (await app.reloader.reload(ReloadTrigger.COMMAND)).ok
        assert scheduler.count() == 1


async def test_what_start_up_built_is_frozen_out_of_the_collectors_sight(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    front = SleepyFront()
    monkeypatch.setattr(runner, "build_fronts", lambda *_: [front])
    frozen: list[int] = []

    async def terminate_when_started() -> None:
        await front.started.wait()
        frozen.append(gc.get_freeze_count())
        os.kill(os.getpid(), signal.SIGTERM)

    assert gc.get_freeze_count() == 0  # tests/conftest.py unfreezes after every test
    killer = asyncio.create_task(terminate_when_started())
    await asyncio.wait_for(runner.run_fronts(settings(tmp_path, discord_token="token")), timeout=10)
    await killer
    assert frozen and frozen[0] > 0
