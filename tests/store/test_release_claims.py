"""A stopping process gives back what it claimed (``outbox.release_owned``, ``metric_pulls.release_owned``),
on SQLite and PostgreSQL: only its own unfinished claims, so the others take them at once instead of
when the lease runs out."""

from __future__ import annotations

from datetime import timedelta

from holdoff.notify.channel import DeliveryResult
from holdoff.store import metric_pulls, outbox
from holdoff.store.db import Database
from tests.store.test_outbox import LEASE, T0, claim, db, new_alert, queue, row, stored

_FIXTURES = (db,)


def test_release_owned_gives_back_only_the_owners_unsent_messages(db: Database) -> None:
    first, second, third, fourth = queue(
        db, *(row(new_alert(db, f"disk-{n}"), channel="teams") for n in range(4))
    )
    mine = claim(db, T0, owner="stopping", limit=3)
    assert [item.id for item in mine] == [first, second, third]
    [theirs] = claim(db, T0, owner="other")
    assert theirs.id == fourth
    with db.transaction() as conn:  # one of them was sent before the stop
        outbox.record_attempt(
            conn,
            mine[0],
            owner="stopping",
            result=DeliveryResult(ok=True, retryable=False, status_code=200),
            now=T0,
            retry_at=None,
        )

    with db.transaction() as conn:
        assert outbox.release_owned(conn, "stopping") == 2
        assert outbox.release_owned(conn, "stopping") == 0

    for given_back in (second, third):
        after = stored(db, given_back)
        assert (after["lease_owner"], after["lease_expires_at"], after["attempts"]) == (None, None, 0)
    assert stored(db, first)["status"] == "delivered"
    assert stored(db, fourth)["lease_owner"] == "other"
    # Another process takes them now, well inside the lease the stopped one had.
    assert [item.id for item in claim(db, T0 + timedelta(seconds=1), owner="next")] == [second, third]


def test_release_owned_gives_back_only_the_owners_metric_pulls(db: Database) -> None:
    with db.transaction() as conn:
        metric_pulls.ensure(conn, ["cpu", "disk"], T0)
        cpu = metric_pulls.claim(conn, ["cpu"], T0, "stopping", LEASE)
        disk = metric_pulls.claim(conn, ["disk"], T0, "other", LEASE)
    assert cpu is not None and disk is not None

    with db.transaction() as conn:
        assert metric_pulls.release_owned(conn, "stopping") == 1
        after = metric_pulls.get(conn, "cpu")
        assert after is not None and (after.claimed_by, after.claimed_until) == (None, None)
        still = metric_pulls.get(conn, "disk")
        assert still is not None and still.claimed_by == "other"
        again = metric_pulls.claim(conn, ["cpu", "disk"], T0 + timedelta(seconds=1), "next", LEASE)
    assert again is not None and again.name == "cpu"
