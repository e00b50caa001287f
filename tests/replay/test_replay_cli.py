"""``holdoff replay`` on a generated day: zero real incidents missed, and the page reduction stated."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from bench import streamgen

ROOT = Path(__file__).resolve().parents[2]
DAY_POLICY = ROOT / "bench" / "policies" / "day.yaml"


def holdoff(*args: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("HOLDOFF_")}
    return subprocess.run(
        [sys.executable, "-m", "holdoff", *args], env=env, capture_output=True, text=True, timeout=120
    )


def test_a_generated_day_misses_no_real_incident(tmp_path: Path) -> None:
    stream = tmp_path / "day.jsonl"
    streamgen.write(streamgen.generate(seed=7, hours=24, services=40), stream)
    decisions = tmp_path / "decisions.jsonl"
    result = holdoff(
        "replay", str(stream), "--config", str(DAY_POLICY), "--decisions", str(decisions), "--json"
    )
    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout)
    truth = report["truth"]
    assert truth["real_incidents"] > 0
    assert truth["missed"] == []
    assert report["late_escalations"] == []
    assert report["pages"] < report["baseline_pages"] / 20  # the day's blips page nobody
    assert 0.95 < report["page_reduction"] < 1
    assert truth["noise_pages"] == 0
    lines = [json.loads(line) for line in decisions.read_text().splitlines()]
    pages = [line for line in lines if line["type"] == "message" and line["page"]]
    assert len(pages) == report["pages"]


def test_the_table_report_states_the_reduction(tmp_path: Path) -> None:
    stream = tmp_path / "short.jsonl"
    streamgen.write(streamgen.generate(seed=3, hours=6, services=20), stream)
    result = holdoff("replay", str(stream), "--config", str(DAY_POLICY))
    assert result.returncode == 0, result.stderr
    assert "page reduction" in result.stdout
    assert "missed or late" in result.stdout


def test_a_bad_stream_names_the_line_and_exits_2(tmp_path: Path) -> None:
    stream = tmp_path / "bad.jsonl"
    stream.write_text('{"at": "2026-11-16T00:00:00Z", "source": "x", "fingerprint": "f", "action": "boom"}\n')
    result = holdoff("replay", str(stream))
    assert result.returncode == 2
    assert "bad.jsonl line 1: action: action must be one of" in result.stderr


def test_a_missing_stream_file_exits_2(tmp_path: Path) -> None:
    result = holdoff("replay", str(tmp_path / "nope.jsonl"))
    assert result.returncode == 2
    assert "no such file" in result.stderr
