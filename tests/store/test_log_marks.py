"""Operators' marks on log templates and the Logs page's read queries (``holdoff.store.log_marks``,
``holdoff.store.log_views``), on SQLite and PostgreSQL."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import insert

from holdoff.store import log_lines, log_marks, log_views
from holdoff.store.db import Database
from holdoff.store.log_lines import LogLineRow
from holdoff.store.log_marks import MarkRow
from holdoff.store.tables import log_template_minutes, log_templates

T0 = datetime(2026, 3, 1, 9, 0, tzinfo=UTC)
NOW = T0 + timedelta(minutes=30)


@pytest.fixture
def db(database_url: str) -> Iterator[Database]:
    database = Database(database_url)
    try:
        yield database
    finally:
        database.dispose()


def template(
    db: Database,
    template_id: str,
    text: str,
    *,
    count: int = 1,
    first: datetime = T0,
    merged_into: str | None = None,
) -> None:
    with db.transaction() as conn:
        conn.execute(
            insert(log_templates).values(
                id=template_id,
                key=text,
                template=text,
                founding=text,
                count=count,
                first_seen=first,
                last_seen=first,
                merged_into=merged_into,
            )
        )


def line(
    db: Database,
    message: str,
    template_id: str,
    *,
    at: datetime = T0,
    service: str = "api",
    critical: bool | None = None,
    level: str | None = "INFO",
) -> None:
    row = LogLineRow(
        received_at=at,
        timestamp=at,
        service=service,
        host=None,
        level=level,
        severity_number=None,
        message=message,
        template_id=template_id,
        attributes={},
        record_id=None,
        severity="critical" if critical else "info",
        critical=critical,
        score=0.93 if critical else 0.1,
        reason=[["word:panic", 2.5], ["level=INFO", -0.4]] if critical else [],
        model_version="m1",
    )
    with db.transaction() as conn:
        log_lines.insert(conn, [row])


def minutes(
    db: Database, template_id: str, counts: dict[datetime, int], *, service: str = "api", critical: int = 0
) -> None:
    with db.transaction() as conn:
        conn.execute(
            insert(log_template_minutes),
            [
                {
                    "template_id": template_id,
                    "service": service,
                    "minute": minute,
                    "count": n,
                    "critical": critical,
                }
                for minute, n in counts.items()
            ],
        )


def mark(template_id: str, critical: bool, *, at: datetime = T0, actor: str = "otto") -> MarkRow:
    return MarkRow(
        template_id=template_id,
        critical=critical,
        template="kernel panic <*>",
        example="kernel panic 7",
        level="INFO",
        actor=actor,
        marked_at=at,
    )


def test_a_templates_latest_mark_wins(db: Database) -> None:
    with db.transaction() as conn:
        log_marks.put(conn, mark("t1", True))
        log_marks.put(conn, mark("t1", False, at=T0 + timedelta(minutes=1), actor="ada"))
        log_marks.put(conn, mark("t2", True))
    with db.read() as conn:
        assert log_marks.all_marks(conn) == {"t1": False, "t2": True}
        stored = log_marks.get(conn, "t1")
    assert stored == mark("t1", False, at=T0 + timedelta(minutes=1), actor="ada")


def test_removing_a_mark_says_whether_there_was_one(db: Database) -> None:
    with db.transaction() as conn:
        log_marks.put(conn, mark("t1", True))
        assert log_marks.remove(conn, "t1") is True
        assert log_marks.remove(conn, "t1") is False
        assert log_marks.all_marks(conn) == {}


def test_marks_read_as_template_feedback_for_retraining_oldest_first(db: Database) -> None:
    with db.transaction() as conn:
        log_marks.put(conn, mark("t2", False, at=T0 + timedelta(minutes=5)))
        log_marks.put(conn, mark("t1", True))
    with db.read() as conn:
        feedback = log_marks.as_feedback(conn)
    assert [(m.template_id, m.critical, m.kind, m.text, m.level, m.at) for m in feedback] == [
        ("t1", True, "template", "kernel panic <*>", "INFO", T0),
        ("t2", False, "template", "kernel panic <*>", "INFO", T0 + timedelta(minutes=5)),
    ]


def test_marking_a_template_keeps_its_text_and_latest_line(db: Database) -> None:
    template(db, "t1", "kernel panic <*>")
    line(db, "kernel panic 1", "t1", at=T0, level="INFO")
    line(db, "kernel panic 2", "t1", at=T0 + timedelta(seconds=5), level="ERROR")
    with db.transaction() as conn:
        stored = log_marks.mark_template(conn, "t1", critical=False, actor="otto", at=NOW)
        assert log_marks.mark_template(conn, "missing", critical=True, actor="otto", at=NOW) is None
    assert stored == MarkRow(
        template_id="t1",
        critical=False,
        template="kernel panic <*>",
        example="kernel panic 2",
        level="ERROR",
        actor="otto",
        marked_at=NOW,
    )
    with db.read() as conn:
        assert log_marks.get(conn, "t1") == stored


def test_a_merged_template_is_marked_and_unmarked_under_the_one_it_became(db: Database) -> None:
    template(db, "general", "user <*> logged in")
    template(db, "alias", "user bob logged in", merged_into="general")
    with db.transaction() as conn:
        stored = log_marks.mark_template(conn, "alias", critical=False, actor="otto", at=NOW)
        assert stored is not None and stored.template_id == "general"
        assert stored.example == "user <*> logged in"  # no line kept: the template stands in
        assert log_marks.all_marks(conn) == {"general": False}
        assert log_marks.unmark_template(conn, "alias") is True
        assert log_marks.all_marks(conn) == {}


def test_critical_lines_come_newest_first_after_an_id_with_their_mark(db: Database) -> None:
    template(db, "t1", "kernel panic <*>")
    template(db, "t2", "disk <*> full")
    line(db, "kernel panic 1", "t1", critical=True)
    line(db, "fine", "t1", critical=False)
    line(db, "disk sda full", "t2", critical=True, service="db")
    line(db, "kernel panic 2", "t1", critical=True)
    with db.transaction() as conn:
        log_marks.put(conn, mark("t1", True))
    with db.read() as conn:
        every = log_views.critical_lines(conn)
        assert [c.line.message for c in every] == ["kernel panic 2", "disk sda full", "kernel panic 1"]
        assert [c.mark for c in every] == [True, None, True]
        assert every[1].template == "disk <*> full"
        assert every[0].line.reason == [["word:panic", 2.5], ["level=INFO", -0.4]]
        newer = log_views.critical_lines(conn, after_id=every[1].line.id)
        assert [c.line.message for c in newer] == ["kernel panic 2"]
        assert [c.line.message for c in log_views.critical_lines(conn, service="db")] == ["disk sda full"]
        assert len(log_views.critical_lines(conn, limit=2)) == 2


def test_the_minutes_of_a_window_end_at_nows_minute() -> None:
    now = datetime(2026, 3, 1, 9, 30, 42, tzinfo=UTC)
    got = log_views.minutes_of(now, timedelta(minutes=3))
    assert got == [datetime(2026, 3, 1, 9, m, tzinfo=UTC) for m in (28, 29, 30)]
    assert len(log_views.minutes_of(now, timedelta(hours=1))) == 60
    assert len(log_views.minutes_of(now, timedelta(seconds=90))) == 2


def test_top_templates_rank_by_lines_in_the_window_with_a_dense_series(db: Database) -> None:
    template(db, "busy", "GET <*> 200")
    template(db, "rare", "kernel panic <*>")
    template(db, "old", "boot <*>")
    last = NOW.replace(second=0)
    minutes(db, "busy", {last - timedelta(minutes=2): 5, last: 7})
    minutes(db, "busy", {last: 3}, service="web")
    minutes(db, "rare", {last - timedelta(minutes=1): 2}, critical=2)
    minutes(db, "old", {last - timedelta(hours=2): 100})
    with db.transaction() as conn:
        log_marks.put(conn, mark("rare", True))
    with db.read() as conn:
        top = log_views.top_templates(conn, now=NOW, window=timedelta(minutes=3))
        assert [(t.template_id, t.count, t.critical, t.series, t.mark) for t in top] == [
            ("busy", 15, 0, (5, 0, 10), None),
            ("rare", 2, 2, (0, 2, 0), True),
        ]
        assert top[0].template == "GET <*> 200"
        web = log_views.top_templates(conn, now=NOW, window=timedelta(minutes=3), service="web")
        assert [(t.template_id, t.count, t.series) for t in web] == [("busy", 3, (0, 0, 3))]
        assert [
            t.template_id
            for t in log_views.top_templates(conn, now=NOW, window=timedelta(minutes=3), limit=1)
        ] == ["busy"]
        assert log_views.services(conn, now=NOW, window=timedelta(minutes=3)) == ["api", "web"]


def test_new_templates_are_those_first_seen_in_the_window_newest_first(db: Database) -> None:
    template(db, "old", "boot <*>", first=NOW - timedelta(hours=3))
    template(db, "new1", "disk <*> full", first=NOW - timedelta(minutes=20), count=4)
    template(db, "new2", "kernel panic <*>", first=NOW - timedelta(minutes=5))
    template(db, "alias", "kernel panic 3", first=NOW - timedelta(minutes=4), merged_into="new2")
    minutes(db, "new1", {NOW.replace(second=0): 4}, service="db")
    with db.read() as conn:
        fresh = log_views.new_templates(conn, now=NOW, window=timedelta(hours=1))
        assert [(t.template_id, t.count) for t in fresh] == [("new2", 1), ("new1", 4)]
        by_db = log_views.new_templates(conn, now=NOW, window=timedelta(hours=1), service="db")
        assert [t.template_id for t in by_db] == ["new1"]


def test_one_template_with_its_counts_mark_and_recent_lines(db: Database) -> None:
    template(db, "t1", "kernel panic <*>", count=3)
    for i in range(3):
        line(db, f"kernel panic {i}", "t1", at=T0 + timedelta(seconds=i), critical=True)
    minutes(db, "t1", {T0: 3}, critical=3)
    with db.transaction() as conn:
        log_marks.put(conn, mark("t1", False, at=NOW))
    with db.read() as conn:
        detail = log_views.template_detail(conn, "t1", lines=2)
        assert log_views.template_detail(conn, "nope") is None
    assert detail is not None
    assert (detail.template, detail.count, detail.critical, detail.first_seen) == (
        "kernel panic <*>",
        3,
        3,
        T0,
    )
    assert (detail.mark, detail.marked_by, detail.marked_at) == (False, "otto", NOW)
    assert [row.message for row in detail.lines] == ["kernel panic 2", "kernel panic 1"]
