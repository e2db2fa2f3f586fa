"""Finding the https links in free text, one way for every front and service.

A Bluesky link facet, an announcement's list of links and a preview must agree on where a link ends,
or a post links to text that is not part of the address. A link ends at whitespace, at a CJK or
fullwidth character (a Chinese sentence runs straight on after a URL, with a fullwidth comma),
before sentence punctuation written after it, and before a closing bracket it did not open.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

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
