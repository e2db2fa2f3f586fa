"""The public directory page as an aiohttp application: HTML, JSON and CSV of public entries only.

Read-only and anonymous. Every request asks the services for ``Visibility.PUBLIC`` entries (the
service already leaves hidden and banned members out), so nothing a member kept to the community
can leak through a filter or a format. The config is read per request, so a reload applies at once.
"""

from __future__ import annotations

import json
import logging
import math
import unicodedata
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from urllib.parse import urlencode, urlsplit

from aiohttp import web as aioweb

from bot.config import FerryConfig
from bot.errors import FerryError, InvalidInputError, RateLimitedError, UnknownPlatformError
from bot.models import Cursor, DirectoryPage, DirectoryQuery, Entry, Visibility
from bot.services.directory import DirectoryService
from bot.services.directory_pages import MAX_PAGE_NUMBER
from bot.services.export_cache import ExportCache
from bot.services.names import MAX_SEARCH_CHARS
from bot.services.transfer import TransferService
from bot.text.errors import error_sentence
from bot.web import templates
from bot.web.csv_export import CSV_COLUMNS, build_csv
from bot.web.settings import WebConfig
from bot.web.style import CSS

log = logging.getLogger(__name__)

PUBLIC = frozenset({Visibility.PUBLIC})
MAX_CURSOR_CHARS = 400  # an id plus a handle key; real ones are far shorter
MAX_ENTRY_ID = 2**63 - 1  # a bigint column: a larger id would be a database error, not a 400
_CSP = (
    "default-src 'none'; style-src 'self'; img-src 'self'; form-action 'self'; "
    "frame-ancestors 'none'; base-uri 'none'"
)
_HEADERS = {
    "Content-Security-Policy": _CSP,
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "Permissions-Policy": "camera=(), microphone=(), geolocation=(), payment=(), usb=()",
    "Cross-Origin-Opener-Policy": "same-origin",
    "X-Frame-Options": "DENY",  # for browsers that predate frame-ancestors
}
CACHE_OK = "public, max-age=60"  # the directory changes as people register; a minute is stale enough
CACHE_NONE = "no-store"

Handler = Callable[[aioweb.Request], Awaitable[aioweb.StreamResponse]]


@dataclass(frozen=True, slots=True)
class _Deps:
    directory: DirectoryService
    transfer: TransferService
    config: Callable[[], FerryConfig]
    web: WebConfig
    exports: ExportCache


_DEPS = aioweb.AppKey("ferry_web_deps", _Deps)


class BadRequestError(Exception):
    """A query parameter the page cannot use; the message is shown to the reader."""


@dataclass(frozen=True, slots=True)
class Filters:
    """The validated query string: the same for the page, the JSON and the CSV."""

    search: str
    platform: str | None  # a platform key
    after: Cursor | None
    before: Cursor | None
    page: int  # where the reader believes they are; shown only, clamped to what exists

    def params(self, **extra: str) -> str:
        """The filters (without cursors) plus ``extra`` as an encoded query string."""
        pairs = {"q": self.search, "platform": self.platform or ""}
        pairs.update(extra)
        return urlencode({k: v for k, v in pairs.items() if v})


def _cursor(raw: str | None, name: str) -> Cursor | None:
    if raw is None or raw == "":
        return None
    if len(raw) > MAX_CURSOR_CHARS or any(unicodedata.category(c) in ("Cc", "Cs") for c in raw):
        raise BadRequestError(f"The '{name}' link is broken. Go back to the first page and try again.")
    try:
        cursor = Cursor.decode(raw)
    except ValueError:
        raise BadRequestError(
            f"The '{name}' link is broken. Go back to the first page and try again."
        ) from None
    if cursor.entry_id > MAX_ENTRY_ID:
        raise BadRequestError(f"The '{name}' link is broken. Go back to the first page and try again.")
    return cursor


def parse_filters(request: aioweb.Request, directory: DirectoryService, slug: str) -> Filters:
    query = request.query
    search = query.get("q", "").strip()
    if len(search) > MAX_SEARCH_CHARS:
        raise BadRequestError(f"The search is too long: at most {MAX_SEARCH_CHARS} characters.")
    if any(unicodedata.category(c) in ("Cc", "Cs") for c in search.replace("\t", " ")):
        raise BadRequestError("The search contains control characters.")
    platform = None
    if query.get("platform"):
        try:
            platform = directory.platform(slug, query["platform"]).key
        except UnknownPlatformError:
            raise BadRequestError("There is no such platform in this directory.") from None
    after, before = _cursor(query.get("after"), "Next"), _cursor(query.get("before"), "Previous")
    if after and before:
        raise BadRequestError("A link may go forward or back, not both.")
    raw_page = query.get("p", "1")
    if not raw_page.isdecimal() or not 1 <= int(raw_page) <= MAX_PAGE_NUMBER:
        raise BadRequestError(f"The page number must be between 1 and {MAX_PAGE_NUMBER}.")
    return Filters(search=search, platform=platform, after=after, before=before, page=int(raw_page))


def _published(request: aioweb.Request) -> str:
    """The slug of the request, or a 404 when that community is not published."""
    deps = request.app[_DEPS]
    slug = request.match_info["slug"]
    if not deps.web.publishes(slug, frozenset(deps.config().communities)):
        raise aioweb.HTTPNotFound(text="There is no public directory at this address.")
    return slug


async def _page(deps: _Deps, slug: str, filters: Filters) -> tuple[DirectoryPage, int, int | None]:
    query = DirectoryQuery(
        community=slug,
        platform=filters.platform,
        search=filters.search or None,
        visibilities=PUBLIC,
        limit=deps.web.page_size,
        after=filters.after,
        before=filters.before,
    )
    page = await deps.directory.directory(query)
    pages = page.page_count(deps.web.page_size)
    if pages is None:  # a search: not counted, so the number is the link's hint (at least 2)
        number = 1 if page.prev_cursor is None else max(filters.page, 2)
        return page, number, None
    if page.prev_cursor is None:
        number = 1
    elif page.next_cursor is None:
        number = pages
    else:  # the hint is clamped, so a hand-edited number never shows "page 9 of 3"
        number = min(max(filters.page, 2), max(2, pages - 1))
    return page, number, pages


def _links(filters: Filters, page: DirectoryPage, number: int) -> tuple[str | None, str | None]:
    prev = next_ = None
    if page.prev_cursor is not None:
        prev = "?" + filters.params(before=page.prev_cursor.encode(), p=str(number - 1))
    if page.next_cursor is not None:
        next_ = "?" + filters.params(after=page.next_cursor.encode(), p=str(number + 1))
    return prev, next_


def _here(filters: Filters) -> str:
    """The query of this very page, rebuilt from validated values rather than echoed."""
    cursors = {"p": str(filters.page)} if filters.after or filters.before else {}
    if filters.after:
        cursors["after"] = filters.after.encode()
    if filters.before:
        cursors["before"] = filters.before.encode()
    query = filters.params(**cursors)
    return "?" + query if query else ""


def _names(deps: _Deps, slug: str) -> dict[str, str]:
    return {spec.key: spec.display_name for spec in deps.directory.platforms(slug)}


def _public(entry: Entry, names: dict[str, str]) -> dict[str, str | None]:
    return {
        "name": entry.member_name,
        "platform": entry.platform,
        "platform_name": names.get(entry.platform, entry.platform),
        "handle": entry.handle,
        "profile_url": templates.safe_link(entry.profile_url),
        "verification": entry.verification.value,
    }


async def directory_html(request: aioweb.Request) -> aioweb.Response:
    deps = request.app[_DEPS]
    slug = _published(request)
    filters = parse_filters(request, deps.directory, slug)
    page, number, pages = await _page(deps, slug, filters)
    names = _names(deps, slug)
    counts = await deps.directory.counts(community=slug, visibilities=PUBLIC)
    prev, next_ = _links(filters, page, number)
    plain = filters.params()
    view = templates.DirectoryView(
        community=deps.config().community(slug).name,
        search=filters.search,
        platform=filters.platform,
        platforms=list(names.items()),
        counts=[(name, counts[key]) for key, name in names.items() if counts.get(key)],
        rows=[
            templates.Row(
                e.member_name, names.get(e.platform, e.platform), e.handle, e.profile_url, e.verification
            )
            for e in page.entries
        ],
        total=page.total,
        page=number,
        pages=pages,
        prev_href=prev,
        next_href=next_,
        json_href="directory.json" + _here(filters),
        csv_href="directory.csv" + ("?" + plain if plain else ""),  # all pages: no cursor
        canonical=deps.web.directory_url(slug),
    )
    return _html(templates.directory_page(view))


async def directory_json(request: aioweb.Request) -> aioweb.Response:
    deps = request.app[_DEPS]
    slug = _published(request)
    filters = parse_filters(request, deps.directory, slug)
    page, number, pages = await _page(deps, slug, filters)
    names = _names(deps, slug)
    prev, next_ = _links(filters, page, number)
    base = deps.web.directory_url(slug)
    body = {
        "community": slug,
        "name": deps.config().community(slug).name,
        "search": filters.search or None,
        "platform": filters.platform,
        "total": page.total,
        "page": number,
        "pages": pages,
        "prev_cursor": page.prev_cursor.encode() if page.prev_cursor else None,
        "next_cursor": page.next_cursor.encode() if page.next_cursor else None,
        "prev_url": base + "directory.json" + prev if prev else None,
        "next_url": base + "directory.json" + next_ if next_ else None,
        "entries": [_public(entry, names) for entry in page.entries],
    }
    response = aioweb.json_response(body, dumps=lambda v: json.dumps(v, ensure_ascii=False))
    response.headers["Cache-Control"] = CACHE_OK
    return response


async def directory_csv(request: aioweb.Request) -> aioweb.Response:
    """Every public entry matching the filters; one kept copy per directory version and filters.

    Building the file reads the whole directory, so only a build counts against the reader's
    address (429 past it); a kept copy is served to anyone (see ``bot.services.export_cache``).
    """
    deps = request.app[_DEPS]
    slug = _published(request)
    filters = parse_filters(request, deps.directory, slug)
    names = _names(deps, slug)
    query = DirectoryQuery(
        community=slug, platform=filters.platform, search=filters.search or None, visibilities=PUBLIC
    )

    def row(entry: Entry) -> list[str]:
        public = _public(entry, names)
        return [str(public[column] or "") for column in CSV_COLUMNS]

    export = await deps.exports.get(
        slug,
        ("public.csv", filters.platform, filters.search),
        requester=("address", request.remote),
        build=lambda: build_csv(deps.directory, query, row),
    )
    return aioweb.Response(
        body=export.data,
        headers={
            "Content-Type": "text/csv; charset=utf-8",
            "Content-Disposition": f'attachment; filename="{slug}-directory.csv"',
            "Cache-Control": CACHE_OK,
        },
    )


async def index(request: aioweb.Request) -> aioweb.Response:
    deps = request.app[_DEPS]
    config = deps.config()
    configured = frozenset(config.communities)
    # The page keeps the [web] it started with; a reload may have removed a community it names.
    slugs = [s for s in deps.web.communities or config.communities if deps.web.publishes(s, configured)]
    return _html(templates.index_page((slug, config.community(slug).name) for slug in slugs))


async def slug_redirect(request: aioweb.Request) -> aioweb.Response:
    slug = _published(request)
    raise aioweb.HTTPMovedPermanently(location=f"{slug}/")  # relative, so a path prefix survives


async def healthz(request: aioweb.Request) -> aioweb.Response:
    return aioweb.Response(text="ok\n", headers={"Cache-Control": CACHE_NONE})


async def stylesheet(request: aioweb.Request) -> aioweb.Response:
    return aioweb.Response(
        text=CSS, content_type="text/css", headers={"Cache-Control": "public, max-age=3600"}
    )


def _html(body: str, status: int = 200) -> aioweb.Response:
    response = aioweb.Response(text=body, status=status, content_type="text/html", charset="utf-8")
    response.headers["Cache-Control"] = CACHE_OK if status == 200 else CACHE_NONE
    return response


@aioweb.middleware
async def errors(request: aioweb.Request, handler: Handler) -> aioweb.StreamResponse:
    """Turn every failure into a plain page: no traceback or internal detail reaches a reader."""
    css = urlsplit(request.app[_DEPS].web.base_url).path + "/static/ferry.css"
    try:
        return await handler(request)
    except BadRequestError as exc:
        return _html(templates.error_page(400, "Bad request", str(exc), css=css), 400)
    except RateLimitedError as exc:
        wait = str(math.ceil(max(exc.retry_after, 1.0)))
        message = f"Too many downloads from your address; try again in {wait} seconds."
        page = _html(templates.error_page(429, "Too many requests", message, css=css), 429)
        page.headers["Retry-After"] = wait
        return page
    except InvalidInputError as exc:
        # The page is English; the sentence is the one every front words from the same error.
        sentence = error_sentence(exc, "en", outside=True)
        return _html(templates.error_page(400, "Bad request", sentence, css=css), 400)
    except FerryError:
        return _html(
            templates.error_page(400, "Bad request", "The request cannot be answered.", css=css), 400
        )
    except aioweb.HTTPException as exc:
        if exc.status in (404, 405):
            title = "Not found" if exc.status == 404 else "Method not allowed"
            message = "There is no public directory at this address." if exc.status == 404 else title + "."
            page = _html(templates.error_page(exc.status, title, message, css=css), exc.status)
            page.headers.update({k: v for k, v in exc.headers.items() if k == "Allow"})
            return page
        raise
    except Exception:
        log.exception("web page failed", extra={"path": request.path})
        return _html(
            templates.error_page(500, "Something went wrong", "Please try again later.", css=css), 500
        )


async def _security_headers(request: aioweb.Request, response: aioweb.StreamResponse) -> None:
    # A signal rather than a middleware: it also covers redirects and responses aiohttp makes itself.
    for name, value in _HEADERS.items():
        response.headers.setdefault(name, value)
    response.headers.setdefault("Cache-Control", CACHE_NONE)
    if request.app[_DEPS].web.base_url.startswith("https://"):
        response.headers.setdefault("Strict-Transport-Security", "max-age=31536000")


def build_web_app(
    directory: DirectoryService,
    transfer: TransferService,
    config: Callable[[], FerryConfig],
    web: WebConfig,
    *,
    exports: ExportCache | None = None,
) -> aioweb.Application:
    """The application; no socket is opened here (see :class:`bot.web.front.WebFront`)."""
    app = aioweb.Application(middlewares=[errors])
    if exports is None:
        exports = ExportCache()
    unfollow = exports.listen(directory.changes)

    async def stop_following(_: aioweb.Application) -> None:
        unfollow()

    app.on_cleanup.append(stop_following)
    app[_DEPS] = _Deps(directory=directory, transfer=transfer, config=config, web=web, exports=exports)
    app.on_response_prepare.append(_security_headers)
    app.router.add_get("/", index)
    app.router.add_get("/healthz", healthz)
    app.router.add_get("/static/ferry.css", stylesheet)
    app.router.add_get("/{slug}", slug_redirect)
    app.router.add_get("/{slug}/", directory_html)
    app.router.add_get("/{slug}/directory.json", directory_json)
    app.router.add_get("/{slug}/directory.csv", directory_csv)
    return app
