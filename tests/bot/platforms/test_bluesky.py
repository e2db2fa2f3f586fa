"""Bluesky: domain handles under DNS rules, DIDs, and bsky.app profile links."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.platforms import Reason
from bot.platforms.domains import domain_problem
from tests.bot.platforms.helpers import accepts, rejects

PLC = "did:plc:ewvi7nxzyoun6zhxrhs64oiz"
LONGEST = ".".join(["a" * 63, "b" * 63, "c" * 63, "d" * 61])  # 253 characters
PROFILE = "https://bsky.app/profile/"

ACCEPTED = [
    ("alice.bsky.social", "alice.bsky.social"),
    ("@alice.bsky.social", "alice.bsky.social"),
    ("Alice.BSKY.social", "alice.bsky.social"),
    ("https://bsky.app/profile/alice.bsky.social", "alice.bsky.social"),
    ("bsky.app/profile/Alice.bsky.social/", "alice.bsky.social"),
    ("https://bsky.app/profile/alice.bsky.social?ref=share#top", "alice.bsky.social"),
    ("bsky.app", "bsky.app"),  # a real handle, even though it is also the site
    ("a.co", "a.co"),
    ("xn--mnchen-3ya.de", "xn--mnchen-3ya.de"),  # IDN in punycode
    ("my-name.example.com", "my-name.example.com"),
    (LONGEST, LONGEST),
    (PLC, PLC),
    (PLC.upper(), PLC),  # did:plc is lower-case base32, so this is the only DID it can mean
    (f"https://bsky.app/profile/{PLC}", PLC),
    ("did:web:example.com", "did:web:example.com"),
]


@pytest.mark.parametrize(("raw", "handle"), ACCEPTED)
def test_accepted(raw: str, handle: str) -> None:
    normalised = accepts("bluesky", raw, handle, PROFILE + handle)
    assert normalised.key == handle


REJECTED = [
    ("alice", Reason.MISSING_DOMAIN),  # the example (alice.bsky.social) is the hint
    ("@@alice", Reason.INVALID_FORMAT),
    ("@@alice.bsky.social", Reason.INVALID_FORMAT),
    ("alice.bsky.social.", Reason.INVALID_FORMAT),
    (".alice.bsky.social", Reason.INVALID_FORMAT),
    ("john..test", Reason.INVALID_FORMAT),
    ("-alice.bsky.social", Reason.INVALID_FORMAT),
    ("alice-.bsky.social", Reason.INVALID_FORMAT),
    ("alice.123", Reason.INVALID_FORMAT),  # a TLD may not start with a digit
    ("a" * 64 + ".com", Reason.INVALID_FORMAT),  # label over 63
    ("alice_b.bsky.social", Reason.INVALID_FORMAT),
    ("\U0001f4a9.test", Reason.NOT_ASCII),
    ("m\u00fcnchen.de", Reason.NOT_ASCII),  # Unicode IDN: give the xn-- form
    ("p\u0430ypal.bsky.social", Reason.MIXED_SCRIPT),
    ("laptop.local", Reason.RESERVED_DOMAIN),
    ("x.onion", Reason.RESERVED_DOMAIN),
    ("handle.invalid", Reason.RESERVED_DOMAIN),
    ("a.alt", Reason.RESERVED_DOMAIN),
    ("b.arpa", Reason.RESERVED_DOMAIN),
    ("c.example", Reason.RESERVED_DOMAIN),
    ("d.internal", Reason.RESERVED_DOMAIN),
    ("e.localhost", Reason.RESERVED_DOMAIN),
    ("localhost", Reason.RESERVED_DOMAIN),
    ("10.0.0.1", Reason.IP_ADDRESS),
    ("alice.bsky.social:443", Reason.PORT_NOT_ALLOWED),
    ("a" + LONGEST, Reason.TOO_LONG),  # 254
    ("did:plc:abc", Reason.BAD_DID),
    ("did:plc:" + "1" * 24, Reason.BAD_DID),  # 1 is not base32
    ("did:plc:" + "a" * 25, Reason.BAD_DID),
    ("did:web:example.com%3A8080", Reason.BAD_DID),  # a port
    ("did:web:example.com:user:alice", Reason.BAD_DID),  # a path
    ("did:web:localhost", Reason.BAD_DID),
    ("did:key:z6MkhaXgBZDvotDkL5257faiztiGiC2QtKLGpbnnEGta2doK", Reason.BAD_DID),
    ("https://bsky.app/profile/alice.bsky.social/post/3k2yihcrp6f2c", Reason.NOT_PROFILE_URL),
    ("https://bsky.app/search?q=ferry", Reason.NOT_PROFILE_URL),
    ("https://bsky.app/profile/alice", Reason.MISSING_DOMAIN),
    ("https://go.bsky.app/AbCdEf", Reason.SHORT_LINK),
    ("https://staging.bsky.app/profile/alice.bsky.social", Reason.UNSUPPORTED_HOST),
    ("https://bsky.app@evil.com/", Reason.BAD_URL),
    # Punycode is judged by the letters it stands for: "аррӏе.com", all Cyrillic look-alikes of Latin letters
    ("xn--80ak6aa92e.com", Reason.LOOKALIKE_DOMAIN),
    ("alice.xn--80ak6aa92e.com", Reason.LOOKALIKE_DOMAIN),
    ("XN--80AK6AA92E.COM", Reason.LOOKALIKE_DOMAIN),
    ("https://bsky.app/profile/xn--80ak6aa92e.com", Reason.LOOKALIKE_DOMAIN),
    ("xn--pypal-4ve.com", Reason.LOOKALIKE_DOMAIN),  # "pаypal", Latin with one Cyrillic letter
    ("xn--zz.com", Reason.INVALID_FORMAT),  # not punycode at all
]


@pytest.mark.parametrize(("raw", "reason"), REJECTED)
def test_rejected(raw: str, reason: Reason) -> None:
    rejects("bluesky", raw, reason)


@pytest.mark.parametrize(
    "idn",
    [
        "xn--bcher-kva.de",  # "bücher": a real word whose one accented letter imitates nothing
        "alice.xn--e1afmkfd.com",  # "пример": Cyrillic, but mostly letters without a Latin twin
        "xn--fiqs8s.com",  # "中国"
    ],
)
def test_real_internationalised_domains_still_pass(idn: str) -> None:
    accepts("bluesky", idn, idn, f"https://bsky.app/profile/{idn}")


def test_missing_domain_points_at_the_full_handle() -> None:
    error = rejects("bluesky", "alice", Reason.MISSING_DOMAIN)
    assert error.example == "alice.bsky.social"


_LABEL_CHARS = st.one_of(st.characters(min_codepoint=0x80), st.sampled_from("abcxyz019-"))


@given(st.text(alphabet=_LABEL_CHARS, min_size=1, max_size=20))
def test_any_punycode_label_is_judged_without_error(label: str) -> None:
    # Raw punycode, valid IDNA or not: whatever an xn-- label decodes to, the check answers calmly.
    ace = "xn--" + label.encode("punycode").decode("ascii").lower()
    assert domain_problem(f"{ace}.com") in {
        None,
        Reason.LOOKALIKE_DOMAIN,
        Reason.INVALID_FORMAT,
        Reason.TOO_LONG,
    }
