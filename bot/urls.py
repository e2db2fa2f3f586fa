"""Finding the https links in free text, and checking the addresses Ferry itself is configured with.

A Bluesky link facet, an announcement's list of links and a preview must agree on where a link ends,
or a post links to text that is not part of the address. A link ends at whitespace, at a CJK or
fullwidth character (a Chinese sentence runs straight on after a URL, with a fullwidth comma),
before sentence punctuation written after it, and before a closing bracket it did not open.
"""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Iterator
from urllib.parse import urlsplit

# Whitespace, markup delimiters, CJK symbols and punctuation (U+3000-303F), the CJK and fullwidth
# blocks: none of these appears raw in an address people paste.
_LINK = re.compile(r"https://[^\s<>\"\u2e80-\u9fff\uac00-\ud7af\uf900-\ufaff\ufe30-\ufe4f\uff00-\uffef]+")
_TRAILING = ".,;:!?'\""
_PAIRS = {")": "(", "]": "[", "}": "{"}


def find_links(text: str) -> Iterator[tuple[int, int, str]]:
    """``(start, end, url)`` for every https link in ``text``, as character offsets."""
    for match in _LINK.finditer(text):
        url = match.group()
        while url:
            if url[-1] in _TRAILING:
                url = url[:-1]
            elif url[-1] in _PAIRS and url.count(_PAIRS[url[-1]]) < url.count(url[-1]):
                url = url[:-1]  # "(see https://a.example/x)": the bracket belongs to the sentence
            else:
                break
        if len(url) > len("https://"):
            yield match.start(), match.start() + len(url), url


def _is_loopback(host: str | None) -> bool:
    if host is None:
        return False
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def check_endpoint_url(value: str, *, name: str) -> str:
    """A configured address Ferry talks to or links to, without its trailing ``/``.

    ``https://`` only; plain ``http://`` only on the loopback interface (a development server),
    because anything else sends credentials or members' data in clear text. No user name, password,
    query or fragment. ``ValueError`` messages name ``name`` but never echo ``value``, which sits
    next to secrets in the environment and may carry one itself.
    """
    value = value.strip()
    try:
        parts = urlsplit(value)
        _ = parts.port  # raises ValueError on a malformed port
    except ValueError:
        raise ValueError(f"{name} is not a valid URL") from None
    if parts.scheme != "https" and not (parts.scheme == "http" and _is_loopback(parts.hostname)):
        raise ValueError(f"{name} must start with https:// (http:// only for 127.0.0.1 or localhost)")
    if not parts.hostname or parts.username is not None or parts.password is not None:
        raise ValueError(f"{name} needs a host name and no user name or password")
    if parts.query or parts.fragment:
        raise ValueError(f"{name} must not have a query (?) or fragment (#)")
    return value.rstrip("/")
