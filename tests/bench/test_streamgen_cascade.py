"""Cascading multi-source days: determinism, incidents across services and sources, truth that holds."""

from __future__ import annotations

import json
from collections import defaultdict
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
import yaml

from bench import streamgen_cascade
from holdoff.correlate.config import CorrelationConfig
from holdoff.replay.stream import parse_lines
from holdoff.settings import Settings

SEEDS = (1, 2, 3)
SETTINGS = Settings()  # type: ignore[call-arg]


@pytest.fixture(scope="module")
def days() -> dict[int, streamgen_cascade.Day]:
    return {seed: streamgen_cascade.generate(seed=seed) for seed in SEEDS}


def firing(line: dict[str, Any]) -> bool:
    body = line["body"]
    return bool(body.get("status") == "firing" or body.get("alert_action") == "TRIGGERED")


def service_of(line: dict[str, Any]) -> str:
    body = line["body"]
    if line["webhook"] == "alertmanager":
        return str(body["alerts"][0]["labels"]["service"])
    fields = {item["key"]: item["value"] for item in body["fields"]}
    return str(fields["subsystem"])


def labels_of(line: dict[str, Any]) -> dict[str, str]:
    body = line["body"]
    if line["webhook"] == "alertmanager":
        return dict(body["alerts"][0]["labels"])
    return {item["key"]: str(item["value"]) for item in body["fields"]}


def at(line: dict[str, Any]) -> datetime:
    return datetime.fromisoformat(line["at"].replace("Z", "+00:00"))


def incidents(day: streamgen_cascade.Day) -> dict[str, list[dict[str, Any]]]:
    found: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for line in day.lines:
        if firing(line) and line["truth"]["kind"] == "incident":
            found[line["truth"]["incident"]].append(line)
    return found


def test_the_same_seed_gives_the_same_day_and_another_seed_another() -> None:
    first = streamgen_cascade.generate(seed=5, hours=6, services=30)
    again = streamgen_cascade.generate(seed=5, hours=6, services=30)
    other = streamgen_cascade.generate(seed=6, hours=6, services=30)
    assert json.dumps(first.lines) == json.dumps(again.lines)
    assert first.topology == again.topology
    assert json.dumps(first.lines) != json.dumps(other.lines)


def test_each_seed_has_at_least_15_incidents_over_several_services_and_both_sources(
    days: dict[int, streamgen_cascade.Day],
) -> None:
    for seed, day in days.items():
        found = incidents(day)
        assert len(found) >= 15, seed
        multi = [lines for lines in found.values() if len({service_of(line) for line in lines}) > 1]
        assert len(multi) >= len(found) // 2, seed
        mixed = [lines for lines in found.values() if len({line["webhook"] for line in lines}) == 2]
        assert mixed, f"seed {seed}: no incident with both Alertmanager and Coralogix alerts"
        assert {line["webhook"] for line in day.lines} == {"alertmanager", "coralogix"}


def test_most_alerts_are_transient_blips(days: dict[int, streamgen_cascade.Day]) -> None:
    for day in days.values():
        kinds = [line["truth"]["kind"] for line in day.lines if firing(line)]
        share = kinds.count("transient") / len(kinds)
        assert 0.6 <= share <= 0.85


def test_every_line_parses_through_the_replay_stream_reader(days: dict[int, streamgen_cascade.Day]) -> None:
    for day in days.values():
        items = list(parse_lines([json.dumps(line) for line in day.lines], SETTINGS))
        assert len(items) == len(day.lines)
        assert all(item.truth is not None for item in items)
        assert {item.event.source for item in items} == {"alertmanager", "coralogix"}
        coralogix = [item for item in items if item.event.source == "coralogix"]
        assert all(item.event.labels["service"] == item.event.labels["subsystem"] for item in coralogix)


def test_without_the_service_field_coralogix_names_the_service_only_in_subsystem() -> None:
    day = streamgen_cascade.generate(seed=1, hours=6, services=30, service_field=False)
    bodies = [line["body"] for line in day.lines if line["webhook"] == "coralogix"]
    assert bodies and all(body["service"] == "$SERVICE" for body in bodies)  # the template left unfilled
    items = list(parse_lines([json.dumps(line) for line in day.lines], SETTINGS))
    coralogix = [item for item in items if item.event.source == "coralogix"]
    # sources.naming gives them the service Alertmanager's alerts carry, from the subsystem
    assert all(item.event.labels["service"] == item.event.labels["subsystem"] for item in coralogix)


def test_truth_roles_are_consistent(days: dict[int, streamgen_cascade.Day]) -> None:
    for day in days.values():
        for line in day.lines:
            truth = line["truth"]
            if truth["kind"] == "incident":
                assert truth["incident"] and truth["role"] in ("root", "symptom")
            else:
                assert truth["incident"] is None and truth["role"] is None
        for name, lines in incidents(day).items():
            roots = [line for line in lines if line["truth"]["role"] == "root"]
            assert len(roots) == 1, name
            if service_of(roots[0]) in ("node-exporter", "network"):
                assert roots[0]["webhook"] == "alertmanager"
            assert all(at(line) > at(roots[0]) for line in lines if line is not roots[0]), name


def test_symptoms_follow_the_dependency_map_or_share_the_roots_infrastructure(
    days: dict[int, streamgen_cascade.Day],
) -> None:
    for day in days.values():
        for name, lines in incidents(day).items():
            root = next(line for line in lines if line["truth"]["role"] == "root")
            root_labels, root_service = labels_of(root), service_of(root)
            for line in lines:
                if line is root:
                    continue
                labels, service = labels_of(line), service_of(line)
                if root_service == "node-exporter":
                    assert labels.get("node") == root_labels["node"], name
                elif root_service == "network":
                    assert labels["cluster"] == root_labels["cluster"], name
                else:
                    assert root_service in day.topology[service], name


def test_some_unrelated_incidents_start_together_on_disjoint_infrastructure(
    days: dict[int, streamgen_cascade.Day],
) -> None:
    pairs = 0
    for day in days.values():
        roots = [lines[0] for lines in incidents(day).values()]
        for one in roots:
            for other in roots:
                close = 0 <= (at(other) - at(one)).total_seconds() <= 90 and one is not other
                if close and labels_of(one)["cluster"] != labels_of(other)["cluster"]:
                    pairs += 1
    assert pairs >= 3


def test_noisy_unrelated_services_blip_together_by_chance(days: dict[int, streamgen_cascade.Day]) -> None:
    for day in days.values():
        blips = [line for line in day.lines if firing(line) and line["truth"]["kind"] == "transient"]
        together = 0
        for index, line in enumerate(blips):
            for other in blips[index + 1 : index + 6]:
                a, b = service_of(line), service_of(other)
                unrelated = a != b and b not in day.topology.get(a, []) and a not in day.topology.get(b, [])
                if unrelated and (at(other) - at(line)).total_seconds() <= 20:
                    together += 1
        assert together >= 10


def test_the_command_line_writes_the_stream_and_its_topology(tmp_path: Path) -> None:
    out = tmp_path / "day.jsonl"
    topo = tmp_path / "topo.yaml"
    status = streamgen_cascade.main(
        ["--seed", "2", "--out", str(out), "--topology", str(topo), "--hours", "4", "--services", "20"]
    )
    assert status == 0
    day = streamgen_cascade.generate(seed=2, hours=4, services=20)
    assert [json.loads(line) for line in out.read_text().splitlines()] == day.lines
    assert yaml.safe_load(topo.read_text()) == {"correlation": {"topology": day.topology}}
    streamgen_cascade.main(["--out", str(tmp_path / "other.jsonl"), "--hours", "1"])
    assert (tmp_path / "other.topology.yaml").exists()


def test_the_written_topology_is_a_correlation_section_the_core_accepts(tmp_path: Path) -> None:
    day = streamgen_cascade.generate(seed=3, hours=2, services=30)
    path = tmp_path / "topo.yaml"
    streamgen_cascade.write(day, tmp_path / "day.jsonl", path)
    config = CorrelationConfig.model_validate(yaml.safe_load(path.read_text())["correlation"])
    assert config.topology == {name: tuple(targets) for name, targets in day.topology.items()}
    assert any(config.depends(name, target) for name, targets in day.topology.items() for target in targets)
