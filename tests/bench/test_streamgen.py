"""The synthetic alert stream: shape, determinism, and the ground truth's promises."""

from __future__ import annotations

import json
import re
from collections import defaultdict
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pytest

from bench import streamgen

Event = streamgen.Event
START = datetime(2026, 11, 16, tzinfo=UTC)
AT = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{3})?Z$")


@dataclass(frozen=True)
class Occurrence:
    triggered: Event
    resolved: Event
    start: datetime
    end: datetime

    @property
    def seconds(self) -> float:
        return (self.end - self.start).total_seconds()

    @property
    def truth(self) -> dict[str, Any]:
        return dict(self.triggered["truth"])


def parse(at: str) -> datetime:
    return datetime.fromisoformat(at.replace("Z", "+00:00"))


def occurrences(events: list[Event]) -> list[Occurrence]:
    """Pair each trigger with its resolve, failing on a double trigger or a resolve of nothing."""
    open_: dict[str, Event] = {}
    paired: list[Occurrence] = []
    for event in events:
        fingerprint = event["fingerprint"]
        if event["action"] == "triggered":
            assert fingerprint not in open_, f"{fingerprint} triggered twice without a resolve"
            open_[fingerprint] = event
        else:
            assert event["action"] == "resolved"
            triggered = open_.pop(fingerprint)
            paired.append(Occurrence(triggered, event, parse(triggered["at"]), parse(event["at"])))
    assert open_ == {}, "alerts still firing at the end of the stream"
    return paired


@pytest.fixture(scope="module")
def day() -> list[Event]:
    """The default day: seed 1, 24 h, 40 services."""
    return streamgen.generate(seed=1)


@pytest.fixture(scope="module")
def day_occurrences(day: list[Event]) -> list[Occurrence]:
    return occurrences(day)


def test_same_seed_gives_the_same_stream_and_another_seed_another(tmp_path: Path) -> None:
    first = streamgen.generate(seed=7, hours=3, services=12)
    second = streamgen.generate(seed=7, hours=3, services=12)
    other = streamgen.generate(seed=8, hours=3, services=12)
    assert first == second
    assert first != other
    streamgen.write(first, tmp_path / "a.jsonl")
    streamgen.write(second, tmp_path / "b.jsonl")
    assert (tmp_path / "a.jsonl").read_bytes() == (tmp_path / "b.jsonl").read_bytes()
    assert streamgen.build_world(7, 12) == streamgen.build_world(7, 12)
    assert streamgen.build_world(7, 12) != streamgen.build_world(8, 12)


def test_events_are_sorted_and_inside_the_requested_span(day: list[Event]) -> None:
    start = datetime(2026, 3, 1, 5, 30, 15, tzinfo=UTC)
    short = streamgen.generate(
        seed=3, hours=2.5, services=10, start=start.astimezone(timezone(timedelta(hours=2)))
    )
    for events, first, last in (
        (day, START, START + timedelta(hours=24)),
        (short, start, start + timedelta(hours=2.5)),
    ):
        times = [parse(event["at"]) for event in events]
        assert times == sorted(times)
        assert first <= times[0] and times[-1] <= last
        assert all(AT.match(event["at"]) for event in events)
    assert len(short) > 100


def test_every_event_has_the_documented_shape(day: list[Event]) -> None:
    for event in day:
        assert list(event) == [
            "at",
            "source",
            "fingerprint",
            "action",
            "name",
            "severity",
            "labels",
            "annotations",
            "truth",
        ]
        assert event["source"] == "alertmanager"
        assert event["action"] in ("triggered", "resolved")
        assert event["severity"] in streamgen.SEVERITIES
        labels = event["labels"]
        assert {"alertname", "service", "team", "cluster", "env", "severity"} <= set(labels)
        assert labels["alertname"] == event["name"]
        assert labels["severity"] == event["severity"]
        assert labels["env"] == "prod"
        assert labels["cluster"] in streamgen.CLUSTERS
        if "node" in labels:
            assert re.fullmatch(rf"{labels['cluster']}-(node|db)-\d\d", labels["node"])
        assert event["annotations"]["summary"]
        truth = event["truth"]
        assert truth["kind"] in streamgen.KINDS
        if truth["kind"] == "incident":
            assert re.fullmatch(r"INC-\d{4}", truth["incident"])
            assert truth["role"] in ("root", "symptom")
        else:
            assert truth["incident"] is None and truth["role"] is None
        if truth["kind"] == "noise":
            assert event["severity"] in ("info", "low")


def test_fingerprints_are_stable_for_a_label_set(day: list[Event]) -> None:
    labels_of: dict[str, str] = {}
    fingerprint_of: dict[str, str] = {}
    for event in day:
        labels = json.dumps(event["labels"], sort_keys=True)
        assert labels_of.setdefault(event["fingerprint"], labels) == labels
        assert fingerprint_of.setdefault(labels, event["fingerprint"]) == event["fingerprint"]
        assert event["fingerprint"] == streamgen.fingerprint(event["labels"])
    # Alerts fire again later under the same fingerprint (blips, flapping).
    assert len(labels_of) < len(day) / 4


def test_each_occurrence_triggers_once_then_resolves_with_the_same_fields(
    day_occurrences: list[Occurrence],
) -> None:
    assert len(day_occurrences) > 1000
    for occurrence in day_occurrences:
        assert occurrence.end > occurrence.start
        triggered = {key: value for key, value in occurrence.triggered.items() if key not in ("at", "action")}
        resolved = {key: value for key, value in occurrence.resolved.items() if key not in ("at", "action")}
        assert triggered == resolved


def test_the_pairing_check_catches_a_double_trigger(day: list[Event]) -> None:
    first = day[0]
    with pytest.raises(AssertionError, match="triggered twice"):
        occurrences([first, dict(first), {**first, "action": "resolved"}])


def test_transient_and_flapping_occurrences_are_short(day_occurrences: list[Occurrence]) -> None:
    flaps: dict[str, int] = defaultdict(int)
    for occurrence in day_occurrences:
        kind = occurrence.truth["kind"]
        if kind == "transient":
            assert 10 <= occurrence.seconds < 240
        elif kind == "flapping":
            assert 30 <= occurrence.seconds <= 90
            flaps[occurrence.triggered["fingerprint"]] += 1
    assert flaps, "no flapping alert in the default day"
    # A flapping alert fires and clears repeatedly under one fingerprint.
    assert all(count >= 3 for count in flaps.values())


def test_real_incidents_have_one_root_and_last_long_enough(day_occurrences: list[Occurrence]) -> None:
    incidents: dict[str, list[Occurrence]] = defaultdict(list)
    for occurrence in day_occurrences:
        if occurrence.truth["kind"] == "incident":
            incidents[occurrence.truth["incident"]].append(occurrence)
    assert 8 <= len(incidents) <= 20
    cascading = 0
    for members in incidents.values():
        roots = [member for member in members if member.truth["role"] == "root"]
        assert len(roots) == 1
        root = roots[0]
        assert root.triggered["severity"] == "critical"
        assert timedelta(minutes=12) <= root.end - root.start <= timedelta(hours=3)
        symptoms = [member for member in members if member.truth["role"] == "symptom"]
        for symptom in symptoms:
            assert symptom.triggered["severity"] in ("high", "warning")
            assert timedelta(0) < symptom.start - root.start <= timedelta(seconds=120)
            assert timedelta(0) <= symptom.end - root.end <= timedelta(seconds=180)
        for member in members:
            assert member.end - member.start >= timedelta(minutes=10)
        if root.triggered["name"] in ("NodeDown", "DatabaseDown", "NetworkPartition"):
            assert 3 <= len(symptoms) <= 20
            cascading += 1
        else:
            assert symptoms == []
    # About half cascade; ids are numbered in the order the incidents start.
    assert 0.25 <= cascading / len(incidents) <= 0.75
    ordered = sorted(incidents, key=lambda name: min(member.start for member in incidents[name]))
    assert ordered == [f"INC-{number:04d}" for number in range(1, len(incidents) + 1)]


def test_cascades_hit_the_services_that_depend_on_the_root(day_occurrences: list[Occurrence]) -> None:
    world = streamgen.build_world(1, 40)
    roots: dict[str, Occurrence] = {}
    symptoms: dict[str, list[Occurrence]] = defaultdict(list)
    for occurrence in day_occurrences:
        truth = occurrence.truth
        if truth["role"] == "root":
            roots[truth["incident"]] = occurrence
        elif truth["role"] == "symptom":
            symptoms[truth["incident"]].append(occurrence)
    seen = set()
    for incident, root in roots.items():
        root_labels = root.triggered["labels"]
        seen.add(root.triggered["name"])
        for symptom in symptoms[incident]:
            labels = symptom.triggered["labels"]
            service = world.service(labels["service"])
            assert labels["cluster"] == root_labels["cluster"] == service.cluster
            if root.triggered["name"] == "NodeDown":
                hosted = {hosted.name for hosted in world.on_node(root_labels["node"])}
                callers = {caller.name for name in hosted for caller in world.callers(name)}
                assert service.name in hosted | callers
                if "node" in labels:
                    assert labels["node"] == root_labels["node"]
            elif root.triggered["name"] == "DatabaseDown":
                database = next(db for db in world.databases if db.name == root_labels["service"])
                assert service.name in database.dependents
    assert {"NodeDown", "DatabaseDown", "NetworkPartition"} <= seen


def test_maintenance_alerts_lie_inside_the_eu1_window(day_occurrences: list[Occurrence]) -> None:
    opens, closes = START + timedelta(hours=2), START + timedelta(hours=3)
    maintenance = [item for item in day_occurrences if item.truth["kind"] == "maintenance"]
    assert any(item.triggered["name"] == "NodeDown" for item in maintenance)
    for item in maintenance:
        assert item.triggered["labels"]["cluster"] == "eu-1"
        assert opens <= item.start and item.end <= closes
        assert timedelta(minutes=2) <= item.end - item.start <= timedelta(minutes=15)
    # No real incident in eu-1 overlaps the window, so muting it hides nothing that must page.
    for item in day_occurrences:
        if item.truth["kind"] == "incident" and item.triggered["labels"]["cluster"] == "eu-1":
            assert item.end < opens or item.start > closes


def test_maintenance_follows_the_daily_window_only() -> None:
    two_days = occurrences(streamgen.generate(seed=2, hours=48, services=6))
    days = {item.start.date() for item in two_days if item.truth["kind"] == "maintenance"}
    assert days == {START.date(), START.date() + timedelta(days=1)}
    for item in two_days:
        if item.truth["kind"] == "maintenance":
            opens = datetime(item.start.year, item.start.month, item.start.day, 2, tzinfo=UTC)
            assert opens <= item.start and item.end <= opens + timedelta(hours=1)
    afternoon = streamgen.generate(seed=2, hours=12, services=6, start=START + timedelta(hours=4))
    assert afternoon and all(event["truth"]["kind"] != "maintenance" for event in afternoon)


def test_a_large_cluster_restarts_only_what_fits_in_the_window() -> None:
    # 40 services in eu-1 run on 24 nodes: far more restarts than one hour holds.
    night = occurrences(streamgen.generate(seed=4, hours=5, services=120))
    maintenance = [item for item in night if item.truth["kind"] == "maintenance"]
    assert maintenance
    assert min(item.start for item in maintenance) >= START + timedelta(hours=2)
    assert max(item.end for item in maintenance) <= START + timedelta(hours=3)
    assert max(item.end for item in maintenance) >= START + timedelta(hours=2, minutes=40)


def test_the_default_day_has_a_realistic_mix(day: list[Event]) -> None:
    summary = streamgen.summarize(day)
    assert 10_000 <= summary.events <= 40_000
    alerts = {kind: counts[0] for kind, counts in summary.by_kind.items()}
    assert alerts["transient"] > 0.8 * summary.alerts
    assert all(alerts[kind] > 0 for kind in streamgen.KINDS)
    assert summary.events == 2 * summary.alerts
    assert summary.first is not None and summary.first.startswith("2026-11-16T")


def test_the_world_places_services_teams_and_nodes() -> None:
    for size in (40, 100):
        world = streamgen.build_world(1, size)
        names = [service.name for service in world.services]
        assert len(names) == size == len(set(names))
        for service in world.services:
            assert service.team in streamgen.TEAM_SERVICES
            assert service.cluster in streamgen.CLUSTERS
            assert 2 <= len(service.nodes) <= 3
            assert set(service.nodes) <= set(world.cluster_nodes(service.cluster))
            assert all(world.service(name).cluster == service.cluster for name in service.calls)
        assert {service.cluster for service in world.services} == set(streamgen.CLUSTERS)
        assert world.databases
        for database in world.databases:
            assert database.dependents
            assert all(world.service(name).cluster == database.cluster for name in database.dependents)


def test_more_services_and_hours_give_more_events() -> None:
    small = streamgen.generate(seed=1, hours=2, services=10)
    large = streamgen.generate(seed=1, hours=4, services=40)
    assert len(large) > 4 * len(small)


def test_the_written_file_round_trips_through_json(tmp_path: Path) -> None:
    events = streamgen.generate(seed=5, hours=2, services=8)
    path = tmp_path / "stream.jsonl"
    assert streamgen.write(events, path) == len(events)
    lines = path.read_text(encoding="utf-8").splitlines()
    assert len(lines) == len(events)
    assert [json.loads(line) for line in lines] == events
    assert streamgen.read(path) == events


def test_the_command_line_writes_the_stream_and_prints_a_summary(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "day.jsonl"
    argv = [
        "--out",
        str(out),
        "--seed",
        "4",
        "--hours",
        "3",
        "--services",
        "9",
        "--start",
        "2026-11-20T01:00:00Z",
    ]
    assert streamgen.main(argv) == 0
    expected = streamgen.generate(seed=4, hours=3, services=9, start=datetime(2026, 11, 20, 1, tzinfo=UTC))
    assert streamgen.read(out) == expected
    printed = capsys.readouterr().out
    summary = streamgen.summarize(expected)
    assert f"{summary.events:,} events" in printed
    assert re.search(rf"transient\s+{summary.by_kind['transient'][0]:,}\s", printed)
    assert f"real incidents: {summary.incidents} " in printed


def test_the_command_line_rejects_bad_options(tmp_path: Path) -> None:
    for bad in (["--hours", "0"], ["--services", "0"], ["--start", "yesterday"]):
        with pytest.raises(SystemExit) as exit_:
            streamgen.main(["--out", str(tmp_path / "x.jsonl"), *bad])
        assert exit_.value.code == 2
    assert not (tmp_path / "x.jsonl").exists()
