"""Channel slots: one process at a time takes a rate-limited channel's next slot, on both databases."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta

from holdoff.store import channel_slots, migrate
from holdoff.store.db import Database

T0 = datetime(2026, 11, 22, 9, 0, tzinfo=UTC)
STEP = timedelta(milliseconds=250)


def test_a_slot_is_taken_once_until_its_time_comes_again(database_url: str) -> None:
    db = Database(database_url)
    try:
        migrate.upgrade(db)
        with db.transaction() as conn:
            assert channel_slots.next_free(conn, "teams") is None
            assert channel_slots.take(conn, "teams", T0, T0 + STEP)  # first ever: inserted
        with db.transaction() as conn:
            assert not channel_slots.take(conn, "teams", T0, T0 + STEP)
            assert not channel_slots.take(conn, "teams", T0 + STEP / 2, T0 + STEP * 1.5)
            assert channel_slots.next_free(conn, "teams") == T0 + STEP
            assert channel_slots.take(conn, "slack", T0, T0 + STEP * 4)  # channels are independent
        with db.transaction() as conn:
            assert channel_slots.take(conn, "teams", T0 + STEP, T0 + STEP * 2)
            assert channel_slots.next_free(conn, "teams") == T0 + STEP * 2
    finally:
        db.dispose()


def test_processes_racing_for_one_slot_get_it_once(database_url: str) -> None:
    db = Database(database_url)
    try:
        migrate.upgrade(db)
        with db.transaction() as conn:
            channel_slots.take(conn, "teams", T0, T0)  # the row exists and is free
        won: list[bool] = []
        start = threading.Barrier(4)

        def race() -> None:
            start.wait()
            with db.transaction() as conn:
                won.append(channel_slots.take(conn, "teams", T0 + STEP, T0 + STEP * 2))

        threads = [threading.Thread(target=race) for _ in range(4)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        assert sorted(won) == [False, False, False, True]
    finally:
        db.dispose()
