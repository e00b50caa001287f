"""Evidence from what the shell fetched: pure, no clock (``now`` is passed), no I/O.

- **Logs**: the error lines of the alert's service (and host) in the window, grouped by template and
  counted, most first; the templates first seen inside the window (never written before it); the first
  error line. A line is an error when Holdoff judged it ``error`` or ``critical`` (its own lines), else
  when its declared level says so (lines from the user's store, or not judged).
- **Related alerts**: other alerts and anomalies that started in the window, ranked by time proximity
  plus label overlap (the ``overlap_labels`` both have with equal values), each with its reason.
- **Changes**: change events from ``changes_before`` the start to ``after`` it, the alert's own service
  first, newest first within each.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from holdoff.evidence.config import EvidenceSection
from holdoff.evidence.model import (
    Change,
    ChangeSeen,
    Evidence,
    FirstError,
    LogEvidence,
    LogLine,
    LogStatus,
    OtherAlert,
    RelatedAlert,
    Subject,
    TemplateCount,
)
from holdoff.logs.lookup.around import SERVICE_LABELS, first_label
from holdoff.logs.miner import TemplateMiner
from holdoff.mediate.durations import humanize

ERROR_SEVERITIES = frozenset({"error", "critical"})
ERROR_LEVELS = frozenset(
    {"error", "err", "critical", "crit", "fatal", "emerg", "emergency", "alert", "panic", "severe"}
)
SUMMARY_TEXT = 80
"""Characters of a template or line quoted in the summary."""


@dataclass(frozen=True)
class LogsFetched:
    """What the shell got from the log store for the window."""

    status: LogStatus
    lines: Sequence[LogLine] = ()
    store: str | None = None
    service: str | None = None
    host: str | None = None
    detail: str | None = None


def window(subject: Subject, config: EvidenceSection) -> tuple[datetime, datetime]:
    """The span whose logs and alerts count: ``before`` the start to ``after`` it."""
    return subject.started - config.before, subject.started + config.after


def is_error(line: LogLine) -> bool:
    if line.severity is not None:
        return line.severity.lower() in ERROR_SEVERITIES
    return line.level is not None and line.level.strip().lower() in ERROR_LEVELS


def mine(lines: Sequence[LogLine]) -> list[LogLine]:
    """The lines with a template each: Holdoff's own lines keep theirs; lines from the user's store are
    mined here with Holdoff's miner (the same ids Holdoff's store gives the same text)."""
    if all(line.template_id is not None for line in lines):
        return list(lines)
    miner = TemplateMiner()
    ordered = sorted(lines, key=lambda item: item.timestamp)
    ids = [line.template_id or miner.match(line.message).template_id for line in ordered]
    # Texts after every line was seen: a template's text widens as its lines come in.
    texts = {template.template_id: template.template for template in miner.templates()}
    # Each line is made once, from values already checked (validating again cost more than mining).
    return [
        line
        if line.template_id is not None and line.template is not None
        else LogLine.model_construct(
            **{
                **line.__dict__,
                "template_id": template_id,
                "template": line.template or texts.get(template_id),
            }
        )
        for line, template_id in zip(ordered, ids, strict=True)
    ]


def log_evidence(
    fetched: LogsFetched,
    known_first_seen: Mapping[str, datetime],
    span: tuple[datetime, datetime],
    config: EvidenceSection,
) -> LogEvidence:
    """Top error templates, new templates and the first error line of the fetched lines in ``span``.

    ``known_first_seen``: when Holdoff's store first saw each template (by id); a template it does not
    know (a line of the user's store that Holdoff never received) is never called new, since nothing
    says whether it was written before the window.
    """
    if fetched.status is not LogStatus.OK:
        return LogEvidence(
            status=fetched.status,
            detail=fetched.detail,
            store=fetched.store,
            service=fetched.service,
            host=fetched.host,
        )
    start, end = span
    lines = sorted(
        (line for line in mine(fetched.lines) if start <= line.timestamp <= end),
        key=lambda item: item.timestamp,
    )
    errors = [line for line in lines if is_error(line)]
    texts = {line.template_id: line.template or line.message for line in lines if line.template_id}
    counts = Counter(line.template_id for line in errors if line.template_id)

    def counted(template_id: str, count: int) -> TemplateCount:
        first = known_first_seen.get(template_id)
        return TemplateCount(
            template_id=template_id,
            template=texts.get(template_id, ""),
            count=count,
            first_seen=first,
            new=first is not None and start <= first <= end,
        )

    top = [counted(tid, n) for tid, n in sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))]
    every = Counter(line.template_id for line in lines if line.template_id)
    new = sorted(
        (item for tid, n in every.items() if (item := counted(tid, n)).new),
        key=lambda item: (item.first_seen or end, item.template_id),
    )
    first_error = (
        FirstError(timestamp=errors[0].timestamp, message=errors[0].message, template=errors[0].template)
        if errors
        else None
    )
    return LogEvidence(
        status=LogStatus.OK,
        detail=fetched.detail,
        store=fetched.store,
        service=fetched.service,
        host=fetched.host,
        lines=len(lines),
        error_lines=len(errors),
        top_errors=top[: config.top_templates],
        new_templates=new[: config.new_templates],
        first_error=first_error,
    )


def rank_related(
    subject: Subject, others: Sequence[OtherAlert], span: tuple[datetime, datetime], config: EvidenceSection
) -> list[RelatedAlert]:
    """Other alerts that started in ``span``, most related first: time proximity (1 at the same moment,
    0 at the window's edge) plus the share of ``overlap_labels`` the alert has that the other has equal."""
    start, end = span
    reach = max((subject.started - start).total_seconds(), (end - subject.started).total_seconds(), 1.0)
    own = {name: value for name in config.overlap_labels if (value := subject.labels.get(name))}
    scored: list[tuple[float, float, int, OtherAlert, dict[str, str]]] = []
    for other in others:
        if other.alert_id == subject.alert_id or not start <= other.started <= end:
            continue
        offset = (other.started - subject.started).total_seconds()
        proximity = max(0.0, 1.0 - abs(offset) / reach)
        shared = {name: value for name, value in own.items() if other.labels.get(name) == value}
        overlap = len(shared) / len(own) if own else 0.0
        scored.append((-round(proximity + overlap, 4), abs(offset), other.alert_id, other, shared))
    scored.sort(key=lambda item: item[:3])
    return [
        _related(subject, other, -score, shared) for score, _, _, other, shared in scored[: config.related]
    ]


def _related(subject: Subject, other: OtherAlert, score: float, shared: dict[str, str]) -> RelatedAlert:
    offset = (other.started - subject.started).total_seconds()
    when = (
        "at the same time"
        if abs(offset) < 1
        else f"{humanize_seconds(abs(offset))} {'before' if offset < 0 else 'after'}"
    )
    reason = f"started {when}"
    reason += (
        "; shares " + ", ".join(f"{k}={v}" for k, v in shared.items()) if shared else "; no shared labels"
    )
    return RelatedAlert(
        alert_id=other.alert_id,
        name=other.name,
        source=other.source,
        state=other.state,
        started=other.started,
        score=score,
        shared=shared,
        reason=reason,
    )


def humanize_seconds(seconds: float) -> str:
    return humanize(timedelta(seconds=seconds))


def changes_seen(
    subject: Subject, changes: Sequence[Change], service: str | None, config: EvidenceSection
) -> list[ChangeSeen]:
    """Change events from ``changes_before`` the start to ``after`` it: the alert's service first, then the
    others, newest first within each."""
    start, end = subject.started - config.changes_before, subject.started + config.after
    seen: list[ChangeSeen] = []
    for change in changes:
        if not start <= change.at <= end:
            continue
        offset = (change.at - subject.started).total_seconds()
        when = f"{humanize_seconds(abs(offset))} {'before' if offset <= 0 else 'after'} the alert"
        same = service is not None and change.service == service
        seen.append(
            ChangeSeen(
                id=change.id,
                type=change.type,
                service=change.service,
                environment=change.environment,
                at=change.at,
                summary=change.summary,
                source=change.source,
                same_service=same,
                reason=f"{change.type} of {'this service' if same else change.service or 'no service'}, {when}",
            )
        )
    seen.sort(key=lambda item: (not item.same_service, -item.at.timestamp(), item.id))
    return seen[: config.changes]


def compute(
    subject: Subject,
    fetched: LogsFetched,
    known_first_seen: Mapping[str, datetime],
    others: Sequence[OtherAlert],
    changes: Sequence[Change],
    now: datetime,
    config: EvidenceSection,
) -> Evidence:
    """The evidence of ``subject`` from what was fetched, as of ``now``."""
    span = window(subject, config)
    logs = log_evidence(fetched, known_first_seen, span, config)
    related = rank_related(subject, others, span, config)
    seen = changes_seen(
        subject, changes, fetched.service or first_label(subject.labels, SERVICE_LABELS), config
    )
    error_logs = None if logs.status is not LogStatus.OK else logs.error_lines > 0
    return Evidence(
        alert_id=subject.alert_id,
        started=subject.started,
        window_start=span[0],
        window_end=span[1],
        computed_at=now,
        logs=logs,
        related=related,
        changes=seen,
        error_logs=error_logs,
        summary=summarize(logs, related, seen),
    )


def _quoted(text: str) -> str:
    text = " ".join(text.split())
    return f'"{text[:SUMMARY_TEXT]}…"' if len(text) > SUMMARY_TEXT else f'"{text}"'


def summarize(logs: LogEvidence, related: Sequence[RelatedAlert], changes: Sequence[ChangeSeen]) -> str:
    """One short paragraph for messages: errors and their top templates, new templates, the first error,
    changes, related alerts."""
    parts: list[str] = []
    who = logs.service or "the service"
    if logs.host:
        who += f" on {logs.host}"
    if logs.status is LogStatus.NO_SERVICE:
        parts.append("Logs: the alert names no service.")
    elif logs.status is LogStatus.FAILED:
        parts.append(f"Logs of {who}: not read ({logs.detail or 'the log store failed'}).")
    elif not logs.error_lines:
        parts.append(f"Logs of {who}: no error lines in {logs.lines} line(s) around the start.")
    else:
        top = "; ".join(f"{_quoted(t.template)} ({t.count})" for t in logs.top_errors[:3])
        parts.append(f"Logs of {who}: {logs.error_lines} error line(s); top: {top}.")
        if logs.first_error is not None:
            parts.append(
                f"First error {logs.first_error.timestamp:%H:%M:%S}: {_quoted(logs.first_error.message)}."
            )
    if logs.new_templates:
        parts.append(
            f"New templates ({len(logs.new_templates)}): "
            + "; ".join(_quoted(t.template) for t in logs.new_templates[:2])
            + "."
        )
    if changes:
        parts.append(
            "Changes: "
            + "; ".join(
                f"{c.type} {c.service or ''} {_quoted(c.summary)} ({c.reason.split(', ', 1)[-1]})".replace(
                    "  ", " "
                )
                for c in changes[:2]
            )
            + "."
        )
    if related:
        parts.append("Related: " + "; ".join(f"{r.name} ({r.source}, {r.reason})" for r in related[:2]) + ".")
    return " ".join(parts)
