"""The pull loop on SQLite and PostgreSQL, with an injected clock: a due pull is claimed by one process,
asks from its last end, stores its samples through the sink, runs again after ``every``; failures are
kept and back off exponentially; a holder that overran its lease cannot write over the next one."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest

from holdoff.metrics.model import Sample
from holdoff.metrics.pull.base import Pulled, PullFailed
from holdoff.metrics.pull.prometheus import PrometheusPullConfig
from holdoff.service.metric_ingest import MetricIngest
from holdoff.service.metric_pull import MAX_BACKOFF, MetricPulls, backoff
from holdoff.store import metric_pulls, metric_samples
from holdoff.store.db import Database

T0 = datetime(2026, 3, 1, 9, 0, tzinfo=UTC)
SECRET = "prom-bearer-secret-0123456789"


class Clock:
    def __init__(self) -> None:
        self.now = T0

    def __call__(self) -> datetime:
        return self.now


class FakePull:
    """Answers one sample per minute of the asked range, or fails while ``failing``."""

    name = "node"

    def __init__(self) -> None:
        self.asked: list[tuple[datetime, datetime]] = []
        self.failing: str | None = None

    def window(self, last_end: datetime | None, now: datetime) -> tuple[datetime, datetime] | None:
        start = now - timedelta(minutes=10) if last_end is None else last_end
        return (start, now) if start < now else None

    def pull(self, start: datetime, end: datetime) -> Pulled:
        self.asked.append((start, end))
        if self.failing is not None:
            raise PullFailed(self.failing)
        minutes = int((end - start).total_seconds() // 60)
        samples = [
            Sample(name="load", labels={"host": "a"}, timestamp=start + timedelta(minutes=m), value=float(m))
            for m in range(minutes + 1)
        ]
        return Pulled(samples, series=1)

    def close(self) -> None:
        pass


CONFIG = PrometheusPullConfig.model_validate(
    {
        "type": "prometheus",
        "name": "node",
        "url": "http://p:9090",
        "queries": ["load"],
        "every": "1m",
        "auth": {"token": SECRET},
    }
)


@pytest.fixture
def db(database_url: str) -> Iterator[Database]:
    database = Database(database_url)
    yield database
    database.dispose()


def loop(db: Database, clock: Clock, pull: FakePull, owner: str = "p1") -> MetricPulls:
    return MetricPulls(
        db, [CONFIG], MetricIngest(db, clock=clock), clock=clock, owner=owner, pulls={"node": pull}
    )


def row(db: Database) -> metric_pulls.PullRow:
    with db.read() as conn:
        found = metric_pulls.get(conn, "node")
    assert found is not None
    return found


def stored(db: Database) -> int:
    with db.read() as conn:
        (series,) = metric_samples.series(conn, "load")
        return len(metric_samples.samples(conn, series.id, T0 - timedelta(days=1), T0 + timedelta(days=1)))


def test_a_due_pull_runs_stores_and_comes_back_after_every(db: Database) -> None:
    clock, pull = Clock(), FakePull()
    pulls = loop(db, clock, pull)
    assert pulls.run_once() == 1
    assert pull.asked == [(T0 - timedelta(minutes=10), T0)]
    assert stored(db) == 11
    state = row(db)
    assert (state.last_end, state.next_at, state.failures, state.claimed_by) == (
        T0,
        T0 + timedelta(minutes=1),
        0,
        None,
    )
    assert pulls.run_once() == 0  # not due
    clock.now = T0 + timedelta(minutes=1)
    assert pulls.run_once() == 1
    assert pull.asked[-1] == (T0, T0 + timedelta(minutes=1))
    assert stored(db) == 12  # the overlapping minute is stored once


def test_failures_are_kept_and_back_off_exponentially_then_reset(db: Database) -> None:
    clock, pull = Clock(), FakePull()
    pulls = loop(db, clock, pull)
    pull.failing = 'prometheus pull "node" (http://p:9090): HTTP 503: overloaded'
    waits = []
    for _ in range(3):
        assert pulls.run_once() == 1
        state = row(db)
        waits.append(state.next_at - clock.now)
        clock.now = state.next_at
    assert waits == [timedelta(minutes=2), timedelta(minutes=4), timedelta(minutes=8)]
    state = row(db)
    assert state.failures == 3 and state.last_error == pull.failing and state.last_end is None
    pull.failing = None
    assert pulls.run_once() == 1
    state = row(db)
    assert (state.failures, state.last_error, state.last_ok_at) == (0, None, clock.now)
    assert pull.asked[-1] == (clock.now - timedelta(minutes=10), clock.now)  # bounded by the lookback


def test_an_unexpected_error_is_kept_without_the_secret(db: Database) -> None:
    clock = Clock()

    class Broken(FakePull):
        def pull(self, start: datetime, end: datetime) -> Pulled:
            raise RuntimeError(f"token {SECRET} rejected")

    loop(db, clock, Broken()).run_once()
    assert row(db).last_error == "RuntimeError: token *** rejected"


def test_backoff_doubles_up_to_an_hour_or_every() -> None:
    minute = timedelta(minutes=1)
    assert [backoff(minute, n) for n in (0, 1, 2, 3)] == [minute, 2 * minute, 4 * minute, 8 * minute]
    assert backoff(minute, 40) == MAX_BACKOFF
    assert backoff(timedelta(hours=2), 3) == timedelta(hours=2)


def test_one_process_holds_a_pull_and_a_holder_past_its_lease_cannot_write_over_the_next(
    db: Database,
) -> None:
    clock = Clock()
    with db.transaction() as conn:
        metric_pulls.ensure(conn, ["node"], T0)
        held = metric_pulls.claim(conn, ["node"], T0, "p1", timedelta(minutes=5))
    assert held is not None
    other = FakePull()
    assert loop(db, clock, other, owner="p2").run_once() == 0 and other.asked == []
    clock.now = T0 + timedelta(minutes=6)  # p1's lease is over
    assert loop(db, clock, other, owner="p2").run_once() == 1
    with db.transaction() as conn:
        late = metric_pulls.finish(conn, "node", "p1", next_at=T0, now=T0, error="late")
    assert late is False
    assert row(db).last_error is None and row(db).last_end == clock.now


def test_without_pulls_the_loop_does_nothing(db: Database) -> None:
    clock = Clock()
    assert MetricPulls(db, [], MetricIngest(db, clock=clock), clock=clock, owner="p").run_once() == 0
    with db.read() as conn:
        assert metric_pulls.all_pulls(conn) == []


def test_two_processes_running_at_once_pull_a_due_pull_once(db: Database, database_url: str) -> None:
    clock = Clock()
    started = threading.Barrier(2)
    release = threading.Event()
    entered: list[str] = []

    class Slow(FakePull):
        def pull(self, start: datetime, end: datetime) -> Pulled:
            entered.append("pulling")  # holds its claim until released
            release.wait(10)
            return super().pull(start, end)

    pulls = [Slow(), Slow()]
    other_db = Database(database_url)  # the second process's own engine
    loops = [loop(db, clock, pulls[0], owner="p1"), loop(other_db, clock, pulls[1], owner="p2")]
    results: list[int] = []

    def run(index: int) -> None:
        started.wait(10)
        results.append(loops[index].run_once())

    threads = [threading.Thread(target=run, args=(i,)) for i in range(2)]
    for thread in threads:
        thread.start()
    deadline = time.monotonic() + 10
    while len(entered) + results.count(0) < 2 and time.monotonic() < deadline:
        time.sleep(0.01)
    release.set()
    for thread in threads:
        thread.join(10)
    other_db.dispose()
    assert sorted(results) == [0, 1]
    assert sum(len(p.asked) for p in pulls) == 1
