"""Values the services hand to every front."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from bot.models import Entry, Registration, RegistrationOutcome, Source, Verification, Visibility


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
