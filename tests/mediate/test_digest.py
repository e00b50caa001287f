"""Digests: noise rules with action digest, and routes that collect transient posts."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from holdoff.mediate.engine import decide
from holdoff.mediate.flapping import FlapPolicy
from holdoff.mediate.matchers import parse_matchers
from holdoff.mediate.model import Action, AlertEvent, NotificationKind
from holdoff.mediate.noise import NoiseAction, NoiseRule
from holdoff.mediate.policy import Policy
from holdoff.mediate.routing import Route
from holdoff.mediate.silence import Silence

T0 = datetime(2026, 11, 22, 9, 0, tzinfo=UTC)


def cert(action: Action, team: str = "web") -> AlertEvent:
    return AlertEvent(
        "alertmanager", f"cert-{team}", action, name="CertificateExpiresSoon", labels={"team": team}
    )


def test_digest_rule_collects_the_escalation_instead_of_paging() -> None:
    policy = Policy(
        grace=timedelta(minutes=5),
        noise_rules=(
            NoiseRule("certs", parse_matchers('{alertname="CertificateExpiresSoon"}'), NoiseAction.DIGEST),
        ),
    )
    fired = decide(None, cert(Action.TRIGGERED), T0, policy)
    escalated = decide(fired.alert, cert(Action.DEADLINE_REACHED), T0 + timedelta(minutes=5), policy)
    assert [(n.kind, n.digest) for n in escalated.notifications] == [(NotificationKind.ESCALATED, True)]
    assert escalated.held == "digest"
    assert "collected into the digest by noise rule certs" in escalated.timeline.summary
    resolved = decide(escalated.alert, cert(Action.RESOLVED), T0 + timedelta(hours=1), policy)
    assert all(n.digest for n in resolved.notifications) and resolved.notifications


def test_route_with_transient_digest_collects_only_transient_posts() -> None:
    policy = Policy(
        grace=timedelta(minutes=5),
        routes=(Route("web", parse_matchers('{team="web"}'), transient_digest=True),),
    )
    fired = decide(None, cert(Action.TRIGGERED), T0, policy)
    transient = decide(fired.alert, cert(Action.RESOLVED), T0 + timedelta(minutes=1), policy)
    assert [(n.kind, n.digest) for n in transient.notifications] == [
        (NotificationKind.TRANSIENT_RESOLVED, True)
    ]
    other = decide(None, cert(Action.TRIGGERED, team="db"), T0, policy)
    other_resolved = decide(other.alert, cert(Action.RESOLVED, team="db"), T0 + timedelta(minutes=1), policy)
    assert [n.digest for n in other_resolved.notifications] == [False]
    again = decide(transient.alert, cert(Action.TRIGGERED), T0 + timedelta(hours=1), policy)
    escalated = decide(again.alert, cert(Action.DEADLINE_REACHED), T0 + timedelta(hours=1, minutes=5), policy)
    assert [n.digest for n in escalated.notifications] == [False]  # real escalations still page


def test_drop_still_wins_over_nothing_and_digest_rule_order_matters() -> None:
    rules = (
        NoiseRule("drop-web", parse_matchers('{team="web"}'), NoiseAction.DROP),
        NoiseRule("certs", parse_matchers('{alertname="CertificateExpiresSoon"}'), NoiseAction.DIGEST),
    )
    policy = Policy(grace=timedelta(minutes=5), noise_rules=rules)
    fired = decide(None, cert(Action.TRIGGERED), T0, policy)
    escalated = decide(fired.alert, cert(Action.DEADLINE_REACHED), T0 + timedelta(minutes=5), policy)
    assert escalated.notifications == () and escalated.held == "dropped"


def test_a_flapping_summary_on_a_digest_route_goes_to_the_digest_too() -> None:
    policy = Policy(
        grace=timedelta(minutes=5),
        routes=(Route("web", parse_matchers('{team="web"}'), transient_digest=True),),
        flapping=FlapPolicy(threshold=3),
    )
    record = None
    summaries = []
    for n in range(5):
        fired = decide(record, cert(Action.TRIGGERED), T0 + timedelta(minutes=2 * n), policy)
        resolved = decide(
            fired.alert, cert(Action.RESOLVED), T0 + timedelta(minutes=2 * n, seconds=30), policy
        )
        record = resolved.alert
        summaries += [n for n in resolved.notifications if n.kind is NotificationKind.FLAPPING]
    assert summaries and all(n.digest for n in summaries)


def test_a_silence_or_maintenance_also_keeps_lines_out_of_the_digest() -> None:
    policy = Policy(
        grace=timedelta(minutes=5),
        routes=(Route("web", parse_matchers('{team="web"}'), transient_digest=True),),
    )
    silence = Silence(7, parse_matchers('{team="web"}'), T0, T0 + timedelta(hours=1), "alice", "deploy")
    fired = decide(None, cert(Action.TRIGGERED), T0, policy, [silence])
    resolved = decide(fired.alert, cert(Action.RESOLVED), T0 + timedelta(minutes=1), policy, [silence])
    assert resolved.notifications == () and resolved.held == "silenced"
