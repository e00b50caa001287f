"""bench/am_replay.py: scoring and windowing on hand-made data, and one real replay into Alertmanager."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from bench.am_replay import (
    Notification,
    am_duration,
    replay_into_alertmanager,
    score,
    select,
    window,
)

T0 = datetime(2026, 11, 16, tzinfo=UTC)


def at(seconds: float) -> datetime:
    return T0 + timedelta(seconds=seconds)


def event(
    seconds: float,
    fingerprint: str,
    action: str,
    name: str,
    kind: str,
    incident: str | None = None,
    role: str | None = None,
    service: str = "checkout",
) -> dict[str, Any]:
    labels = {"alertname": name, "service": service, "team": "payments", "env": "prod", "severity": "high"}
    return {
        "at": at(seconds).isoformat().replace("+00:00", "Z"),
        "source": "alertmanager",
        "fingerprint": fingerprint,
        "action": action,
        "name": name,
        "severity": "high",
        "labels": labels,
        "annotations": {"summary": f"{name} on {service}"},
        "truth": {"kind": kind, "incident": incident, "role": role},
    }


def occurrence(
    start: float, end: float, fingerprint: str, name: str, kind: str, incident: str | None = None, **kw: Any
) -> list[dict[str, Any]]:
    return [
        event(start, fingerprint, "triggered", name, kind, incident, **kw),
        event(end, fingerprint, "resolved", name, kind, incident, **kw),
    ]


def stream(*occurrences: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return sorted((e for occ in occurrences for e in occ), key=lambda e: e["at"])


def alert(source: dict[str, Any], status: str) -> dict[str, Any]:
    """An alert as Alertmanager's webhook carries it (labels in another order, its own fingerprint)."""
    return {
        "status": status,
        "labels": dict(reversed(list(source["labels"].items()))),
        "annotations": source["annotations"],
        "fingerprint": "not-the-stream-fingerprint",
    }


def notification(seconds: float, status: str, *alerts: dict[str, Any]) -> Notification:
    """A webhook payload of a group_by-alertname group (the first alert's alertname)."""
    group = alerts[0]["labels"]["alertname"]
    payload = {
        "version": "4",
        "groupKey": f'{{}}:{{alertname="{group}"}}',
        "status": status,
        "receiver": "replay",
        "alerts": list(alerts),
    }
    return Notification(payload, received=1_800_000_000 + seconds, stream_at=at(seconds))


# --- score() --------------------------------------------------------------------------------------


def test_score_counts_pages_per_incident_noise_pages_missed_incidents_and_resolves() -> None:
    root = occurrence(10, 300, "fp-root", "ServiceDown", "incident", "INC-1", role="root")
    symptom = occurrence(12, 290, "fp-sym", "HighErrorRate", "incident", "INC-1", role="symptom")
    missed = occurrence(100, 400, "fp-missed", "DiskFull", "incident", "INC-2", role="root")
    third = occurrence(50, 200, "fp-third", "QueueBacklog", "incident", "INC-3", role="root")
    transient = occurrence(20, 25, "fp-blip", "CpuSpike", "transient", service="search")
    flapping = occurrence(60, 90, "fp-flap", "LinkFlap", "flapping", service="edge")
    events = stream(root, symptom, missed, third, transient, flapping)
    r, s, t, blip, flap = root[0], symptom[0], third[0], transient[0], flapping[0]

    notifications = [
        notification(40, "firing", alert(r, "firing")),  # INC-1's first page
        notification(45, "firing", alert(blip, "firing")),  # noise
        notification(80, "firing", alert(s, "firing"), alert(t, "firing")),  # one page, INC-1 and INC-3
        # "firing" because of the flapping alert; INC-1's root is only resolved in it: a noise page
        notification(95, "firing", alert(r, "resolved"), alert(flap, "firing")),
        notification(330, "resolved", alert(r, "resolved"), alert(s, "resolved")),
        notification(335, "resolved", alert(flap, "resolved")),
    ]
    result = score(events, notifications)

    assert result.pages_total == 4
    assert result.incident_pages == 2
    assert result.noise_pages == 2
    assert result.resolved_messages == 2
    assert result.incidents == 3
    assert result.missed_incidents == ("INC-2",)
    assert {key: inc.pages for key, inc in result.per_incident.items()} == {
        "INC-1": 2,
        "INC-2": 0,
        "INC-3": 1,
    }
    assert result.pages_per_real_incident == pytest.approx(2 / 3)
    assert result.mean_pages_per_incident == pytest.approx(1.0)
    assert result.per_incident["INC-1"].seconds_to_page == pytest.approx(30.0)
    assert result.per_incident["INC-3"].seconds_to_page == pytest.approx(30.0)
    assert result.per_incident["INC-2"].seconds_to_page is None
    assert result.pages_by_kind == {"flapping": 1, "incident": 2, "transient": 1}
    assert result.unmatched_alerts == 0
    assert result.pages_nothing_new == 0


def test_score_maps_a_recurring_label_set_to_the_occurrence_notified() -> None:
    """The same labels first fire as noise, later as part of an incident: each page gets its own truth."""
    first = occurrence(0, 60, "fp-a", "HighLatency", "noise")
    second = occurrence(600, 900, "fp-a", "HighLatency", "incident", "INC-9", role="symptom")
    stranger = {"labels": {"alertname": "NotInTheStream"}, "annotations": {}}
    events = stream(first, second)
    result = score(
        events,
        [
            notification(30, "firing", alert(first[0], "firing")),
            notification(630, "firing", alert(second[0], "firing")),
            notification(640, "firing", alert(stranger, "firing")),
        ],
    )
    assert (result.pages_total, result.incident_pages, result.noise_pages) == (3, 1, 2)
    assert result.per_incident["INC-9"].seconds_to_page == pytest.approx(30.0)
    assert result.unmatched_alerts == 1
    assert result.pages_by_kind == {"incident": 1, "noise": 1, "unknown": 1}


def test_a_resolve_notified_while_the_group_still_fires_is_a_page_with_nothing_new() -> None:
    one = occurrence(5, 40, "fp-a", "ServiceDown", "incident", "INC-1", service="a")
    two = occurrence(6, 100, "fp-b", "ServiceDown", "incident", "INC-1", service="b")
    events = stream(one, two)
    result = score(
        events,
        [
            notification(35, "firing", alert(one[0], "firing"), alert(two[0], "firing")),
            notification(65, "firing", alert(one[0], "resolved"), alert(two[0], "firing")),
            notification(125, "resolved", alert(two[0], "resolved")),
        ],
    )
    assert (result.pages_total, result.pages_nothing_new, result.resolved_messages) == (2, 1, 1)
    assert result.per_incident["INC-1"].pages == 2


# --- window() -------------------------------------------------------------------------------------


def test_window_keeps_only_occurrences_entirely_inside() -> None:
    hour = 3600
    events = stream(
        occurrence(hour - 600, hour + 600, "cut-start", "A", "incident", "INC-1"),
        occurrence(hour + 300, hour + 900, "inside", "B", "transient"),
        occurrence(hour + 1800, 3 * hour, "cut-end", "C", "noise"),
        occurrence(hour, 2 * hour, "edges", "D", "maintenance"),  # both ends on the bounds: kept
        # one fingerprint, three occurrences: only the middle one lies inside
        occurrence(hour - 100, hour + 100, "again", "E", "flapping"),
        occurrence(hour + 200, hour + 300, "again", "E", "flapping"),
        occurrence(2 * hour - 10, 2 * hour + 10, "again", "E", "flapping"),
    )
    kept = window(events, at(hour), at(2 * hour))

    assert [(e["fingerprint"], e["action"], e["at"]) for e in kept] == [
        ("edges", "triggered", "2026-11-16T01:00:00Z"),
        ("again", "triggered", "2026-11-16T01:03:20Z"),
        ("inside", "triggered", "2026-11-16T01:05:00Z"),
        ("again", "resolved", "2026-11-16T01:05:00Z"),
        ("inside", "resolved", "2026-11-16T01:15:00Z"),
        ("edges", "resolved", "2026-11-16T02:00:00Z"),
    ]
    for fingerprint in {e["fingerprint"] for e in kept}:
        actions = [e["action"] for e in kept if e["fingerprint"] == fingerprint]
        assert actions == ["triggered", "resolved"] * (len(actions) // 2)
    assert window(events, at(0), at(4 * hour)) == events


def test_select_windows_from_the_first_days_clock_time() -> None:
    events = stream(
        occurrence(3600 + 60, 3600 + 120, "one", "A", "noise"),
        occurrence(7200 + 60, 7200 + 120, "two", "B", "noise"),
    )
    assert select(events, None, None) == events
    assert [e["fingerprint"] for e in select(events, timedelta(hours=2), 1.0)] == ["two", "two"]
    assert [e["fingerprint"] for e in select(events, None, 2.0)] == ["one", "one"]


def test_am_duration_is_whole_units_to_the_millisecond() -> None:
    assert [am_duration(s) for s in (0, 0.5, 3, 3.25, 240, 14_400 / 7)] == [
        "0s",
        "500ms",
        "3s",
        "3s250ms",
        "4m",
        "34m17s143ms",
    ]


# --- a real Alertmanager ----------------------------------------------------------------------------

SCALE = 10.0
GROUP_WAIT = 30.0
GROUP_INTERVAL = 60.0
"""Not Alertmanager's 5 min: 30 s wall to wait for the last resolve at scale 10 is too long for a test;
60 s also keeps every resolve (60 s after a group's first flush) off a group_interval tick."""


@pytest.mark.slow
def test_replay_into_a_real_alertmanager(tmp_path: Path) -> None:
    """~75 s of stream at x10: one incident (root + 2 symptoms, 60 s, one alertname each), a 5 s
    transient and a 45 s one. Alertmanager pages once per alertname group after group_wait; the 5 s
    transient resolves inside group_wait, so its new group never notifies; the 45 s one is paged."""
    incident = [
        occurrence(5, 65, "fp-root", "ServiceDown", "incident", "INC-0001", role="root"),
        occurrence(8, 68, "fp-err", "HighErrorRate", "incident", "INC-0001", role="symptom"),
        occurrence(10, 70, "fp-lat", "HighLatency", "incident", "INC-0001", role="symptom"),
    ]
    blip = occurrence(20, 25, "fp-blip", "DiskIOSpike", "transient", service="search")
    slow = occurrence(30, 75, "fp-slow", "QueueBacklog", "transient", service="orders")
    events = stream(*incident, blip, slow)

    replay = replay_into_alertmanager(
        events,
        scale=SCALE,
        group_wait=GROUP_WAIT,
        group_interval=GROUP_INTERVAL,
        repeat_interval=3600,
        work_dir=tmp_path,
    )
    result = replay.score

    assert replay.timers == {"group_wait": "3s", "group_interval": "6s", "repeat_interval": "6m"}
    assert (replay.posts, replay.alerts_posted) == (10, 10)
    assert replay.max_lag < 0.5, "posts fell behind schedule: the timing is not valid"
    assert result.missed_incidents == ()
    assert result.incidents == 1
    inc = result.per_incident["INC-0001"]
    assert inc.seconds_to_page is not None
    assert GROUP_WAIT - 1 <= inc.seconds_to_page <= GROUP_WAIT + 10, inc.seconds_to_page
    # ServiceDown, HighErrorRate, HighLatency: three groups, three pages for one incident.
    assert (inc.pages, result.incident_pages) == (3, 3)
    assert result.noise_pages == 1
    assert result.pages_total == 4
    assert result.pages_by_kind == {"incident": 3, "transient": 1}
    assert result.pages_nothing_new == 0
    noise = [n for n in replay.notifications if n.status == "firing" and "QueueBacklog" in str(n.payload)]
    assert len(noise) == 1
    assert (noise[0].stream_at - at(30)).total_seconds() == pytest.approx(GROUP_WAIT, abs=8)
    assert not [n for n in replay.notifications if "DiskIOSpike" in str(n.payload)]

    # send_resolved: one resolved notification per group, on its next group_interval tick.
    resolved = [n for n in replay.notifications if n.status == "resolved"]
    assert result.resolved_messages == len(resolved) == 4
    ends = {e["labels"]["alertname"]: at(0) for e in events}
    for e in events:
        if e["action"] == "resolved":
            ends[e["labels"]["alertname"]] = datetime.fromisoformat(e["at"])
    for message in resolved:
        (only,) = message.payload["alerts"]
        assert only["status"] == "resolved"
        assert message.stream_at >= ends[only["labels"]["alertname"]]
    assert replay.notifications[-1].received - replay.started < 75 / SCALE + GROUP_INTERVAL / SCALE + 2.5
