"""The correlation store on its own (``holdoff.store.correlation``), on SQLite and PostgreSQL: memberships,
open correlated incidents and standings, operators' splits and merges, learned dependencies."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import Connection, update

from holdoff.correlate.model import (
    Learned,
    LearnedDependency,
    Member,
    Merge,
    Reason,
    ReasonKind,
    RootHint,
    Split,
)
from holdoff.mediate.grouping import IncidentRecord, IncidentState
from holdoff.store import correlation as store
from holdoff.store import incidents as incident_store
from holdoff.store.correlation import CorrelationError
from holdoff.store.db import Database
from holdoff.store.tables import incidents

T0 = datetime(2026, 3, 1, 9, 0, tzinfo=UTC)
TOPOLOGY = Reason(ReasonKind.TOPOLOGY, "checkout depends on payments-db (topology)", 1.0)


@pytest.fixture
def db(database_url: str) -> Iterator[Database]:
    database = Database(database_url)
    try:
        yield database
    finally:
        database.dispose()


def group(conn: Connection, key: str) -> int:
    """A new open group incident for ``key``."""
    record = IncidentRecord(key, "default", {"service": key}, key, IncidentState.OPEN, opened_at=T0)
    return incident_store.insert(conn, record, T0)


def resolve(conn: Connection, incident_id: int) -> None:
    conn.execute(
        update(incidents)
        .where(incidents.c.id == incident_id)
        .values(state=IncidentState.RESOLVED.value, open_key=None)
    )


def member(key: str, service: str = "", seconds: int = 0) -> Member:
    return Member(
        key,
        service or key,
        "alertmanager",
        T0 + timedelta(seconds=seconds),
        {"cluster": "eu-1"},
        frozenset({RootHint.INFRA}),
        f"{key} down",
        frozenset({"template:t-1"}),
        urgency=1,
    )


def test_a_member_round_trips_with_its_reasons(db: Database) -> None:
    with db.transaction() as conn:
        lead = group(conn, "payments-db")
        store.add_member(conn, lead, lead, member("payments-db"), 0.0, (), T0)
        other = group(conn, "checkout")
        store.add_member(conn, other, lead, member("checkout", seconds=40), 1.5, (TOPOLOGY,), T0, by=None)
    with db.read() as conn:
        stored = store.members(conn, lead)
        assert store.lead_of(conn, other) == lead
        assert store.lead_of(conn, other + 100) is None
    assert [m.incident_id for m in stored] == [lead, other]
    assert stored[1].member == member("checkout", seconds=40)
    assert stored[1].member.labels == {"cluster": "eu-1"}
    assert stored[1].member.root_hints == frozenset({RootHint.INFRA})
    assert stored[1].member.evidence == frozenset({"template:t-1"})
    assert stored[1].member.name == "checkout down"
    assert stored[1].member.urgency == 1
    assert stored[1].reasons == (TOPOLOGY,)
    assert stored[1].score == 1.5
    assert stored[1].joined_at == T0
    assert stored[1].joined_by is None
    assert stored[1].open and stored[1].lead_id == lead


def test_open_incidents_hold_every_member_lead_first_while_any_is_open(db: Database) -> None:
    with db.transaction() as conn:
        lead = group(conn, "payments-db")
        store.add_member(conn, lead, lead, member("payments-db"), 0.0, (), T0 + timedelta(seconds=5))
        other = group(conn, "checkout")
        store.add_member(conn, other, lead, member("checkout"), 1.0, (TOPOLOGY,), T0 + timedelta(seconds=9))
        alone = group(conn, "search")
        store.add_member(conn, alone, alone, member("search"), 0.0, (), T0 + timedelta(seconds=7))
        resolve(conn, lead)
    with db.read() as conn:
        found = store.open_incidents(conn)
    assert [(i.id, [m.key for m in i.members]) for i in found] == [
        (str(lead), ["payments-db", "checkout"]),
        (str(alone), ["search"]),
    ]
    assert found[0].opened_at == T0 + timedelta(seconds=5)
    with db.transaction() as conn:
        resolve(conn, other)
    with db.read() as conn:
        assert [i.id for i in store.open_incidents(conn)] == [str(alone)]


def test_standing_says_whether_another_member_keeps_the_incident_open(db: Database) -> None:
    with db.transaction() as conn:
        lead = group(conn, "payments-db")
        store.add_member(conn, lead, lead, member("payments-db"), 0.0, (), T0)
        other = group(conn, "checkout")
        store.add_member(conn, other, lead, member("checkout"), 1.0, (TOPOLOGY,), T0)
        never = group(conn, "search")
    with db.read() as conn:
        assert store.standing(conn, never).incident is None
        before = store.standing(conn, other)
    assert before.incident is not None and before.incident.id == str(lead)
    assert [m.key for m in before.incident.members] == ["payments-db", "checkout"]
    assert before.others_open
    with db.transaction() as conn:
        resolve(conn, lead)
    with db.read() as conn:
        assert not store.standing(conn, other).others_open
        assert store.standing(conn, lead).others_open


def test_a_group_that_led_alone_moves_into_another_incident(db: Database) -> None:
    with db.transaction() as conn:
        lead = group(conn, "payments-db")
        store.add_member(conn, lead, lead, member("payments-db"), 0.0, (), T0)
        alone = group(conn, "checkout")
        store.add_member(conn, alone, alone, member("checkout"), 0.0, (), T0)
        store.move_member(
            conn, alone, lead, member("checkout", seconds=3), 1.0, (TOPOLOGY,), T0 + timedelta(1)
        )
    with db.read() as conn:
        assert store.members(conn, alone) == []
        moved = store.members(conn, lead)
        assert [i.id for i in store.open_incidents(conn)] == [str(lead)]
    assert [m.incident_id for m in moved] == [lead, alone]
    assert moved[1].reasons == (TOPOLOGY,) and moved[1].score == 1.0 and moved[1].joined_by is None
    assert moved[1].member.started == T0 + timedelta(seconds=3)


def test_split_detaches_a_member_and_remembers_every_pair(db: Database) -> None:
    with db.transaction() as conn:
        lead = group(conn, "payments-db")
        store.add_member(conn, lead, lead, member("payments-db"), 0.0, (), T0)
        a = group(conn, "checkout")
        store.add_member(conn, a, lead, member("checkout"), 1.0, (TOPOLOGY,), T0)
        b = group(conn, "cart")
        store.add_member(conn, b, lead, member("cart"), 1.0, (TOPOLOGY,), T0)
    with db.transaction() as conn:
        store.split(conn, a, "alice", T0 + timedelta(minutes=1))
    with db.read() as conn:
        assert store.lead_of(conn, a) == a
        assert [m.incident_id for m in store.members(conn, lead)] == [lead, b]
        alone = store.members(conn, a)
        feedback = store.feedback(conn)
    assert alone[0].joined_by == "alice" and alone[0].reasons[0].kind is ReasonKind.SPLIT
    assert feedback.splits == frozenset({Split("checkout", "payments-db"), Split("checkout", "cart")})
    assert feedback.split("payments-db", "checkout")
    with db.transaction() as conn, pytest.raises(CorrelationError, match="alone"):
        store.split(conn, a, "alice", T0)


def test_splitting_the_lead_hands_the_rest_to_the_next_member(db: Database) -> None:
    with db.transaction() as conn:
        lead = group(conn, "payments-db")
        store.add_member(conn, lead, lead, member("payments-db"), 0.0, (), T0)
        a = group(conn, "checkout")
        store.add_member(conn, a, lead, member("checkout"), 1.0, (TOPOLOGY,), T0 + timedelta(seconds=1))
        b = group(conn, "cart")
        store.add_member(conn, b, lead, member("cart"), 1.0, (TOPOLOGY,), T0 + timedelta(seconds=2))
        store.split(conn, lead, "alice", T0 + timedelta(minutes=1))
    with db.read() as conn:
        assert store.lead_of(conn, lead) == lead
        assert [m.incident_id for m in store.members(conn, a)] == [a, b]
        assert store.lead_of(conn, b) == a
        assert [m.key for m in store.members(conn, lead)] == ["payments-db"]


def test_split_of_a_group_that_never_paged_is_refused(db: Database) -> None:
    with db.transaction() as conn:
        never = group(conn, "search")
        with pytest.raises(CorrelationError, match="never paged"):
            store.split(conn, never, "alice", T0)


def test_merge_moves_the_other_incident_and_its_members(db: Database) -> None:
    with db.transaction() as conn:
        a = group(conn, "payments-db")
        store.add_member(conn, a, a, member("payments-db"), 0.0, (), T0)
        b = group(conn, "checkout")
        store.add_member(conn, b, b, member("checkout"), 0.0, (), T0)
        c = group(conn, "cart")
        store.add_member(conn, c, b, member("cart"), 1.0, (TOPOLOGY,), T0)
        never = group(conn, "search")
    with db.transaction() as conn:
        store.merge(conn, a, b, "bob", T0 + timedelta(minutes=2))
    with db.read() as conn:
        moved = store.members(conn, a)
        assert store.members(conn, b) == []
        assert store.feedback(conn).merges == frozenset({Merge("payments-db", "checkout")})
    assert [m.incident_id for m in moved] == [a, b, c]
    assert all(m.joined_by == "bob" for m in moved[1:])
    assert moved[2].reasons[-1].kind is ReasonKind.MERGE
    with db.transaction() as conn, pytest.raises(CorrelationError, match="already one"):
        store.merge(conn, a, c, "bob", T0)
    with db.transaction() as conn, pytest.raises(CorrelationError, match="only incidents that paged"):
        store.merge(conn, a, never, "bob", T0)


def test_feedback_kinds_are_checked(db: Database) -> None:
    with db.transaction() as conn, pytest.raises(ValueError, match="split"):
        store.add_feedback(conn, "join", "a", "b", 1, 2, "bob", T0)


def test_learned_dependencies_are_replaced_as_a_whole(db: Database) -> None:
    first = Learned({("a", "b"): LearnedDependency("a", "b", 7, 0.5, 14.0, 5, 2)})
    second = Learned({("c", "d"): LearnedDependency("c", "d", 9, 1.0, 9.0, 1, 8)})
    with db.transaction() as conn:
        store.save_learned(conn, first, T0)
    with db.read() as conn:
        assert store.learned(conn) == first
    with db.transaction() as conn:
        store.save_learned(conn, second, T0)
        store.lock(conn)
    with db.read() as conn:
        assert store.learned(conn) == second
        assert store.learned(conn).link("d", "c") == LearnedDependency("c", "d", 9, 1.0, 9.0, 1, 8)
