"""Properties of normalise and profile_url over arbitrary and handle-like text on every built-in."""

from __future__ import annotations

import unicodedata
from urllib.parse import urlsplit

from hypothesis import given, settings
from hypothesis import strategies as st

from bot.errors import InvalidHandleError
from bot.platforms import Catalogue, NormalisedHandle, PlatformSpec, Reason, normalise, profile_url

SPECS = Catalogue.builtin().specs
REASONS = {reason.value for reason in Reason}
FORBIDDEN_CATEGORIES = {"Cc", "Cf", "Cs", "Co", "Cn", "Zs", "Zl", "Zp"}

# Pieces of the forms people paste, and of the attacks in security.md §8.1, to splice together.
FRAGMENTS = [
    "@", "@@", "https://", "http://", "javascript:", "//", "www.", "m.", "x.com/", "instagram.com/",
    "tiktok.com/@", "bsky.app/profile/", "youtube.com/", "channel/", "UC", "did:plc:", "did:web:",
    ".bsky.social", "@mastodon.social", "mastodon.social/@", "xiaohongshu.com/user/profile/",
    "5ff0e6410000000001008400", "xhslink.com/", "?xsec_token=a", "#top", "/", ":", ":8080", "%",
    "%2F", "%40", "%E2%80%AE", "%00", "..", ".", "-", "_", "\u00b7", "テスト", "שלום", "\u0301",
    "\u0337\u0338", "\u202e", "\u2066", "\u200b", "\ufeff", "\u00ad", "\U000e0041", "\ufe0f", "\ud800",
    "\x00", "\n", "\u0430", "\uff46", "\uff20", " ", "\u3000", "localhost", "[::1]", "10.0.0.1",
    ".local", ".onion", "home", "p/", "İ", "ß", "\U0001d41a", "ǅ",
]  # fmt: skip
handle_like = st.lists(
    st.one_of(st.sampled_from(FRAGMENTS), st.text(alphabet="abcxyzAZ0179._-", min_size=1, max_size=12)),
    max_size=7,
).map("".join)
anything = st.text(alphabet=st.characters(exclude_categories=()), max_size=60)  # surrogates too
texts = st.one_of(handle_like, anything)


def expected_host(spec: PlatformSpec, handle: str) -> str | None:
    """The host a link for ``handle`` must have: the template's, or a Mastodon account's server."""
    assert spec.profile_url is not None
    if "{domain}" in spec.profile_url:
        return handle.partition("@")[2]
    return urlsplit(spec.profile_url.replace("{handle}", "x")).hostname


def check_accepted(spec: PlatformSpec, normalised: NormalisedHandle) -> None:
    assert normalise(spec, normalised.handle) == normalised  # idempotent on its own output
    for ch in normalised.handle + normalised.key:
        assert unicodedata.category(ch) not in FORBIDDEN_CATEGORIES, repr(ch)
    assert len(normalised.handle) <= max(spec.max_length, 261)  # 261: did:web with a 253 domain
    url = profile_url(spec, normalised.handle)
    if url is None:
        return
    parts = urlsplit(url)
    assert url.startswith("https://")
    assert url.isascii() and url.isprintable() and " " not in url
    assert parts.hostname == expected_host(spec, normalised.handle)
    assert (parts.username, parts.password, parts.port) == (None, None, None)
    assert not parts.query and not parts.fragment


@settings(max_examples=600, deadline=None)
@given(spec=st.sampled_from(SPECS), raw=texts)
def test_normalise_accepts_or_raises_invalid_handle_and_nothing_else(spec: PlatformSpec, raw: str) -> None:
    try:
        normalised = normalise(spec, raw)
    except InvalidHandleError as error:
        assert error.reason in REASONS
        assert (error.platform, error.example) == (spec.display_name, spec.example)
        return
    check_accepted(spec, normalised)


def plausible(spec: PlatformSpec) -> st.SearchStrategy[str]:
    """Text that is often a valid handle on ``spec``, wrapped in the forms people paste."""
    name = st.from_regex(r"[a-z][a-z0-9_]{3,12}", fullmatch=True)
    host = spec.url_hosts[0] if spec.url_hosts else "mastodon.social"
    cores = {
        "bluesky": name.map(lambda n: f"{n}.bsky.social"),
        "mastodon": name.map(lambda n: f"{n}@fosstodon.org"),
        "youtube": st.one_of(name, st.text(alphabet="テスト漢字abc·", min_size=3, max_size=10)),
        "rednote": st.one_of(name, st.from_regex(r"[0-9a-f]{24}", fullmatch=True)),
    }
    path = {
        "bluesky": "/profile/",
        "mastodon": "/@",
        "rednote": "/user/profile/",
        "tiktok": "/@",
        "threads": "/@",
        "lemon8": "/@",
    }.get(spec.key, "/")
    core = cores.get(spec.key, name)
    forms = st.sampled_from(
        ["{}", "@{}", " {} ", "https://www.{h}{p}{}", "{h}{p}{}?x=1", "http://m.{h}{p}{}/#a"]
    )
    return st.tuples(forms, core).map(
        lambda pair: pair[0].replace("{h}", host).replace("{p}", path).replace("{}", pair[1])
    )


@settings(max_examples=400, deadline=None)
@given(data=st.data(), spec=st.sampled_from(SPECS))
def test_plausible_handles_give_idempotent_results_and_safe_links(
    data: st.DataObject, spec: PlatformSpec
) -> None:
    raw = data.draw(plausible(spec))
    try:
        normalised = normalise(spec, raw)
    except InvalidHandleError as error:
        assert error.reason in REASONS
        return
    check_accepted(spec, normalised)


@settings(max_examples=200, deadline=None)
@given(spec=st.sampled_from(SPECS), handle=anything)
def test_profile_url_never_raises_and_is_always_https(spec: PlatformSpec, handle: str) -> None:
    url = profile_url(spec, handle)
    assert url is None or (url.startswith("https://") and url.isascii())


@settings(max_examples=200, deadline=None)
@given(name=anything)
def test_resolve_raises_only_unknown_platform(name: str) -> None:
    try:
        Catalogue.builtin().resolve(name)
    except Exception as error:  # noqa: BLE001 - the property is about which exception
        assert type(error).__name__ == "UnknownPlatformError"
    assert isinstance(Catalogue.builtin().suggest(name), list)
