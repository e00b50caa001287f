"""Stored log templates (``holdoff.store.log_templates``) on SQLite and PostgreSQL: the round trip, ids
that stay across restarts and processes, and writers racing on the same templates."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest

from holdoff.logs.miner import MinerConfig, TemplateChange, TemplateMiner
from holdoff.store import log_templates
from holdoff.store.db import Database

T0 = datetime(2026, 3, 1, 9, 0, tzinfo=UTC)
USERS = ("admin", "oracle", "test", "guest", "nobody", "postgres", "git")
LINES = [
    *(f"Invalid user {name} from 10.0.0.{i}" for i, name in enumerate(USERS)),
    "Accepted password for root from 10.0.0.2 port 22 ssh2",
    "Accepted password for root from 10.0.0.3 port 2222 ssh2",
    "job 7 finished in 150ms",
    "job 8 finished in 12:00:01",
    "Request 42 failed\njava.lang.NullPointerException: x\n\tat com.example.A.run(A.java:10)",
]


@pytest.fixture
def db(database_url: str) -> Iterator[Database]:
    database = Database(database_url)
    try:
        yield database
    finally:
        database.dispose()


def mine(miner: TemplateMiner, lines: list[str], start: datetime = T0) -> list[str]:
    """The template of each line, as the miner counts it once all are mined (merges resolved)."""
    found = [miner.match(line, start + timedelta(seconds=i)).template_id for i, line in enumerate(lines)]
    return [miner.resolve(template_id) for template_id in found]


def save(db: Database, miner: TemplateMiner) -> int:
    with db.transaction() as conn:
        return log_templates.upsert(conn, miner.take_changes())


def load(db: Database) -> TemplateMiner:
    with db.read() as conn:
        return TemplateMiner(templates=log_templates.load(conn))


def test_what_a_miner_saves_loads_back_as_it_was(db: Database) -> None:
    miner = TemplateMiner()
    mine(miner, LINES)
    assert save(db, miner) == len(miner.templates())
    with db.read() as conn:
        stored = log_templates.load(conn)
    assert sorted(stored, key=lambda t: t.template_id) == sorted(
        miner.templates(), key=lambda t: t.template_id
    )
    assert [t.first_seen for t in stored] == sorted(t.first_seen for t in stored if t.first_seen)
    assert save(db, miner) == 0  # nothing changed since


def test_a_restarted_miner_keeps_ids_and_counts_on(db: Database) -> None:
    first = TemplateMiner()
    found = mine(first, LINES)
    save(db, first)
    restarted = load(db)
    assert mine(restarted, LINES, T0 + timedelta(hours=1)) == found
    assert restarted.match("Invalid user mallory from 10.0.0.9").template_id == found[0]
    save(db, restarted)
    with db.read() as conn:
        stored = {t.template_id: t for t in log_templates.load(conn)}
    invalid_user = stored[found[0]]
    assert invalid_user.count == len(USERS) * 2 + 1
    assert invalid_user.first_seen == T0
    assert invalid_user.last_seen == T0 + timedelta(hours=1, seconds=len(USERS) - 1)
    assert stored[found[-2]].template == "job <NUM> finished in <*>"


def test_two_miners_restored_from_one_table_give_the_same_ids(db: Database) -> None:
    seed = TemplateMiner()
    mine(seed, LINES[:3])
    save(db, seed)
    one, two = load(db), load(db)
    assert mine(one, LINES) == mine(two, LINES)
    assert mine(one, ["disk /dev/sda1 at 91% full"]) == mine(two, ["disk /dev/nvme0n1 at 97% full"])


def test_processes_that_found_the_same_template_apart_share_its_row(db: Database) -> None:
    one, two = TemplateMiner(), TemplateMiner()
    (first,) = set(mine(one, ["cache warmed in 5ms"] * 3))
    (second,) = set(mine(two, ["cache warmed in 7ms", "cache warmed in 1.5s"], T0 - timedelta(minutes=1)))
    assert first == second
    save(db, one)
    save(db, two)
    with db.read() as conn:
        (stored,) = log_templates.load(conn)
    assert (stored.count, stored.first_seen, stored.last_seen) == (
        5,
        T0 - timedelta(minutes=1),
        T0 + timedelta(seconds=2),
    )
    assert stored.template == "cache warmed in <DUR>"


def test_the_more_general_text_wins_whichever_writes_last(db: Database) -> None:
    def change(template: str, added: int) -> TemplateChange:
        return TemplateChange(
            "abc", template, "job <*> in <*>", "job <NUM> in <DUR>", added, None, None, None
        )

    with db.transaction() as conn:
        log_templates.upsert(conn, [change("job <NUM> in <*>", 2)])
        log_templates.upsert(conn, [change("job <NUM> in <DUR>", 1)])
        log_templates.upsert(conn, [change("job <*> in <*>", 1), change("job <NUM> in <DUR>", 4)])
    with db.read() as conn:
        (stored,) = log_templates.load(conn)
    assert (stored.template, stored.count, stored.first_seen) == ("job <*> in <*>", 8, None)


def test_merges_are_stored_and_resolve(db: Database) -> None:
    miner = TemplateMiner(MinerConfig(merge_after=3))
    early = [miner.match(f"lock held by {name} since 5").template_id for name in ("alpha", "beta")]
    merged = miner.match("lock held by gamma since 5")
    save(db, miner)
    with db.read() as conn:
        aliases = {t.template_id: t.merged_into for t in log_templates.load(conn)}
        assert log_templates.resolve(conn, [*early, merged.template_id, "unknown"]) == {
            early[0]: merged.template_id,
            early[1]: merged.template_id,
            merged.template_id: merged.template_id,
            "unknown": "unknown",
        }
    assert {aliases[old] for old in merged.merged} == {merged.template_id}
    assert load(db).match("lock held by delta since 9").template_id == merged.template_id


def test_writers_racing_on_the_same_templates_both_count(db: Database) -> None:
    lines = [f"worker {i} done in {i}ms" for i in range(50)] + [f"queue {name} drained" for name in USERS]
    batches = []
    for _ in range(4):
        miner = TemplateMiner()
        mine(miner, lines)
        batches.append(miner.take_changes())
    start = threading.Barrier(len(batches))
    errors: list[BaseException] = []

    def write(changes: list[TemplateChange]) -> None:
        start.wait()
        try:
            with db.transaction() as conn:
                log_templates.upsert(conn, changes)
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=write, args=(batch,)) for batch in batches]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert errors == []
    with db.read() as conn:
        stored = log_templates.load(conn)
    live = [t for t in stored if t.merged_into is None]
    assert sum(t.count for t in live) == len(lines) * len(batches)
