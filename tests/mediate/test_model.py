"""The core's records: the hand-written constructors of the per-event records match their fields."""

from __future__ import annotations

import dataclasses
import inspect

import pytest

from holdoff.mediate.model import Action, AlertRecord, AlertState, Outcome, TimelineEntry


@pytest.mark.parametrize("cls", [TimelineEntry, Outcome])
def test_constructor_takes_exactly_the_fields_in_order_with_their_defaults(cls: type) -> None:
    parameters = list(inspect.signature(cls).parameters.values())
    fields = dataclasses.fields(cls)
    assert [p.name for p in parameters] == [f.name for f in fields]
    for parameter, field in zip(parameters, fields, strict=True):
        expected = inspect.Parameter.empty if field.default is dataclasses.MISSING else field.default
        assert parameter.default == expected, field.name


def test_constructed_records_are_frozen_equal_by_value_and_complete() -> None:
    record = AlertRecord("prometheus", "abc", "DiskFull", AlertState.PENDING, 1)
    entry = TimelineEntry(Action.TRIGGERED, "Triggered", None, AlertState.PENDING, 1)
    outcome = Outcome(record, (), entry, changed=True)
    assert outcome == Outcome(
        record, (), TimelineEntry(Action.TRIGGERED, "Triggered", None, AlertState.PENDING, 1), True
    )
    assert (outcome.noteworthy, outcome.held) == (False, None)
    assert dataclasses.asdict(entry) == {
        "action": Action.TRIGGERED,
        "summary": "Triggered",
        "state_before": None,
        "state_after": AlertState.PENDING,
        "occurrence": 1,
    }
    with pytest.raises(dataclasses.FrozenInstanceError):
        outcome.changed = False  # type: ignore[misc]
    with pytest.raises(dataclasses.FrozenInstanceError):
        entry.summary = "changed"  # type: ignore[misc]
    assert hash(entry) == hash(TimelineEntry(Action.TRIGGERED, "Triggered", None, AlertState.PENDING, 1))
