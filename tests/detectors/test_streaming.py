"""The streaming detector on synthetic series: spikes, daily seasonality, level shifts, warm-up, state."""

from __future__ import annotations

import json
import math
import random

import pytest
from pydantic import ValidationError

from holdoff.detectors.model import Phase, SeriesDetector
from holdoff.detectors.streaming import StreamingConfig, StreamingDetector

START = 1_700_000_000.0 - 1_700_000_000.0 % 86400  # a midnight UTC
THRESHOLD = StreamingConfig().threshold


def noisy(
    count: int, step: float = 60.0, seed: int = 1, level: float = 50.0
) -> tuple[list[float], list[float]]:
    rng = random.Random(seed)
    return [START + i * step for i in range(count)], [level + rng.gauss(0, 1) for _ in range(count)]


def test_is_a_series_detector_built_from_its_config() -> None:
    detector: SeriesDetector = StreamingConfig.model_validate({"type": "streaming", "name": "cpu"}).build()
    assert detector.name == "cpu"
    with pytest.raises(ValidationError):
        StreamingConfig.model_validate({"type": "streaming", "warmup": 3})


def test_a_spike_after_warm_up_scores_high_and_normal_points_low() -> None:
    detector = StreamingDetector()
    times, values = noisy(600)
    state = detector.new_state()
    normal = detector.score_many(state, times, values)
    assert max(normal[200:]) < THRESHOLD
    spike = detector.score(state, times[-1] + 60, 50 + 12.0)
    assert spike.score >= THRESHOLD
    assert spike.learning.phase is Phase.READY
    assert "above" in spike.reason
    calm = detector.score(state, times[-1] + 120, 50.2)
    assert calm.score < THRESHOLD


def test_the_daily_peak_is_not_scored_high_after_a_few_days() -> None:
    rng = random.Random(2)
    step = 300.0
    count = int(7 * 86400 / step)
    times = [START + i * step for i in range(count)]
    values = [
        100 + 40 * max(0.0, math.sin(2 * math.pi * (t % 86400) / 86400)) ** 4 + rng.gauss(0, 1) for t in times
    ]
    detector = StreamingDetector()
    state = detector.new_state()
    scores = detector.score_many(state, times, values)
    after_three_days = int(3 * 86400 / step)
    assert max(scores[after_three_days:]) < THRESHOLD
    assert state.model == 1  # the daily profile predicts
    # Far above even the peak, off-peak (half an hour at 3 o'clock at night), is anomalous.
    night = START + 7 * 86400 + 3 * 3600
    assert max(detector.score(state, night + i * step, 200.0).score for i in range(6)) >= THRESHOLD


def test_a_level_shift_is_learned_and_stops_scoring() -> None:
    detector = StreamingDetector()
    times, values = noisy(900)
    values = [v + (30.0 if i >= 500 else 0.0) for i, v in enumerate(values)]
    scores = detector.score_many(detector.new_state(), times, values)
    assert max(scores[500:505]) >= THRESHOLD
    assert max(scores[560:]) < THRESHOLD


def test_warming_up_reports_the_missing_history() -> None:
    detector = StreamingDetector(StreamingConfig(warmup_points=100))
    times, values = noisy(40, step=30.0)
    state = detector.new_state()
    detector.score_many(state, times[:-1], values[:-1])
    last = detector.score(state, times[-1], values[-1])
    assert last.learning.phase is Phase.WARMING_UP
    assert last.learning.missing_seconds == pytest.approx(60 * 30.0)
    assert last.score == 0.0
    assert "40 of 100" in last.reason


def test_dump_and_load_give_the_same_next_scores() -> None:
    detector = StreamingDetector()
    times, values = noisy(700, step=600.0, seed=3)
    values[650] += 15
    state = detector.new_state()
    detector.score_many(state, times[:400], values[:400])
    copy = detector.load(json.loads(json.dumps(detector.dump(state))))
    assert detector.score_many(copy, times[400:], values[400:]) == detector.score_many(
        state, times[400:], values[400:]
    )


def test_irregular_timestamps() -> None:
    rng = random.Random(4)
    times: list[float] = []
    t = START
    for _ in range(800):
        t += rng.uniform(5, 120)
        times.append(t)
    values = [20 + rng.gauss(0, 0.5) for _ in times]
    values[700] = 30.0
    detector = StreamingDetector()
    scores = detector.score_many(detector.new_state(), times, values)
    assert scores[700] >= THRESHOLD
    assert max(scores[200:700]) < THRESHOLD


def test_score_many_gives_the_numbers_of_score() -> None:
    detector = StreamingDetector()
    times, values = noisy(400, seed=5)
    values[300] += 9
    one_by_one = detector.new_state()
    singles = [detector.score(one_by_one, t, v).score for t, v in zip(times, values, strict=True)]
    assert detector.score_many(detector.new_state(), times, values) == singles
    assert all(0.0 <= score <= 1.0 for score in singles)


def test_one_event_gives_one_alert() -> None:
    detector = StreamingDetector()
    times, values = noisy(900)
    for i in range(600, 640, 4):  # ten spikes in a row, a few points apart
        values[i] += 15
    scores = detector.score_many(detector.new_state(), times, values)
    assert max(scores[200:600]) < THRESHOLD
    assert [i for i, score in enumerate(scores) if score >= THRESHOLD] == [600]


def test_heavy_tailed_errors_are_low_confidence() -> None:
    rng = random.Random(7)
    times = [START + i * 60.0 for i in range(1500)]
    values = [0.0 if rng.random() < 0.9 else rng.expovariate(0.01) for _ in times]  # idle, with bursts
    detector = StreamingDetector()
    state = detector.new_state()
    detector.score_many(state, times, values)
    learning = detector.learning(state)
    assert learning.phase is Phase.LOW_CONFIDENCE
    assert "heavy-tailed" in learning.note


def test_a_few_points_a_day_are_low_confidence() -> None:
    times, values = noisy(400, step=6 * 3600.0, seed=8)
    detector = StreamingDetector()
    state = detector.new_state()
    last = detector.score_many(state, times, values)
    assert last[-1] < THRESHOLD
    learning = detector.learning(state)
    assert (learning.phase, learning.note) == (
        Phase.LOW_CONFIDENCE,
        "fewer than eight points a day: no daily profile",
    )


def test_values_that_are_not_numbers_are_scored_0_and_not_learned() -> None:
    detector = StreamingDetector()
    times, values = noisy(400, seed=9)
    spoiled = list(values)
    spoiled[300:303] = [math.nan, math.inf, -math.inf]
    clean = detector.score_many(detector.new_state(), times[:300] + times[303:], values[:300] + values[303:])
    scores = detector.score_many(detector.new_state(), times, spoiled)
    assert scores[300:303] == [0.0, 0.0, 0.0]
    assert scores[:300] + scores[303:] == clean
    assert detector.score(detector.new_state(), START, math.nan).reason == "nan is not a measurement: ignored"
