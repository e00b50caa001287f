"""Operators' marks on log templates: "critical" (real) or "not critical" (noise).

A template has one mark, the latest (:func:`put` is an upsert). The ingest reads every mark on each
batch (:func:`all_marks`, one query of two columns); retraining reads them as training feedback
(:func:`as_feedback`). :func:`mark_template` is what the dashboard's button does: it resolves a
merged template to the one its lines now count under and keeps the template's text and a recent
line beside the mark, so the feedback still reads when the lines are gone.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Connection, delete, select
from sqlalchemy.dialects import postgresql, sqlite

from holdoff.logs.training import Mark
from holdoff.store import log_templates
from holdoff.store.tables import log_lines, log_marks
from holdoff.store.tables import log_templates as templates_table

_M = log_marks.c
_L = log_lines.c
_T = templates_table.c


@dataclass(frozen=True, slots=True)
class MarkRow:
    """An operator's word on one template, with what it was said about."""

    template_id: str
    critical: bool
    template: str
    """The template's text when it was marked."""
    example: str
    """A line of the template (its most recent stored one), or the template itself when none is kept."""
    level: str | None
    """The declared level of that line, as sent."""
    actor: str
    marked_at: datetime


def put(conn: Connection, row: MarkRow) -> None:
    """Store the mark; a template's latest mark replaces the one before."""
    values = {
        "template_id": row.template_id,
        "critical": row.critical,
        "template": row.template,
        "example": row.example,
        "level": row.level,
        "actor": row.actor[:255],
        "marked_at": row.marked_at,
    }
    maker = postgresql.insert if conn.dialect.name == "postgresql" else sqlite.insert
    statement = maker(log_marks).values(values)
    conn.execute(
        statement.on_conflict_do_update(
            index_elements=["template_id"],
            set_={name: statement.excluded[name] for name in values if name != "template_id"},
        )
    )


def remove(conn: Connection, template_id: str) -> bool:
    """Forget the template's mark; whether there was one."""
    return bool(conn.execute(delete(log_marks).where(_M.template_id == template_id)).rowcount)


def get(conn: Connection, template_id: str) -> MarkRow | None:
    """The template's mark, if it has one."""
    row = conn.execute(select(log_marks).where(_M.template_id == template_id)).one_or_none()
    return None if row is None else MarkRow(**row._mapping)


def all_marks(conn: Connection) -> dict[str, bool]:
    """Every marked template: id -> critical (one query; the ingest reads it on each batch)."""
    return {
        template_id: bool(critical)
        for template_id, critical in conn.execute(select(_M.template_id, _M.critical))
    }


def as_feedback(conn: Connection) -> list[Mark]:
    """Every mark as training feedback for the severity classifier, oldest first."""
    rows = conn.execute(select(log_marks).order_by(_M.marked_at, _M.template_id))
    return [
        Mark(
            kind="template",
            text=row.template,
            critical=row.critical,
            at=row.marked_at,
            level=row.level,
            template_id=row.template_id,
        )
        for row in rows
        if row.template
    ]


def mark_template(
    conn: Connection, template_id: str, *, critical: bool, actor: str, at: datetime
) -> MarkRow | None:
    """Mark a stored template (or the one it was merged into) and return the stored mark; None when no
    such template is stored."""
    current = log_templates.resolve(conn, [template_id])[template_id]
    text = conn.execute(select(_T.template).where(_T.id == current)).scalar_one_or_none()
    if text is None:
        return None
    line = conn.execute(
        select(_L.message, _L.level)
        .where(_L.template_id == current)
        .order_by(_L.timestamp.desc(), _L.id.desc())
        .limit(1)
    ).one_or_none()
    row = MarkRow(
        template_id=current,
        critical=critical,
        template=text,
        example=line.message if line is not None else text,
        level=line.level if line is not None else None,
        actor=actor,
        marked_at=at,
    )
    put(conn, row)
    return row


def unmark_template(conn: Connection, template_id: str) -> bool:
    """Forget the mark of a template (or of the one it was merged into); whether there was one."""
    return remove(conn, log_templates.resolve(conn, [template_id])[template_id])
