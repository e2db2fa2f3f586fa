"""The /mydata export file: whose account ids it may show in the history of changes."""

from __future__ import annotations

import io
import json
from collections.abc import Callable
from datetime import datetime

import pytest

from bot.config import FerryConfig
from bot.discord.mydata import write_export
from bot.errors import LinkCodeError
from bot.models import Identity, IdentityKind, Source
from bot.services.directory import DirectoryService
from bot.services.linking import LinkingService
from bot.services.moderation import ModerationService
from bot.storage.repository import Repository

ME = Identity(IdentityKind.DISCORD, "111111111111111111")
COPIER = "did:plc:copiedthecode00000000000"


async def test_the_export_names_no_one_else_who_acted_on_the_member(
    repository: Repository, service: DirectoryService, config: FerryConfig, clock: Callable[[], datetime]
) -> None:
    moderation = ModerationService(repository=repository, directory=service, clock=clock)
    linking = LinkingService(repository=repository, directory=service, config=lambda: config, clock=clock)
    await service.register(
        community="demo",
        identity=ME,
        display_name="Me",
        platform="lemon8",
        handle="cook",
        source=Source.DISCORD,
    )
    issued = await linking.issue_code(
        community="demo", identity=ME, display_name="Me", handle="me.bsky.social"
    )
    # Someone copies the code from the public post and tries it from their own account.
    with pytest.raises(LinkCodeError, match="other_account"):
        await linking.redeem(community="demo", code=issued.code, did=COPIER, handle="copier.bsky.social")
    await moderation.verify(
        community="demo", identity=ME, platform="lemon8", actor="admin:discord:999888777666555444"
    )
    member = await service.member(community="demo", identity=ME)
    assert member is not None
    out = io.BytesIO()
    await write_export(
        out, directory=service, moderation=moderation, community="demo", identity=ME, member=member
    )
    assert COPIER.encode() not in out.getvalue() and b"999888777666555444" not in out.getvalue()
    actors = {c["action"]: c["actor"] for c in json.loads(out.getvalue())["changes"]}
    assert actors == {"entry.add": "member", "link.refused": "someone else", "entry.verification": "admin"}
