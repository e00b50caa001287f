"""An entry runs a series: scores combined, states stored and restored, old points skipped, alerts."""

from __future__ import annotations

import pytest

from holdoff.detectors.config import DetectorEntry, default_entries
from holdoff.detectors.model import Phase
from holdoff.detectors.pipeline import Detection, EntryRunner


def _entry() -> DetectorEntry:
    return DetectorEntry.model_validate(
        {
            "name": "cpu",
            "match": "cpu",
            "detectors": [{"type": "threshold", "value": 90, "for": "20s"}, {"type": "streaming"}],
            "resolve_after": "30s",
        }
    )


def test_a_series_runs_through_its_entry_and_survives_a_restart() -> None:
    runner = EntryRunner(_entry())
    state = runner.new_state("s1")
    opened = []
    for i in range(5):
        point, transition = runner.step(state, 10.0 * i, 95.0)
        assert point is not None and point.learning.phase is Phase.READY
        opened += [transition] if transition else []
    assert len(opened) == 1 and opened[0].starts_at == 20.0 and not opened[0].resolved
    restored = runner.load(runner.dump(state), "s1")
    assert runner.step(restored, 40.0, 95.0) == (None, None)  # at or before the last point: skipped
    closed = [runner.step(restored, 50.0 + 10 * i, 10.0)[1] for i in range(4)]
    assert [c is not None and c.resolved for c in closed] == [False, False, False, True]


def test_the_default_is_the_streaming_detector_on_every_series() -> None:
    detection = Detection(default_entries())
    entry = detection.entry_for("s1", "anything", {"a": "b"})
    assert entry is not None and entry.key == "default" and [d.name for d in entry.detectors] == ["streaming"]
    state = entry.new_state("s1")
    entry.score(state, 0.0, 1.0)
    point = entry.score(state, 10.0, 1.0)
    assert (
        point is not None and point.learning.phase is Phase.WARMING_UP and point.learning.missing_seconds > 0
    )


def test_a_series_no_entry_selects_is_not_scored() -> None:
    assert Detection([_entry()]).entry_for("s2", "memory", {}) is None


def test_a_stored_state_that_does_not_load_is_learned_anew_and_logged(
    caplog: pytest.LogCaptureFixture,
) -> None:
    runner = EntryRunner(_entry())
    state = runner.load(
        {"detectors": {"streaming": {"n": "many"}, "threshold": {"since": 5}}, "last_t": 3}, "s1"
    )
    assert state.last_t == 3.0 and state.detectors[0].since == 5.0
    assert "streaming state unreadable" in caplog.text
    assert runner.step(state, 10.0, 95.0)[0] is not None
