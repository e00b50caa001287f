"""Cascading multi-source alert days with ground truth: ``python -m bench.streamgen_cascade --seed N --out day.jsonl``.

An extension of :mod:`bench.streamgen` (same world, same catalog of alerts, same transients, flapping and
noise) built to measure cross-service correlation (issue 15):

- **at least 15 real incidents** a day, each spanning 1-3 services (plus its infrastructure root):
  - cascades on **shared infrastructure**, following a dependency map: a database down (its dependents'
    connection errors), a node down (the pods on it), a cluster's network partitioned, or a service other
    services call (its callers time out). Symptoms start a few seconds to a few minutes after the root;
  - **unshared** single-service incidents (a crash loop, an error spike of one service);
- **concurrent unrelated incidents**: about a quarter of them start within 90 s of another incident, in
  another cluster, on disjoint infrastructure;
- **noisy services that fire together by chance**: a few pairs of unrelated chatty services whose blips
  start within seconds of each other, several times a day;
- **two sources**: infrastructure and about half of the services alert through Prometheus
  **Alertmanager** (``{"webhook": "alertmanager", "body": {...}}`` lines, one alert per body), the
  other services through **Coralogix** log alerts (``{"webhook": "coralogix", "body": {...}}``, the
  default template with ``subsystem`` naming the service and ``application`` its cluster);
- the usual transient blips (about 70% of the alerts), flapping and low-value noise; no maintenance.

Every line carries ``truth`` (kind, incident id, role root/symptom) as :mod:`bench.streamgen` does. The
dependency map the cascades followed (service -> the services and databases it depends on) is written
next to the stream (``--topology``, default ``<out>.topology.yaml``) as a ``correlation.topology``
section, so correlation can be given it. The same seed always gives the same bytes.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import math
import random
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, Final

from bench import streamgen
from bench.streamgen import (
    CLUSTERS,
    DATABASE_TRANSIENTS,
    DEFAULT_START,
    NETWORK_SERVICE,
    NODE_SCOPED,
    NODE_SERVICE,
    NODE_TRANSIENTS,
    SERVICE_TRANSIENTS,
    Database,
    Event,
    Service,
    World,
    _Builder,
    _Incident,
    _utc,
    build_world,
)

DEFAULT_SERVICES: Final = 60
INCIDENTS: Final = (16, 22)
"""Real incidents a (24 h) day, drawn between the two."""
CONCURRENT_SHARE: Final = 0.25
"""About this share of incidents start within :data:`CONCURRENT_SECONDS` of another, in another cluster."""
CONCURRENT_SECONDS: Final = (0, 90)
NEAR_SECONDS: Final = 10 * 60
"""Incidents that start this close to each other are in different clusters, on disjoint infrastructure
(checked against every incident placed so far, not only the one a concurrent incident is placed next to)."""
APART_SECONDS: Final = 30 * 60
"""Two incidents touching the same service, database or node are this far apart at least: grouping by
service must not merge two real incidents by itself (what ``wrongly joined`` measures is correlation)."""
KINDS: Final = (("DatabaseDown", 0.3), ("NodeDown", 0.2), ("Dependency", 0.2), ("NetworkPartition", 0.05))
"""Cascade kinds and weights; the rest (0.25) are single-service incidents."""
SINGLE_SHARE: Final = 0.25
SYMPTOM_SERVICES: Final = (1, 3)
SYMPTOM_DELAY: Final = (5, 240)
"""A symptom starts this many seconds after its root (a few seconds to a few minutes)."""
SYMPTOM_END_DELAY: Final = (0, 180)
ROOT_SECONDS: Final = (12 * 60, 2 * 3600)
CORALOGIX_SHARE: Final = 0.5
"""The share of services that alert through Coralogix (infrastructure always through Alertmanager)."""
TRANSIENT_SCALE: Final = 0.06
"""Blip rates relative to :mod:`bench.streamgen` (8/service/hour there): about 70% of the alerts here."""
CHANCE_PAIRS: Final = 3
CHANCE_PER_PAIR_DAY: Final = (6, 12)
"""How often each noisy pair blips together by chance in a day."""
CHANCE_GAP: Final = (0, 20)
DB_SYMPTOMS: Final = ("DatabaseConnectionErrors", "HighErrorRate", "HighLatency")
NODE_SYMPTOMS: Final = ("TargetDown", "KubePodNotReady", "PodCrashLooping")
CALLER_SYMPTOMS: Final = ("UpstreamTimeouts", "HighErrorRate")
PARTITION_SYMPTOMS: Final = ("UpstreamTimeouts", "HighLatency")
SINGLE_ROOTS: Final = ("HighErrorRate", "PodCrashLooping", "HighLatency")
CORALOGIX_NAMES: Final = {
    "HighErrorRate": "Error logs spike",
    "HighLatency": "Slow request logs",
    "UpstreamTimeouts": "Upstream timeout errors in logs",
    "DatabaseConnectionErrors": "Database connection errors in logs",
    "PodCrashLooping": "Fatal errors at startup",
}
"""What a Coralogix log alert calls the alert Prometheus would call by the key."""


def topology(world: World) -> dict[str, list[str]]:
    """Service -> the services it calls and the databases it uses (the map the cascades follow)."""
    depends: dict[str, list[str]] = {service.name: list(service.calls) for service in world.services}
    for database in world.databases:
        for name in database.dependents:
            depends[name].append(database.name)
    return {name: sorted(targets) for name, targets in sorted(depends.items()) if targets}


def coralogix_services(world: World, seed: int) -> frozenset[str]:
    """The services that alert through Coralogix (fixed per world and seed)."""
    rng = random.Random(f"holdoff-cascade-sources:{seed}")
    names = sorted(service.name for service in world.services)
    return frozenset(rng.sample(names, round(len(names) * CORALOGIX_SHARE)))


@dataclass(frozen=True)
class _Placed:
    start: int
    end: int
    cluster: str
    infra: frozenset[str]
    """The services, databases and nodes it touches: a concurrent incident must touch none of them."""


class _CascadeBuilder(_Builder):
    def __init__(self, world: World, rng: random.Random, length: int, start: datetime, hours: float) -> None:
        super().__init__(world, rng, length, start, hours)
        self.windows = []
        self.spots: list[_Placed] = []

    def maintenance(self) -> None:
        """No planned maintenance in these days: the bench policy has no mute."""

    def incidents(self) -> None:
        rng = self.rng
        count = max(1, round(rng.randint(*INCIDENTS) * min(1.0, self.length / 86_400)))
        for _ in range(count):
            concurrent = bool(self.spots) and rng.random() < CONCURRENT_SHARE
            for _attempt in range(60):
                if self.incident(concurrent and _attempt < 40):
                    break

    def incident(self, concurrent: bool) -> bool:
        rng = self.rng
        latest_end = self.length - SYMPTOM_END_DELAY[1] - 1
        low, high = ROOT_SECONDS
        duration = min(round(math.exp(rng.uniform(math.log(low), math.log(high)))), latest_end)
        if duration < low:
            return False
        other = rng.choice(self.spots) if concurrent else None
        if other is not None:
            start = other.start + rng.randint(*CONCURRENT_SECONDS)
            if start + duration > latest_end:
                return False
        else:
            start = rng.randint(0, latest_end - duration)
        end = start + duration
        kinds = [*KINDS, ("Single", SINGLE_SHARE)]
        kind = rng.choices([item[0] for item in kinds], weights=[item[1] for item in kinds])[0]
        planned = self.plan(kind)
        if planned is None:
            return False
        root, cluster, infra, symptoms = planned
        infra |= {root.labels["service"]}
        if any(
            abs(spot.start - start) <= NEAR_SECONDS and (cluster == spot.cluster or infra & spot.infra)
            for spot in self.spots
        ):
            return False
        if any(
            spot.start - APART_SECONDS <= end and start <= spot.end + APART_SECONDS and infra & spot.infra
            for spot in self.spots
        ):
            return False
        if not self.free(root, start, end):
            return False
        chosen: list[tuple[streamgen._Alert, int, int]] = []
        for alert in symptoms:
            first = start + rng.randint(*SYMPTOM_DELAY)
            last = end + rng.randint(*SYMPTOM_END_DELAY)
            if self.free(alert, first, last) and all(alert is not item for item, _, _ in chosen):
                chosen.append((alert, first, last))
        if symptoms and not chosen:
            return False
        incident = _Incident(cascading=bool(chosen))
        self.add(root, start, end, "incident", incident, "root")
        for alert, first, last in chosen:
            self.add(alert, first, last, "incident", incident, "symptom")
        self.placed.append((start, len(self.placed), incident))
        self.spots.append(_Placed(start, end + SYMPTOM_END_DELAY[1], cluster, infra))
        return True

    def plan(self, kind: str) -> tuple[streamgen._Alert, str, frozenset[str], list[streamgen._Alert]] | None:
        """The root, its cluster, the infrastructure it touches and its symptoms' alerts."""
        rng, world = self.rng, self.world
        if kind == "Single":
            service = rng.choice(world.services)
            root = self.service_alert(rng.choice(SINGLE_ROOTS), "critical", service)
            return root, service.cluster, frozenset({service.name}), []
        if kind == "DatabaseDown":
            database = rng.choice(world.databases)
            root = self.alert(kind, "critical", database.name, database.team, database.cluster, database.node)
            hit = self.pick([world.service(name) for name in database.dependents])
            alerts = [self.symptom(rng.choice(DB_SYMPTOMS), service) for service in hit]
            return root, database.cluster, self.touched(hit, database.name, database.node), alerts
        if kind == "Dependency":
            called = [service for service in world.services if world.callers(service.name)]
            if not called:
                return None
            service = rng.choice(called)
            root = self.service_alert("HighErrorRate", "critical", service)
            hit = self.pick(world.callers(service.name))
            alerts = [self.symptom(rng.choice(CALLER_SYMPTOMS), caller) for caller in hit]
            return root, service.cluster, self.touched(hit, service.name), alerts
        cluster = rng.choice(CLUSTERS)
        if kind == "NetworkPartition":
            root = self.alert(kind, "critical", *NETWORK_SERVICE, cluster)
            hit = self.pick(world.in_cluster(cluster))
            alerts = [self.symptom(rng.choice(PARTITION_SYMPTOMS), service) for service in hit]
            return root, cluster, self.touched(hit, f"network:{cluster}"), alerts
        node = rng.choice(world.cluster_nodes(cluster))
        root = self.alert("NodeDown", "critical", *NODE_SERVICE, cluster, node)
        hit = self.pick(world.on_node(node))
        alerts = [self.symptom(rng.choice(NODE_SYMPTOMS), service, node) for service in hit]
        return root, cluster, self.touched(hit, node), alerts

    def pick(self, services: Sequence[Service]) -> list[Service]:
        if not services:
            return []
        wanted = self.rng.randint(SYMPTOM_SERVICES[0], min(SYMPTOM_SERVICES[1], len(services)))
        return self.rng.sample(list(services), wanted)

    def symptom(self, name: str, service: Service, node: str | None = None) -> streamgen._Alert:
        if node is None and name in NODE_SCOPED:
            node = self.rng.choice(service.nodes)
        severity = self.rng.choice(("high", "warning"))
        return self.alert(name, severity, service.name, service.team, service.cluster, node)

    @staticmethod
    def touched(services: Sequence[Service], *extra: str) -> frozenset[str]:
        names = {service.name for service in services} | {node for s in services for node in s.nodes}
        return frozenset(names | set(extra))

    def transients(self) -> None:
        """:mod:`bench.streamgen`'s blips at :data:`TRANSIENT_SCALE` of its rates, then the chance pairs."""
        rng = self.rng
        sources: list[tuple[float, Sequence[tuple[str, str, float]], Any]] = []
        for service in self.world.services:
            rate = streamgen.TRANSIENTS_PER_SERVICE_HOUR * service.noisiness * TRANSIENT_SCALE
            sources.append((rate, SERVICE_TRANSIENTS, service))
        for cluster, nodes in self.world.nodes:
            rate = streamgen.TRANSIENTS_PER_NODE_HOUR * TRANSIENT_SCALE
            sources.extend((rate, NODE_TRANSIENTS, (cluster, node)) for node in nodes)
        for database in self.world.databases:
            rate = streamgen.TRANSIENTS_PER_DATABASE_HOUR * TRANSIENT_SCALE
            sources.append((rate, DATABASE_TRANSIENTS, database))
        for rate, repertoire, subject in sources:
            at = rng.expovariate(rate / 3600)
            while at < self.length:
                name, severity, _weight = streamgen._weighted(rng, repertoire)
                self.blip(self.subject_alert(name, severity, subject), int(at))
                at += rng.expovariate(rate / 3600)
        self.chance_pairs()

    def subject_alert(self, name: str, severity: str, subject: Any) -> streamgen._Alert:
        if isinstance(subject, Service):
            return self.service_alert(name, severity, subject)
        if isinstance(subject, Database):
            return self.alert(name, severity, subject.name, subject.team, subject.cluster, subject.node)
        return self.alert(name, severity, *NODE_SERVICE, subject[0], subject[1])

    def blip(self, alert: streamgen._Alert, start: int) -> None:
        duration = self.transient_duration()
        if start + duration <= self.length and self.free(alert, start, start + duration):
            self.add(alert, start, start + duration, "transient")

    def chance_pairs(self) -> None:
        """Pairs of chatty services with no dependency between them whose blips start together."""
        rng, world = self.rng, self.world
        linked = topology(world)
        chatty = sorted(world.services, key=lambda service: -service.noisiness)[
            : max(2, len(world.services) // 4)
        ]
        pairs: list[tuple[Service, Service]] = []
        for a in chatty:
            for b in chatty:
                if (
                    a.name < b.name
                    and b.name not in linked.get(a.name, [])
                    and a.name not in linked.get(b.name, [])
                ) and not set(a.nodes) & set(b.nodes):
                    pairs.append((a, b))
        for a, b in rng.sample(pairs, min(CHANCE_PAIRS, len(pairs))):
            times = _scaled(rng.randint(*CHANCE_PER_PAIR_DAY), self.length)
            for _ in range(times):
                at = rng.randint(0, max(0, self.length - 300))
                name, severity, _weight = streamgen._weighted(rng, SERVICE_TRANSIENTS)
                self.blip(self.service_alert(name, severity, a), at)
                name, severity, _weight = streamgen._weighted(rng, SERVICE_TRANSIENTS)
                self.blip(self.service_alert(name, severity, b), at + rng.randint(*CHANCE_GAP))


def _scaled(per_day: int, length: int) -> int:
    return round(per_day * length / 86_400)


# --- the webhook lines ----------------------------------------------------------------------------


def _coralogix_id(fingerprint: str) -> str:
    return "cx-" + hashlib.sha256(fingerprint.encode()).hexdigest()[:12]


def to_webhook(event: Event, coralogix: frozenset[str], service_field: bool = True) -> Event:
    """One normalized :mod:`bench.streamgen` event as the webhook its source posts, with its truth."""
    labels = event["labels"]
    service = labels["service"]
    firing = event["action"] == "triggered"
    if service in coralogix:
        fields = [
            {"key": "team", "value": labels["team"]},
            {"key": "application", "value": f"shop-{labels['cluster']}"},
            {"key": "subsystem", "value": service},
            {"key": "severity", "value": event["severity"]},
        ]
        body: dict[str, Any] = {
            "alert_id": _coralogix_id(event["fingerprint"]),
            "name": f"{service}: {CORALOGIX_NAMES.get(event['name'], event['name'])}",
            "description": event["annotations"]["summary"],
            "alert_action": "TRIGGERED" if firing else "RESOLVED",
            "service": service if service_field else "$SERVICE",
            "fields": fields,
        }
        if "node" in labels:
            fields.append({"key": "node", "value": labels["node"]})
        if "cluster" in labels:
            fields.append({"key": "cluster", "value": labels["cluster"]})
        return {"at": event["at"], "webhook": "coralogix", "body": body, "truth": event["truth"]}
    alert = {
        "status": "firing" if firing else "resolved",
        "labels": labels,
        "annotations": event["annotations"],
        "startsAt": event["at"],
        "endsAt": "0001-01-01T00:00:00Z" if firing else event["at"],
        "fingerprint": event["fingerprint"],
    }
    body = {
        "version": "4",
        "receiver": "holdoff",
        "status": alert["status"],
        "alerts": [alert],
        "groupLabels": {"alertname": event["name"]},
        "commonLabels": labels,
        "commonAnnotations": event["annotations"],
    }
    return {"at": event["at"], "webhook": "alertmanager", "body": body, "truth": event["truth"]}


# --- the API --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Day:
    lines: list[Event]
    """The webhook lines, in time order."""
    topology: dict[str, list[str]]
    world: World
    coralogix: frozenset[str]


def generate(
    seed: int = 1,
    hours: float = 24,
    services: int = DEFAULT_SERVICES,
    start: datetime = DEFAULT_START,
    service_field: bool = True,
) -> Day:
    """A cascading multi-source day; ``service_field=False`` leaves Coralogix's ``service`` unfilled."""
    if not hours > 0 or math.isinf(hours):
        raise ValueError("hours must be a positive number")
    world = build_world(seed, services)
    begins = _utc(start)
    exact_end = (start.replace(tzinfo=UTC) if start.tzinfo is None else start.astimezone(UTC)) + timedelta(
        hours=hours
    )
    length = max(0, math.floor((exact_end - begins).total_seconds()))
    builder = _CascadeBuilder(world, random.Random(f"holdoff-cascade:{seed}"), length, begins, hours)
    if length > 0:
        builder.incidents()
        builder.flapping()
        builder.noise()
        builder.transients()
    coralogix = coralogix_services(world, seed)
    lines = [to_webhook(event, coralogix, service_field) for event in builder.events()]
    return Day(lines, topology(world), world, coralogix)


def topology_yaml(depends: dict[str, list[str]]) -> str:
    """The map as a ``correlation.topology`` section (service -> what it depends on)."""
    lines = [
        "# The dependency map bench/streamgen_cascade.py followed (service -> depends on).",
        "correlation:",
    ]
    lines.append("  topology:")
    for name, targets in depends.items():
        lines.append(f"    {json.dumps(name)}: [{', '.join(json.dumps(target) for target in targets)}]")
    return "\n".join(lines) + "\n"


def write(day: Day, path: str | Path, topology_path: str | Path | None = None) -> Path:
    """Write the stream and its topology (default ``<path>.topology.yaml``); returns the topology's path."""
    streamgen.write(day.lines, path)
    where = (
        Path(topology_path) if topology_path is not None else Path(f"{path}").with_suffix(".topology.yaml")
    )
    where.write_text(topology_yaml(day.topology), encoding="utf-8")
    return where


def summarize(day: Day) -> str:
    triggers = [line for line in day.lines if _firing(line)]
    kinds: dict[str, int] = {}
    for line in triggers:
        kinds[line["truth"]["kind"]] = kinds.get(line["truth"]["kind"], 0) + 1
    incidents = {line["truth"]["incident"] for line in triggers if line["truth"]["incident"]}
    sources = {line["webhook"]: 0 for line in triggers}
    for line in triggers:
        sources[line["webhook"]] += 1
    share = kinds.get("transient", 0) / len(triggers) if triggers else 0.0
    return (
        f"{len(day.lines):,} webhooks ({len(triggers):,} alerts), {len(incidents)} real incidents, "
        f"{share:.0%} transient; by kind {dict(sorted(kinds.items()))}; by source {dict(sorted(sources.items()))}"
    )


def _firing(line: Event) -> bool:
    body = line["body"]
    return bool(body.get("status") == "firing" or body.get("alert_action") == "TRIGGERED")


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m bench.streamgen_cascade",
        description="Write a cascading multi-source alert day (Alertmanager and Coralogix webhooks, with truth).",
    )
    parser.add_argument("--out", required=True, type=Path, help="the JSON Lines file to write")
    parser.add_argument("--seed", type=int, default=1, help="random seed (default 1)")
    parser.add_argument(
        "--topology", type=Path, help="where to write the topology (default <out>.topology.yaml)"
    )
    parser.add_argument("--hours", type=streamgen._positive_float, default=24.0, help="length (default 24)")
    parser.add_argument(
        "--services", type=streamgen._positive_int, default=DEFAULT_SERVICES, help="default 60"
    )
    parser.add_argument(
        "--no-coralogix-service",
        action="store_true",
        help="leave Coralogix's top-level service unfilled ($SERVICE): only subsystem names the service",
    )
    options = parser.parse_args(argv)
    day = generate(
        options.seed, options.hours, options.services, service_field=not options.no_coralogix_service
    )
    where = write(day, options.out, options.topology)
    print(
        f"wrote {options.out} and {where} (seed {options.seed}, {options.hours:g} h, {options.services} services)"
    )
    print(summarize(day))
    return 0


if __name__ == "__main__":
    sys.exit(main())
