"""Bad input on the public page (security.md §8.1): names are text, never links or account ids."""

from __future__ import annotations

from urllib.parse import urlencode

from bot.models import Identity, IdentityKind, Source
from bot.services.directory import DirectoryService
from bot.services.names import NEUTRAL_NAME
from bot.services.transfer.cells import unguard_cell
from tests.bot.web.data import COMMUNITY
from tests.bot.web.pages import csv_rows, parse

DISCORD_ID = "123456789012345678"


async def _register(service: DirectoryService, external_id: str, name: str, handle: str) -> None:
    await service.register(
        community=COMMUNITY,
        identity=Identity(IdentityKind.DISCORD, external_id),
        display_name=name,
        platform="instagram",
        handle=handle,
        source=Source.DISCORD,
    )


async def test_a_url_in_a_name_is_shown_as_text_not_linked(client, service: DirectoryService) -> None:
    await _register(service, DISCORD_ID, "Claim prize https://evil.example/login", "prizey")
    response = await client.get(f"/{COMMUNITY}/?" + urlencode({"q": "prizey"}))
    html = await response.text()
    assert "Claim prize https://evil.example/login" in html
    hrefs = [attrs.get("href") or "" for _, attrs in parse(html).tags]
    assert "https://www.instagram.com/prizey/" in hrefs
    assert not [href for href in hrefs if "evil" in href]


async def test_a_blank_name_shows_the_neutral_label_not_the_account_id(
    client, service: DirectoryService
) -> None:
    await _register(service, DISCORD_ID, "\u3164\u200b", "blanky")
    html = await (await client.get(f"/{COMMUNITY}/?" + urlencode({"q": "blanky"}))).text()
    assert NEUTRAL_NAME in html and DISCORD_ID not in html


async def test_the_csv_guards_formulas_as_the_admin_export_does(client, service: DirectoryService) -> None:
    names = {"@carol": "carol_at", "'=x": "quote_eq", "-minus": "minus_m"}
    for n, (name, handle) in enumerate(names.items()):
        await _register(service, str(int(DISCORD_ID) + n), name, handle)
    body = await (await client.get(f"/{COMMUNITY}/directory.csv", params={"q": "_"})).text()
    cells = {row["handle"]: row["name"] for row in csv_rows(body) if row["handle"] in names.values()}
    assert cells == {"carol_at": "'@carol", "quote_eq": "''=x", "minus_m": "'-minus"}
    # The same guard the import undoes: the names come back exactly.
    assert {unguard_cell(cell) for cell in cells.values()} == set(names)
