"""Samples stored with their series, duplicates ignored, max_series held, range reads, and retention
in chunks, on SQLite and PostgreSQL."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from datetime import UTC, datetime, timedelta

import pytest

from holdoff.metrics.config import MetricsSection
from holdoff.metrics.model import Sample
from holdoff.service import metric_ingest
from holdoff.service.admission import Busy
from holdoff.service.metric_ingest import MetricIngest, MetricRetention
from holdoff.store import metric_samples
from holdoff.store.db import Database

T0 = datetime(2026, 3, 1, 9, 0, tzinfo=UTC)


def sample(name: str = "cpu", minute: int = 0, value: float = 1.0, **labels: str) -> Sample:
    return Sample(
        name=name, labels=labels or {"host": "a"}, timestamp=T0 + timedelta(minutes=minute), value=value
    )


@pytest.fixture
def db(database_url: str) -> Iterator[Database]:
    database = Database(database_url)
    yield database
    database.dispose()


def test_samples_are_stored_once_and_series_span_their_sample_times(db: Database) -> None:
    with db.transaction() as conn:
        first = metric_samples.store(conn, [sample(minute=0), sample(minute=1), sample(minute=1, value=9.0)])
    assert (first.stored, first.duplicates, first.series, first.new_series) == (2, 1, 1, 1)
    with db.transaction() as conn:
        again = metric_samples.store(conn, [sample(minute=1, value=5.0), sample(minute=5, value=2.0)])
    assert (again.stored, again.duplicates, again.new_series) == (1, 1, 0)
    with db.read() as conn:
        (series,) = metric_samples.series(conn, "cpu")
        points = metric_samples.samples(conn, series.id, T0, T0 + timedelta(hours=1))
    assert series.id == sample().series_id and series.labels == {"host": "a"}
    assert points == [(T0, 1.0), (T0 + timedelta(minutes=1), 1.0), (T0 + timedelta(minutes=5), 2.0)]
    # last_seen moves only by more than LAST_SEEN_RESOLUTION (10 min): not an UPDATE per series per batch
    assert (series.first_seen, series.last_seen) == (T0, T0 + timedelta(minutes=1))
    with db.transaction() as conn:
        metric_samples.store(conn, [sample(minute=12)])
    with db.read() as conn:
        assert metric_samples.series(conn)[0].last_seen == T0 + timedelta(minutes=12)


def test_series_are_found_by_name_and_label_matchers_and_ranges_are_half_open(db: Database) -> None:
    with db.transaction() as conn:
        metric_samples.store(
            conn,
            [
                sample("cpu", 0, host="a", service="api"),
                sample("cpu", 0, host="b", service="web"),
                sample("mem", 0, host="a"),
                sample("cpu", 10, host="a", service="api"),
            ],
        )
    with db.read() as conn:
        assert sorted(s.labels["host"] for s in metric_samples.series(conn, "cpu")) == ["a", "b"]
        (api,) = metric_samples.series(conn, matchers={"service": "api"})
        assert api.name == "cpu"
        assert len(metric_samples.series(conn)) == 3
        assert metric_samples.samples(conn, api.id, T0, T0 + timedelta(minutes=10)) == [(T0, 1.0)]


def test_beyond_max_series_new_series_are_dropped_known_ones_kept(db: Database) -> None:
    with db.transaction() as conn:
        metric_samples.store(conn, [sample(host="a"), sample(host="b")], max_series=2)
    with db.transaction() as conn:
        done = metric_samples.store(
            conn,
            [sample(minute=1, host="a"), sample(minute=1, host="c"), sample(minute=2, host="c")],
            max_series=2,
        )
    assert (done.stored, done.dropped, done.dropped_series, done.duplicates) == (1, 2, 1, 0)
    with db.read() as conn:
        assert sorted(s.labels["host"] for s in metric_samples.series(conn)) == ["a", "b"]


def test_retention_deletes_old_samples_in_chunks_and_series_gone_quiet(db: Database) -> None:
    old = [sample(minute=m, host="old") for m in range(0, 30)]
    kept = [sample(minute=m + 60 * 24 * 20, host="new") for m in range(0, 3)]
    with db.transaction() as conn:
        metric_samples.store(conn, old + kept)
    now = T0 + timedelta(days=20)
    config = MetricsSection.model_validate({"retention": {"days": 15}})
    retention = MetricRetention(db, config, clock=lambda: now, batch=7)
    chunks: list[int] = []
    with db.transaction() as conn:
        chunks.append(metric_samples.delete_expired(conn, now - timedelta(days=15), batch=7))
    assert chunks == [8]  # the oldest 7, and the boundary time's row
    assert retention.run_once() == 0
    with db.read() as conn:
        (series,) = metric_samples.series(conn)
        assert series.labels == {"host": "new"}
        assert len(metric_samples.samples(conn, series.id, T0, now + timedelta(days=1))) == 3


def test_a_series_with_samples_left_is_not_deleted_though_its_last_seen_lags(db: Database) -> None:
    with db.transaction() as conn:
        metric_samples.store(conn, [sample(minute=0), sample(minute=9)])  # last_seen stays at minute 0
    with db.transaction() as conn:
        assert metric_samples.delete_expired(conn, T0 + timedelta(minutes=5)) == 1
        assert metric_samples.delete_stale_series(conn, T0 + timedelta(minutes=5)) == 0
        assert metric_samples.delete_expired(conn, T0 + timedelta(minutes=10)) == 1
        assert metric_samples.delete_stale_series(conn, T0 + timedelta(minutes=10)) == 1


def test_a_retention_step_with_more_chunks_left_asks_to_go_on(
    db: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    with db.transaction() as conn:
        metric_samples.store(conn, [sample(minute=m) for m in range(0, 50)])
    config = MetricsSection.model_validate({"retention": {"days": 1}})
    retention = MetricRetention(db, config, clock=lambda: T0 + timedelta(days=3), batch=1)
    monkeypatch.setattr(metric_ingest, "MAX_RETENTION_CHUNKS", 3)
    assert retention.run_once() == 1
    monkeypatch.undo()
    assert retention.run_once() == 0
    with db.read() as conn:
        assert metric_samples.series(conn) == []


def test_the_ingest_runs_what_follows_in_the_storing_transaction(db: Database) -> None:
    seen: list[int] = []

    def after(conn: object, samples: object, now: datetime) -> None:
        assert now == T0
        seen.append(len(samples))  # type: ignore[arg-type]
        raise RuntimeError("detector broke")

    ingest = MetricIngest(db, clock=lambda: T0, after=after)
    with pytest.raises(RuntimeError, match="detector broke"):
        ingest.ingest([sample()])
    assert seen == [1]
    with db.read() as conn:
        assert metric_samples.series(conn) == []  # rolled back with it
    assert MetricIngest(db, clock=lambda: T0).ingest([sample(), sample(minute=1)]) == 2


def test_samples_of_series_refused_at_max_series_do_not_reach_the_detectors(db: Database) -> None:
    given: list[list[str]] = []

    def after(conn: object, samples: Sequence[Sample], now: datetime) -> None:
        given.append(sorted(s.labels["host"] for s in samples))

    ingest = MetricIngest(db, clock=lambda: T0 + timedelta(minutes=5), max_series=1, after=after)
    ingest.ingest([sample(minute=0, host="a")])
    ingest.ingest([sample(minute=1, host="a"), sample(minute=1, host="b")])
    assert given == [["a"], ["a"]]


def test_posts_beyond_max_pending_are_refused_busy(db: Database) -> None:
    ingest = MetricIngest(db, clock=lambda: T0, max_pending=1)
    with ingest.admitted(), pytest.raises(Busy, match="1 metric posts are waiting"), ingest.admitted():
        pass
    with ingest.admitted():
        pass


def test_a_new_series_another_writer_added_meanwhile_is_not_an_error(
    db: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    with db.transaction() as conn:
        metric_samples.store(conn, [sample(minute=0)])
    # As if another process committed the series between this one's lookup and its insert.
    monkeypatch.setattr(metric_samples, "_known", lambda conn, keys: {})
    with db.transaction() as conn:
        done = metric_samples.store(conn, [sample(minute=1)])
    assert done.stored == 1
    with db.read() as conn:
        (series,) = metric_samples.series(conn)
        assert series.first_seen == T0
