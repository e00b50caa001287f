"""What a group incident's messages say about the correlated incident it belongs to.

A group that joined an incident that already paged gets one CORRELATED update instead of a page:
"Correlated: Checkout errors (service=checkout) joined incident #12 PostgresDown", with what joined
("+2 symptoms on checkout, payments"), the probable root and why it joined, linking to the incident that
paged and threaded under its page. The lead's later messages (reminders, resolutions) carry the symptoms
and the probable root as long as it has members.
"""

from __future__ import annotations

from dataclasses import dataclass

from holdoff.correlate.model import Member, Ranked, Reason
from holdoff.mediate.model import NotificationKind
from holdoff.notify.message import Fact, Message, incident_page_url, incident_url

MAX_SERVICES = 6
"""Services named in the symptoms line; the rest are counted."""


@dataclass(frozen=True)
class CorrelatedView:
    """The correlated incident a group incident belongs to, as its messages show it."""

    lead_id: int
    """The group incident that leads it (and paged for it)."""
    members: tuple[Member, ...]
    """Every member, the lead first, in join order."""
    root: Ranked | None
    """The probable root (:func:`holdoff.correlate.root.rank_root`), None with a single member."""
    why: tuple[Reason, ...] = ()
    """Why the group the message is about joined (empty for the lead)."""

    @property
    def lead(self) -> Member:
        return self.members[0]


def _name(member: Member) -> str:
    return member.service or member.name or member.key[:8]


def symptoms(view: CorrelatedView) -> str | None:
    """``+2 symptoms on checkout, payments``: the members that joined the lead (None: none did)."""
    joined = view.members[1:]
    if not joined:
        return None
    names = list(dict.fromkeys(_name(member) for member in joined))
    shown = ", ".join(names[:MAX_SERVICES]) + (
        f" and {len(names) - MAX_SERVICES} more" if len(names) > MAX_SERVICES else ""
    )
    return f"+{len(joined)} symptom{'s' if len(joined) != 1 else ''} on {shown}"


def probable_root(view: CorrelatedView) -> str | None:
    """``payments-db (started first, infrastructure (db))``."""
    if view.root is None:
        return None
    said = [reason.text for reason in view.root.reasons if reason.weight > 0]
    return _name(view.root.member) + (f" ({', '.join(said)})" if said else "")


def facts(view: CorrelatedView) -> list[Fact]:
    """The correlation facts a message carries (nothing when the incident is a single group)."""
    found: list[Fact] = []
    joined = symptoms(view)
    if joined is not None:
        found.append(Fact(name="Correlated", value=joined))
    root = probable_root(view)
    if root is not None and len(view.members) > 1:
        found.append(Fact(name="Probable root", value=root))
    if view.why:
        found.append(Fact(name="Why joined", value="; ".join(reason.text for reason in view.why)))
    return found


def decorate(message: Message, view: CorrelatedView, public_url: str) -> Message:
    """``message`` (about one group incident) with what it says about its correlated incident.

    A CORRELATED update is titled by what joined what, links to the incident that paged and goes into
    its thread; other messages keep their title and gain the facts when the incident has members."""
    extra = facts(view)
    if message.kind is not NotificationKind.CORRELATED:
        if len(view.members) < 2:
            return message
        if message.incident_id != view.lead_id:
            extra.insert(0, Fact(name="Part of", value=f"incident #{view.lead_id} {view.lead.name}".rstrip()))
        return message.model_copy(update={"facts": [*message.facts, *extra]})
    lead = f"incident #{view.lead_id} {view.lead.name or _name(view.lead)}"
    group = message.name or (f"incident #{message.incident_id}")
    summary = f"{message.summary} They belong to {lead}, which already paged: this is an update of it, not a new page."
    return message.model_copy(
        update={
            "title": f"Correlated: {group} {'joined' if view.why else 'still firing in'} {lead}",
            "summary": summary,
            "facts": [*extra, *message.facts],
            "url": incident_page_url(public_url, view.lead_id),
            "api_url": incident_url(public_url, view.lead_id),
            "thread_incident": view.lead_id,
        }
    )
