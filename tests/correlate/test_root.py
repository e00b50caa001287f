"""Ranking the members of a correlated incident: the probable root first, each with its reasons."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from holdoff.correlate.config import CorrelationConfig
from holdoff.correlate.model import Learned, LearnedDependency, Member, ReasonKind, RootHint
from holdoff.correlate.root import rank_root

T0 = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)
CONFIG = CorrelationConfig.model_validate(
    {"topology": {"checkout": ["payments-db"], "cart": ["payments-db"]}}
)


def member(
    key: str, service: str, seconds: float, name: str = "", hints: frozenset[RootHint] = frozenset()
) -> Member:
    return Member(key, service, "alertmanager", T0 + timedelta(seconds=seconds), name=name, root_hints=hints)


def test_the_earliest_infrastructure_member_that_others_depend_on_ranks_first() -> None:
    members = [
        member("g-co", "checkout", 40, "HighErrorRate"),
        member("g-db", "payments-db", 0, "PostgresDown"),
        member("g-cart", "cart", 55, "LatencyHigh"),
    ]
    ranked = rank_root(members, config=CONFIG)
    assert [item.member.key for item in ranked] == ["g-db", "g-co", "g-cart"]
    top = {reason.kind: reason.text for reason in ranked[0].reasons}
    assert top[ReasonKind.EARLIEST] == "started first"
    assert top[ReasonKind.INFRA] == "infrastructure (postgres)"
    assert top[ReasonKind.DEPENDED_ON] == "cart, checkout depend on payments-db (topology)"
    assert ranked[1].reasons[0].text == "started 40s after payments-db"
    assert ReasonKind.SYMPTOM in {reason.kind for reason in ranked[2].reasons}


def test_dependency_direction_beats_a_slightly_earlier_symptom() -> None:
    members = [member("g-co", "checkout", 0, "HighErrorRate"), member("g-db", "payments-db", 5, "ReplicaLag")]
    ranked = rank_root(members, config=CONFIG)
    assert ranked[0].member.key == "g-db"


def test_learned_precedence_names_the_usual_first() -> None:
    members = [member("g-a", "orders", 0), member("g-b", "fulfilment", 0)]
    assert [item.member.key for item in rank_root(members)] == ["g-a", "g-b"]  # a tie: the key decides
    learned = Learned(
        {("fulfilment", "orders"): LearnedDependency("fulfilment", "orders", 14, 1.0, 14.0, 12, 2)}
    )
    ranked = rank_root(members, learned)
    assert ranked[0].member.key == "g-b"
    assert [reason.text for reason in ranked[0].reasons if reason.kind is ReasonKind.PRECEDES] == [
        "learned: fulfilment started before orders 12 of 14 times"
    ]


def test_hints_from_the_source_count() -> None:
    members = [
        member("g-a", "orders", 0, hints=frozenset({RootHint.SYMPTOM})),
        member("g-b", "billing", 0, hints=frozenset({RootHint.INFRA})),
    ]
    assert rank_root(members)[0].member.key == "g-b"


def test_no_members_no_ranking() -> None:
    assert rank_root([]) == []
