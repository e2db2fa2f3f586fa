"""Where a link ends in free text: the same answer for Bluesky facets and announcements."""

from __future__ import annotations

import pytest

from bot.urls import find_links


@pytest.mark.parametrize(
    ("text", "urls"),
    [
        ("新家在 https://example.org/a，请尽快加入。", ["https://example.org/a"]),
        ("见https://example.org/路径", ["https://example.org/"]),
        (
            "(see https://example.org/x) and https://example.org/y.",
            ["https://example.org/x", "https://example.org/y"],
        ),
        ("https://en.wikipedia.org/wiki/Ferry_(boat)!", ["https://en.wikipedia.org/wiki/Ferry_(boat)"]),
        ("<https://example.org/q?a=1&b=2>", ["https://example.org/q?a=1&b=2"]),
        ("http://plain.example and https:// alone", []),
        ("「https://example.org/z」", ["https://example.org/z"]),
    ],
)
def test_links_end_where_the_address_ends(text: str, urls: list[str]) -> None:
    found = list(find_links(text))
    assert [url for _, _, url in found] == urls
    for start, end, url in found:
        assert text[start:end] == url
