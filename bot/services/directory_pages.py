"""Reading the directory a page at a time: the caps on a query, and finding a page by its number.

``DirectoryService`` answers the fronts and links the entries; this holds the paging rules, which
need only the repository's page reads and the community's platform names.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from typing import Protocol

from bot.errors import InputReason, InvalidInputError
from bot.models import Cursor, DirectoryPage, DirectoryQuery
from bot.platforms import PlatformSpec
from bot.services.names import clean_search

MAX_PAGE_SIZE = 50  # rows; a front renders fewer, but nothing asks the database for more at once
MAX_PAGE_NUMBER = 1000  # pages; past this a platform filter or an export serves people better

PlatformResolver = Callable[[str, str], PlatformSpec]  # (community, name) -> an enabled platform


class PageReader(Protocol):
    """The part of the repository paging needs (``bot.storage.directory``)."""

    async def directory_page(self, query: DirectoryQuery) -> DirectoryPage:
        """One page of the directory for ``query``, with cursors to the neighbouring pages."""
        ...

    async def cursor_at(self, query: DirectoryQuery, position: int) -> Cursor | None:
        """The keyset position of the ``position``-th listed entry (0-based), or None past the end."""
        ...


def checked_query(query: DirectoryQuery, platform: PlatformResolver) -> DirectoryQuery:
    """The query within the caps, its platform resolved to a key and its search cleaned."""
    if not 1 <= query.limit <= MAX_PAGE_SIZE:
        raise InvalidInputError("limit", InputReason.OUT_OF_RANGE, low=1, high=MAX_PAGE_SIZE)
    if query.platform is not None:
        query = dataclasses.replace(query, platform=platform(query.community, query.platform).key)
    if query.search is not None:
        query = dataclasses.replace(query, search=clean_search(query.search))
    return query


async def numbered_page(
    pages: PageReader, query: DirectoryQuery, number: int, platform: PlatformResolver
) -> tuple[DirectoryPage, int]:
    """The ``number``-th page (1-based), its entries not yet linked, and the page count.

    The page's start is found by one index walk, not by reading every page before it; numbers
    are capped so that walk stays short, and a number past the end answers with the last page.
    Not for a search: its matches are not counted (see DirectoryPage.total).
    """
    if not 1 <= number <= MAX_PAGE_NUMBER:
        raise InvalidInputError("page", InputReason.OUT_OF_RANGE, low=1, high=MAX_PAGE_NUMBER)
    query = checked_query(query, platform)
    if query.search:
        raise ValueError("a search has no page count: page through it with cursors")
    if number > 1:
        # The usual case, a page that exists: its start, then the page with its total.
        start = await pages.cursor_at(query, (number - 1) * query.limit - 1)
        if start is not None:
            page = await pages.directory_page(dataclasses.replace(query, after=start))
            return page, _page_count(page, query.limit)
    first = await pages.directory_page(query)
    count = _page_count(first, query.limit)
    number = min(number, count)
    if number == 1:
        return first, count
    start = await pages.cursor_at(query, (number - 1) * query.limit - 1)
    page = await pages.directory_page(dataclasses.replace(query, after=start))
    return page, count


def _page_count(page: DirectoryPage, size: int) -> int:
    count = page.page_count(size)
    assert count is not None  # counted: not a search
    return count


__all__ = ["MAX_PAGE_NUMBER", "MAX_PAGE_SIZE", "PageReader", "checked_query", "numbered_page"]
