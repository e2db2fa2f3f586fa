"""The public directory page over the real services and repository, through aiohttp's test client."""

from __future__ import annotations

from urllib.parse import urlencode

import pytest

from bot.web.settings import WebConfig
from tests.bot.web.data import COMMUNITY, HOSTILE, NEVER
from tests.bot.web.pages import csv_rows, handles, parse

SECURITY_HEADERS = {
    "Content-Security-Policy": "default-src 'none'",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "Permissions-Policy": "camera=()",
    "Cache-Control": "",
}


async def _html(client, path: str, **params: str) -> str:
    response = await client.get(path + ("?" + urlencode(params) if params else ""))
    assert response.status == 200, await response.text()
    assert response.content_type == "text/html"
    return await response.text()


async def _walk_html(client, **params: str) -> list[list[str]]:
    """Every page from the first by the Next links: the handles of each page."""
    pages = []
    href = "?" + urlencode(params) if params else ""
    while True:
        parsed = parse(await _html(client, f"/{COMMUNITY}/{href}"))
        pages.append(handles(parsed))
        if "next" not in parsed.links:
            return pages
        href = parsed.links["next"]


async def _walk_json(client, **params: str) -> list[list[str]]:
    pages = []
    response = await client.get(f"/{COMMUNITY}/directory.json", params=params)
    while True:
        assert response.status == 200
        body = await response.json()
        pages.append([e["handle"] for e in body["entries"]])
        if body["next_url"] is None:
            return pages
        # next_url is absolute under base_url; the test server answers its path and query.
        path = body["next_url"].removeprefix("https://ferry.example.org/dir")
        response = await client.get(path)


async def test_only_public_entries_in_html_json_and_csv(client, public_count):
    pages = await _walk_html(client)
    seen = [h for page in pages for h in page]
    assert len(seen) == public_count == 64
    json_pages = await _walk_json(client)
    csv_body = await (await client.get(f"/{COMMUNITY}/directory.csv")).text()
    everything = "\n".join([await _html(client, f"/{COMMUNITY}/", p="2"), csv_body, str(json_pages)])
    for page in pages:
        everything += await _html(client, f"/{COMMUNITY}/", q=page[0])
    for secret in NEVER:
        assert secret not in everything
        assert secret.lower() not in " ".join(seen).lower()
    assert len(csv_rows(csv_body)) == public_count
    for row in csv_rows(csv_body):
        assert set(row) == {"name", "platform", "handle", "profile_url", "verification"}  # no ids


async def test_search_finds_names_and_handles(client):
    parsed = parse(await _html(client, f"/{COMMUNITY}/", q="MEMBER 05"))
    assert [row[0] for row in parsed.rows] == ["Member 05"]
    parsed = parse(await _html(client, f"/{COMMUNITY}/", q="member0"))
    # Instagram handles are "member_NN", so only the Bluesky and YouTube ones match by handle.
    assert sorted(row[0] for row in parsed.rows) == [f"Member {n:02d}" for n in range(10) if n % 3 != 1]
    assert "7 public entries match" in await _html(client, f"/{COMMUNITY}/", q="member0")
    # The secret entry's own handle finds nothing: searching never widens what is shown.
    assert parse(await _html(client, f"/{COMMUNITY}/", q="secret_sam")).rows == []
    assert parse(await _html(client, f"/{COMMUNITY}/", q="hiddenhannah")).rows == []


async def test_a_search_over_several_pages_is_not_counted(client):
    """Counting a search's matches would read every candidate row on every page, so a search that
    goes on past its page shows no total and no page count, in the HTML and the JSON alike."""
    html = await _html(client, f"/{COMMUNITY}/", q="member")
    assert "Public entries that match, more on the next page." in html and "Page 1<" in html
    assert "Page 1 of" not in html
    html = await _html(client, f"/{COMMUNITY}/{parse(html).links['next']}")
    assert "Page 2<" in html
    body = await (await client.get(f"/{COMMUNITY}/directory.json", params={"q": "member"})).json()
    assert (body["total"], body["pages"], body["page"]) == (None, None, 1)
    body = await (await client.get(f"/{COMMUNITY}/directory.json", params={"q": "member0"})).json()
    assert (body["total"], body["pages"]) == (7, 1)  # every match on the page: counted


async def test_platform_filter_and_counts(client):
    html = await _html(client, f"/{COMMUNITY}/", platform="bluesky")
    parsed = parse(html)
    assert parsed.rows and {row[1] for row in parsed.rows} == {"Bluesky"}
    assert len(parsed.rows) == 20  # one in three of the sixty; the hidden member's is not counted
    assert "<li>Bluesky: 20</li>" in html and "<li>Instagram: 24</li>" in html
    assert '<option value="bluesky" selected>' in html
    parsed = parse(await _html(client, f"/{COMMUNITY}/", platform="youtube", q="member1"))
    assert [row[0] for row in parsed.rows] == ["Member 11", "Member 14", "Member 17"]


async def test_paging_forward_and_back_has_no_gaps_or_duplicates(client, public_count):
    forward = await _walk_html(client)
    assert [len(page) for page in forward] == [25, 25, 14]
    flat = [h for page in forward for h in page]
    assert len(set(flat)) == len(flat) == public_count
    # Back from the last page by the Previous links gives the same pages in reverse.
    html = await _html(client, f"/{COMMUNITY}/", p="1")
    parsed = parse(html)
    while "next" in parsed.links:
        html = await _html(client, f"/{COMMUNITY}/{parsed.links['next']}")
        parsed = parse(html)
    assert "Page 3 of 3" in html
    backward = [handles(parsed)]
    while "prev" in parsed.links:
        html = await _html(client, f"/{COMMUNITY}/{parsed.links['prev']}")
        parsed = parse(html)
        backward.append(handles(parsed))
    assert "Page 1 of 3" in html and "next" in parsed.links
    assert backward[::-1] == forward


async def test_json_and_csv_match_the_page(client):
    for params in ({}, {"q": "member"}, {"platform": "instagram"}, {"platform": "bluesky", "q": "2"}):
        html_pages = await _walk_html(client, **params)
        assert await _walk_json(client, **params) == html_pages
        body = await (await client.get(f"/{COMMUNITY}/directory.csv", params=params)).text()
        # Like the admins' export, a cell a spreadsheet would run as a formula gets a leading quote.
        cells = [row["handle"] for row in csv_rows(body)]
        assert [c.removeprefix("'") if c.startswith("'@") else c for c in cells] == [
            h for page in html_pages for h in page
        ]
    first = await (await client.get(f"/{COMMUNITY}/directory.json")).json()
    parsed = parse(await _html(client, f"/{COMMUNITY}/"))
    assert [e["profile_url"] for e in first["entries"]] == parsed.row_links
    assert (first["page"], first["pages"], first["total"]) == (1, 3, 64)


async def test_hostile_names_are_escaped_and_isolated(client):
    html = await _html(client, f"/{COMMUNITY}/", platform="instagram", q="")
    html += await _html(client, f"/{COMMUNITY}/", q='"><script>alert(2)</script>')
    parsed = parse(html)
    assert {tag for tag, _ in parsed.tags} <= {
        "html", "head", "meta", "title", "link", "body", "a", "header", "h1", "bdi", "p", "main", "form",
        "label", "input", "select", "option", "button", "h2", "ul", "li", "dl", "div", "dt", "dd", "span",
        "table", "caption", "thead", "tr", "th", "tbody", "td", "nav", "footer",
    }  # fmt: skip
    assert (
        "<script" not in html
        and "<img" not in html
        and "onerror" not in {k for _, a in parsed.tags for k in a}
    )
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert 'value="&quot;&gt;&lt;script&gt;alert(2)&lt;/script&gt;"' in html
    for name in HOSTILE:
        if "<" in name:
            assert name not in html
    assert '<bdi dir="auto">שלום Dana</bdi>' in html
    for _, attrs in parsed.tags:
        href = attrs.get("href")
        if href and not href.startswith(("?", "directory.", "stats", "../static/", "#", "https://")):
            pytest.fail(f"unexpected href {href!r}")


async def test_profile_links_are_marked_user_content(client):
    html = await _html(client, f"/{COMMUNITY}/", platform="bluesky")
    links = [a for tag, a in parse(html).tags if tag == "a" and (a.get("href") or "").startswith("https://")]
    assert links and all(a["rel"] == "nofollow noopener ugc" for a in links)
    assert "https://bsky.app/profile/member00.bsky.social" in {a["href"] for a in links}


ROUTES = [
    "/",
    "/healthz",
    "/static/ferry.css",
    f"/{COMMUNITY}/",
    f"/{COMMUNITY}/directory.json",
    f"/{COMMUNITY}/directory.csv",
    f"/{COMMUNITY}",
    "/nowhere/",
    "/nowhere/directory.csv",
    f"/{COMMUNITY}/?after=nonsense",
    f"/{COMMUNITY}/directory.json?platform=myspace",
]


async def test_security_headers_on_every_route(client):
    statuses = set()
    for path in ROUTES:
        response = await client.get(path, allow_redirects=False)
        statuses.add(response.status)
        for name, value in SECURITY_HEADERS.items():
            assert value in response.headers.get(name, "MISSING"), (path, name)
        assert "frame-ancestors 'none'" in response.headers["Content-Security-Policy"]
        assert response.headers["Strict-Transport-Security"].startswith("max-age=")
    assert statuses == {200, 301, 400, 404}


BAD_PARAMS = [
    ({"q": "x" * 101}, "at most 100 characters"),
    ({"q": "a\x00b"}, "control characters"),
    ({"after": "nonsense"}, "link is broken"),
    ({"before": "12"}, "link is broken"),
    ({"after": "1:" + "k" * 500}, "link is broken"),
    ({"after": "99999999999999999999999:abc"}, "link is broken"),
    ({"after": "1:a\x00"}, "link is broken"),
    ({"after": "1:a", "before": "2:b"}, "not both"),
    ({"platform": "myspace"}, "no such platform"),
    ({"p": "0"}, "page number"),
    ({"p": "x"}, "page number"),
]


async def test_bad_parameters_are_a_400_page(client):
    for params, message in BAD_PARAMS:
        for route in ("", "directory.json", "directory.csv"):
            response = await client.get(f"/{COMMUNITY}/{route}", params=params)
            body = await response.text()
            assert response.status == 400, (params, route)
            assert response.content_type == "text/html"
            assert message in body and "Traceback" not in body, (params, body)
            assert response.headers["Cache-Control"] == "no-store"


@pytest.mark.parametrize(
    "web_config", [WebConfig(communities=("open",), base_url="https://ferry.example.org")]
)
async def test_unknown_or_unpublished_community_is_404(client):
    for path in ("/nowhere/", "/nowhere/directory.json", "/demo/", "/demo", "/UPPER/", "/open/x/y", "/-/"):
        response = await client.get(path, allow_redirects=False)
        assert response.status == 404, path
        assert "There is no public directory at this address." in await response.text()
    assert (await client.get("/open/")).status == 200
    index = await (await client.get("/")).text()
    assert 'href="open/"' in index and "demo/" not in index


@pytest.mark.parametrize(
    "web_config", [WebConfig(communities=("open", "gone"), base_url="https://ferry.example.org")]
)
async def test_a_community_removed_by_a_reload_is_left_out_not_an_error(client):
    # "gone" is named by the [web] the page started with, but the config in force has no such community.
    index = await client.get("/")
    assert index.status == 200
    text = await index.text()
    assert 'href="open/"' in text and "gone/" not in text
    for path in ("/gone/", "/gone/directory.json", "/gone/directory.csv"):
        assert (await client.get(path)).status == 404, path


async def test_redirects_and_health(client):
    response = await client.get(f"/{COMMUNITY}", allow_redirects=False)
    assert response.status == 301 and response.headers["Location"] == f"{COMMUNITY}/"
    response = await client.get("/healthz")
    assert response.status == 200 and await response.text() == "ok\n"
    response = await client.post(f"/{COMMUNITY}/")
    assert response.status == 405
    css = await client.get("/static/ferry.css")
    assert css.content_type == "text/css" and "prefers-color-scheme" in await css.text()
    index = await _html(client, "/")
    assert 'href="open/"' in index and 'href="demo/"' in index
