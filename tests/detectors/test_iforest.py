"""The Isolation Forest: arrays score as scikit-learn does, models on disk, warming up, a spike scores high."""

from __future__ import annotations

import math
import random
from datetime import UTC, datetime
from pathlib import Path

import numpy as np
import pytest
from sklearn.ensemble import IsolationForest  # type: ignore[import-untyped]

from holdoff.detectors.iforest import IsolationForestConfig, NotEnoughHistory, fit
from holdoff.detectors.iforest_model import train
from holdoff.detectors.iforest_store import ModelCache, ModelStore
from holdoff.detectors.model import Phase

NOW = datetime(2026, 12, 6, tzinfo=UTC)
CONFIG = IsolationForestConfig.model_validate({"min_history": "1h", "trees": 100, "min_points": 50})


def _series(hours: float, step: float = 60.0, seed: int = 1) -> list[tuple[float, float]]:
    rng = random.Random(seed)
    start = NOW.timestamp() - hours * 3600
    return [
        (start + i * step, 50 + 10 * math.sin(i * step / 86_400 * 2 * math.pi) + rng.gauss(0, 1))
        for i in range(int(hours * 3600 / step))
    ]


def test_the_forest_scores_exactly_as_scikit_learn() -> None:
    rows = np.random.default_rng(3).normal(size=(400, 4))
    forest = train(rows, trees=25, max_samples=128, seed=7)
    model = IsolationForest(n_estimators=25, max_samples=128, random_state=7).fit(rows)
    probe = np.vstack([rows[:20], np.random.default_rng(4).normal(scale=4, size=(20, 4))])
    ours = [forest.raw_score(row) for row in probe]
    assert np.allclose(ours, -model.score_samples(probe), atol=1e-12)
    scores = [forest.score(row) for row in probe]
    assert all(0.0 <= s <= 1.0 for s in scores)
    assert np.mean(scores[20:]) > np.mean(scores[:20])


def test_the_same_data_and_seed_make_the_same_model() -> None:
    points = _series(3)
    first, _ = fit(CONFIG, "e", "s1", points, NOW)
    second, _ = fit(CONFIG, "e", "s1", points, NOW)
    assert np.array_equal(first.threshold, second.threshold)


def test_too_little_history_trains_nothing() -> None:
    with pytest.raises(NotEnoughHistory, match="short"):
        fit(CONFIG, "e", "s1", _series(0.5), NOW)


def test_warming_up_until_a_model_exists_then_a_spike_scores_above_the_threshold(tmp_path: Path) -> None:
    store = ModelStore(tmp_path)
    detector = CONFIG.build(ModelCache(store, "e", refresh_seconds=0))
    state = detector.new_state()
    detector.attach(state, "s1")
    whole = _series(25, step=120)
    history, recent = whole[:720], whole[720:]
    first = detector.score(state, history[0][0], history[0][1])
    assert first.learning.phase is Phase.WARMING_UP and first.learning.missing_seconds == 3600
    assert all(detector.score(state, t, v).learning.phase is Phase.WARMING_UP for t, v in history[1:])
    forest, info = fit(CONFIG, "e", "s1", history, NOW)
    saved = store.save(forest, info)
    assert saved.version == 1 and saved.samples == len(history) and "scikit-learn" in saved.libraries
    state = detector.load(detector.dump(state))
    normal = [detector.score(state, t, v) for t, v in recent]
    assert all(s.learning.phase is Phase.READY for s in normal)
    assert sum(s.score >= 0.5 for s in normal) <= 1, [round(s.score, 2) for s in normal]
    spike = detector.score(state, recent[-1][0] + 60, 400.0)
    assert spike.score >= 0.5 and "isolated" in spike.reason


def test_models_are_versioned_and_the_old_ones_pruned(tmp_path: Path) -> None:
    store = ModelStore(tmp_path)
    forest, info = fit(CONFIG, "e", "s1", _series(2), NOW)
    versions = [store.save(forest, info).version for _ in range(5)]
    assert versions == [1, 2, 3, 4, 5]
    assert sorted(p.name for p in (tmp_path / "e" / "s1").glob("*.npz")) == [
        "v0003.npz",
        "v0004.npz",
        "v0005.npz",
    ]
    loaded = store.load("e", "s1")
    assert loaded is not None and loaded[1].version == 5
    assert [i.series_id for i in store.all()] == ["s1"]


def test_a_stale_model_is_low_confidence(tmp_path: Path) -> None:
    store = ModelStore(tmp_path)
    forest, info = fit(CONFIG, "e", "s1", _series(2), NOW)
    store.save(forest, info)
    detector = CONFIG.build(ModelCache(store, "e"))
    state = detector.new_state()
    detector.attach(state, "s1")
    late = detector.score(state, NOW.timestamp() + 4 * 86_400, 50.0)
    assert late.learning.phase is Phase.LOW_CONFIDENCE and "old" in late.learning.note
