"""evolve(): dataclasses.replace for the core's frozen records, without running __init__."""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime

import pytest

from holdoff.mediate.evolve import evolve
from holdoff.mediate.model import AlertRecord, AlertState

RECORD = AlertRecord("prometheus", "abc", "DiskFull", AlertState.PENDING, 1, labels={"team": "db"})


def test_changes_the_named_fields_and_leaves_the_original_alone() -> None:
    now = datetime(2026, 1, 1, tzinfo=UTC)
    after = evolve(RECORD, state=AlertState.ESCALATED, escalated_at=now)
    assert (after.state, after.escalated_at) == (AlertState.ESCALATED, now)
    assert (RECORD.state, RECORD.escalated_at) == (AlertState.PENDING, None)
    assert after == dataclasses.replace(RECORD, state=AlertState.ESCALATED, escalated_at=now)
    assert after.labels is RECORD.labels  # unchanged fields are shared, as replace shares them


def test_the_result_is_still_frozen() -> None:
    after = evolve(RECORD, occurrence=2)
    with pytest.raises(dataclasses.FrozenInstanceError):
        after.occurrence = 3  # type: ignore[misc]


def test_unknown_fields_are_refused_by_name() -> None:
    with pytest.raises(TypeError, match="AlertRecord has no field\\(s\\) colour, sate"):
        evolve(RECORD, sate=AlertState.RESOLVED, colour="red", occurrence=2)
