"""The routing tree: Alertmanager's matching order, inheritance, and continue."""

from __future__ import annotations

from datetime import timedelta

from holdoff.mediate.grouping import Grouping
from holdoff.mediate.matchers import parse_matchers
from holdoff.mediate.model import AlertRecord, AlertState, Notify
from holdoff.mediate.model import NotificationKind as K
from holdoff.mediate.policy import Policy
from holdoff.mediate.routing import Route, matching, plan

ROOT_CHANNELS = {
    K.ESCALATED: ("email", "teams"),
    K.TRANSIENT_RESOLVED: ("teams",),
    K.RESOLVED: ("email", "teams"),
}


def route(name: str, match: str, **kw: object) -> Route:
    return Route(name, parse_matchers(match), **kw)  # type: ignore[arg-type]


def tree(*children: Route) -> Route:
    return Route("default", grace=timedelta(minutes=10), channels=ROOT_CHANNELS, children=children)


def test_no_matching_child_leaves_the_alert_on_the_default_route() -> None:
    result = plan(tree(route("db", '{team="db"}', grace=timedelta(minutes=2))), {"team": "web"})
    assert result.routes == ("default",)
    assert result.grace == timedelta(minutes=10)
    assert result.channels == ROOT_CHANNELS


def test_first_matching_child_wins_and_inherits_what_it_leaves_unset() -> None:
    root = tree(
        route(
            "payments", '{team="payments"}', grace=timedelta(minutes=2), channels={K.ESCALATED: ("email",)}
        ),
        route("payments-too", '{team="payments"}', grace=timedelta(seconds=5)),
    )
    result = plan(root, {"team": "payments"})
    assert result.routes == ("payments",)
    assert result.grace == timedelta(minutes=2)
    # escalations by email only; the kinds it did not name keep the default's channels
    assert result.channels[K.ESCALATED] == ("email",)
    assert result.channels[K.TRANSIENT_RESOLVED] == ("teams",)


def test_nested_routes_go_as_deep_as_they_match() -> None:
    root = tree(
        route(
            "payments",
            '{team="payments"}',
            grace=timedelta(minutes=5),
            children=(route("critical", '{severity="critical"}', grace=timedelta(seconds=30)),),
        )
    )
    assert plan(root, {"team": "payments", "severity": "critical"}).routes == ("critical",)
    assert plan(root, {"team": "payments", "severity": "critical"}).grace == timedelta(seconds=30)
    warning = plan(root, {"team": "payments", "severity": "warning"})
    assert (warning.routes, warning.grace) == (("payments",), timedelta(minutes=5))


def test_continue_collects_several_routes_shortest_grace_and_all_channels() -> None:
    root = tree(
        route("audit", '{env="prod"}', continue_matching=True, channels={K.ESCALATED: ("teams",)}),
        route(
            "oncall", '{severity="critical"}', grace=timedelta(seconds=45), channels={K.ESCALATED: ("email",)}
        ),
    )
    result = plan(root, {"env": "prod", "severity": "critical"})
    assert result.routes == ("audit", "oncall")
    assert result.grace == timedelta(seconds=45)
    assert result.channels[K.ESCALATED] == ("teams", "email")


def test_an_empty_channel_list_sends_nothing_of_that_kind() -> None:
    root = tree(route("quiet", '{team="batch"}', channels={K.TRANSIENT_RESOLVED: ()}))
    assert plan(root, {"team": "batch"}).channels[K.TRANSIENT_RESOLVED] == ()


def test_matching_gives_paths_of_child_indices_and_continue_gives_several() -> None:
    root = tree(
        route("web", '{team="web"}'),
        route("audit", '{env="prod"}', continue_matching=True, children=(route("eu", '{region="eu"}'),)),
        route("payments", '{team="payments"}'),
    )
    assert matching(root, {"team": "web"}) == ((0,),)
    assert matching(root, {"env": "prod", "region": "eu", "team": "payments"}) == ((1, 0), (2,))
    assert matching(root, {"team": "ops"}) == ((),)


def test_label_sets_that_match_the_same_routes_share_one_plan() -> None:
    policy = Policy(
        routes=(route("db", '{team="db"}', grace=timedelta(minutes=2)),),
        noise_rules=(),
    )
    first = policy.facts(
        AlertRecord("prometheus", "a", "DiskFull", AlertState.PENDING, 1, labels={"team": "db"})
    )
    second = policy.facts(
        AlertRecord("prometheus", "b", "SlowQuery", AlertState.PENDING, 1, labels={"team": "db", "host": "x"})
    )
    other = policy.facts(AlertRecord("prometheus", "c", "CPU", AlertState.PENDING, 1, labels={"team": "web"}))
    assert first.plan is second.plan
    assert first.plan.grace == timedelta(minutes=2)
    assert other.plan is not first.plan and other.plan.routes == ("default",)


def test_plan_notify_names_the_channels_of_the_kind_and_marks_digests() -> None:
    result = plan(tree(route("db", '{team="db"}', channels={K.ESCALATED: ("pager",)})), {"team": "db"})
    assert result.notify(K.ESCALATED) == (Notify(K.ESCALATED, ("pager",)),)
    assert result.notify(K.TRANSIENT_RESOLVED, digest=True) == (
        Notify(K.TRANSIENT_RESOLVED, ("teams",), digest=True),
    )
    assert result.notify(K.REMINDER) == ()
    assert result.notify(K.ESCALATED) is result.notify(K.ESCALATED)


def test_label_sets_that_differ_only_in_labels_no_rule_reads_share_their_facts() -> None:
    policy = Policy(
        routes=(route("db", '{team="db"}', grace=timedelta(minutes=2)),),
        grouping=Grouping(("cluster",)),
    )

    def facts(fingerprint: str, **labels: str) -> object:
        return policy.facts(
            AlertRecord("prometheus", fingerprint, "DiskFull", AlertState.PENDING, 1, labels=labels)
        )

    first = facts("a", team="db", cluster="eu-1", instance="10.0.0.1:9100")
    assert facts("b", team="db", cluster="eu-1", instance="10.0.0.2:9100") is first
    assert facts("c", team="db", cluster="us-1", instance="10.0.0.1:9100") is not first
    assert facts("d", team="web", cluster="eu-1", instance="10.0.0.1:9100") is not first


def test_grouping_by_every_label_makes_every_label_decide() -> None:
    policy = Policy(grouping=Grouping(("...",)))
    a = policy.facts(
        AlertRecord("prometheus", "a", "DiskFull", AlertState.PENDING, 1, labels={"instance": "1"})
    )
    b = policy.facts(
        AlertRecord("prometheus", "b", "DiskFull", AlertState.PENDING, 1, labels={"instance": "2"})
    )
    assert a.group_key is not None and a.group_key != b.group_key
