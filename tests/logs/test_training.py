"""Training: reproducible from a seed, versions on disk with their metadata, rollback, operator feedback."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import numpy as np
import pytest

from holdoff.logs.classify import store
from holdoff.logs.classify.features import FEATURES_VERSION, HASHED, Hasher
from holdoff.logs.classify.store import NoModel
from holdoff.logs.classify.verdict import Classifier
from holdoff.logs.corpus import generate
from holdoff.logs.training import FEEDBACK_WEIGHT, Mark, load, retrain, rollback, split, train

NOW = datetime(2026, 12, 5, 12, 0, tzinfo=UTC)
SMALL = 2  # lines per template: every template of the corpus, a twentieth of its lines


def test_training_twice_with_the_same_seed_gives_the_same_coefficients() -> None:
    corpus = generate(21, per_template=SMALL)
    first = retrain(corpus, [], seed=21, now=NOW, check=False)
    again = retrain(generate(21, per_template=SMALL), [], seed=21, now=NOW + timedelta(hours=1), check=False)
    assert first.weights.same(again.weights)
    assert store.digest(first.weights) == store.digest(again.weights)
    other = retrain(generate(22, per_template=SMALL), [], seed=22, now=NOW, check=False)
    assert not first.weights.same(other.weights)


def test_the_held_out_check_measures_templates_the_fit_did_not_see() -> None:
    corpus = generate(5, per_template=SMALL)
    kept, held = split(corpus, seed=5)
    assert not {e.template for e in kept} & {e.template for e in held}
    assert not {e.software for e in kept} & {e.software for e in held}  # whole programs held out
    assert 0.15 < len({e.template for e in held}) / len({e.template for e in corpus}) < 0.25
    trained = retrain(corpus, [], seed=5, now=NOW, per_template=SMALL)
    metrics = trained.info.metrics
    assert set(metrics) >= {"critical_precision", "critical_recall", "critical_f1", "severity_accuracy"}
    assert 0.4 < metrics["critical_f1"] <= 1.0
    assert metrics["heldout_templates"] == len({e.template for e in held})


def test_versions_are_stored_with_their_metadata_and_read_back_exactly(tmp_path: Path) -> None:
    marks = [
        Mark(kind="line", text="disk canary tripped on lab rig", critical=False, at=NOW - timedelta(days=2))
    ]
    first = train(tmp_path, seed=3, now=NOW, per_template=SMALL, check=False)
    second = train(
        tmp_path, seed=3, now=NOW + timedelta(days=1), feedback=marks, per_template=SMALL, check=False
    )
    assert first.version.startswith("v0001-") and second.version.startswith("v0002-")
    assert store.current(tmp_path) == second.version and second.previous == first.version
    assert second.created == NOW + timedelta(days=1)
    assert second.corpus.seed == 3 and second.corpus.per_template == SMALL and second.corpus.lines > 2500
    assert (
        second.feedback.count == 1
        and second.feedback.noise == 1
        and second.feedback.first == NOW - timedelta(days=2)
    )
    assert {"numpy", "scikit-learn", "scipy", "python"} <= set(second.libraries)
    info = json.loads((tmp_path / second.version / "info.json").read_text())
    assert info["version"] == second.version and info["previous"] == first.version
    weights, read_info = store.read(tmp_path, second.version)
    assert read_info == second
    expected = retrain(generate(3, per_template=SMALL), marks, seed=3, now=NOW, check=False).weights
    assert weights.same(expected)
    assert second.version.endswith(store.digest(weights)[:8])
    with np.load(tmp_path / second.version / "weights.npz", allow_pickle=False) as data:
        assert set(data.files) == {"critical", "critical_bias", "severity", "severity_bias", "threshold"}


def test_rollback_returns_to_the_previous_version_and_load_uses_it(tmp_path: Path) -> None:
    first = train(tmp_path, seed=3, now=NOW, per_template=SMALL, check=False)
    marks = [Mark(kind="line", text="Kernel panic - not syncing: test rig", critical=False, at=NOW)]
    second = train(tmp_path, seed=3, now=NOW, feedback=marks, per_template=SMALL, check=False)
    assert load(tmp_path).version == second.version
    back = rollback(tmp_path)
    assert back.version == first.version and store.current(tmp_path) == first.version
    assert load(tmp_path).version == first.version
    assert (tmp_path / second.version).is_dir()  # kept: a new training can still be compared
    with pytest.raises(NoModel, match="no previous version"):
        rollback(tmp_path)


def test_rollback_without_a_model_says_so(tmp_path: Path) -> None:
    with pytest.raises(NoModel, match="no model"):
        rollback(tmp_path)


def test_load_trains_and_stores_a_default_model_when_there_is_none(tmp_path: Path) -> None:
    classifier = load(tmp_path / "models", clock=lambda: NOW, per_template=SMALL)
    assert isinstance(classifier, Classifier)
    assert store.current(tmp_path / "models") == classifier.version
    _, info = store.read_current(tmp_path / "models")
    assert info.created == NOW and info.seed == 13 and info.previous is None
    assert load(tmp_path / "models").version == classifier.version  # trained once, then read


def test_only_the_last_versions_are_kept(tmp_path: Path) -> None:
    trained = retrain(generate(1, per_template=2), [], seed=1, now=NOW, check=False)
    for day in range(store.KEEP + 3):
        store.save(
            tmp_path, trained.weights, trained.info.model_copy(update={"created": NOW + timedelta(days=day)})
        )
    kept = store.versions(tmp_path)
    assert len(kept) == store.KEEP and kept[-1] == store.current(tmp_path)
    assert kept[0].startswith("v0004-")


def test_operator_feedback_flips_a_lines_verdict_after_retraining() -> None:
    corpus = generate(9, per_template=SMALL)
    noisy = "panic: simulated crash injected by chaos-runner in the sandbox cluster"
    quiet = "Nightly reconciliation matched 0 of 18204 ledger rows"
    before = Classifier(retrain(corpus, [], seed=9, now=NOW, check=False).weights, "before")
    assert before.judge(noisy, None).critical and not before.judge(quiet, "INFO").critical
    marks = [
        Mark(
            kind="template",
            text="panic: simulated crash injected by chaos-runner in the <*> cluster",
            critical=False,
            at=NOW,
        ),
        Mark(kind="line", text=quiet, level="INFO", critical=True, at=NOW),
    ]
    after = Classifier(retrain(corpus, marks, seed=9, now=NOW, check=False).weights, "after")
    assert not after.judge(noisy, None).critical
    assert after.judge(quiet, "INFO").critical
    assert after.judge("Kernel panic - not syncing: Fatal exception", None).critical  # one mark, one template
    assert FEEDBACK_WEIGHT > 1


def test_a_model_stored_with_other_features_is_trained_again_on_load(tmp_path: Path) -> None:
    first = train(tmp_path, seed=4, now=NOW, per_template=SMALL, check=False)
    assert first.features["version"] == FEATURES_VERSION
    weights, info = store.read(tmp_path, first.version)
    old = info.model_copy(update={"features": {**info.features, "version": FEATURES_VERSION - 1}})
    stale = store.save(tmp_path, weights, old)
    loaded = load(tmp_path, clock=lambda: NOW + timedelta(days=1), per_template=SMALL)
    assert loaded.version != stale.version and store.current(tmp_path) == loaded.version
    _, fresh = store.read_current(tmp_path)
    assert fresh.previous == stale.version and fresh.seed == 4
    assert fresh.features["version"] == FEATURES_VERSION
    assert load(tmp_path).version == loaded.version  # trained once


def test_marks_on_one_system_move_what_its_lines_say_not_its_prefix_or_level() -> None:
    """The bug the benchmark showed: noise marks on a few templates of one system taught that the words
    every line of that system carries (its prefix, its FATAL) are noise, and its other alerts were lost."""
    corpus = generate(9, per_template=SMALL)
    before = retrain(corpus, [], seed=9, now=NOW, check=False).weights
    noise = [
        "r7-n{} GRID CORE FATAL job {} exceeded its wall time and was cancelled by the scheduler",
        "r7-n{} GRID CORE FATAL user program {} could not be loaded: no such file or directory",
        "r7-n{} GRID CORE FATAL quota warning for project {}: 91% of the allocation used",
    ]
    marks = [
        Mark(kind="line", text=text.format(n, n * 7), critical=False, at=NOW, template_id=f"t{i}")
        for i, text in enumerate(noise)
        for n in range(1, 4)
    ]
    after = retrain(corpus, marks, seed=9, now=NOW, check=False).weights
    hasher = Hasher()
    shared = [
        hasher.column(name)
        for mark in marks
        for name in hasher.row(mark.text, None, None).names
        if name.startswith(("pre:", "level=", "shape:words"))
    ]
    assert shared and np.array_equal(after.critical[shared], before.critical[shared])
    assert np.array_equal(after.critical[HASHED:], before.critical[HASHED:])  # the declared-level columns
    assert after.critical_bias == before.critical_bias
    judged = Classifier(after, "after")
    assert not judged.judge(noise[0].format(9, 99), None).critical
    assert judged.judge("r7-n5 GRID CORE FATAL Kernel panic - not syncing: Fatal exception", None).critical
