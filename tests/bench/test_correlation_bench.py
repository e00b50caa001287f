"""The correlation benchmark's scoring: joins, splits, pages per real incident, on tiny hand-made days."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from bench.__main__ import BENCHMARKS, build_parser
from bench.correlation import Sent, score

from bench import correlation

T0 = datetime(2026, 11, 16, 8, tzinfo=UTC)


def stamp(seconds: float) -> str:
    return (T0 + timedelta(seconds=seconds)).strftime("%Y-%m-%dT%H:%M:%SZ")


def truth(kind: str, incident: str | None = None, role: str | None = None) -> dict[str, Any]:
    return {"kind": kind, "incident": incident, "role": role}


def am(
    seconds: float, fingerprint: str, name: str, service: str, firing: bool, **truth_: Any
) -> dict[str, Any]:
    labels = {"alertname": name, "service": service, "cluster": "eu-1", "severity": "critical"}
    alert = {
        "status": "firing" if firing else "resolved",
        "labels": labels,
        "annotations": {"summary": name},
        "startsAt": stamp(seconds),
        "fingerprint": fingerprint,
    }
    body = {"version": "4", "status": alert["status"], "alerts": [alert]}
    return {"at": stamp(seconds), "webhook": "alertmanager", "body": body, "truth": truth(**truth_)}


def cx(seconds: float, alert_id: str, service: str, firing: bool, **truth_: Any) -> dict[str, Any]:
    body = {
        "alert_id": alert_id,
        "name": f"{service}: Error logs spike",
        "alert_action": "TRIGGERED" if firing else "RESOLVED",
        "service": service,
        "fields": [{"key": "subsystem", "value": service}, {"key": "severity", "value": "high"}],
    }
    return {"at": stamp(seconds), "webhook": "coralogix", "body": body, "truth": truth(**truth_)}


def hand_made_day() -> list[dict[str, Any]]:
    """INC-1: orders-db down, checkout's Coralogix errors 30 s later (two services: paged twice).
    INC-2 and INC-3: two unrelated problems of cart a minute apart (one group: wrongly joined).
    A 60 s blip of search (never paged)."""
    inc1 = {"kind": "incident", "incident": "INC-1"}
    inc2 = {"kind": "incident", "incident": "INC-2", "role": "root"}
    inc3 = {"kind": "incident", "incident": "INC-3", "role": "root"}
    lines = [
        am(0, "db1", "DatabaseDown", "orders-db", True, **inc1, role="root"),
        cx(30, "cx-1", "checkout", True, **inc1, role="symptom"),
        am(100, "s1", "HighLatency", "search", True, kind="transient"),
        am(160, "s1", "HighLatency", "search", False, kind="transient"),
        am(1200, "db1", "DatabaseDown", "orders-db", False, **inc1, role="root"),
        cx(1230, "cx-1", "checkout", False, **inc1, role="symptom"),
        am(3600, "c1", "PodCrashLooping", "cart", True, **inc2),
        am(3660, "c2", "DiskWillFillIn4h", "cart", True, **inc3),
        am(5400, "c1", "PodCrashLooping", "cart", False, **inc2),
        am(5460, "c2", "DiskWillFillIn4h", "cart", False, **inc3),
    ]
    return lines


def test_score_counts_pages_joins_splits_and_the_slowest_first_page() -> None:
    starts = {"A": T0, "B": T0, "C": T0, "D": T0}
    sent = [
        Sent(T0 + timedelta(seconds=600), True, 1, frozenset({"A"})),
        Sent(T0 + timedelta(seconds=900), True, 2, frozenset({"A"})),
        Sent(T0 + timedelta(seconds=630), True, 3, frozenset({"B"})),
        Sent(T0 + timedelta(seconds=700), False, 3, frozenset({"C"})),
        Sent(T0 + timedelta(seconds=800), True, 3, frozenset({"C"})),
        Sent(T0 + timedelta(seconds=50), True, 4, frozenset()),
        Sent(T0 + timedelta(seconds=60), False, None, frozenset()),
    ]
    figures = score(sent, starts)
    assert (figures.real_incidents, figures.pages, figures.real_pages, figures.noise_pages) == (4, 5, 4, 1)
    assert figures.pages_per_real_incident == 1.0
    assert figures.split == ("A",)
    assert figures.wrongly_joined == ("B", "C")
    assert figures.wrongly_joined_share == 0.5
    assert figures.never_paged == ("D",)
    assert (figures.slowest_first_page_s, figures.slowest_incident) == (800.0, "C")
    assert figures.with_noise == ()
    noisy = score([*sent, Sent(T0 + timedelta(seconds=900), True, 3, frozenset())], starts)
    assert noisy.with_noise == ("B", "C") and noisy.noise_pages == 2


def test_score_of_nothing_sent_is_every_incident_never_paged() -> None:
    figures = score([], {"A": T0})
    assert figures.never_paged == ("A",) and figures.pages == 0 and figures.slowest_first_page_s is None
    assert score([], {}).pages_per_real_incident == 0.0


def test_a_hand_made_day_through_todays_core_shows_a_split_and_a_wrong_join(tmp_path: Path) -> None:
    settings = correlation.bench_settings(tmp_path)
    result = correlation.run_day(hand_made_day(), settings, seed=0)
    figures = result.figures
    assert result.webhooks == result.events == 10
    assert figures.real_incidents == 3
    assert figures.split == ("INC-1",)
    assert figures.wrongly_joined == ("INC-2", "INC-3")
    assert figures.never_paged == ()
    assert result.missed_or_late == ()
    assert figures.noise_pages == 0
    assert figures.pages_per_real_incident >= 1.0
    assert figures.slowest_first_page_s is not None and 600 <= figures.slowest_first_page_s <= 900
    assert result.as_dict()["figures"]["wrongly_joined_share"] == round(2 / 3, 4)
    assert result.on is None and result.as_dict()["correlation_on"] is None


def test_with_correlation_on_the_cascade_the_topology_links_pages_once(tmp_path: Path) -> None:
    settings = correlation.bench_settings(tmp_path)
    off = correlation.run_day(hand_made_day(), settings, topology={})
    on = correlation.run_day(hand_made_day(), settings, topology={"checkout": ["orders-db"]})
    assert off.on is not None and on.on is not None
    assert off.on.figures.split == ("INC-1",)  # correlation on, but no dependency links the two groups
    assert on.on.figures.split == ()
    assert on.on.figures.real_pages == on.figures.real_pages - 1
    assert on.on.joins == 1 and off.on.joins == 0
    assert on.on.figures.never_paged == () and on.on.missed_or_late == ()
    assert on.figures == off.figures  # the off replay does not read the topology


def test_registered_with_seeds_1_to_3_by_default() -> None:
    assert "correlation" in [benchmark.name for benchmark in BENCHMARKS]
    assert build_parser().parse_args([]).correlation_seeds == [1, 2, 3]
    assert build_parser().parse_args(["--correlation-seeds", "4", "5"]).correlation_seeds == [4, 5]
