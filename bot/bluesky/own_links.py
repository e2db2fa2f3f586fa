"""Which links in an answer Ferry built itself, the only ones its posts make clickable.

On Bluesky a link is clickable only through a link facet, which the poster computes. An answer's
text mixes Ferry's own links (profile links filled from the catalogue's templates, the directory
page, the community's configured links, its Bluesky list) with what people typed: names, search
words, a refused handle echoed back. A member named "Claim prize https://evil.example/login" must
not become a link in Ferry's own thread, so a URL is faceted only when Ferry could have built it.
"""

from __future__ import annotations

import re

from bot.config import FerryConfig
from bot.config.web import WebServing
from bot.errors import InvalidHandleError
from bot.platforms import PlatformSpec, normalise, profile_url

# list_web_url's shape: a DID and a record key, nothing a person's text could make point elsewhere.
_LIST_URL = re.compile(r"https://bsky\.app/profile/did:[a-z0-9:.]+/lists/[a-z0-9]+")


def is_own_link(url: str, *, config: FerryConfig, web: WebServing) -> bool:
    """Whether ``url`` is one Ferry builds from its templates or its admins' config."""
    if _LIST_URL.fullmatch(url):
        return True
    slugs = frozenset(config.communities)
    for slug, community in config.communities.items():
        if any(link.url == url for link in community.links):
            return True
        if config.bluesky.web_url and url == config.bluesky.web_url.replace("{community}", slug):
            return True
        if url == web.directory_url(slug, slugs):
            return True
    return any(_is_profile_link(url, spec) for spec in config.catalogue.specs if spec.profile_url)


def _is_profile_link(url: str, spec: PlatformSpec) -> bool:
    try:
        handle = normalise(spec, url).handle
    except InvalidHandleError:
        return False
    # Equal to the template filled with the handle it names: what entry lines link to, and no other form.
    return profile_url(spec, handle) == url
