"""docker-compose.yml's scale-out set-up, checked by structure (no Docker on the test machines)."""

from pathlib import Path
from typing import Any

import yaml

from bot.web.front import SHUTDOWN_TIMEOUT_S

ROOT = Path(__file__).resolve().parent.parent
COMPOSE: dict[str, Any] = yaml.safe_load((ROOT / "docker-compose.yml").read_text(encoding="utf-8"))
SERVICES: dict[str, Any] = COMPOSE["services"]
FERRY_SERVICES = [name for name, service in SERVICES.items() if service.get("image") == "ferry:latest"]


def seconds(duration: str) -> int:
    assert duration.endswith("s"), duration
    return int(duration[:-1])


def in_profile(profile: str) -> dict[str, Any]:
    return {name: s for name, s in SERVICES.items() if profile in s.get("profiles", [])}


def test_the_postgres_profile_migrates_once_before_any_process_starts() -> None:
    postgres = in_profile("postgres")
    migrate = postgres["migrate"]
    assert migrate["command"] == ["db", "upgrade"]
    assert migrate["restart"] == "no"
    assert migrate["depends_on"]["postgres"]["condition"] == "service_healthy"
    for name, service in postgres.items():
        if name in ("migrate", "postgres"):
            continue
        assert service["depends_on"]["migrate"] == {"condition": "service_completed_successfully"}, name
        assert service["depends_on"]["postgres"] == {"condition": "service_healthy"}, name
        assert service["environment"]["DATABASE_URL"].endswith("@postgres:5432/ferry"), name


def test_two_bot_processes_serve_distinct_shards_of_one_count_and_leave_the_page_to_the_web_process() -> None:
    bots = {n: s for n, s in in_profile("postgres").items() if s.get("command", [None])[0] == "run"}
    assert len(bots) >= 2
    counts = {s["environment"]["DISCORD_SHARD_COUNT"] for s in bots.values()}
    assert len(counts) == 1
    shards = [int(i) for s in bots.values() for i in s["environment"]["DISCORD_SHARD_IDS"].split(",")]
    assert sorted(shards) == list(range(int(counts.pop())))
    assert all("--no-web" in s["command"] for s in bots.values())


def test_the_web_page_is_reachable_from_outside_its_container() -> None:
    for name in ("ferry", "web"):
        service = SERVICES[name]
        command = service["command"]
        host_flag, port_flag = ("--host", "--port") if name == "web" else ("--web-host", "--web-port")
        assert command[command.index(host_flag) + 1] == "0.0.0.0", name
        container_port = command[command.index(port_flag) + 1]
        [published] = service["ports"]
        assert published.rsplit(":", 1)[1] == container_port, name
        # The host side defaults to loopback: a reverse proxy on the host is the way in.
        assert published.startswith("${FERRY_WEB_PUBLISH:-127.0.0.1:"), name
    assert SERVICES["web"]["command"][0] == "web"


def test_every_long_running_ferry_container_has_a_healthcheck_and_time_to_drain() -> None:
    assert {"ferry", "bot-1", "bot-2", "web", "migrate"} <= set(FERRY_SERVICES)
    for name in FERRY_SERVICES:
        service = SERVICES[name]
        assert service["init"] is True, name
        if name == "migrate":
            assert service["healthcheck"] == {"disable": True}
            continue
        assert service["healthcheck"]["test"] == ["CMD", "ferry", "health"], name
        # docker stop's default 10 s would cut a drain short; the web front alone takes up to 5 s.
        assert seconds(service["stop_grace_period"]) > 2 * SHUTDOWN_TIMEOUT_S, name


def test_postgres_is_ready_only_once_it_listens_on_tcp() -> None:
    test = SERVICES["postgres"]["healthcheck"]["test"]
    assert "pg_isready -h 127.0.0.1" in test[1]
