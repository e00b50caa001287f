"""The learned-dependencies job and ``holdoff correlation learn`` on a history of real webhooks: a
database and the checkout that calls it start together every time, a batch job alone; learned once an
hour however many processes run the job, with an injected clock."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from holdoff.api.app import create_app
from holdoff.cli import app as cli
from holdoff.correlate.config import CorrelationConfig
from holdoff.correlate.model import LearnedDependency
from holdoff.runtime import Runtime
from holdoff.service.correlation_learn import LearnedJob, learn_from_history
from holdoff.settings import Settings
from holdoff.store import correlation as correlation_store
from holdoff.store import correlation_views
from tests.api.correlation_support import alertmanager
from tests.service.helpers import FakeClock

CYCLES = 12
"""Outages in the history: every 4 hours payments-db fails and checkout follows 30 s later."""
EXPECTED = LearnedDependency("checkout", "payments-db", CYCLES, 0.999, 12.01, 0, CYCLES)
"""12 co-starts, payments-db first each time; by chance 12 * (1 - exp(-12 * 2 * 10 min / 46 h)) = 0.999
(46 h from the first start to the last, the last batch failure), a lift of 12.01."""


def _post(client: TestClient, name: str, service: str, started: datetime, *, resolved: bool = False) -> None:
    body = alertmanager(name, service, started)
    if resolved:
        body["status"] = body["alerts"][0]["status"] = "resolved"
        body["alerts"][0]["endsAt"] = started.isoformat()
    assert client.post("/webhooks/alertmanager", json=body).status_code == 202


def seed_history(client: TestClient, clock: FakeClock) -> None:
    """``CYCLES`` outages 4 h apart (payments-db, then checkout 30 s later, both over in 5 min), and
    a batch job failing alone between them."""
    for _ in range(CYCLES):
        _post(client, "PostgresDown", "payments-db", clock())
        clock.advance(30)
        _post(client, "CheckoutErrors", "checkout", clock())
        clock.advance(270)
        _post(client, "PostgresDown", "payments-db", clock(), resolved=True)
        _post(client, "CheckoutErrors", "checkout", clock(), resolved=True)
        clock.advance(2 * 3600 - 300)
        _post(client, "BatchFailed", "batch", clock())
        clock.advance(300)
        _post(client, "BatchFailed", "batch", clock(), resolved=True)
        clock.advance(2 * 3600 - 300)


@pytest.fixture
def seeded(database_url: str) -> Iterator[tuple[Runtime, FakeClock]]:
    clock = FakeClock()
    settings = Settings(database_url=database_url, grace_seconds=600)  # type: ignore[call-arg]
    runtime = Runtime(settings, channels={}, clock=clock, run_workers=False)
    with TestClient(create_app(runtime), base_url="http://127.0.0.1") as client:
        seed_history(client, clock)
        yield runtime, clock


def test_alert_starts_are_one_per_occurrence_with_its_service(seeded: tuple[Runtime, FakeClock]) -> None:
    runtime, clock = seeded
    with runtime.db.read() as conn:
        starts = correlation_views.alert_starts(conn, clock() - timedelta(days=14))
        recent = correlation_views.alert_starts(conn, clock() - timedelta(hours=3))
    services = [service for service, _ in starts]
    assert services.count("payments-db") == services.count("checkout") == services.count("batch") == CYCLES
    assert [at for _, at in starts] == sorted(at for _, at in starts)
    assert sorted(service for service, _ in recent) == ["batch"]


def test_the_job_learns_the_dependency_with_its_evidence_and_not_the_loner(
    seeded: tuple[Runtime, FakeClock],
) -> None:
    runtime, clock = seeded
    job = LearnedJob(runtime.db, runtime.settings.correlation, clock=clock)
    assert job.run_once() == 0
    with runtime.db.read() as conn:
        learned = correlation_store.learned(conn)
        assert correlation_views.last_learned_at(conn) == clock()
    assert dict(learned.pairs) == {("checkout", "payments-db"): EXPECTED}
    assert learned.link("payments-db", "checkout") == EXPECTED


def test_several_processes_learn_once_an_hour(seeded: tuple[Runtime, FakeClock]) -> None:
    runtime, clock = seeded
    config = runtime.settings.correlation
    first = LearnedJob(runtime.db, config, clock=clock)
    other = LearnedJob(runtime.db, config, clock=clock)
    first.run_once()
    learned_at = clock()
    clock.advance(600)
    other.run_once()  # another process: the stored pairs are 10 minutes old
    assert other.last_run is None
    with runtime.db.read() as conn:
        assert correlation_views.last_learned_at(conn) == learned_at
    raced = learn_from_history(runtime.db, config, clock(), unless_fresher=timedelta(hours=1))
    assert raced.stored is False and raced.learned.pairs  # learned at the same time, stored once
    clock.advance(3000)
    other.run_once()
    with runtime.db.read() as conn:
        assert correlation_views.last_learned_at(conn) == clock()
        assert len(correlation_store.learned(conn).pairs) == 1


def test_a_stricter_config_learns_nothing_and_clears_the_pairs(seeded: tuple[Runtime, FakeClock]) -> None:
    runtime, clock = seeded
    LearnedJob(runtime.db, runtime.settings.correlation, clock=clock).run_once()
    strict = CorrelationConfig.model_validate({"learned": {"min_count": CYCLES + 1}})
    learning = learn_from_history(runtime.db, strict, clock())
    assert learning.stored and learning.learned.pairs == {}
    assert (learning.starts, learning.services) == (3 * CYCLES, 3)
    with runtime.db.read() as conn:
        assert correlation_store.learned(conn).pairs == {}


def test_the_cli_learns_stores_and_prints_the_pairs(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'holdoff.db'}"
    clock = FakeClock()
    clock.now = datetime.now(UTC) - timedelta(days=3)  # the command reads the last 14 days from now
    settings = Settings(database_url=url, grace_seconds=600)  # type: ignore[call-arg]
    runtime = Runtime(settings, channels={}, clock=clock, run_workers=False)
    with TestClient(create_app(runtime), base_url="http://127.0.0.1") as client:
        seed_history(client, clock)
    done = CliRunner().invoke(cli, ["correlation", "learn"], env={"HOLDOFF_DATABASE_URL": url})
    assert done.exit_code == 0, done.output
    assert f"{3 * CYCLES} alert start(s) of 3 service(s)" in done.output
    assert "1 dependency pair(s) learned and stored" in done.output
    assert "checkout and payments-db" in done.output and "12.0x" in done.output
    assert "checkout 0, payments-db 12" in done.output
    with runtime.db.read() as conn:
        assert correlation_store.learned(conn).link("checkout", "payments-db") == EXPECTED
