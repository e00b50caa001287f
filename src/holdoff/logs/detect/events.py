"""Findings as alert events for the mediation core, so log-born alerts are held, escalated and silenced like
any other.

Identity: ``source`` (``logs``) and a fingerprint stable per detector, service, template and subject (for
``error_rate`` per detector and service: its template is the top error template of each occurrence, which
may differ). The fingerprint reads ``<detector>:<service>:<hash>``, cut to fit.

Occurrences and ``starts_at``: the report that opens an occurrence (``Finding.opens``) and its resolve carry
``starts_at = first_at``, so a new occurrence after a resolution is told apart and a late resolve of an older
one is ignored. The updates in between carry no ``starts_at``: the engine ignores a trigger whose
``starts_at`` equals the open occurrence's (it reads it as a re-delivered webhook), so an update with it would
leave the old count and samples on the alert. Without it, the engine refreshes name, labels and annotations,
and keeps the occurrence's start.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence

from holdoff.logs.detect.model import Finding
from holdoff.mediate.model import Action, AlertEvent

SOURCE = "logs"
TEMPLATE_FREE = frozenset({"error_rate"})
"""Kinds whose alert identity leaves the template out."""
_MAX_FINGERPRINT = 255


def fingerprint(finding: Finding) -> str:
    """The alert identity of a finding's occurrences (the same for every report of one key)."""
    template = "" if finding.kind in TEMPLATE_FREE else finding.template_id
    parts = (finding.detector, finding.service, template, finding.subject)
    digest = hashlib.sha256("\x1f".join(parts).encode()).hexdigest()[:16]
    readable = ":".join(p for p in (finding.detector, finding.service, finding.subject) if p)
    return f"{readable[: _MAX_FINGERPRINT - 17]}:{digest}"


def title(finding: Finding) -> str:
    """The alert's name: readable, and the same on every report of one occurrence."""
    service = finding.service
    if finding.kind == "failed_auth":
        source = finding.subject or "unknown addresses"
        return f"Failed logins from {source} on {service}"
    if finding.kind == "error_rate":
        return f"High error rate on {service}"
    if finding.kind == "new_template":
        return f"New error in {service} logs: {_head(finding.template)}"
    if finding.kind == "critical":
        return f"Critical log on {service}: {_head(finding.template)}"
    return f"{finding.detector} on {service}"


def _head(text: str, limit: int = 80) -> str:
    line = text.split("\n", 1)[0].strip()
    return line if len(line) <= limit else line[: limit - 1] + "…"


def event(finding: Finding, source: str = SOURCE) -> AlertEvent:
    """One finding as the event mediation applies."""
    labels = {
        "service": finding.service,
        "detector": finding.detector,
        "kind": finding.kind,
        "template_id": finding.template_id,
    }
    if finding.subject:
        labels["subject"] = finding.subject
        if finding.kind == "failed_auth":
            labels["address"] = finding.subject
    annotations = {
        "summary": finding.summary,
        "description": description(finding),
        "count": str(finding.count),
        "template": finding.template,
        "samples": "\n".join(finding.samples),
        "first_seen": finding.first_at.isoformat(),
        "last_seen": finding.last_at.isoformat(),
    }
    resolved = finding.resolved
    return AlertEvent(
        source=source,
        fingerprint=fingerprint(finding),
        action=Action.RESOLVED if resolved else Action.TRIGGERED,
        name=title(finding),
        severity=finding.severity,
        labels=labels,
        annotations=annotations,
        starts_at=finding.first_at if resolved or finding.opens else None,
        ends_at=finding.last_at if resolved else None,
    )


def description(finding: Finding) -> str:
    """What escalation messages show: the summary, then the sample lines (so the page carries the evidence)."""
    if not finding.samples:
        return finding.summary
    lines = "\n".join(f"  {_head(sample, 300)}" for sample in finding.samples)
    return f"{finding.summary}\n\nSample lines:\n{lines}"


def events(findings: Sequence[Finding], source: str = SOURCE) -> list[AlertEvent]:
    """The findings of one batch or sweep as alert events, in order."""
    return [event(finding, source) for finding in findings]
