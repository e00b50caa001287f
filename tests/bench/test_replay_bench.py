"""bench/replay.py: phase 1 (replay throughput through the core) on a tiny stream, the window chooser on a
hand-made stream, and Holdoff's side of the comparison. Alertmanager is not started here
(tests/bench/test_am_replay.py does that)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from bench.__main__ import BENCHMARKS, build_parser

from bench import replay as replay_bench

T0 = datetime(2026, 11, 16, tzinfo=UTC)


@pytest.fixture(scope="module")
def tiny(tmp_path_factory: pytest.TempPathFactory) -> replay_bench.Throughput:
    """6 h of 10 services (seed 1): the smallest default-shaped stream that holds a real incident."""
    work_dir = tmp_path_factory.mktemp("replay-bench")
    settings = replay_bench.day_settings(work_dir)
    return replay_bench.measure_throughput(
        "tiny", seed=1, hours=6, services=10, runs=1, work_dir=work_dir, settings=settings
    )


def test_phase_one_measures_the_core_and_reports_the_figures(tiny: replay_bench.Throughput) -> None:
    result = tiny.summary()

    assert result["stream"] == {"seed": 1, "hours": 6, "services": 10}
    assert result["runs"] == 1 and len(result["run_seconds"]) == 1
    assert result["events"] == len(tiny.events) > 0
    assert 0 < result["occurrences"] <= result["events"]
    assert result["alerts_per_s"]["median"] > 0
    assert result["alerts_per_s"]["best"] >= result["alerts_per_s"]["median"]
    assert result["occurrences_per_s_median"] > 0
    assert len(result["run_cpu_seconds"]) == 1 and result["cpu_share"] > 0
    assert result["goal_alerts_per_s"] == replay_bench.GOAL_ALERTS_PER_S
    assert isinstance(result["goal_met"], bool)

    report = result["report"]
    assert report["baseline_pages"] == result["occurrences"]
    assert 0 <= report["pages"] < report["baseline_pages"]
    assert 0 < report["page_reduction"] <= 1
    assert report["late_escalations"] == 0
    truth = report["truth"]
    assert truth["real_incidents"] >= 1
    assert truth["missed"] == []
    assert truth["pages_with_real_incident"] >= truth["real_incidents"]
    assert truth["pages_per_real_incident"] >= 1


def test_holdoff_side_of_the_comparison_scores_its_pages_like_its_report(
    tiny: replay_bench.Throughput, tmp_path: Path
) -> None:
    chosen = replay_bench.choose_window(tiny.events, hours=6)
    assert chosen.incidents

    holdoff = replay_bench.replay_holdoff_window(chosen.events, replay_bench.day_settings(tmp_path))

    assert holdoff.score.pages_total == holdoff.report.pages
    assert holdoff.score.incidents == len(chosen.incidents)
    assert holdoff.score.missed_incidents == ()
    assert holdoff.report.truth is not None and holdoff.report.truth["missed"] == []
    assert holdoff.score.resolved_messages == holdoff.kinds.get("resolved", 0)


def event(seconds: float, fingerprint: str, action: str, kind: str, incident: str | None) -> dict[str, Any]:
    labels = {"alertname": f"Alert{fingerprint}", "service": "checkout", "severity": "high"}
    return {
        "at": (T0 + timedelta(seconds=seconds)).isoformat().replace("+00:00", "Z"),
        "source": "alertmanager",
        "fingerprint": fingerprint,
        "action": action,
        "name": labels["alertname"],
        "labels": labels,
        "truth": {"kind": kind, "incident": incident, "role": "root" if incident else None},
    }


def occurrence(
    start_min: float, end_min: float, fingerprint: str, kind: str = "incident", incident: str | None = None
) -> list[dict[str, Any]]:
    return [
        event(start_min * 60, fingerprint, "triggered", kind, incident),
        event(end_min * 60, fingerprint, "resolved", kind, incident),
    ]


def hand_made() -> list[dict[str, Any]]:
    occurrences = [
        occurrence(10, 40, "a", incident="INC-A"),  # 00:10-00:40
        occurrence(185, 230, "b", incident="INC-B"),  # 03:05-03:50
        occurrence(200, 235, "c", incident="INC-C"),  # 03:20-03:55
        occurrence(290, 320, "d", incident="INC-D"),  # 04:50-05:20: cut by every 1-hour window
        occurrence(280, 340, "e", incident="INC-E"),  # 04:40-05:40: likewise
        occurrence(285, 350, "f", incident="INC-F"),  # 04:45-05:50: likewise
    ]
    # Plenty of alerts that are no real incident, all in hour 01:00-02:00.
    occurrences += [occurrence(60 + m, 62 + m, f"t{m}", kind="transient") for m in range(0, 55, 5)]
    return sorted((e for occ in occurrences for e in occ), key=lambda e: e["at"])


def test_choose_window_takes_the_hour_with_the_most_real_incidents() -> None:
    chosen = replay_bench.choose_window(hand_made(), hours=1)

    assert (chosen.start, chosen.end) == (T0 + timedelta(hours=3), T0 + timedelta(hours=4))
    assert chosen.incidents == ("INC-B", "INC-C")
    assert chosen.occurrences == 2
    assert [e["action"] for e in chosen.events].count("resolved") == 2


def test_choose_window_counts_only_uncut_occurrences_and_takes_the_earliest_on_a_tie() -> None:
    # 2 h: 03:00-05:00 holds B, C and (cut at 05:00) none of D, E, F -> 2; 04:00-06:00 holds D, E, F -> 3.
    chosen = replay_bench.choose_window(hand_made(), hours=2)
    assert chosen.start == T0 + timedelta(hours=4)
    assert chosen.incidents == ("INC-D", "INC-E", "INC-F")

    # 3 h: 03:00-06:00 holds all five of B..F; nothing later fits, nothing earlier has as many.
    chosen = replay_bench.choose_window(hand_made(), hours=3)
    assert chosen.start == T0 + timedelta(hours=3)
    assert len(chosen.incidents) == 5

    # A tie: A alone (00:00-01:00) against a window holding one incident later on -> the earliest.
    events = [e for e in hand_made() if e["truth"]["incident"] in ("INC-A", "INC-B")]
    assert replay_bench.choose_window(events, hours=1).start == T0


def test_choose_window_longer_than_the_stream_takes_it_all() -> None:
    events = hand_made()
    chosen = replay_bench.choose_window(events, hours=12)
    assert chosen.start == T0
    assert len(chosen.events) == len(events)
    assert len(chosen.incidents) == 6


def test_registered_after_alertmanager_with_quick_defaults() -> None:
    names = [benchmark.name for benchmark in BENCHMARKS]
    assert names.index("replay") == names.index("alertmanager") + 1

    quick = replay_bench._config(build_parser().parse_args(["--only", "replay", "--quick"]))
    assert (quick["runs"], quick["am_window_hours"], quick["am_scale"]) == (2, 1.0, 120.0)
    assert [stream["services"] for stream in quick["streams"]] == [40]

    full = replay_bench._config(build_parser().parse_args(["--only", "replay"]))
    assert (full["runs"], full["am_window_hours"], full["am_scale"], full["seed"]) == (5, 3.0, 60.0, 1)
    assert [stream["services"] for stream in full["streams"]] == [40, 200]
    assert full["am_timers_stream"] == {"group_wait": "30s", "group_interval": "5m", "repeat_interval": "4h"}
