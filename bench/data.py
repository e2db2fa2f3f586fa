"""Synthetic directory data: seeded rows, and the registrations the benchmark makes.

Everything is deterministic for a given seed. Handles are canonical by construction (lower-case, in
each platform's pattern, made unique by a serial number after a random stem, so sort order is not
id order); ``bench.seed`` checks a sample of them against the real normaliser before timing.
"""

from __future__ import annotations

import bisect
import itertools
import random
import string
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from bot.models import Identity, IdentityKind, Source, Verification, Visibility

COMMUNITY = "bench"
SERVICE_SERIALS = 30_000_000  # serial ranges of the registrations, far above any seeded serial
RAW_SERIALS = 40_000_000
MEMORY_SERIALS = 50_000_000
_SNOWFLAKE_BASE = 700_000_000_000_000_000
_EPOCH = datetime(2025, 1, 1, tzinfo=UTC)

# Relative frequency of each built-in platform; members hold one to three of them.
PLATFORM_WEIGHTS: tuple[tuple[str, int], ...] = (
    ("rednote", 20),
    ("bluesky", 16),
    ("instagram", 14),
    ("lemon8", 10),
    ("tiktok", 9),
    ("x", 8),
    ("youtube", 8),
    ("threads", 6),
    ("mastodon", 5),
    ("facebook", 3),
    ("twitch", 1),
)
_PLATFORMS = tuple(name for name, _ in PLATFORM_WEIGHTS)
_PLATFORM_CUM = tuple(itertools.accumulate(weight for _, weight in PLATFORM_WEIGHTS))
HIDDEN_SHARE = 0.03
BANNED_SHARE = 0.003

_SYLLABLES = (
    "mei", "lin", "sun", "ny", "bake", "ko", "ra", "yu", "chen", "wa", "li", "xiao", "hong", "ta",
    "ro", "ki", "mo", "zen", "ai", "jo", "ka", "sa", "to", "shu", "qi", "fan", "le", "mon", "dai",
    "bo", "nova", "pix", "luna", "tea", "cat", "owl", "fox", "dream", "art", "cook", "run", "vibe",
)  # fmt: skip
_FIRST = (
    "Alice", "Bruno", "Chloé", "Daniel", "Elif", "Farah", "Gabriel", "Hana", "Isaac", "Jia", "Kofi",
    "Léa", "Mateo", "Nadia", "Omar", "Priya", "Quinn", "Rosa", "Sven", "Tomás", "Uma", "Viktor",
)  # fmt: skip
_LAST = ("Chen", "Okafor", "Müller", "Silva", "Nguyen", "Kowalski", "García", "Haddad", "Tanaka", "Smith")
_CJK_FAMILY = "王李张刘陈杨黄赵周吴徐孙马朱胡郭何林高罗"
_CJK_GIVEN = "伟芳娜秀敏静丽强磊军洋勇艳杰娟涛明超霞平刚英华玉兰萍红晨曦"
_KANA = ("さくら", "はると", "ゆい", "そうた", "ひなた", "あおい", "りく", "めい")
_HANGUL = ("김민준", "이서연", "박지호", "최수아", "정하은", "강도윤")
_EMOJI = ("🌸", "🍋", "☁️", "🐈", "✨", "🎧", "🧋")
_MASTODON = ("mastodon.social", "fosstodon.org", "mas.to", "hachyderm.io", "mstdn.jp", "tech.lgbt")
_BASE32 = "abcdefghijklmnopqrstuvwxyz234567"
_B36 = string.digits + string.ascii_lowercase
_CHANNEL = string.ascii_letters + string.digits + "-_"


@dataclass(frozen=True, slots=True)
class NewRegistration:
    """One registration by a person the directory has never seen.

    ``typed`` is what they typed (a link, ``@name``, odd case...); ``handle``/``key`` are what the
    normaliser makes of it, precomputed so that the raw-SQL path does no normalisation at all.
    """

    identity: Identity
    display_name: str
    platform: str
    typed: str
    handle: str
    key: str


def base36(n: int) -> str:
    digits = ""
    while True:
        n, rest = divmod(n, 36)
        digits = _B36[rest] + digits
        if not n:
            return digits


def _stem(rng: random.Random, limit: int) -> str:
    stem = "".join(rng.choice(_SYLLABLES) for _ in range(rng.choice((1, 2, 2, 3))))
    return stem[:limit]


def canonical_handle(platform: str, serial: int, rng: random.Random) -> str:
    """A canonical handle on ``platform`` that no other serial gets."""
    tag = base36(serial)
    sep = rng.choice(("", ".", "_"))
    if platform == "rednote":
        roll = rng.random()
        if roll < 0.15:  # the 24-hex user id from a profile link
            return f"{rng.getrandbits(48):012x}{serial:012x}"
        if roll < 0.55:  # an all-digit RED ID
            return f"{rng.randrange(1, 10)}{serial:08d}"
        return f"{_stem(rng, 12)}_{tag}"
    if platform == "bluesky":
        roll = rng.random()
        if roll < 0.03:
            return "did:plc:" + _did_body(serial)
        if roll < 0.18:
            return f"{_stem(rng, 20)}-{tag}.{rng.choice(('com', 'net', 'dev', 'art'))}"
        return f"{_stem(rng, 20)}{tag}.bsky.social"
    if platform == "youtube":
        roll = rng.random()
        if roll < 0.04:
            body = tag.rjust(10, "0") + "".join(rng.choice(_CHANNEL) for _ in range(12))
            return "UC" + body
        if roll < 0.12:  # a Chinese-script handle; digits are script-neutral
            return "@" + "".join(rng.choice(_CJK_GIVEN) for _ in range(2)) + str(serial)
        return f"@{_stem(rng, 20)}{sep.replace('_', '-')}{tag}"
    if platform == "x":
        return f"{_stem(rng, 9)}_{tag}"
    if platform == "mastodon":
        return f"{_stem(rng, 20)}{sep}{tag}@{rng.choice(_MASTODON)}"
    if platform == "facebook":
        return f"{_stem(rng, 20)}.{tag}".rjust(5, "0")
    if platform == "twitch":
        return f"{_stem(rng, 18)}_{tag}".ljust(4, "0")
    limit = 24 if platform in ("tiktok", "lemon8") else 30  # tiktok, lemon8, instagram, threads
    return f"{_stem(rng, limit - len(tag) - 1)}{sep}{tag}"


def _did_body(serial: int) -> str:
    body = ""
    for _ in range(24):
        serial, rest = divmod(serial, 32)
        body = _BASE32[rest] + body
    return body


def display_name(rng: random.Random) -> str:
    """A mix of Latin, Chinese, Japanese and Korean names, some with an emoji."""
    roll = rng.random()
    if roll < 0.50:
        name = f"{rng.choice(_FIRST)} {rng.choice(_LAST)}"
    elif roll < 0.80:
        given = "".join(rng.choice(_CJK_GIVEN) for _ in range(rng.choice((1, 2))))
        name = rng.choice(_CJK_FAMILY) + given
    elif roll < 0.88:
        name = rng.choice(_KANA)
    elif roll < 0.93:
        name = rng.choice(_HANGUL)
    else:
        name = f"{rng.choice(_FIRST)} {rng.choice(_CJK_FAMILY)}"
    return f"{name} {rng.choice(_EMOJI)}" if rng.random() < 0.08 else name


def identity_for(serial: int, rng: random.Random) -> Identity:
    roll = rng.random()
    if roll < 0.92:
        return Identity(IdentityKind.DISCORD, str(_SNOWFLAKE_BASE + serial))
    if roll < 0.98:
        return Identity(IdentityKind.BLUESKY, "did:plc:" + _did_body(serial))
    return Identity(IdentityKind.CONSOLE, f"op-{base36(serial)}")


def _pick(rng: random.Random, options: tuple[Any, ...], cum: tuple[float, ...]) -> Any:
    # bisect over cumulative weights: several times cheaper than rng.choices for one draw
    return options[bisect.bisect(cum, rng.random() * cum[-1])]


_VIS = (Visibility.COMMUNITY.value, Visibility.PUBLIC.value)
_VIS_CUM = (0.75, 1.0)
_VER = tuple(level.value for level in Verification)
_VER_CUM = (0.90, 0.98, 1.0)
_SRC = (Source.DISCORD.value, Source.BLUESKY.value, Source.CONSOLE.value, Source.IMPORT.value)
_SRC_CUM = (0.80, 0.90, 0.95, 1.0)


@dataclass(slots=True)
class SeedBatch:
    """Rows for one executemany per table, with explicit ids."""

    members: list[dict[str, Any]]
    identities: list[dict[str, Any]]
    entries: list[dict[str, Any]]


def seed_batches(total_entries: int, batch_entries: int, seed: int = 1) -> Iterator[SeedBatch]:
    """Members with one to three handles each until ``total_entries`` handles exist."""
    rng = random.Random(seed)
    member_id = entry_id = 0
    batch = SeedBatch([], [], [])
    span = timedelta(days=120) / max(total_entries, 1)
    while entry_id < total_entries:
        member_id += 1
        created = _EPOCH + span * entry_id
        batch.members.append(
            {
                "id": member_id,
                "community": COMMUNITY,
                "display_name": display_name(rng),
                "hidden": rng.random() < HIDDEN_SHARE,
                "banned": rng.random() < BANNED_SHARE,
                "created_at": created,
                "updated_at": created,
            }
        )
        identity = identity_for(member_id, rng)
        batch.identities.append(_identity_row(identity, member_id))
        if identity.kind is IdentityKind.DISCORD and rng.random() < 0.04:  # also proved a Bluesky DID
            batch.identities.append(
                _identity_row(Identity(IdentityKind.BLUESKY, "did:plc:" + _did_body(member_id)), member_id)
            )
        count = min(_pick(rng, (1, 2, 3), (0.55, 0.85, 1.0)), total_entries - entry_id)
        for platform in _distinct_platforms(rng, count):
            entry_id += 1
            handle = canonical_handle(platform, entry_id, rng)
            batch.entries.append(
                {
                    "id": entry_id,
                    "member_id": member_id,
                    "community": COMMUNITY,
                    "platform": platform,
                    "handle": handle,
                    "handle_key": handle,  # canonical ASCII or CJK: NFKC and casefold leave it alone
                    "visibility": _pick(rng, _VIS, _VIS_CUM),
                    "verification": _pick(rng, _VER, _VER_CUM),
                    "source": _pick(rng, _SRC, _SRC_CUM),
                    "created_at": created,
                    "updated_at": created,
                }
            )
        if len(batch.entries) >= batch_entries:
            yield batch
            batch = SeedBatch([], [], [])
    if batch.members:
        yield batch


def _identity_row(identity: Identity, member_id: int) -> dict[str, Any]:
    return {
        "community": COMMUNITY,
        "kind": identity.kind.value,
        "external_id": identity.external_id,
        "member_id": member_id,
    }


def _distinct_platforms(rng: random.Random, count: int) -> list[str]:
    chosen: list[str] = []
    while len(chosen) < count:
        platform = _pick(rng, _PLATFORMS, _PLATFORM_CUM)
        if platform not in chosen:
            chosen.append(platform)
    return chosen


def typed_form(handle: str, rng: random.Random, link: str | None) -> str:
    """How a person might type ``handle``: as is, with ``@``, in other case, or as a profile link."""
    roll = rng.random()
    if roll < 0.25 and link is not None:
        return link
    if roll < 0.45 and not handle.startswith(("@", "did:", "UC")):
        return "@" + handle
    if roll < 0.60 and not handle.startswith("UC"):
        return handle.upper() if rng.random() < 0.5 else handle.title()
    if roll < 0.70:
        return f"  {handle} "
    return handle


def registrations(
    count: int, first_serial: int, seed: int, link_for: Callable[[str, str], str | None]
) -> list[NewRegistration]:
    """``count`` newcomers, each registering one handle; ``link_for(platform, handle)`` gives a link."""
    rng = random.Random(seed)
    made = []
    for serial in range(first_serial, first_serial + count):
        platform = _pick(rng, _PLATFORMS, _PLATFORM_CUM)
        handle = canonical_handle(platform, serial, rng)
        made.append(
            NewRegistration(
                identity=identity_for(serial, rng),
                display_name=display_name(rng),
                platform=platform,
                typed=typed_form(handle, rng, link_for(platform, handle)),
                handle=handle,
                key=handle,
            )
        )
    return made
