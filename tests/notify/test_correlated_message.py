"""What messages say about correlated incidents (``holdoff.notify.correlated``): the CORRELATED update of a
group that joined, and the facts the lead's and members' later messages carry."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from holdoff.correlate.config import CorrelationConfig
from holdoff.correlate.model import Member, Reason, ReasonKind, RootHint
from holdoff.correlate.root import rank_root
from holdoff.mediate.grouping import IncidentNotify, IncidentRecord, IncidentState, Pending
from holdoff.mediate.model import NotificationKind
from holdoff.notify.correlated import CorrelatedView, decorate, symptoms
from holdoff.notify.email import build_email
from holdoff.notify.message import Message, render_incident

T0 = datetime(2026, 3, 1, 9, 0, tzinfo=UTC)
URL = "https://holdoff.test"
DB = Member(
    "k-db", "payments-db", "alertmanager", T0, name="PostgresDown", root_hints=frozenset({RootHint.INFRA})
)
CHECKOUT = Member("k-co", "checkout", "coralogix", T0 + timedelta(seconds=40), name="Checkout errors")
PAYMENTS = Member("k-pay", "payments", "alertmanager", T0 + timedelta(seconds=50), name="Payment errors")
WHY = (
    Reason(ReasonKind.TIME, "started 40s after payments-db"),
    Reason(ReasonKind.TOPOLOGY, "checkout depends on payments-db (topology)", 1.0),
)
CONFIG_TOPOLOGY = {"checkout": ("payments-db",), "payments": ("payments-db",)}


def view(*members: Member, why: tuple[Reason, ...] = ()) -> CorrelatedView:
    ranked = rank_root(members, config=CorrelationConfig(topology=CONFIG_TOPOLOGY))
    return CorrelatedView(12, members, ranked[0] if len(members) > 1 else None, why)


def message(
    kind: NotificationKind, incident_id: int = 14, title: str = "Checkout errors (service=checkout)"
) -> Message:
    record = IncidentRecord("k", "default", {"service": "checkout"}, title, IncidentState.OPEN, opened_at=T0)
    pending = Pending("coralogix\x1fcx-1", "Checkout errors", kind, ("teams",), T0)
    notify = IncidentNotify(kind, ("teams",), 1, (pending,))
    return render_incident(incident_id, record, notify, T0 + timedelta(minutes=2), URL)


def test_a_correlated_update_says_what_joined_what_and_why() -> None:
    update = decorate(message(NotificationKind.CORRELATED), view(DB, CHECKOUT, why=WHY), URL)
    assert update.title == "Correlated: Checkout errors (service=checkout) joined incident #12 PostgresDown"
    facts = {fact.name: fact.value for fact in update.facts}
    assert facts["Correlated"] == "+1 symptom on checkout"
    assert (
        facts["Probable root"]
        == "payments-db (started first, infrastructure (postgres), checkout depends on payments-db (topology))"
    )
    assert facts["Why joined"] == "started 40s after payments-db; checkout depends on payments-db (topology)"
    assert update.url == f"{URL}/ui/incidents/12" and update.api_url == f"{URL}/incidents/12"
    assert update.incident_id == 14
    assert update.key == "holdoff-incident-12" and update.thread() == "incident-12"
    assert "not a new page" in update.summary
    mail = build_email(update, "holdoff@example.test", ["oncall@example.test"])
    assert mail["References"] == "<holdoff-incident-12@example.test>"


def test_the_leads_later_messages_name_its_symptoms_and_root() -> None:
    resolved = decorate(
        message(NotificationKind.RESOLVED, 12, "PostgresDown"), view(DB, CHECKOUT, PAYMENTS), URL
    )
    facts = {fact.name: fact.value for fact in resolved.facts}
    assert facts["Correlated"] == "+2 symptoms on checkout, payments"
    assert facts["Probable root"].startswith("payments-db (started first")
    assert "Why joined" not in facts and "Part of" not in facts
    assert resolved.title.startswith("RESOLVED: PostgresDown")
    assert resolved.key == "holdoff-incident-12"


def test_a_members_later_messages_say_which_incident_it_is_part_of() -> None:
    reminder = decorate(message(NotificationKind.REMINDER), view(DB, CHECKOUT), URL)
    facts = {fact.name: fact.value for fact in reminder.facts}
    assert facts["Part of"] == "incident #12 PostgresDown"
    assert reminder.key == "holdoff-incident-14"


def test_a_members_absorbed_reminder_says_it_is_still_firing_in_the_incident() -> None:
    update = decorate(message(NotificationKind.CORRELATED), view(DB, CHECKOUT), URL)
    assert (
        update.title
        == "Correlated: Checkout errors (service=checkout) still firing in incident #12 PostgresDown"
    )
    assert update.key == "holdoff-incident-12"


def test_a_group_alone_in_its_incident_says_nothing_of_correlation() -> None:
    plain = message(NotificationKind.RESOLVED, 12)
    assert decorate(plain, view(DB), URL) == plain


def test_many_symptoms_are_counted_past_the_first_few() -> None:
    members = [DB, *(Member(f"k{i}", f"svc-{i}", "alertmanager", T0) for i in range(8))]
    assert symptoms(view(*members)) == ("+8 symptoms on svc-0, svc-1, svc-2, svc-3, svc-4, svc-5 and 2 more")
