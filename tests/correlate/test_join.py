"""The join decision: time is required and never enough; dependencies, shared infrastructure and the same
cause join; operators' splits hold and merges join."""

from __future__ import annotations

import random
from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest

from holdoff.correlate.config import CorrelationConfig
from holdoff.correlate.join import _compiled, _pair_score, decide, evidence, fold
from holdoff.correlate.learn import learn
from holdoff.correlate.model import (
    CorrelatedIncident,
    Feedback,
    Join,
    Learned,
    LearnedDependency,
    Member,
    Merge,
    NewIncident,
    ReasonKind,
    Split,
)

T0 = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)
CONFIG = CorrelationConfig.model_validate(
    {"topology": {"checkout": ["payments"], "payments": ["payments-db"], "cart": ["payments-db"]}}
)


def member(key: str, service: str, seconds: float, source: str = "alertmanager", **labels: str) -> Member:
    return Member(key, service, source, T0 + timedelta(seconds=seconds), labels=labels)


def incident_of(*members: Member) -> CorrelatedIncident:
    return CorrelatedIncident(members[0].key, members, members[0].started)


def kinds(decision: Join | NewIncident) -> set[ReasonKind]:
    return {reason.kind for reason in decision.reasons}


def test_simultaneous_unrelated_incidents_on_disjoint_infrastructure_stay_apart() -> None:
    search = member("g-search", "search", 0, cluster="eu-1", namespace="search", node="n1")
    billing = member("g-billing", "billing", 0, cluster="us-2", namespace="billing", node="n9")
    decision = decide([incident_of(search)], billing, billing.started, CONFIG)
    assert isinstance(decision, NewIncident)
    assert kinds(decision) == {ReasonKind.NO_EVIDENCE}
    assert "time alone never joins" in decision.reasons[0].text


def test_a_shared_cluster_alone_does_not_join() -> None:
    search = member("g-search", "search", 0, cluster="eu-1", namespace="search", node="n1")
    billing = member("g-billing", "billing", 5, cluster="eu-1", namespace="billing", node="n2")
    decision = decide([incident_of(search)], billing, billing.started, CONFIG)
    assert isinstance(decision, NewIncident)
    assert decision.best_score == CONFIG.topology_labels["cluster"]


def test_a_shared_node_cascade_joins_across_sources() -> None:
    db = member("g-db", "payments-db", 0, "alertmanager", cluster="eu-1", node="n7")
    api = member("g-api", "orders", 40, "coralogix", cluster="eu-1", node="n7")
    decision = decide([incident_of(db)], api, api.started, CONFIG)
    assert isinstance(decision, Join)
    assert decision.incident == "g-db"
    texts = [reason.text for reason in decision.reasons]
    assert texts == [
        "started 40s after payments-db",
        "shares node=n7, cluster=eu-1",
        "orders runs in node=n7, cluster=eu-1, where payments-db failed (infrastructure)",
    ]


def test_an_application_alert_does_not_make_a_scope_only_infrastructure_does() -> None:
    # A disk alert on an application in a cluster is not a cluster-wide failure: sharing the cluster is
    # all that links the two, and it is not enough.
    disk = replace(member("g-app", "checkout", 0, cluster="eu-1"), name="DiskUsageHigh")
    other = member("g-other", "search", 60, cluster="eu-1")
    assert isinstance(decide([incident_of(disk)], other, other.started, CONFIG), NewIncident)


def test_a_cluster_wide_infrastructure_failure_explains_what_runs_in_that_cluster() -> None:
    network = replace(member("g-net", "network", 0, cluster="ap-1"), name="NetworkPartition")
    inside = member("g-app", "checkout", 90, "coralogix", cluster="ap-1")
    outside = member("g-app2", "search", 90, cluster="eu-1")
    joined = decide([incident_of(network)], inside, inside.started, CONFIG)
    assert isinstance(joined, Join)
    assert any(reason.kind.value == "scope" for reason in joined.reasons)
    assert isinstance(decide([incident_of(network)], outside, outside.started, CONFIG), NewIncident)


def test_the_same_service_named_by_two_sources_joins() -> None:
    prometheus = member("g-am", "checkout", 0, "alertmanager")
    coralogix = member("g-cx", "checkout", 20, "coralogix")
    decision = decide([incident_of(prometheus)], coralogix, coralogix.started, CONFIG)
    assert isinstance(decision, Join)
    assert "same service checkout (alertmanager, coralogix)" in [reason.text for reason in decision.reasons]


def test_a_dependency_in_the_topology_joins_with_its_reason() -> None:
    db = member("g-db", "payments", 0)
    checkout = member("g-co", "checkout", 40, "coralogix")
    decision = decide([incident_of(db)], checkout, checkout.started, CONFIG)
    assert isinstance(decision, Join)
    assert [reason.text for reason in decision.reasons] == [
        "started 40s after payments",
        "checkout depends on payments (topology)",
    ]


def test_a_late_symptom_joins_the_open_incident_instead_of_opening_one() -> None:
    db = member("g-db", "payments-db", 0, node="n7")
    payments = member("g-pay", "payments", 120)
    incident = incident_of(db).with_member(payments)
    late = member("g-co", "checkout", 120 + 9 * 60, "coralogix")  # 11 min after the db, 9 after payments
    decision = decide([incident], late, late.started, CONFIG)
    assert isinstance(decision, Join)
    assert decision.incident == "g-db"
    assert decision.reasons[0].text == "started 9m after payments"


def test_a_member_outside_the_window_opens_a_new_incident_even_with_a_dependency() -> None:
    payments = member("g-pay", "payments", 0)
    late = member("g-co", "checkout", 11 * 60)
    assert isinstance(decide([incident_of(payments)], late, late.started, CONFIG), NewIncident)


def test_an_incident_older_than_max_span_takes_no_member() -> None:
    config = CONFIG.model_copy(update={"max_span": timedelta(minutes=5)})
    first = member("g-db", "payments", 0)
    chain = incident_of(first).with_member(member("g-x", "checkout", 250))
    later = member("g-co", "checkout", 330, "coralogix")
    assert isinstance(decide([chain], later, later.started, config), NewIncident)
    assert isinstance(decide([chain], later, later.started, CONFIG), Join)


def test_a_split_pair_never_rejoins() -> None:
    db = member("g-db", "payments", 0, node="n7")
    checkout = member("g-co", "checkout", 30, node="n7")
    feedback = Feedback(splits=frozenset({Split("g-co", "g-db")}))
    decision = decide([incident_of(db)], checkout, checkout.started, CONFIG, feedback=feedback)
    assert isinstance(decision, NewIncident)
    assert kinds(decision) == {ReasonKind.SPLIT}
    assert isinstance(decide([incident_of(db)], checkout, checkout.started, CONFIG), Join)


def test_a_merge_joins_without_evidence_and_a_split_of_the_same_pair_wins() -> None:
    search = member("g-search", "search", 0, cluster="eu-1")
    billing = member("g-billing", "billing", 3600, cluster="us-2")
    merged = Feedback(merges=frozenset({Merge("g-search", "g-billing")}))
    decision = decide([incident_of(search)], billing, billing.started, CONFIG, feedback=merged)
    assert isinstance(decision, Join) and kinds(decision) == {ReasonKind.MERGE}
    both = Feedback(splits=frozenset({Split("g-billing", "g-search")}), merges=merged.merges)
    assert isinstance(
        decide([incident_of(search)], billing, billing.started, CONFIG, feedback=both), NewIncident
    )


def test_the_same_log_template_or_change_event_joins() -> None:
    a = Member("g-a", "search", "coralogix", T0, evidence=frozenset({"template:t-1a2b", "change:deploy#41"}))
    b = Member(
        "g-b", "billing", "alertmanager", T0 + timedelta(seconds=60), evidence=frozenset({"template:t-1a2b"})
    )
    c = Member(
        "g-c", "mail", "alertmanager", T0 + timedelta(seconds=60), evidence=frozenset({"change:deploy#41"})
    )
    for other, text in ((b, "same new log template t-1a2b"), (c, "same change event deploy#41")):
        decision = decide([incident_of(a)], other, other.started, CONFIG)
        assert isinstance(decision, Join)
        assert decision.reasons[-1].text == text


def test_learned_dependencies_join_and_need_enough_evidence() -> None:
    history = [
        (service, T0 + timedelta(hours=6 * hour, seconds=offset))
        for hour in range(20)
        for service, offset in (("payments", 0), ("checkout", 30))
    ]
    learned = learn(history, CONFIG.window, min_count=5, min_lift=5)
    pay = member("g-pay", "payments", 0)
    co = member("g-co", "search-api", 30)
    assert isinstance(decide([incident_of(pay)], co, co.started, CONFIG, learned), NewIncident)
    checkout = member("g-co", "checkout", 30)
    plain = CorrelationConfig()
    decision = decide([incident_of(pay)], checkout, checkout.started, plain, learned)
    assert isinstance(decision, Join)
    assert decision.reasons[1].kind is ReasonKind.LEARNED
    assert decision.reasons[1].text.startswith("learned: checkout and payments start together")
    strict = plain.model_copy(update={"learned": plain.learned.model_copy(update={"min_count": 50})})
    assert isinstance(decide([incident_of(pay)], checkout, checkout.started, strict, learned), NewIncident)


def test_the_best_incident_wins() -> None:
    weak = incident_of(member("g-ns", "search", 0, namespace="shop", cluster="eu-1"))
    strong = incident_of(member("g-db", "payments", 10))
    checkout = member("g-co", "checkout", 20, namespace="shop", cluster="eu-1")
    decision = decide([weak, strong], checkout, checkout.started, CONFIG)
    assert isinstance(decision, Join) and decision.incident == "g-db"
    assert decision.score == CONFIG.weights.topology


def test_correlation_off_never_joins() -> None:
    prometheus = member("g-am", "checkout", 0)
    again = member("g-cx", "checkout", 5)
    off = CorrelationConfig(enabled=False)
    assert decide([incident_of(prometheus)], again, again.started, off) == NewIncident(
        decide([], again, again.started, off).reasons
    )
    assert kinds(decide([incident_of(prometheus)], again, again.started, off)) == {ReasonKind.DISABLED}


def test_label_evidence_is_capped_and_more_specific_labels_weigh_more() -> None:
    a = member("g-a", "x", 0, node="n1", host="n1", namespace="ns", cluster="c", team="t")
    b = member("g-b", "y", 0, node="n1", host="n1", namespace="ns", cluster="c", team="t")
    score, _ = evidence(a, b, CONFIG)
    assert score == CONFIG.weights.labels_cap
    node, _ = evidence(member("a", "x", 0, node="n1"), member("b", "y", 0, node="n1"), CONFIG)
    namespace, _ = evidence(member("a", "x", 0, namespace="s"), member("b", "y", 0, namespace="s"), CONFIG)
    assert (
        node
        > namespace
        > evidence(member("a", "x", 0, cluster="c"), member("b", "y", 0, cluster="c"), CONFIG)[0]
    )


def test_fold_makes_one_incident_per_cascade_and_keeps_unrelated_ones_apart() -> None:
    members = [
        member("g-db", "payments-db", 0, "alertmanager", node="n7"),
        member("g-search", "search", 10, "alertmanager", node="n1"),
        member("g-pay", "payments", 40, "coralogix"),
        member("g-cart", "cart", 50, "coralogix"),
        member("g-co", "checkout", 90, "alertmanager"),
        member("g-db2", "payments-db", 3600, "alertmanager", node="n7"),  # an hour later: a new incident
    ]
    decisions, incidents = fold(members, CONFIG)
    assert [sorted(m.key for m in incident.members) for incident in incidents] == [
        ["g-cart", "g-co", "g-db", "g-pay"],
        ["g-search"],
        ["g-db2"],
    ]
    assert sum(isinstance(decision, NewIncident) for _, decision in decisions) == 3


def test_the_fast_score_agrees_with_the_written_evidence() -> None:
    """decide scores every pair without writing reasons; the reasons it shows must add up to the same."""
    rng = random.Random(3)
    learned = Learned({("cart", "search"): LearnedDependency("cart", "search", 9, 0.5, 18.0)})
    services = ["checkout", "payments", "payments-db", "cart", "search", ""]
    compiled = _compiled(CONFIG)

    def some() -> Member:
        labels = {
            name: rng.choice(["1", "2"])
            for name in ("node", "namespace", "cluster", "team")
            if rng.random() < 0.7
        }
        found = frozenset(rng.sample(["template:t1", "change:d1", "other:x"], rng.randint(0, 2)))
        return Member(str(rng.random()), rng.choice(services), "s", T0, labels=labels, evidence=found)

    for _ in range(500):
        a, b = some(), some()
        assert _pair_score(a, b, compiled, learned) == pytest.approx(evidence(a, b, CONFIG, learned)[0])
