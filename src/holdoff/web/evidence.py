"""What the alert page shows of an alert's root-cause evidence. No HTTP here."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, ConfigDict

from holdoff.evidence.model import Evidence
from holdoff.store.alert_evidence import StoredEvidence

NOTHING_YET = "No root-cause analysis yet."


class EvidenceShown(BaseModel):
    model_config = ConfigDict(frozen=True)

    headline: str
    """The summary, or :data:`NOTHING_YET` while nothing is computed or nothing was found."""
    status: str
    """``final``, ``updating`` (the alert is held) or ``scheduled``."""
    computed_at: datetime | None = None
    evidence: Evidence | None = None
    """Set when there is something to show (log lines read, related alerts or changes)."""


def evidence_shown(stored: StoredEvidence | None) -> EvidenceShown:
    """The root-cause panel of an alert page."""
    if stored is None or not stored.computed:
        return EvidenceShown(headline=NOTHING_YET, status="scheduled" if stored is not None else "none")
    evidence = Evidence.model_validate(stored.evidence)
    found = evidence.logs.lines or evidence.related or evidence.changes
    return EvidenceShown(
        headline=evidence.summary if found else NOTHING_YET,
        status="final" if stored.final else "updating",
        computed_at=stored.computed_at,
        evidence=evidence if found else None,
    )
