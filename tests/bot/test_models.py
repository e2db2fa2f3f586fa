"""Values the services hand to every front."""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime

import pytest

from bot.models import (
    DirectoryPage,
    Entry,
    Registration,
    RegistrationOutcome,
    Source,
    Verification,
    Visibility,
)


def entry(handle: str) -> Entry:
    now = datetime(2025, 1, 1, tzinfo=UTC)
    return Entry(
        id=1,
        community="demo",
        member_id=1,
        member_name="Alice",
        platform="lemon8",
        handle=handle,
        visibility=Visibility.PUBLIC,
        verification=Verification.SELF_REPORTED,
        source=Source.CONSOLE,
        created_at=now,
        updated_at=now,
    )


@pytest.mark.parametrize(
    ("previous", "created", "outcome"),
    [
        (None, True, RegistrationOutcome.ADDED),
        (None, False, RegistrationOutcome.UNCHANGED),
        ("cook", False, RegistrationOutcome.UNCHANGED),
        ("chef", False, RegistrationOutcome.REPLACED),
    ],
)
def test_a_registration_decides_its_outcome_once(
    previous: str | None, created: bool, outcome: RegistrationOutcome
) -> None:
    registration = Registration(entry=entry("cook"), previous_handle=previous, created=created)
    assert registration.outcome is outcome


def test_linking_an_entry_keeps_every_other_field() -> None:
    """``Entry.linked`` spells its fields out: a field added to Entry and forgotten there fails here."""
    for field in dataclasses.fields(Entry):
        if field.name == "profile_url":
            continue
        marked = dataclasses.replace(entry("cook"))
        marker = object()
        object.__setattr__(marked, field.name, marker)  # a value no default could equal
        assert getattr(marked.linked("https://x.example/cook"), field.name) is marker, field.name
    linked = entry("cook").linked("https://www.lemon8-app.com/@cook")
    assert linked == dataclasses.replace(entry("cook"), profile_url="https://www.lemon8-app.com/@cook")


def test_verification_levels_rank_self_reported_below_proven_below_admin_verified() -> None:
    low, mid, high = Verification.SELF_REPORTED, Verification.BLUESKY_PROVEN, Verification.ADMIN_VERIFIED
    assert high.outranks(mid) and mid.outranks(low) and high.outranks(low)
    assert not low.outranks(mid) and not mid.outranks(high) and not mid.outranks(mid)


@pytest.mark.parametrize(("total", "pages"), [(0, 1), (1, 1), (10, 1), (11, 2), (25, 3), (None, None)])
def test_a_page_counts_the_pages_its_matches_fill(total: int | None, pages: int | None) -> None:
    page = DirectoryPage(entries=(), next_cursor=None, prev_cursor=None, total=total)
    assert page.page_count(10) == pages
