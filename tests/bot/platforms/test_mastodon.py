"""Mastodon: user@server on a public DNS name, in every form people paste."""

from __future__ import annotations

import pytest

from bot.platforms import Reason
from tests.bot.platforms.helpers import accepts, rejects

ACCEPTED = [
    ("alice@mastodon.social", "alice@mastodon.social", "https://mastodon.social/@alice"),
    ("@alice@mastodon.social", "alice@mastodon.social", "https://mastodon.social/@alice"),
    ("@Alice@Mastodon.Social", "alice@mastodon.social", "https://mastodon.social/@alice"),
    ("https://mastodon.social/@alice", "alice@mastodon.social", "https://mastodon.social/@alice"),
    ("mastodon.social/@alice/", "alice@mastodon.social", "https://mastodon.social/@alice"),
    ("https://mastodon.social/@alice?lang=de", "alice@mastodon.social", "https://mastodon.social/@alice"),
    ("https://fosstodon.org/users/bob", "bob@fosstodon.org", "https://fosstodon.org/@bob"),
    # A remote account seen through another server: the account's own server wins.
    ("https://mastodon.social/@bob@fosstodon.org", "bob@fosstodon.org", "https://fosstodon.org/@bob"),
    ("first.last@example.social", "first.last@example.social", "https://example.social/@first.last"),
    ("a" * 30 + "@x.social", "a" * 30 + "@x.social", f"https://x.social/@{'a' * 30}"),
    ("zoe@xn--mnchen-3ya.de", "zoe@xn--mnchen-3ya.de", "https://xn--mnchen-3ya.de/@zoe"),  # "münchen"
]  # fmt: skip


@pytest.mark.parametrize(("raw", "handle", "url"), ACCEPTED)
def test_accepted(raw: str, handle: str, url: str) -> None:
    accepts("mastodon", raw, handle, url)


REJECTED = [
    ("user@localhost", Reason.RESERVED_DOMAIN),
    ("user@laptop.local", Reason.RESERVED_DOMAIN),
    ("user@x.onion", Reason.RESERVED_DOMAIN),
    ("user@10.0.0.1", Reason.IP_ADDRESS),
    ("user@127.0.0.1", Reason.IP_ADDRESS),
    ("user@[::1]", Reason.IP_ADDRESS),
    ("user@[::1]:8080", Reason.IP_ADDRESS),
    ("user@host:8080", Reason.PORT_NOT_ALLOWED),
    ("user@mastodon.social:443", Reason.PORT_NOT_ALLOWED),
    ("@a@b@c", Reason.INVALID_FORMAT),
    ("alice@@mastodon.social", Reason.INVALID_FORMAT),
    ("a" * 31 + "@mastodon.social", Reason.TOO_LONG),
    ("alice", Reason.MISSING_DOMAIN),
    ("alice@intranet", Reason.MISSING_DOMAIN),
    ("alice@", Reason.INVALID_FORMAT),
    ("@mastodon.social", Reason.MISSING_DOMAIN),
    ("al!ce@mastodon.social", Reason.INVALID_FORMAT),
    ("al ice@mastodon.social", Reason.CONTAINS_WHITESPACE),
    ("\u0430lice@mastodon.social", Reason.MIXED_SCRIPT),
    ("alice@mastodon.s\u043ecial", Reason.MIXED_SCRIPT),
    ("alice@mastodon.social.", Reason.INVALID_FORMAT),
    ("https://localhost/@alice", Reason.RESERVED_DOMAIN),
    ("https://127.0.0.1/@alice", Reason.IP_ADDRESS),
    ("https://[::1]/@alice", Reason.IP_ADDRESS),
    ("https://mastodon.social:8443/@alice", Reason.PORT_NOT_ALLOWED),
    ("https://mastodon.social/@alice/111222333444555666", Reason.NOT_PROFILE_URL),
    ("https://mastodon.social/about", Reason.NOT_PROFILE_URL),
    ("https://mastodon.social/@bob@localhost", Reason.RESERVED_DOMAIN),
    ("javascript:alert(1)", Reason.UNSUPPORTED_SCHEME),
    ("a@xn--pypal-4ve.com", Reason.LOOKALIKE_DOMAIN),  # "pаypal.com" with a Cyrillic а
    ("a@xn--80ak6aa92e.com", Reason.LOOKALIKE_DOMAIN),  # "аррӏе.com"
    ("https://xn--80ak6aa92e.com/@alice", Reason.LOOKALIKE_DOMAIN),
    ("https://mastodon.social/@bob@xn--pypal-4ve.com", Reason.LOOKALIKE_DOMAIN),
]


@pytest.mark.parametrize(("raw", "reason"), REJECTED)
def test_rejected(raw: str, reason: Reason) -> None:
    rejects("mastodon", raw, reason)
