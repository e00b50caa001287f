"""Scale-out on PostgreSQL under load: three ``holdoff serve`` processes share one database, take
alternating requests for 1,000 alerts, and one of them is killed with ``kill -9`` midway.

No escalation is lost: every alert still firing when its grace window ended is escalated by exactly
one message, or by two only when the killed process was sending that very message when it died (it
reached the receiver, but the process never recorded it, so its lease ran out and a survivor sent it
again). Such duplicates are counted and printed.
"""

from __future__ import annotations

import itertools
import threading
import time
from collections import Counter, defaultdict
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import create_engine, select

from holdoff.store.tables import alerts, delivery_attempts, notifications
from tests.e2e import service_env
from tests.support.databases import migrated_database
from tests.support.server import HoldoffProcess, StartHoldoff
from tests.support.settle import wait_until_settled
from tests.support.webhook_receiver import Received, WebhookReceiver, webhook_receiver

pytestmark = pytest.mark.e2e
_FIXTURES = (webhook_receiver,)

ALERTS = 1000
TRANSIENT_EVERY = 10
"""Every tenth alert resolves right after it fired, inside its grace window: a transient."""
RESOLVED_LATER_EVERY = 3
"""Every third of the others resolves after it escalated (a second message: resolved)."""
KILL_AFTER = 600
"""The first process dies once this many alerts have been sent (while escalations are going out)."""
GRACE = 2.0
LEASE = 3.0
PROCESSES = 3
CONFIG = """\
channels:
  - name: hook
    type: webhook
    url: {url}
policy:
  routes:
    - name: everything-to-the-hook
      match: '{{source="coralogix"}}'
      channels: {{escalated: [hook], resolved: [hook], transient_resolved: [hook]}}
"""


class Cluster:
    """The client side of three processes behind a round-robin balancer: a request that meets a dead
    process (connection refused or cut) goes to the next one, as a balancer or a retrying sender would."""

    def __init__(self, processes: list[HoldoffProcess]) -> None:
        self.processes = processes
        self.dead: set[int] = set()
        self._turn = itertools.count()
        self._local = threading.local()
        self.retried = 0

    def _client(self, index: int) -> httpx.Client:
        clients: dict[int, httpx.Client] | None = getattr(self._local, "clients", None)
        if clients is None:
            clients = self._local.clients = {}
        if index not in clients:
            clients[index] = httpx.Client(base_url=self.processes[index].url, timeout=30, trust_env=False)
        return clients[index]

    def post(self, alert_id: str, action: str) -> dict[str, Any]:
        start = next(self._turn)
        for step in range(2 * len(self.processes)):
            index = (start + step) % len(self.processes)
            if index in self.dead:
                continue
            try:
                response = self._client(index).post(
                    "/coralogix/webhook",
                    json={"alert_id": alert_id, "alert_name": f"Scale {alert_id}", "alert_action": action},
                )
            except httpx.TransportError:
                self.retried += 1
                continue
            assert response.status_code == 202, f"{action} {alert_id}: {response.status_code} {response.text}"
            answer: dict[str, Any] = response.json()
            return answer
        raise AssertionError(f"{action} {alert_id}: no process answered")


def _fire(cluster: Cluster, n: int) -> tuple[int, str, str | None]:
    """Trigger alert ``n`` (and resolve it at once when it is one of the transients): its id, its
    fingerprint and, for a transient, the resolution the service gave."""
    name = f"scale-{n:04d}"
    alert_id = int(cluster.post(name, "TRIGGERED")["alert_id"])
    if n % TRANSIENT_EVERY == 0:
        answer = cluster.post(name, "RESOLVED")
        return alert_id, name, str(answer.get("resolution"))
    return alert_id, name, None


def _kind(request: Received) -> str:
    return request.headers.get("x-holdoff-kind", "")


def _alert_of(request: Received) -> int:
    return int(request.json["alert_id"])


@pytest.fixture
def processes(
    postgres_url: str, holdoff_process: StartHoldoff, webhook_receiver: WebhookReceiver, tmp_path: Path
) -> Iterator[list[HoldoffProcess]]:
    config = tmp_path / "holdoff.yaml"
    config.write_text(CONFIG.format(url=f"{webhook_receiver.base_url}/hook"), encoding="utf-8")
    env = service_env(
        postgres_url,
        grace=GRACE,
        HOLDOFF_LEASE_SECONDS=LEASE,
        HOLDOFF_LOG_LEVEL="INFO",
        HOLDOFF_ACTION_LINKS="false",
    )
    started = [
        holdoff_process(env, wait=False, extra_args=["--config", str(config)]) for _ in range(PROCESSES)
    ]
    for process in started:
        process.wait_healthy()
    yield started


@pytest.fixture
def postgres_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """A fresh PostgreSQL database at the newest schema (this test has no SQLite case)."""
    return migrated_database(request, "postgresql", tmp_path)


def test_three_processes_lose_no_escalation_when_one_is_killed_midway(
    postgres_url: str, processes: list[HoldoffProcess], webhook_receiver: WebhookReceiver
) -> None:
    cluster = Cluster(processes)
    victim = processes[0]
    fired: dict[int, str | None] = {}
    names: dict[int, str] = {}
    killed_at = 0.0

    sent = itertools.count(1)
    kill = threading.Lock()

    def fire(n: int) -> tuple[int, str, str | None]:
        nonlocal killed_at
        fired_one = _fire(cluster, n)
        if next(sent) == KILL_AFTER:  # midway, with other requests in flight on every process
            with kill:
                victim.kill9()
                killed_at = time.monotonic()
                cluster.dead.add(0)
        return fired_one

    started = time.monotonic()
    with ThreadPoolExecutor(max_workers=12) as pool:
        results = list(pool.map(fire, range(ALERTS)))
    sent_in = time.monotonic() - started
    for alert_id, name, resolution in results:
        fired[alert_id] = resolution
        names[alert_id] = name
    assert len(fired) == ALERTS

    transients = {alert_id for alert_id, resolution in fired.items() if resolution == "transient"}
    assert len(transients) >= ALERTS // TRANSIENT_EVERY - 5, Counter(fired.values())
    must_escalate = set(fired) - transients

    # Every due escalation goes out: the survivors fire the dead process's deadlines and, once its
    # leases run out, send what it had claimed.
    wait_until_settled(postgres_url, timeout=45)
    escalated_messages = [r for r in webhook_receiver.requests if _kind(r) == "escalated"]
    got = Counter(_alert_of(r) for r in escalated_messages)
    later = sorted(must_escalate)[::RESOLVED_LATER_EVERY]
    with ThreadPoolExecutor(max_workers=12) as pool:
        list(pool.map(lambda alert_id: cluster.post(names[alert_id], "RESOLVED"), later))
    wait_until_settled(postgres_url, timeout=30)

    lost = must_escalate - set(got)
    assert not lost, f"{len(lost)} escalation(s) lost, e.g. {sorted(lost)[:10]}"
    assert set(got) == must_escalate, f"escalated though transient: {sorted(set(got) - must_escalate)[:10]}"

    # A second copy only of what the killed process was sending as it died.
    by_delivery: dict[str, list[Received]] = defaultdict(list)
    for request in escalated_messages:
        by_delivery[request.headers["x-holdoff-delivery"]].append(request)
    duplicates = {delivery: copies for delivery, copies in by_delivery.items() if len(copies) > 1}
    engine = create_engine(postgres_url)
    try:
        with engine.connect() as conn:
            workers = _recorded_workers(conn, [int(d.split(".")[0]) for d in duplicates])
            states = Counter(row.state for row in conn.execute(select(alerts.c.state)))
    finally:
        engine.dispose()
    for delivery, copies in duplicates.items():
        assert len(copies) == 2, f"{delivery} sent {len(copies)} times"
        assert copies[0].at <= killed_at + 0.5 < copies[1].at, f"{delivery}: neither copy around the kill"
        recorded = workers[int(delivery.split(".")[0])]
        assert recorded and not any(str(victim.pid) in worker.split(":")[1:2] for worker in recorded), (
            f"{delivery}: a delivery the killed process recorded was sent again ({recorded})"
        )
    assert all(n in (1, 2) for n in got.values())
    assert sum(n - 1 for n in got.values()) == len(duplicates)
    resolved_messages = Counter(_alert_of(r) for r in webhook_receiver.requests if _kind(r) == "resolved")
    assert set(resolved_messages) == set(later)
    assert states["escalated"] + states["resolved"] == ALERTS

    print(
        f"\nscale-out: {ALERTS} alerts over {PROCESSES} processes in {sent_in:.1f}s, "
        f"{cluster.retried} request(s) retried on a survivor after the kill; "
        f"{len(must_escalate)} escalations, {len(transients)} transients; "
        f"duplicates (sent by the killed process as it died): {len(duplicates)}"
        + (f" {sorted(duplicates)}" if duplicates else "")
    )


def _recorded_workers(conn: Any, ids: list[int]) -> dict[int, list[str]]:
    found: dict[int, list[str]] = defaultdict(list)
    if ids:
        query = (
            select(notifications.c.id, delivery_attempts.c.worker)
            .join(delivery_attempts, delivery_attempts.c.notification_id == notifications.c.id)
            .where(notifications.c.id.in_(ids))
        )
        for row in conn.execute(query):
            found[row.id].append(row.worker)
    return found
