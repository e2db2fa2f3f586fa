"""``ferry stats`` through the real entry point: the exact table, the public one, and ``--png``."""

from pathlib import Path

from bot.config import load_config
from bot.services.directory import DirectoryService
from bot.storage.database import Database
from bot.storage.repository import Repository
from tests.bot.test_cli import ferry
from tests.support.insights import scatter
from tests.support.services import CONFIG, FakeClock


async def seeded(tmp_path: Path) -> dict[str, str]:
    (tmp_path / "config").mkdir()
    (tmp_path / "config" / "ferry.toml").write_text(CONFIG, encoding="utf-8")
    (tmp_path / "data").mkdir()
    url = f"sqlite+aiosqlite:///{tmp_path / 'data' / 'ferry.db'}"
    config = load_config(tmp_path / "config")
    async with await Database.open(url) as database:
        await database.upgrade()
        service = DirectoryService(repository=Repository(database), config=lambda: config, clock=FakeClock())
        await scatter(service)
    return {"FERRY_CONFIG": str(tmp_path / "config")}


async def test_stats_prints_exact_counts_and_writes_the_chart(tmp_path: Path) -> None:
    env = await seeded(tmp_path)
    result = ferry(tmp_path, "stats", "--community", "demo", "--png", "chart.png", env=env)
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines[0].startswith("Demo Community on ") and "exact" in lines[0]
    rows = {line.split("  ")[0]: line.split() for line in lines if line.startswith(("RedNote", "Lemon8"))}
    assert rows["Lemon8"][1:] == ["3", "0"]  # an admin sees the 3, and that none is verified
    assert "9" in rows["RedNote (Xiaohongshu)"]
    assert (tmp_path / "chart.png").read_bytes().startswith(b"\x89PNG")


async def test_stats_public_hides_small_counts(tmp_path: Path) -> None:
    env = await seeded(tmp_path)
    result = ferry(tmp_path, "stats", "--community", "demo", "--public", env=env)
    assert result.returncode == 0, result.stderr
    rows = {line.split("  ")[0]: line.split("  ")[-1].strip() for line in result.stdout.splitlines()}
    assert rows["Lemon8"] == "fewer than 5"
    assert rows["Bluesky"] == "6"
    assert "Mastodon" not in result.stdout  # community-only handles are not in the public view
    assert "verified" not in result.stdout
