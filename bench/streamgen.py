"""A synthetic, realistic alert stream with ground truth: ``python -m bench.streamgen --out day.jsonl``.

The generator models a small production estate (services owned by teams, placed in three clusters,
running on nodes, some of them sharing databases) and the alerts such an estate sends in a day:
mostly transient blips, a few flapping alerts, low-value noise, the alerts of a nightly planned
maintenance, and a handful of real incidents, half of them cascading from a root cause to the
services that depend on it. Every event carries its ground truth (``truth``), so a replay can score
what was paged against what had to be.

The stream is JSON Lines, one event per line, sorted by time (see ``bench/README.md``). Everything
is drawn from ``random.Random`` instances seeded from ``seed``: the same arguments always give the
same stream, byte for byte, and nothing depends on the wall clock.

Python API: :func:`generate` returns the events, :func:`write` writes them, :func:`read` reads a
file back, :func:`summarize` counts them, and :func:`build_world` returns the estate a stream is
drawn from.
"""

from __future__ import annotations

import argparse
import bisect
import hashlib
import json
import math
import random
import sys
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, Final

Event = dict[str, Any]
"""One line of the stream (see the module docstring and ``bench/README.md`` for its shape)."""

SOURCE: Final = "alertmanager"
SEVERITIES: Final = ("critical", "high", "warning", "info", "low")
KINDS: Final = ("incident", "transient", "flapping", "maintenance", "noise")
CLUSTERS: Final = ("eu-1", "us-1", "ap-1")
DEFAULT_START: Final = datetime(2026, 11, 16, tzinfo=UTC)

MAINTENANCE_CLUSTER: Final = "eu-1"
MAINTENANCE_HOUR_UTC: Final = 2
MAINTENANCE_SECONDS: Final = 3600
"""The planned maintenance: every day 02:00-03:00 UTC, cluster eu-1 (cron ``0 2 * * *``, 1h)."""

TRANSIENT_SECONDS: Final = (10, 235)
"""A transient blip fires for 10 s up to just under 4 minutes."""
FLAP_ON_SECONDS: Final = (30, 90)
FLAP_OFF_SECONDS: Final = (60, 300)
FLAP_EPISODE_SECONDS: Final = (30 * 60, 120 * 60)
INCIDENT_ROOT_SECONDS: Final = (12 * 60, 3 * 3600)
"""How long the root alert of a real incident fires (log-uniform between the two)."""
SYMPTOM_START_DELAY: Final = (1, 120)
"""A symptom starts this many seconds after its root..."""
SYMPTOM_END_DELAY: Final = (0, 180)
"""...and resolves this many seconds after its root resolves."""
SYMPTOMS_PER_CASCADE: Final = (3, 20)
MAINTENANCE_NODE_DOWN_SECONDS: Final = (180, 600)

# Rates, for the default day (24 h, 40 services); they scale with services x hours.
INCIDENTS_PER_SERVICE_DAY: Final = 0.3
"""About 12 real incidents in a 24 h, 40-service day (drawn between 0.7x and 1.4x that)."""
FLAPPING_PER_SERVICE_DAY: Final = 0.125
NOISE_PER_SERVICE_DAY: Final = 1.5
TRANSIENTS_PER_SERVICE_HOUR: Final = 8.0
"""Average; each service has its own noisiness factor around it."""
TRANSIENTS_PER_NODE_HOUR: Final = 0.6
TRANSIENTS_PER_DATABASE_HOUR: Final = 1.0

TEAM_SERVICES: Final[dict[str, tuple[str, ...]]] = {
    "payments": ("checkout", "payments-api", "ledger", "fraud-check", "invoicing", "refunds"),
    "platform": (
        "api-gateway",
        "config-service",
        "feature-flags",
        "job-scheduler",
        "service-registry",
        "rate-limiter",
    ),
    "data": (
        "event-ingest",
        "etl-runner",
        "reporting",
        "warehouse-loader",
        "stream-processor",
        "metrics-pipeline",
    ),
    "web": ("storefront", "cart", "catalog", "recommendations", "product-pages", "media-resizer"),
    "identity": ("auth", "sessions", "user-profile", "sso", "token-service", "permissions"),
    "search": ("search-api", "indexer", "autocomplete", "ranking", "query-parser", "synonyms"),
    "messaging": ("notifications", "email-sender", "sms-gateway", "push-service", "webhooks-out", "chat"),
}
"""Service names by owning team; a world with more services reuses them with a ``-2``, ``-3`` suffix."""

DATABASES: Final = (
    ("orders-db", "payments"),
    ("users-db", "identity"),
    ("catalog-db", "web"),
    ("events-db", "data"),
    ("search-db", "search"),
    ("ledger-db", "payments"),
    ("messages-db", "messaging"),
    ("config-db", "platform"),
)

NODE_SERVICE: Final = ("node-exporter", "platform")
"""The ``service`` and ``team`` labels of alerts about a node itself."""
NETWORK_SERVICE: Final = ("network", "platform")
"""The ``service`` and ``team`` labels of alerts about a cluster's network."""

SUMMARIES: Final[dict[str, str]] = {
    "HighErrorRate": "Error rate above {threshold} on {service}",
    "HighLatency": "p99 latency above {latency} on {service}",
    "TargetDown": "Prometheus cannot scrape {service} on {node}",
    "KubePodNotReady": "A {service} pod on {node} has not been ready for a while",
    "PodCrashLooping": "A {service} pod on {node} is restarting repeatedly",
    "ContainerCPUThrottling": "{service} on {node} is CPU throttled",
    "ContainerMemoryHigh": "{service} on {node} uses more than 90% of its memory limit",
    "ProbeFailed": "The blackbox probe of {service} failed",
    "KafkaConsumerLag": "{service} is falling behind its Kafka topic",
    "UpstreamTimeouts": "{service} times out calling its upstreams",
    "DatabaseConnectionErrors": "{service} cannot connect to its database",
    "DiskWillFillIn4h": "A volume of {service} on {node} will be full within 4 hours",
    "NodeDown": "Node {node} is not responding",
    "NodeHighLoad": "Load average on {node} is above its CPU count",
    "NodeNetworkErrors": "{node} reports network receive errors",
    "NodeClockSkew": "The clock of {node} is drifting",
    "NodeDiskIOSaturated": "Disk I/O on {node} is saturated",
    "NetworkPartition": "Cluster {cluster} is partitioned: nodes cannot reach each other",
    "DatabaseDown": "Database {service} is down",
    "DatabaseReplicationLag": "Replication lag on {service} is above 30 s",
    "DatabaseSlowQueries": "Slow queries on {service}",
    "DatabaseConnectionsHigh": "{service} uses more than 90% of its connections",
    "CertificateExpiresIn30d": "The TLS certificate of {service} expires in less than 30 days",
    "DeprecatedAPIUsage": "{service} calls a deprecated API",
    "HighLogVolume": "{service} logs more than usual",
    "DiskUsageAbove70Percent": "Disk usage on {node} is above 70%",
    "PodRestarted": "A {service} pod on {node} restarted",
    "BackupTookLong": "The nightly backup of {service} took more than an hour",
}
"""The ``summary`` annotation of each alert name."""

NODE_SCOPED: Final = frozenset(
    {
        "TargetDown",
        "KubePodNotReady",
        "PodCrashLooping",
        "ContainerCPUThrottling",
        "ContainerMemoryHigh",
        "DiskWillFillIn4h",
        "PodRestarted",
    }
)
"""Service alerts about a pod on one node: they carry that ``node`` label."""

# (alert name, severity, weight) of the blips of a service, a node and a database.
SERVICE_TRANSIENTS: Final = (
    ("HighErrorRate", "warning", 3.0),
    ("HighLatency", "warning", 3.0),
    ("TargetDown", "warning", 2.0),
    ("KubePodNotReady", "warning", 2.0),
    ("ContainerCPUThrottling", "warning", 2.0),
    ("ContainerMemoryHigh", "warning", 1.0),
    ("KafkaConsumerLag", "warning", 1.0),
    ("UpstreamTimeouts", "warning", 1.0),
    ("ProbeFailed", "high", 1.0),
    ("HighErrorRate", "high", 1.0),
    ("HighLatency", "high", 1.0),
    ("PodCrashLooping", "high", 0.5),
    ("ProbeFailed", "critical", 0.3),
    ("HighErrorRate", "critical", 0.2),
)
NODE_TRANSIENTS: Final = (
    ("NodeHighLoad", "warning", 3.0),
    ("NodeNetworkErrors", "warning", 1.0),
    ("NodeClockSkew", "warning", 1.0),
    ("NodeDiskIOSaturated", "warning", 2.0),
)
DATABASE_TRANSIENTS: Final = (
    ("DatabaseReplicationLag", "warning", 2.0),
    ("DatabaseSlowQueries", "warning", 2.0),
    ("DatabaseConnectionsHigh", "high", 1.0),
)
# (alert name, severity, weight) of the alerts that flap.
SERVICE_FLAPPING: Final = (
    ("HighLatency", "warning", 2.0),
    ("TargetDown", "warning", 2.0),
    ("KubePodNotReady", "warning", 1.0),
    ("KafkaConsumerLag", "warning", 1.0),
    ("ProbeFailed", "high", 1.0),
)
# (alert name, severity, weight, shortest, longest seconds) of low-value alerts.
SERVICE_NOISE: Final = (
    ("CertificateExpiresIn30d", "info", 2.0, 30 * 60, 10 * 3600),
    ("DeprecatedAPIUsage", "info", 2.0, 10 * 60, 3 * 3600),
    ("HighLogVolume", "low", 2.0, 10 * 60, 2 * 3600),
    ("DiskUsageAbove70Percent", "info", 1.0, 3600, 12 * 3600),
    ("PodRestarted", "info", 2.0, 5 * 60, 20 * 60),
)
BACKUP_NOISE: Final = ("BackupTookLong", "low", 15 * 60, 90 * 60)
"""A database's nightly backup overran: at most once a night per database, starting 00:30-04:00."""
# Roots of single-alert incidents, and the symptoms of each cascade (all on the affected services).
SINGLE_ROOTS: Final = ("HighErrorRate", "HighLatency", "DiskWillFillIn4h", "PodCrashLooping")
NODE_DOWN_SYMPTOMS: Final = ("TargetDown", "KubePodNotReady", "HighErrorRate", "HighLatency")
"""For each service with a pod on the node; its callers get HighErrorRate / UpstreamTimeouts."""
CALLER_SYMPTOMS: Final = ("HighErrorRate", "UpstreamTimeouts")
DATABASE_DOWN_SYMPTOMS: Final = (
    "DatabaseConnectionErrors",
    "HighErrorRate",
    "HighLatency",
    "PodCrashLooping",
)
PARTITION_SYMPTOMS: Final = ("TargetDown", "HighLatency", "HighErrorRate", "UpstreamTimeouts")
CASCADES: Final = (("NodeDown", 0.4), ("DatabaseDown", 0.35), ("NetworkPartition", 0.25))


# --- the world --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Service:
    name: str
    team: str
    cluster: str
    nodes: tuple[str, ...]
    """The 2-3 nodes its pods run on."""
    calls: tuple[str, ...]
    """The services (same cluster) it calls; they are its upstreams."""
    noisiness: float
    """How many more (or fewer) blips it sends than the average service."""


@dataclass(frozen=True)
class Database:
    name: str
    team: str
    cluster: str
    node: str
    """Databases run on their own nodes, named like ``eu-1-db-01``."""
    dependents: tuple[str, ...]
    """The services (same cluster) that use it."""


@dataclass(frozen=True)
class World:
    services: tuple[Service, ...]
    databases: tuple[Database, ...]
    nodes: tuple[tuple[str, tuple[str, ...]], ...]
    """``(cluster, its application nodes)`` for each cluster."""

    def service(self, name: str) -> Service:
        for service in self.services:
            if service.name == name:
                return service
        raise KeyError(name)

    def cluster_nodes(self, cluster: str) -> tuple[str, ...]:
        return dict(self.nodes)[cluster]

    def on_node(self, node: str) -> list[Service]:
        return [service for service in self.services if node in service.nodes]

    def in_cluster(self, cluster: str) -> list[Service]:
        return [service for service in self.services if service.cluster == cluster]

    def callers(self, name: str) -> list[Service]:
        return [service for service in self.services if name in service.calls]


def build_world(seed: int = 1, services: int = 40) -> World:
    """The estate :func:`generate` draws a stream from; the same for any ``hours`` and ``start``."""
    if services < 1:
        raise ValueError("services must be at least 1")
    rng = random.Random(f"holdoff-streamgen-world:{seed}:{services}")
    pool = [(name, team) for team, names in TEAM_SERVICES.items() for name in names]
    rng.shuffle(pool)
    chosen: list[tuple[str, str, str]] = []
    for index in range(services):
        name, team = pool[index % len(pool)]
        copy = index // len(pool)
        chosen.append((name if copy == 0 else f"{name}-{copy + 1}", team, CLUSTERS[index % len(CLUSTERS)]))

    nodes: dict[str, tuple[str, ...]] = {}
    for cluster in CLUSTERS:
        count = max(3, math.ceil(sum(1 for item in chosen if item[2] == cluster) * 0.6))
        nodes[cluster] = tuple(f"{cluster}-node-{number:02d}" for number in range(1, count + 1))

    built: list[Service] = []
    for name, team, cluster in chosen:
        placed = sorted(rng.sample(nodes[cluster], rng.choice((2, 2, 3))))
        others = [item[0] for item in chosen if item[2] == cluster and item[0] != name]
        calls = sorted(rng.sample(others, min(len(others), rng.randint(0, 3))))
        noisiness = round(rng.lognormvariate(-0.18, 0.6), 3)
        built.append(Service(name, team, cluster, tuple(placed), tuple(calls), noisiness))

    databases: list[Database] = []
    for index in range(max(1, round(services / 10))):
        base, team = DATABASES[index % len(DATABASES)]
        copy = index // len(DATABASES)
        name = base if copy == 0 else base.replace("-db", f"-{copy + 1}-db")
        cluster = CLUSTERS[index % len(CLUSTERS)]
        members = [service.name for service in built if service.cluster == cluster]
        dependents = sorted(rng.sample(members, min(len(members), rng.randint(3, 8))))
        number = 1 + sum(1 for db in databases if db.cluster == cluster)
        databases.append(Database(name, team, cluster, f"{cluster}-db-{number:02d}", tuple(dependents)))
    return World(tuple(built), tuple(databases), tuple(nodes.items()))


# --- scheduling -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Alert:
    name: str
    severity: str
    labels: dict[str, str]
    annotations: dict[str, str]
    fingerprint: str


@dataclass
class _Incident:
    cascading: bool
    id: str = ""


@dataclass(frozen=True)
class _Occurrence:
    alert: _Alert
    start: int
    end: int
    """Seconds after the stream's start."""
    kind: str
    incident: _Incident | None = None
    role: str | None = None


def fingerprint(labels: dict[str, str]) -> str:
    """16 hex digits of the SHA-256 of the sorted label set: stable for an alert's labels."""
    text = json.dumps(sorted(labels.items()), separators=(",", ":"))
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def _weighted(rng: random.Random, choices: Sequence[tuple[Any, ...]]) -> tuple[Any, ...]:
    return rng.choices(choices, weights=[choice[2] for choice in choices])[0]


def _scaled_count(rng: random.Random, mean: float) -> int:
    """A count around ``mean``: between 0.7x and 1.4x it, so a default day stays in a sane range."""
    return round(mean * rng.uniform(0.7, 1.4))


class _Builder:
    def __init__(self, world: World, rng: random.Random, length: int, start: datetime, hours: float) -> None:
        self.world = world
        self.rng = rng
        self.length = length
        self.start = start
        self.scale = len(world.services) * hours / 24
        self.busy: dict[str, list[tuple[int, int]]] = {}
        self.alerts: dict[tuple[Any, ...], _Alert] = {}
        self.occurrences: list[_Occurrence] = []
        self.placed: list[tuple[int, int, _Incident]] = []
        """Each real incident placed so far, with its start and creation order (to number them)."""
        self.windows = self._maintenance_windows()

    # alerts and their fingerprints' busy intervals

    def alert(
        self, name: str, severity: str, service: str, team: str, cluster: str, node: str | None = None
    ) -> _Alert:
        key = (name, severity, service, team, cluster, node)
        found = self.alerts.get(key)
        if found is None:
            labels = {"alertname": name, "service": service, "team": team, "cluster": cluster}
            if node is not None:
                labels["node"] = node
            labels["env"] = "prod"
            labels["severity"] = severity
            threshold = {"critical": "10%", "high": "5%"}.get(severity, "2%")
            latency = {"critical": "5 s", "high": "2 s"}.get(severity, "1 s")
            summary = SUMMARIES[name].format(
                service=service, node=node or "", cluster=cluster, threshold=threshold, latency=latency
            )
            found = _Alert(name, severity, labels, {"summary": summary}, fingerprint(labels))
            self.alerts[key] = found
        return found

    def service_alert(self, name: str, severity: str, service: Service) -> _Alert:
        node = self.rng.choice(service.nodes) if name in NODE_SCOPED else None
        return self.alert(name, severity, service.name, service.team, service.cluster, node)

    def free(self, alert: _Alert, start: int, end: int) -> bool:
        """Whether the alert is resolved all through ``[start, end]``, with a second to spare each side."""
        intervals = self.busy.get(alert.fingerprint, [])
        index = bisect.bisect_left(intervals, (start,))
        if index < len(intervals) and intervals[index][0] <= end + 1:
            return False
        return not (index > 0 and intervals[index - 1][1] >= start - 1)

    def reserve(self, alert: _Alert, start: int, end: int) -> None:
        bisect.insort(self.busy.setdefault(alert.fingerprint, []), (start, end))

    def add(
        self,
        alert: _Alert,
        start: int,
        end: int,
        kind: str,
        incident: _Incident | None = None,
        role: str | None = None,
        reserve: bool = True,
    ) -> None:
        if reserve:
            self.reserve(alert, start, end)
        self.occurrences.append(_Occurrence(alert, start, end, kind, incident, role))

    # maintenance

    def _maintenance_windows(self) -> list[tuple[int, int]]:
        """Every 02:00-03:00 UTC window touching the stream, in seconds after its start (unclipped)."""
        windows: list[tuple[int, int]] = []
        day = self.start.date() - timedelta(days=1)
        while True:
            opens = datetime(day.year, day.month, day.day, MAINTENANCE_HOUR_UTC, tzinfo=UTC)
            offset = int((opens - self.start).total_seconds())
            if offset > self.length:
                return windows
            if offset + MAINTENANCE_SECONDS > 0:
                windows.append((offset, offset + MAINTENANCE_SECONDS))
            day += timedelta(days=1)

    def maintenance(self) -> None:
        """A rolling restart of eu-1's nodes in each window: NodeDown and its pods' alerts, all inside."""
        rng = self.rng
        nodes = list(self.world.cluster_nodes(MAINTENANCE_CLUSTER))
        for opens, closes in self.windows:
            first, last = max(opens, 0), min(closes, self.length) - 1
            rng.shuffle(nodes)
            at = first + rng.randint(0, 120)
            for node in nodes[: rng.randint(max(1, len(nodes) // 2), len(nodes))]:
                down = rng.randint(*MAINTENANCE_NODE_DOWN_SECONDS)
                if at + down + 60 > last:
                    break
                node_down = self.alert("NodeDown", "critical", *NODE_SERVICE, MAINTENANCE_CLUSTER, node)
                if self.free(node_down, at, at + down):
                    self.add(node_down, at, at + down, "maintenance")
                ends = at + down
                for service in self.world.on_node(node):
                    for name, severity, chance in (
                        ("TargetDown", "warning", 1.0),
                        ("KubePodNotReady", "high", 0.5),
                    ):
                        if rng.random() >= chance:
                            continue
                        alert = self.alert(name, severity, service.name, service.team, service.cluster, node)
                        start, end = at + rng.randint(0, 60), at + down + rng.randint(0, 60)
                        if self.free(alert, start, end):
                            self.add(alert, start, end, "maintenance")
                            ends = max(ends, end)
                at = ends + rng.randint(30, 180)

    def in_maintenance(self, cluster: str, start: int, end: int) -> bool:
        if cluster != MAINTENANCE_CLUSTER:
            return False
        return any(start <= closes and opens <= end for opens, closes in self.windows)

    # real incidents

    def incidents(self) -> None:
        rng = self.rng
        count = _scaled_count(rng, INCIDENTS_PER_SERVICE_DAY * self.scale)
        cascading = round(count * rng.uniform(0.4, 0.6))
        plan = [True] * cascading + [False] * (count - cascading)
        rng.shuffle(plan)
        for cascade in plan:
            for attempt in range(30):
                # A cascade that cannot be placed (a tiny world, a crowded day) becomes a single alert.
                if self.incident(cascade and attempt < 20):
                    break

    def incident(self, cascade: bool) -> bool:
        rng = self.rng
        latest_end = self.length - SYMPTOM_END_DELAY[1] - 1
        low, high = INCIDENT_ROOT_SECONDS
        duration = min(round(math.exp(rng.uniform(math.log(low), math.log(high)))), latest_end)
        if duration < low:
            return False
        start = rng.randint(0, latest_end - duration)
        end = start + duration
        if cascade:
            kind = rng.choices([item[0] for item in CASCADES], weights=[item[1] for item in CASCADES])[0]
            root, cluster, candidates = self.cascade(kind)
        else:
            service = rng.choice(self.world.services)
            root = self.service_alert(rng.choice(SINGLE_ROOTS), "critical", service)
            cluster, candidates = service.cluster, []
        if self.in_maintenance(cluster, start, end + SYMPTOM_END_DELAY[1]) or not self.free(root, start, end):
            return False
        symptoms: list[tuple[_Alert, int, int]] = []
        if cascade:
            if len(candidates) < SYMPTOMS_PER_CASCADE[0]:
                return False
            rng.shuffle(candidates)
            wanted = rng.randint(SYMPTOMS_PER_CASCADE[0], min(SYMPTOMS_PER_CASCADE[1], len(candidates)))
            for name, service, node in candidates:
                alert = self.alert(
                    name, rng.choice(("high", "warning")), service.name, service.team, cluster, node
                )
                first = start + rng.randint(*SYMPTOM_START_DELAY)
                last = end + rng.randint(*SYMPTOM_END_DELAY)
                if self.free(alert, first, last) and all(alert is not other for other, _, _ in symptoms):
                    symptoms.append((alert, first, last))
                    if len(symptoms) == wanted:
                        break
            if len(symptoms) < SYMPTOMS_PER_CASCADE[0]:
                return False
        incident = _Incident(cascading=cascade)
        self.add(root, start, end, "incident", incident, "root")
        for alert, first, last in symptoms:
            self.add(alert, first, last, "incident", incident, "symptom")
        self.placed.append((start, len(self.placed), incident))
        return True

    def cascade(self, kind: str) -> tuple[_Alert, str, list[tuple[str, Service, str | None]]]:
        """The root alert of a cascade, its cluster and the candidate ``(name, service, node)`` symptoms."""
        rng = self.rng
        world = self.world
        candidates: list[tuple[str, Service, str | None]] = []
        if kind == "DatabaseDown":
            database = rng.choice(world.databases)
            root = self.alert(kind, "critical", database.name, database.team, database.cluster, database.node)
            for name in database.dependents:
                service = world.service(name)
                for symptom in DATABASE_DOWN_SYMPTOMS:
                    node = rng.choice(service.nodes) if symptom in NODE_SCOPED else None
                    candidates.append((symptom, service, node))
            return root, database.cluster, candidates
        cluster = rng.choice(CLUSTERS)
        if kind == "NetworkPartition":
            root = self.alert(kind, "critical", *NETWORK_SERVICE, cluster)
            for service in world.in_cluster(cluster):
                for symptom in PARTITION_SYMPTOMS:
                    node = rng.choice(service.nodes) if symptom in NODE_SCOPED else None
                    candidates.append((symptom, service, node))
            return root, cluster, candidates
        node = rng.choice(world.cluster_nodes(cluster))
        root = self.alert("NodeDown", "critical", *NODE_SERVICE, cluster, node)
        hosted = world.on_node(node)
        for service in hosted:
            for symptom in NODE_DOWN_SYMPTOMS:
                candidates.append((symptom, service, node if symptom in NODE_SCOPED else None))
        for caller in {
            caller.name: caller for service in hosted for caller in world.callers(service.name)
        }.values():
            if caller not in hosted:
                candidates.extend((symptom, caller, None) for symptom in CALLER_SYMPTOMS)
        return root, cluster, candidates

    # flapping, noise, transients

    def flapping(self) -> None:
        rng = self.rng
        if self.length < FLAP_EPISODE_SECONDS[0] + 2:
            return
        for _ in range(_scaled_count(rng, FLAPPING_PER_SERVICE_DAY * self.scale)):
            for _attempt in range(10):
                name, severity, _weight = _weighted(rng, SERVICE_FLAPPING)
                alert = self.service_alert(name, severity, rng.choice(self.world.services))
                span = min(rng.randint(*FLAP_EPISODE_SECONDS), self.length - 1)
                opens = rng.randint(0, self.length - span)
                if not self.free(alert, opens, opens + span):
                    continue
                self.reserve(alert, opens, opens + span)
                at = opens
                while True:
                    on = rng.randint(*FLAP_ON_SECONDS)
                    if at + on > opens + span:
                        break
                    self.add(alert, at, at + on, "flapping", reserve=False)
                    at += on + rng.randint(*FLAP_OFF_SECONDS)
                break

    def noise(self) -> None:
        rng = self.rng
        for _ in range(_scaled_count(rng, NOISE_PER_SERVICE_DAY * self.scale)):
            name, severity, _weight, shortest, longest = _weighted(rng, SERVICE_NOISE)
            if self.length <= shortest:
                continue
            alert = self.service_alert(name, severity, rng.choice(self.world.services))
            duration = min(rng.randint(shortest, longest), self.length - 1)
            start = rng.randint(0, self.length - duration)
            if self.free(alert, start, start + duration):
                self.add(alert, start, start + duration, "noise")
        name, severity, shortest, longest = BACKUP_NOISE
        for opens, _closes in self.windows:
            for database in self.world.databases:
                if rng.random() < 0.3:
                    start = opens - MAINTENANCE_HOUR_UTC * 3600 + rng.randint(30 * 60, 4 * 3600)
                    end = start + rng.randint(shortest, longest)
                    alert = self.alert(
                        name, severity, database.name, database.team, database.cluster, database.node
                    )
                    if start >= 0 and end <= self.length and self.free(alert, start, end):
                        self.add(alert, start, end, "noise")

    def transients(self) -> None:
        rng = self.rng
        sources: list[tuple[float, Sequence[tuple[str, str, float]], Any]] = []
        for service in self.world.services:
            sources.append((TRANSIENTS_PER_SERVICE_HOUR * service.noisiness, SERVICE_TRANSIENTS, service))
        for cluster, nodes in self.world.nodes:
            sources.extend((TRANSIENTS_PER_NODE_HOUR, NODE_TRANSIENTS, (cluster, node)) for node in nodes)
        for database in self.world.databases:
            sources.append((TRANSIENTS_PER_DATABASE_HOUR, DATABASE_TRANSIENTS, database))
        for rate, repertoire, subject in sources:
            at = rng.expovariate(rate / 3600)
            while at < self.length:
                name, severity, _weight = _weighted(rng, repertoire)
                if isinstance(subject, Service):
                    alert = self.service_alert(name, severity, subject)
                elif isinstance(subject, Database):
                    alert = self.alert(
                        name, severity, subject.name, subject.team, subject.cluster, subject.node
                    )
                else:
                    alert = self.alert(name, severity, *NODE_SERVICE, subject[0], subject[1])
                duration = self.transient_duration()
                start = int(at)
                if start + duration <= self.length and self.free(alert, start, start + duration):
                    self.add(alert, start, start + duration, "transient")
                at += rng.expovariate(rate / 3600)

    def transient_duration(self) -> int:
        """Mostly well under a minute or two, never past :data:`TRANSIENT_SECONDS`' upper bound."""
        shortest, longest = TRANSIENT_SECONDS
        while True:
            duration = shortest + int(self.rng.expovariate(1 / 50))
            if duration <= longest:
                return duration

    # the events

    def events(self) -> list[Event]:
        for number, (_start, _index, incident) in enumerate(sorted(self.placed), start=1):
            incident.id = f"INC-{number:04d}"
        stamps: dict[int, str] = {}
        keyed: list[tuple[int, int, Event]] = []
        for index, occurrence in enumerate(self.occurrences):
            alert = occurrence.alert
            for offset, action, order in (
                (occurrence.start, "triggered", 2 * index),
                (occurrence.end, "resolved", 2 * index + 1),
            ):
                at = stamps.get(offset)
                if at is None:
                    at = stamps[offset] = (self.start + timedelta(seconds=offset)).strftime(
                        "%Y-%m-%dT%H:%M:%SZ"
                    )
                event: Event = {
                    "at": at,
                    "source": SOURCE,
                    "fingerprint": alert.fingerprint,
                    "action": action,
                    "name": alert.name,
                    "severity": alert.severity,
                    "labels": dict(alert.labels),
                    "annotations": dict(alert.annotations),
                    "truth": {
                        "kind": occurrence.kind,
                        "incident": occurrence.incident.id if occurrence.incident else None,
                        "role": occurrence.role,
                    },
                }
                keyed.append((offset, order, event))
        keyed.sort(key=lambda item: (item[0], item[1]))
        return [event for _offset, _order, event in keyed]


# --- the API --------------------------------------------------------------------------------------


def _utc(start: datetime) -> datetime:
    """``start`` in UTC (a naive time is taken as UTC), rounded up to a whole second."""
    start = start.replace(tzinfo=UTC) if start.tzinfo is None else start.astimezone(UTC)
    if start.microsecond:
        start = start.replace(microsecond=0) + timedelta(seconds=1)
    return start


def generate(
    seed: int = 1, hours: float = 24, services: int = 40, start: datetime = DEFAULT_START
) -> list[Event]:
    """The events of ``hours`` of alerts from a ``services``-service world, sorted by ``at``.

    Events at the same second keep a fixed order (an occurrence's trigger always comes before its
    resolve). Every ``at`` lies in ``[start, start + hours]``.
    """
    if not hours > 0 or math.isinf(hours):
        raise ValueError("hours must be a positive number")
    world = build_world(seed, services)
    begins = _utc(start)
    exact_end = start.replace(tzinfo=UTC) if start.tzinfo is None else start.astimezone(UTC)
    exact_end += timedelta(hours=hours)
    length = math.floor((exact_end - begins).total_seconds())
    builder = _Builder(world, random.Random(seed), max(length, 0), begins, hours)
    if length > 0:
        builder.maintenance()
        builder.incidents()
        builder.flapping()
        builder.noise()
        builder.transients()
    return builder.events()


def write(events: Iterable[Event], path: str | Path) -> int:
    """Write ``events`` to ``path`` as JSON Lines; returns how many were written."""
    count = 0
    with open(path, "w", encoding="utf-8", newline="\n") as out:
        for event in events:
            out.write(json.dumps(event))
            out.write("\n")
            count += 1
    return count


def read(path: str | Path) -> list[Event]:
    """The events of a stream file written by :func:`write`."""
    with open(path, encoding="utf-8") as lines:
        return [json.loads(line) for line in lines if line.strip()]


@dataclass(frozen=True)
class Summary:
    events: int
    alerts: int
    """Occurrences: one triggered and one resolved event each."""
    fingerprints: int
    by_kind: dict[str, tuple[int, int]] = field(default_factory=dict)
    """``kind -> (alerts, events)``, for every kind in :data:`KINDS`."""
    incidents: int = 0
    cascading: int = 0
    """Incidents with symptoms besides their root."""
    first: str | None = None
    last: str | None = None


def summarize(events: Sequence[Event]) -> Summary:
    counts = {kind: [0, 0] for kind in KINDS}
    incidents: dict[str, int] = {}
    for event in events:
        truth = event["truth"]
        counts[truth["kind"]][1] += 1
        if event["action"] == "triggered":
            counts[truth["kind"]][0] += 1
            if truth["incident"] is not None:
                incidents[truth["incident"]] = incidents.get(truth["incident"], 0) + 1
    return Summary(
        events=len(events),
        alerts=sum(alerts for alerts, _events in counts.values()),
        fingerprints=len({event["fingerprint"] for event in events}),
        by_kind={kind: (alerts, count) for kind, (alerts, count) in counts.items()},
        incidents=len(incidents),
        cascading=sum(1 for alerts in incidents.values() if alerts > 1),
        first=events[0]["at"] if events else None,
        last=events[-1]["at"] if events else None,
    )


def format_summary(summary: Summary) -> str:
    lines = [
        f"{summary.events:,} events, {summary.alerts:,} alerts (trigger + resolve each), "
        f"{summary.fingerprints:,} distinct fingerprints, {summary.first} .. {summary.last}",
        f"  {'truth':<12} {'alerts':>8} {'events':>8}",
    ]
    for kind, (alerts, events) in summary.by_kind.items():
        lines.append(f"  {kind:<12} {alerts:>8,} {events:>8,}")
    lines.append(
        f"real incidents: {summary.incidents} ({summary.cascading} cascading, "
        f"{summary.incidents - summary.cascading} single-alert)"
    )
    lines.append(
        f"maintenance: daily {MAINTENANCE_HOUR_UTC:02d}:00-{MAINTENANCE_HOUR_UTC + 1:02d}:00 UTC, "
        f'cluster {MAINTENANCE_CLUSTER} (mute: cron "0 {MAINTENANCE_HOUR_UTC} * * *", duration 1h, '
        f'route {{cluster="{MAINTENANCE_CLUSTER}"}})'
    )
    return "\n".join(lines)


# --- the command line -----------------------------------------------------------------------------


def _positive_int(text: str) -> int:
    value = int(text)
    if value < 1:
        raise argparse.ArgumentTypeError("must be at least 1")
    return value


def _positive_float(text: str) -> float:
    value = float(text)
    if not value > 0 or math.isinf(value):
        raise argparse.ArgumentTypeError("must be a positive number")
    return value


def _timestamp(text: str) -> datetime:
    try:
        return datetime.fromisoformat(text)
    except ValueError as error:
        raise argparse.ArgumentTypeError(f"not an ISO 8601 time: {text!r}") from error


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m bench.streamgen",
        description="Write a synthetic alert stream with ground truth (JSON Lines) and print a summary.",
    )
    parser.add_argument("--out", required=True, type=Path, help="the JSON Lines file to write")
    parser.add_argument("--seed", type=int, default=1, help="random seed (default 1): same seed, same stream")
    parser.add_argument(
        "--hours", type=_positive_float, default=24.0, help="length of the stream (default 24)"
    )
    parser.add_argument(
        "--services", type=_positive_int, default=40, help="services in the world (default 40)"
    )
    parser.add_argument(
        "--start",
        type=_timestamp,
        default=DEFAULT_START,
        help="start of the stream, ISO 8601; UTC when no offset is given (default 2026-11-16T00:00:00Z)",
    )
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    options = build_parser().parse_args(argv)
    began = time.perf_counter()
    events = generate(seed=options.seed, hours=options.hours, services=options.services, start=options.start)
    generated = time.perf_counter() - began
    write(events, options.out)
    written = time.perf_counter() - began - generated
    print(f"wrote {options.out} (seed {options.seed}, {options.hours:g} h, {options.services} services)")
    print(format_summary(summarize(events)))
    print(f"generated in {generated:.2f} s, written in {written:.2f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
