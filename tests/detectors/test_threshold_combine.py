"""Thresholds held for a duration, the combined score and learning state, and the alert rule."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from pydantic import ValidationError

from holdoff.detectors.alerting import AlertSpec, AlertState, Rule, SeriesInfo, event, step, title
from holdoff.detectors.combine import Combined, combine
from holdoff.detectors.config import DetectorEntry, check_entries, entry_for
from holdoff.detectors.model import READY, Learning, Phase, Scored
from holdoff.detectors.selector import SelectorError, parse_selector, parse_series
from holdoff.detectors.threshold import ThresholdConfig
from holdoff.mediate.model import Action


def test_threshold_scores_one_only_once_the_condition_held_for_its_duration() -> None:
    detector = ThresholdConfig.model_validate({"op": ">", "value": 90, "for": "5m"}).build()
    state = detector.new_state()
    scores = [detector.score(state, t, v).score for t, v in [(0, 95), (120, 96), (299, 97), (300, 98)]]
    assert scores == [0.0, 0.0, 0.0, 1.0]
    assert detector.score(state, 310, 50).score == 0.0  # the count starts again
    assert detector.score(state, 320, 99).score == 0.0
    again = detector.load(detector.dump(state))
    assert detector.score(again, 620, 99).score == 1.0
    assert "value 99 > 90 for 5m" in detector.score(again, 620.5, 99).reason


@pytest.mark.parametrize(
    ("op", "value", "hit"), [(">=", 10, 1.0), ("<", 10, 0.0), ("<=", 10, 1.0), (">", 10, 0.0)]
)
def test_threshold_operators(op: str, value: float, hit: float) -> None:
    detector = ThresholdConfig.model_validate({"op": op, "value": value}).build()
    assert detector.score(detector.new_state(), 0, 10).score == hit


def _s(score: float, phase: Phase = Phase.READY, missing: float = 0.0, reason: str = "") -> Scored:
    return Scored(0, 1.0, score, Learning(phase, missing, "n") if phase is not Phase.READY else READY, reason)


def test_combined_score_is_the_highest_of_the_detectors_not_warming_up() -> None:
    got = combine(
        0, 1.0, [("a", _s(0.3, reason="a")), ("b", _s(0.9, Phase.WARMING_UP, 60)), ("c", _s(0.7, reason="c"))]
    )
    assert got.score == 0.7
    assert got.learning.phase is Phase.READY
    assert got.reasons == ("c: c", "a: a")


def test_warming_up_while_every_detector_is_with_the_shortest_missing_history() -> None:
    got = combine(0, 1.0, [("a", _s(0.9, Phase.WARMING_UP, 600)), ("b", _s(0.9, Phase.WARMING_UP, 60))])
    assert (got.score, got.learning.phase, got.learning.missing_seconds) == (0.0, Phase.WARMING_UP, 60)


def test_low_confidence_only_when_every_counted_detector_is() -> None:
    low = combine(0, 1.0, [("a", _s(0.6, Phase.LOW_CONFIDENCE)), ("b", _s(0.1, Phase.WARMING_UP, 5))])
    assert low.learning.phase is Phase.LOW_CONFIDENCE
    mixed = combine(0, 1.0, [("a", _s(0.6, Phase.LOW_CONFIDENCE)), ("b", _s(0.1))])
    assert mixed.learning.phase is Phase.READY


def _point(t: float, score: float, phase: Phase = Phase.READY) -> Combined:
    return Combined(t, 100.0 * score, score, Learning(phase), ("x: why",))


def test_alert_opens_after_for_and_resolves_after_resolve_after_below() -> None:
    rule, state = Rule(threshold=0.5, hold_seconds=20, resolve_seconds=30), AlertState()
    got = [step(state, _point(t, s), rule) for t, s in [(0, 0.9), (10, 0.9), (20, 0.8), (30, 0.9)]]
    assert [g is not None for g in got] == [False, False, True, False]
    assert got[2] is not None and got[2].starts_at == 0 and not got[2].resolved
    later = [
        step(state, _point(t, s), rule) for t, s in [(40, 0.1), (50, 0.9), (60, 0.1), (80, 0.2), (90, 0.1)]
    ]
    assert [g is not None for g in later] == [False, False, False, False, True]
    done = later[-1]
    assert done is not None and done.resolved and done.starts_at == 0 and done.peak == 0.9
    restored = AlertState.load(state.dump())
    assert restored.open_since is None


def test_a_series_warming_up_never_opens_an_alert() -> None:
    state = AlertState()
    assert all(step(state, _point(t, 1.0, Phase.WARMING_UP), Rule()) is None for t in range(10))


def test_alert_event_names_the_series_and_carries_score_threshold_and_learning_state() -> None:
    rule, state = Rule(), AlertState()
    low = Combined(5, 97.0, 0.8, Learning(Phase.LOW_CONFIDENCE, 0, "irregular"), ("streaming: above band",))
    transition = step(state, low, rule)
    assert transition is not None
    series = SeriesInfo("abc", "cpu_usage", {"host": "web-1", "service": "shop"})
    made = event(transition, series, AlertSpec("cpu", 0.5))
    assert made.name == "Anomaly in cpu_usage on web-1"
    assert made.source == "metrics" and made.fingerprint == "cpu:abc" and made.action is Action.TRIGGERED
    assert made.labels["metric"] == "cpu_usage" and made.labels["service"] == "shop"
    assert made.annotations["learning_state"] == "low_confidence"
    assert made.annotations["threshold"] == "0.5" and made.annotations["score"] == "0.800"
    assert "above band" in made.annotations["description"]
    assert made.starts_at == datetime.fromtimestamp(5, UTC)
    assert title(SeriesInfo("x", "q", {"a": "1"})) == "Anomaly in q (a=1)"


def test_selectors_read_like_promql() -> None:
    selector = parse_selector('cpu_usage{host=~"web-.*", env!="dev"}')
    assert selector.matches("cpu_usage", {"host": "web-1", "env": "prod"})
    assert not selector.matches("cpu_usage", {"host": "db-1"})
    assert not selector.matches("mem", {"host": "web-1"})
    assert parse_selector('{__name__=~"node_.*"}').matches("node_load1", {})
    assert parse_selector("").matches("anything", {"a": "b"})
    assert parse_series('cpu{host="a"}') == ("cpu", {"host": "a"})
    with pytest.raises(SelectorError):
        parse_selector("cpu usage")


def test_entries_pick_the_first_match_and_check_names() -> None:
    entries = [
        DetectorEntry.model_validate(
            {"name": "cpu", "match": "cpu", "detectors": [{"type": "threshold", "value": 1}]}
        ),
        DetectorEntry.model_validate({"match": "", "detectors": [{"type": "threshold", "value": 2}]}),
    ]
    assert entry_for(entries, "cpu", {}) is entries[0]
    assert entry_for(entries, "mem", {}) is entries[1]
    assert entries[1].key == "default"
    with pytest.raises(ValueError, match="named 'cpu'"):
        check_entries([entries[0], entries[0]])
    with pytest.raises(ValidationError, match="two detectors"):
        DetectorEntry.model_validate({"detectors": [{"type": "threshold", "value": 1}] * 2})
    with pytest.raises(ValidationError):
        DetectorEntry.model_validate({"match": "a b", "detectors": [{"type": "threshold", "value": 1}]})


def test_the_resolve_event_ends_the_occurrence_it_opened() -> None:
    rule, state = Rule(resolve_seconds=60), AlertState()
    opened = step(state, _point(100, 0.9), rule)
    assert step(state, _point(110, 0.1), rule) is None
    resolved = step(state, _point(170, 0.1), rule)
    assert opened is not None and resolved is not None
    series, spec = SeriesInfo("abc", "cpu", {"instance": "h:9100"}), AlertSpec("e", 0.5)
    first, last = event(opened, series, spec), event(resolved, series, spec)
    assert first.starts_at == last.starts_at == datetime.fromtimestamp(100, UTC)
    assert last.action is Action.RESOLVED and last.ends_at == datetime.fromtimestamp(170, UTC)
    assert last.fingerprint == first.fingerprint and first.name == "Anomaly in cpu on h:9100"
    assert "resolved 1m 10s after the anomaly began" in last.annotations["summary"]
