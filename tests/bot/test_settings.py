"""Settings: read from the environment and .env, secrets never shown."""

import re
from pathlib import Path

import pytest

from bot.settings import DEFAULT_DATABASE_URL, LogFormat, Settings, SettingsError, load_settings


@pytest.fixture(autouse=True)
def clean_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    for name in (
        "DISCORD_TOKEN",
        "BLUESKY_HANDLE",
        "BLUESKY_APP_PASSWORD",
        "DATABASE_URL",
        "FERRY_CONFIG",
        "LOG_LEVEL",
        "LOG_FORMAT",
        "FERRY_CONFIG_WATCH_SECONDS",
        "BLUESKY_SERVICE_URL",
    ):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.chdir(tmp_path)  # no stray .env from the checkout


def test_defaults_need_no_environment() -> None:
    settings = load_settings()
    assert settings.database_url == DEFAULT_DATABASE_URL
    assert settings.config_path == Path("config")
    assert not settings.discord_enabled
    assert not settings.bluesky_enabled
    assert settings.log_format is LogFormat.TEXT


def test_reads_dotenv_and_keeps_secrets_secret(tmp_path: Path) -> None:
    (tmp_path / ".env").write_text(
        "DISCORD_TOKEN=discord-secret\nBLUESKY_HANDLE=@FerryBot.bsky.social\n"
        "BLUESKY_APP_PASSWORD=abcd-efgh-ijkl-mnop\nFERRY_CONFIG=/etc/ferry\nLOG_LEVEL=debug\n",
        encoding="utf-8",
    )
    settings = load_settings()
    assert settings.discord_enabled and settings.bluesky_enabled
    assert settings.bluesky_handle == "ferrybot.bsky.social"
    assert settings.config_path == Path("/etc/ferry")
    assert settings.log_level == "DEBUG"
    shown = repr(settings) + str(settings)
    assert "discord-secret" not in shown and "abcd-efgh" not in shown
    assert settings.discord_token is not None
    assert settings.discord_token.get_secret_value() == "discord-secret"


def test_environment_beats_dotenv(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / ".env").write_text("LOG_LEVEL=DEBUG\n", encoding="utf-8")
    monkeypatch.setenv("LOG_LEVEL", "WARNING")
    assert load_settings().log_level == "WARNING"


def test_bluesky_needs_both_handle_and_password(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("BLUESKY_HANDLE", "bot.bsky.social")
    assert not load_settings().bluesky_enabled


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("DATABASE_URL", "mysql://root:hunter2@db/ferry"),
        ("LOG_LEVEL", "chatty"),
        ("LOG_FORMAT", "xml"),
    ],
)
def test_bad_values_are_named_without_echoing_anything(
    monkeypatch: pytest.MonkeyPatch, name: str, value: str
) -> None:
    monkeypatch.setenv(name, value)
    monkeypatch.setenv("DISCORD_TOKEN", "discord-secret")
    with pytest.raises(SettingsError) as caught:
        load_settings()
    message = str(caught.value)
    assert name in message
    assert value not in message
    assert "discord-secret" not in message


def test_explicit_values_for_tests() -> None:
    settings = Settings(_env_file=None, database_url="sqlite+aiosqlite:///:memory:")  # type: ignore[call-arg]
    assert settings.database_url.endswith(":memory:")


def test_blank_secrets_mean_unset(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DISCORD_TOKEN", "   ")
    monkeypatch.setenv("BLUESKY_HANDLE", "bot.bsky.social")
    monkeypatch.setenv("BLUESKY_APP_PASSWORD", "")
    settings = load_settings()
    assert settings.discord_token is None and not settings.discord_enabled
    assert not settings.bluesky_enabled


def test_config_watch_interval(monkeypatch: pytest.MonkeyPatch) -> None:
    assert load_settings().config_watch_seconds == 3.0
    monkeypatch.setenv("FERRY_CONFIG_WATCH_SECONDS", "0")
    assert load_settings().config_watch_seconds == 0  # off
    monkeypatch.setenv("FERRY_CONFIG_WATCH_SECONDS", "-1")
    with pytest.raises(SettingsError, match="FERRY_CONFIG_WATCH_SECONDS"):
        load_settings()


@pytest.mark.parametrize(
    "url",
    [
        "http://pds.example.org",  # the app password would cross the network in clear text
        "http://10.0.0.5:2583",
        "javascript:alert(1)",
        "data:text/plain,hi",
        "file:///etc/passwd",
        "ftp://pds.example.org",
        "pds.example.org",
        "https://user:hunter2@pds.example.org",
        "https://pds.example.org/?next=x",
        "https://pds.example.org:99999",
        "https://",
    ],
)
def test_the_bluesky_service_must_be_https_unless_on_this_machine(
    monkeypatch: pytest.MonkeyPatch, url: str
) -> None:
    monkeypatch.setenv("BLUESKY_SERVICE_URL", url)
    monkeypatch.setenv("BLUESKY_APP_PASSWORD", "abcd-efgh-ijkl-mnop")
    with pytest.raises(SettingsError) as caught:
        load_settings()
    message = str(caught.value)
    assert "BLUESKY_SERVICE_URL: Value error, the Bluesky service URL" in message
    assert url not in message and "hunter2" not in message and "abcd-efgh" not in message


@pytest.mark.parametrize(
    ("url", "kept"),
    [
        ("https://pds.example.org/", "https://pds.example.org"),
        ("http://127.0.0.1:2583", "http://127.0.0.1:2583"),
        ("http://localhost:2583/", "http://localhost:2583"),
        ("http://[::1]:2583", "http://[::1]:2583"),
    ],
)
def test_https_services_and_local_development_servers_pass(
    monkeypatch: pytest.MonkeyPatch, url: str, kept: str
) -> None:
    monkeypatch.setenv("BLUESKY_SERVICE_URL", url)
    assert load_settings().bluesky_service_url == kept


def test_shard_settings() -> None:
    unsharded = load_settings(_env_file=None, discord_token="t")
    assert (unsharded.discord_shard_count, unsharded.discord_shard_ids) == (None, "all")
    assert unsharded.discord_enabled and not unsharded.discord_sharded
    some = load_settings(
        _env_file=None, discord_token="t", discord_shard_count="4", discord_shard_ids=" 0, 2 "
    )
    assert (some.discord_shard_count, some.discord_shard_ids, some.discord_sharded) == (4, (0, 2), True)
    auto = load_settings(_env_file=None, discord_token="t", discord_shard_count="AUTO", discord_shard_ids="1")
    assert (auto.discord_shard_count, auto.discord_shard_ids) == ("auto", (1,))
    # A web-only or Bluesky-only process of a sharded fleet: no Discord at all.
    none = load_settings(_env_file=None, discord_token="t", discord_shard_count="2", discord_shard_ids="none")
    assert not none.discord_enabled


@pytest.mark.parametrize(
    ("count", "ids", "complaint"),
    [
        ("2", "0,2", "below DISCORD_SHARD_COUNT (2)"),
        (None, "1", "needs DISCORD_SHARD_COUNT"),
        ("2", "1,1", "distinct"),
        ("0", "all", "DISCORD_SHARD_COUNT"),
        ("two", "all", "DISCORD_SHARD_COUNT"),
    ],
)
def test_bad_shard_settings_are_refused(count: str | None, ids: str, complaint: str) -> None:
    with pytest.raises(SettingsError, match=re.escape(complaint)):
        load_settings(_env_file=None, discord_shard_count=count, discord_shard_ids=ids)
