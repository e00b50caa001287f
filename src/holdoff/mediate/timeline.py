"""Timeline entries and no-op outcomes, shared by the state machine and its "something ended" handlers."""

from __future__ import annotations

from holdoff.mediate.model import Action, AlertRecord, Outcome, TimelineEntry


def entry(action: Action, summary: str, before: AlertRecord | None, after: AlertRecord) -> TimelineEntry:
    return TimelineEntry(
        action=action,
        summary=summary,
        state_before=before.state if before is not None else None,
        state_after=after.state,
        occurrence=after.occurrence,
    )


def ignored(action: Action, summary: str, record: AlertRecord, *, noteworthy: bool) -> Outcome:
    """The event leaves the alert as it was; ``noteworthy`` still records it in the timeline."""
    return Outcome(record, (), entry(action, summary, record, record), changed=False, noteworthy=noteworthy)
