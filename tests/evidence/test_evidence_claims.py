"""Two processes sharing one PostgreSQL never compute the same evidence row at once: a row one worker
has locked while claiming is skipped by the other (SKIP LOCKED), not waited for."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from holdoff.mediate.model import AlertRecord, AlertState
from holdoff.store import alert_evidence
from holdoff.store import alerts as alert_store
from holdoff.store.db import Database
from tests.support.databases import migrated_database

T0 = datetime(2026, 3, 1, 10, 0, tzinfo=UTC)


def test_a_row_locked_by_one_claim_is_skipped_by_another(
    request: pytest.FixtureRequest, tmp_path: Path
) -> None:
    url = migrated_database(request, "postgresql", tmp_path)
    first, second = Database(url), Database(url)
    try:
        with first.transaction() as conn:
            ids = []
            for name in ("a", "b"):
                record = AlertRecord(
                    source="generic",
                    fingerprint=name,
                    name=name,
                    state=AlertState.PENDING,
                    occurrence=1,
                    opened_at=T0,
                )
                alert_id = alert_store.insert_new(conn, record, T0)
                assert alert_id is not None
                ids.append(alert_id)
            alert_evidence.schedule(conn, [(alert_id, 1) for alert_id in ids], T0)
        lease = T0 + timedelta(seconds=30)
        with first.transaction() as one:
            assert alert_evidence.claim_due(one, T0, lease, 1) == [(ids[0], 1)]
            # While the first claim's transaction is open, the other process takes the next row.
            with second.transaction() as other:
                other.exec_driver_sql("SET LOCAL lock_timeout = '2s'")  # waiting would fail, not hang
                assert alert_evidence.claim_due(other, T0, lease, 10) == [(ids[1], 1)]
        with second.transaction() as later:
            assert alert_evidence.claim_due(later, T0, lease, 10) == []  # both leased now
    finally:
        first.dispose()
        second.dispose()
