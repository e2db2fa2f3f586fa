"""The deployment files parse and say what the README promises."""

from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent


def test_compose_file_has_the_bot_a_data_volume_and_a_postgres_profile() -> None:
    compose = yaml.safe_load((ROOT / "docker-compose.yml").read_text(encoding="utf-8"))
    bot = compose["services"]["ferry"]
    assert bot["env_file"] == ".env"
    assert bot["profiles"] == ["sqlite"]
    assert "ferry-data:/app/data" in bot["volumes"]
    assert "./config:/app/config:ro" in bot["volumes"]
    assert "ferry-data" in compose["volumes"]
    postgres = compose["services"]["postgres"]
    assert postgres["profiles"] == ["postgres"]
    assert "ferry-postgres" in compose["volumes"]


def test_dockerfile_keeps_data_in_the_volume_the_compose_file_mounts() -> None:
    dockerfile = (ROOT / "Dockerfile").read_text(encoding="utf-8")
    assert 'VOLUME ["/app/data"]' in dockerfile
    assert "sqlite+aiosqlite:////app/data/ferry.db" in dockerfile
    assert 'CMD ["run"]' in dockerfile


def test_env_example_names_every_secret_without_a_value() -> None:
    lines = (ROOT / ".env.example").read_text(encoding="utf-8").splitlines()
    values = dict(line.split("=", 1) for line in lines if line and not line.startswith("#"))
    # COMPOSE_PROFILES is no secret: it picks the compose set-up, SQLite unless changed.
    assert values == {
        "DISCORD_TOKEN": "",
        "BLUESKY_HANDLE": "",
        "BLUESKY_APP_PASSWORD": "",
        "COMPOSE_PROFILES": "sqlite",
    }


def test_ci_runs_the_readme_test_command() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    assert "scripts/test" in readme.split("\n## ", 1)[0]
    assert "scripts/test" in ci


def test_compose_starts_without_postgres_settings_and_waits_for_postgres_when_present() -> None:
    text = (ROOT / "docker-compose.yml").read_text(encoding="utf-8")
    # A ":?" check would fail interpolation for SQLite-only setups, profile or not.
    assert "${POSTGRES_PASSWORD:?" not in text
    depends = yaml.safe_load(text)["services"]["ferry"]["depends_on"]["postgres"]
    assert depends == {"condition": "service_healthy", "required": False}


def test_build_context_excludes_secrets_and_personal_data() -> None:
    ignored = set((ROOT / ".dockerignore").read_text(encoding="utf-8").split())
    assert {".env", "data/", ".venv/", "**/node_modules/"} <= ignored


def test_every_direct_pin_is_in_the_constraints_at_the_same_version() -> None:
    import tomllib

    def key(name: str) -> str:
        return name.split("[")[0].lower().replace("_", "-").replace(".", "-")

    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    pins = [*project["dependencies"], *project["optional-dependencies"]["dev"]]
    locked = {}
    for line in (ROOT / "constraints.txt").read_text(encoding="utf-8").splitlines():
        if line and not line.startswith("#"):
            name, sep, version = line.partition("==")
            assert sep, f"unpinned constraint: {line}"
            locked[key(name)] = version
    for pin in pins:
        name, sep, version = pin.partition("==")
        assert sep, f"unpinned dependency: {pin}"
        assert locked.get(key(name)) == version, (
            f"{name}: pyproject {version}, constraints {locked.get(key(name))}"
        )
    dockerfile = (ROOT / "Dockerfile").read_text(encoding="utf-8")
    assert (
        "-c constraints.txt" in dockerfile and "-c constraints.txt" in (ROOT / "scripts" / "test").read_text()
    )
