"""bench/evidence.py: a small run measures both figures, computes every held alert's evidence once, and
writes its result. (About 15 s: it migrates two fresh databases, one with evidence and one without.)"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import pytest

from bench import evidence


def test_a_small_run_measures_the_hold_path_and_the_computations(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("bench.common.RESULTS_DIR", tmp_path)
    parser = argparse.ArgumentParser()
    evidence.add_arguments(parser)
    args = parser.parse_args(["--evidence-alerts", "60", "--evidence-lines", "40"])
    assert evidence.run(args) == 0
    [written] = tmp_path.glob("evidence-*.json")
    result = json.loads(written.read_text())
    assert result["alerts"] == 60 and result["lines_per_alert"] == 40
    assert result["hold_alerts_per_second"]["with_evidence"] > 0 and result["hold_ratio"] > 0
    assert result["evidence_per_second"] > 0 and result["mining_per_second"] > 0


def test_the_stand_in_lines_are_a_fifth_errors_or_more() -> None:
    lines = evidence._lines(100, evidence.datetime.now(evidence.UTC))
    errors = [line for line in lines if line.level == "error"]
    assert 20 <= len(errors) < 40
