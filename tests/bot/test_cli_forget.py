"""``ferry forget`` erases the member behind either of their linked accounts, through the real CLI."""

from pathlib import Path

import pytest
from sqlalchemy import insert, select

from bot.app import open_app
from bot.models import Identity, IdentityKind, Source
from bot.settings import Settings
from bot.storage.tables import audit_log, entries, member_identities, members
from tests.bot.test_cli import ROOT, ferry

DISCORD_ID = "123456789012345678"
DID = "did:plc:linkedmember000000000000"


def settings(tmp_path: Path) -> Settings:
    (tmp_path / "data").mkdir(exist_ok=True)
    return Settings(
        _env_file=None,  # type: ignore[call-arg]
        database_url=f"sqlite+aiosqlite:///{tmp_path / 'data' / 'ferry.db'}",
        config_path=ROOT / "config",
    )


async def seed_linked_member(tmp_path: Path) -> None:
    """One person known by a Discord id and a DID, with a handle from each front."""
    async with open_app(settings(tmp_path)) as app:
        discord = Identity(IdentityKind.DISCORD, DISCORD_ID)
        await app.directory.register(
            community="demo",
            identity=discord,
            display_name="Linked",
            platform="lemon8",
            handle="linked_cook",
            source=Source.DISCORD,
        )
        member = await app.directory.member(community="demo", identity=discord)
        assert member is not None
        async with app.database.transaction(
            write=True
        ) as conn:  # what linking the two accounts leaves behind
            await conn.execute(
                insert(member_identities).values(
                    community="demo", kind="bluesky", external_id=DID, member_id=member.id
                )
            )
        await app.directory.register(
            community="demo",
            identity=Identity(IdentityKind.BLUESKY, DID),
            display_name="Linked",
            platform="bluesky",
            handle="linked.bsky.social",
            source=Source.BLUESKY,
        )


async def rows_left(tmp_path: Path) -> tuple[int, int, int, list[dict[str, str]]]:
    async with open_app(settings(tmp_path)) as app, app.database.transaction() as conn:
        counts = [len((await conn.execute(select(t))).all()) for t in (members, member_identities, entries)]
        details = [row.detail for row in (await conn.execute(select(audit_log))).all()]
    return counts[0], counts[1], counts[2], details


@pytest.mark.parametrize("option", [("--did", DID), ("--discord-id", DISCORD_ID)])
async def test_forget_by_either_linked_id_erases_the_whole_member(
    tmp_path: Path, option: tuple[str, str]
) -> None:
    await seed_linked_member(tmp_path)
    assert (await rows_left(tmp_path))[:3] == (1, 2, 2)
    done = ferry(tmp_path, "forget", "--community", "demo", *option)
    assert done.returncode == 0, done.stderr
    assert "and 2 handles from 'demo'" in done.stdout
    members_left, identities_left, entries_left, details = await rows_left(tmp_path)
    assert (members_left, identities_left, entries_left) == (0, 0, 0)
    assert "linked_cook" not in str(details) and DID not in str(details) and DISCORD_ID not in str(details)
    again = ferry(tmp_path, "forget", "--community", "demo", "--did", DID)
    assert again.returncode == 1 and "nothing to erase" in again.stdout
