"""Queries on the ingest path use the (source, fingerprint) index, whatever the table's size."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from holdoff.mediate.model import AlertRecord, AlertState
from holdoff.store import alerts as alert_store
from holdoff.store import migrate
from holdoff.store.db import Database


def test_locking_a_batch_of_identities_searches_the_index_not_the_table(tmp_path: Path) -> None:
    db = Database(f"sqlite:///{tmp_path / 'h.db'}")
    try:
        migrate.upgrade(db)
        now = datetime.now(UTC)
        with db.transaction() as conn:
            for n in range(2_000):
                record = AlertRecord("alertmanager", f"fp{n}", "n", AlertState.PENDING, 1)
                alert_store.insert_new(conn, record, now)
        statement = alert_store._LOCK_MANY.params(source="alertmanager", fingerprints=["fp1", "fp2", "fp3"])
        with db.read() as conn:
            sql = str(statement.compile(dialect=conn.dialect, compile_kwargs={"literal_binds": True}))
            plan = [row[3] for row in conn.exec_driver_sql(f"EXPLAIN QUERY PLAN {sql}")]
            found = alert_store.lock_many(
                conn, {("alertmanager", "fp1"), ("alertmanager", "fp3"), ("grafana", "fp2")}
            )
        assert any("USING" in step and "INDEX" in step for step in plan), plan
        assert not any(step.startswith("SCAN alerts") for step in plan), plan
        assert sorted(found) == [("alertmanager", "fp1"), ("alertmanager", "fp3")]
    finally:
        db.dispose()
