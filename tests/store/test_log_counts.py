"""Stored log counts (``holdoff.store.log_counts``) on SQLite and PostgreSQL: minutes and totals that
add up, windows read back for sparklines and top templates, writers racing on the same keys, and the
retention of minutes."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta, timezone

import pytest

from holdoff.logs.miner import TemplateChange
from holdoff.store import log_counts, log_templates
from holdoff.store.db import Database
from holdoff.store.log_counts import TemplateCount, minute_of

T0 = datetime(2026, 3, 1, 9, 0, tzinfo=UTC)


def at(minutes: int) -> datetime:
    return T0 + timedelta(minutes=minutes)


@pytest.fixture
def db(database_url: str) -> Iterator[Database]:
    database = Database(database_url)
    try:
        yield database
    finally:
        database.dispose()


def test_minute_of_truncates_to_the_utc_minute() -> None:
    paris = timezone(timedelta(hours=1))
    assert minute_of(datetime(2026, 3, 1, 10, 4, 59, 999_999, tzinfo=paris)) == datetime(
        2026, 3, 1, 9, 4, tzinfo=UTC
    )
    assert minute_of(at(3)) == at(3)
    assert minute_of(at(3)).tzinfo is UTC
    with pytest.raises(ValueError, match="naive"):
        minute_of(datetime(2026, 3, 1, 9, 0))


def test_minutes_add_to_what_is_stored(db: Database) -> None:
    with db.transaction() as conn:
        log_counts.add_minutes(conn, {("a", "api", at(0)): (3, 1), ("a", "web", at(0)): (2, 0)})
    with db.transaction() as conn:
        log_counts.add_minutes(conn, {("a", "api", at(0)): (4, 2), ("a", "api", at(1)): (1, 0)})
        log_counts.add_minutes(conn, {})
    with db.read() as conn:
        assert log_counts.series(conn, ["a"], at(0), at(2)) == {"a": [(at(0), 9, 3), (at(1), 1, 0)]}
        assert log_counts.top(conn, at(0), at(2), 10, service="api") == [TemplateCount("a", 8, 3)]


def test_times_within_a_minute_add_up_in_its_row(db: Database) -> None:
    with db.transaction() as conn:
        log_counts.add_minutes(
            conn,
            {
                ("a", "api", at(2) + timedelta(seconds=5)): (1, 0),
                ("a", "api", at(2) + timedelta(seconds=59)): (2, 1),
                ("a", "api", at(3)): (4, 0),
            },
        )
    with db.read() as conn:
        assert log_counts.series(conn, ["a"], at(0), at(5)) == {"a": [(at(2), 3, 1), (at(3), 4, 0)]}


def test_totals_add_up_per_service_and_severity(db: Database) -> None:
    with db.transaction() as conn:
        log_counts.add_totals(conn, {("api", "critical"): 2, ("api", "info"): 10, ("web", "info"): 0})
    with db.transaction() as conn:
        log_counts.add_totals(conn, {("api", "critical"): 1, ("web", "error"): 4})
    with db.read() as conn:
        assert log_counts.totals(conn) == {("api", "critical"): 3, ("api", "info"): 10, ("web", "error"): 4}


def test_a_batch_larger_than_one_statement_is_stored_whole(db: Database) -> None:
    many = {(f"t{i:05d}", "api", at(i % 7)): (i, i % 2) for i in range(log_counts.ROWS_PER_STATEMENT * 2 + 5)}
    with db.transaction() as conn:
        log_counts.add_minutes(conn, many)
        log_counts.add_minutes(conn, {("t00001", "api", at(1)): (10, 1)})
    with db.read() as conn:
        (first,) = log_counts.top(conn, at(0), at(7), 1)
        assert first == TemplateCount(f"t{len(many) - 1:05d}", len(many) - 1, (len(many) - 1) % 2)
        assert log_counts.series(conn, ["t00001"], at(0), at(7)) == {"t00001": [(at(1), 11, 2)]}
        assert (
            sum(row.lines for row in log_counts.top(conn, at(0), at(7), len(many)))
            == sum(lines for lines, _ in many.values()) + 10
        )


def test_series_reads_whole_minutes_of_the_window_for_each_template_asked(db: Database) -> None:
    with db.transaction() as conn:
        log_counts.add_minutes(
            conn,
            {
                ("a", "api", at(-1)): (100, 0),  # before the window
                ("a", "api", at(0)): (1, 0),
                ("a", "web", at(0)): (2, 1),  # services summed
                ("a", "api", at(5)): (3, 3),
                ("a", "api", at(10)): (7, 0),  # the minute ``until`` starts is left out
                ("b", "api", at(2)): (4, 0),
                ("c", "api", at(3)): (5, 0),  # not asked for
            },
        )
    with db.read() as conn:
        window = log_counts.series(conn, ["b", "a", "nothing", "a"], at(0) + timedelta(seconds=30), at(10))
    assert window == {"a": [(at(0), 3, 1), (at(5), 3, 3)], "b": [(at(2), 4, 0)], "nothing": []}
    with db.read() as conn:
        assert log_counts.series(conn, [], at(0), at(10)) == {}


def test_top_ranks_templates_by_lines_in_the_window(db: Database) -> None:
    with db.transaction() as conn:
        log_counts.add_minutes(
            conn,
            {
                ("quiet", "api", at(1)): (1, 0),
                ("loud", "api", at(1)): (50, 0),
                ("loud", "web", at(2)): (10, 0),
                ("tied-b", "web", at(3)): (20, 5),
                ("tied-a", "web", at(3)): (20, 2),
                ("old", "api", at(-30)): (1_000, 1_000),
            },
        )
    with db.read() as conn:
        everything = log_counts.top(conn, at(0), at(60), 10)
        assert everything == [
            TemplateCount("loud", 60, 0),
            TemplateCount("tied-a", 20, 2),
            TemplateCount("tied-b", 20, 5),
            TemplateCount("quiet", 1, 0),
        ]
        assert log_counts.top(conn, at(0), at(60), 2) == everything[:2]
        assert log_counts.top(conn, at(0), at(60), 10, service="web") == [
            TemplateCount("tied-a", 20, 2),
            TemplateCount("tied-b", 20, 5),
            TemplateCount("loud", 10, 0),
        ]
        assert log_counts.top(conn, at(0), at(60), 10, service="nobody") == []


def test_retention_deletes_minutes_before_the_cutoff_in_batches_and_keeps_totals(db: Database) -> None:
    counts = {(f"t{i % 3}", f"s{i % 2}", at(i)): (1, 0) for i in range(23)}
    with db.transaction() as conn:
        log_counts.add_minutes(conn, counts)
        log_counts.add_totals(conn, {("s0", "info"): 23})
    with db.transaction() as conn:
        assert log_counts.delete_before(conn, at(20), batch=4) == 20
        assert log_counts.delete_before(conn, at(20), batch=4) == 0
    with db.read() as conn:
        left = log_counts.top(conn, at(-60), at(60), 10)
        assert sum(row.lines for row in left) == 3
        assert log_counts.series(conn, ["t2"], at(0), at(60)) == {"t2": [(at(20), 1, 0)]}
        assert log_counts.totals(conn) == {("s0", "info"): 23}


def test_templates_known_leaves_merged_aliases_out(db: Database) -> None:
    def change(template_id: str, merged_into: str | None) -> TemplateChange:
        return TemplateChange(template_id, "x <*>", "x <*>", "x <NUM>", 1, T0, T0, merged_into)

    with db.read() as conn:
        assert log_counts.templates_known(conn) == 0
    with db.transaction() as conn:
        log_templates.upsert(conn, [change("a", None), change("b", "a"), change("c", None)])
    with db.read() as conn:
        assert log_counts.templates_known(conn) == 2


def test_writers_racing_on_the_same_keys_both_count(db: Database) -> None:
    """Four transactions add to the same minutes and totals at once (overlapping keys, given in
    different orders): every line counts, and none deadlocks (locks are taken in sorted key order)."""
    keys = [(f"t{i}", "api", at(i % 3)) for i in range(40)]
    writers = 4
    start = threading.Barrier(writers)
    errors: list[BaseException] = []

    def write(n: int) -> None:
        mine = keys[n:] + keys[:n]  # each writer builds its batch in another order
        start.wait()
        try:
            with db.transaction() as conn:
                log_counts.add_minutes(conn, {key: (n + 1, 1) for key in mine})
                log_counts.add_totals(conn, {("api", "error"): n + 1, ("api", "critical"): 1})
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=write, args=(n,)) for n in range(writers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert errors == []
    lines_each = sum(range(1, writers + 1))
    with db.read() as conn:
        assert log_counts.totals(conn) == {("api", "error"): lines_each, ("api", "critical"): writers}
        rows = log_counts.top(conn, at(0), at(3), 100)
    assert sorted(rows) == sorted(TemplateCount(key[0], lines_each, writers) for key in keys)
