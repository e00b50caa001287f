"""The NAB scorer on tiny hand-made files: sigmoid weights, probation, FP/FN costs, the sweep, normalisation."""

from __future__ import annotations

import json
import math
from pathlib import Path

import pytest
from bench.nab_score import (
    MAX_TP,
    OUTSIDE,
    PROBATION,
    PROFILES,
    CostMatrix,
    best_threshold,
    evaluate,
    normalised,
    prepare,
    probation_length,
    scaled_sigmoid,
    score_at,
    sweep,
)

from bench import nab_data

STANDARD = PROFILES["standard"]


def test_scaled_sigmoid_weights_early_detections_near_one_and_late_false_positives_near_minus_one() -> None:
    assert scaled_sigmoid(-1.0) == pytest.approx(0.98661, abs=1e-5)
    assert scaled_sigmoid(-0.5) == pytest.approx(0.84828, abs=1e-5)
    assert scaled_sigmoid(0.0) == 0.0
    assert scaled_sigmoid(1.0) == pytest.approx(-0.98661, abs=1e-5)
    assert scaled_sigmoid(3.0) == -1.0
    assert scaled_sigmoid(-1.0) == MAX_TP


def test_probation_is_fifteen_percent_and_at_most_750_rows() -> None:
    assert probation_length(100) == 15
    assert probation_length(1001) == 150
    assert probation_length(20_000) == 750


def test_rows_know_their_window_and_sweep_value() -> None:
    file = prepare("f", 100, [(50, 59)])
    assert file.windows == 1
    assert file.window[:15] == (PROBATION,) * 15
    assert (
        file.window[15] == OUTSIDE
        and file.window[50] == 0
        and file.window[59] == 0
        and file.window[60] == OUTSIDE
    )
    assert file.value[20] == -1.0  # before any window: the full FP cost
    assert file.value[50] == pytest.approx(1.0)  # the window's first row: S(-1) / S(-1)
    assert file.value[59] == pytest.approx(scaled_sigmoid(-0.1) / MAX_TP)
    assert file.value[60] == pytest.approx(scaled_sigmoid(1 / 9))  # just past the window: a small cost
    assert file.value[99] == pytest.approx(scaled_sigmoid(40 / 9))  # far past it: -1
    with pytest.raises(ValueError, match="overlap"):
        prepare("f", 100, [(10, 30), (20, 40)])


def _scores(rows: int, **at: float) -> list[float]:
    scores = [0.0] * rows
    for key, value in at.items():
        scores[int(key[1:])] = value
    return scores


def test_the_sweep_scores_every_threshold_and_picks_the_best() -> None:
    file = prepare("f", 100, [(50, 59)])
    scores = _scores(100, r50=0.9, r30=0.8)
    result = sweep([file], [scores], STANDARD)
    assert result[0] == (1.1, -1.0)  # nothing detected: one missed window
    assert result[1] == (0.9, pytest.approx(1.0))  # the window found at its first row
    assert result[2] == (0.8, pytest.approx(1.0 - 0.11))  # plus a false positive before any window
    # Everything detected: 34 more rows before the window at -0.11 each, and 40 after it.
    after = sum(0.11 * scaled_sigmoid(abs(59 - i) / 9) for i in range(60, 100))
    assert result[3] == (0.0, pytest.approx(1.0 - 0.11 * 35 + after))
    assert best_threshold(result) == (0.9, pytest.approx(1.0))
    outcome = evaluate([file], [scores], "standard", STANDARD)
    assert (outcome.threshold, outcome.raw, outcome.score) == (0.9, pytest.approx(1.0), pytest.approx(100.0))
    assert (outcome.detected_windows, outcome.false_positives) == (1, 0)


def test_a_window_counts_once_by_its_earliest_detection() -> None:
    file = prepare("f", 100, [(50, 59)])
    scores = _scores(100, r55=0.9, r52=0.7, r58=0.8)
    total = score_at(file, scores, 0.7, STANDARD)
    assert total.score == pytest.approx(scaled_sigmoid(-(59 - 52 + 1) / 10) / MAX_TP)
    assert total.detected_windows == 1 and total.false_positives == 0
    assert dict(sweep([file], [scores], STANDARD))[0.9] == pytest.approx(scaled_sigmoid(-0.5) / MAX_TP)


def test_detections_in_the_probationary_period_are_not_scored() -> None:
    file = prepare("f", 100, [(50, 59)])
    total = score_at(file, _scores(100, r5=1.0, r14=1.0), 0.5, STANDARD)
    assert (total.score, total.false_positives) == (-1.0, 0)
    total = score_at(file, _scores(100, r15=1.0), 0.5, STANDARD)
    assert (total.score, total.false_positives) == (pytest.approx(-1.11), 1)


def test_profiles_weigh_false_positives_and_misses() -> None:
    file = prepare("f", 100, [(50, 59), (80, 84)])
    scores = _scores(100, r20=1.0, r50=1.0)
    low_fp, low_fn = PROFILES["reward_low_FP_rate"], PROFILES["reward_low_FN_rate"]
    assert score_at(file, scores, 0.5, STANDARD).score == pytest.approx(-0.11 + 1.0 - 1.0)
    assert score_at(file, scores, 0.5, low_fp).score == pytest.approx(-0.22 + 1.0 - 1.0)
    assert score_at(file, scores, 0.5, low_fn).score == pytest.approx(-0.11 + 1.0 - 2.0)


def test_normalisation_puts_the_null_detector_at_0_and_the_perfect_one_at_100() -> None:
    assert normalised(-2.0, 2, STANDARD) == 0.0
    assert normalised(2.0, 2, STANDARD) == 100.0
    assert normalised(0.0, 2, STANDARD) == 50.0
    assert normalised(0.0, 2, PROFILES["reward_low_FN_rate"]) == pytest.approx(100 * 4 / 6)


def test_one_threshold_for_the_whole_corpus_and_the_highest_among_ties() -> None:
    a = prepare("a", 100, [(50, 59)])
    b = prepare("b", 100, [])
    # File a alone would take 0.6 (its window); file b's two false positives at 0.7 cost less than it earns.
    scores_a = _scores(100, r50=0.6)
    scores_b = _scores(100, r20=0.7, r21=0.7)
    outcome = evaluate([a, b], [scores_a, scores_b], "standard", STANDARD)
    assert outcome.threshold == 0.6
    assert outcome.raw == pytest.approx(1.0 - 0.22)
    assert outcome.score == pytest.approx(100 * (0.78 + 1) / 2)
    tie = sweep([b], [_scores(100, r20=0.9, r21=0.5)], CostMatrix(tp=1.0, fp=0.0, fn=1.0))
    assert best_threshold(tie)[0] == 1.1  # free false positives change nothing: the highest threshold wins


def test_the_corpus_loader_matches_windows_to_rows(tmp_path: Path) -> None:
    (tmp_path / "data" / "cat").mkdir(parents=True)
    (tmp_path / "labels").mkdir()
    rows = "\n".join(f"2015-01-01 00:{minute:02d}:00,{minute}" for minute in range(40))
    (tmp_path / "data" / "cat" / "x.csv").write_text("timestamp,value\n" + rows + "\n")
    windows = {"cat/x.csv": [["2015-01-01 00:20:00.000000", "2015-01-01 00:24:00.000000"]]}
    (tmp_path / "labels" / "combined_windows.json").write_text(json.dumps(windows))
    assert nab_data.missing(tmp_path) is None
    (file,) = nab_data.load_corpus(tmp_path)
    assert file.times[1] - file.times[0] == 60.0
    assert file.values[39] == 39.0
    assert [i for i, window in enumerate(file.scored.window) if window == 0] == list(range(20, 25))
    assert nab_data.profiles(tmp_path) == dict(PROFILES)
    assert nab_data.missing(tmp_path / "absent") is not None
    assert not math.isnan(file.times[0])
