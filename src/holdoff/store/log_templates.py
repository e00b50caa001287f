"""Log templates as stored: loaded by a miner when it starts, its changes written back in batches.

Writers never read-modify-write: one ``INSERT ... ON CONFLICT (id) DO UPDATE`` per batch adds the
lines counted, widens first/last seen, keeps the more general template text (the one with more
``<*>``) and the first ``merged_into``. Two processes writing the same templates at once therefore
both count, on PostgreSQL (row locks taken in id order: the batch is sorted, so two batches never wait
on each other in a circle) and on SQLite (one writer at a time).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, Connection, case, func, select
from sqlalchemy.dialects import postgresql, sqlite

from holdoff.logs.miner import WILDCARD, StoredTemplate, TemplateChange
from holdoff.store.tables import log_templates

_T = log_templates.c


def load(conn: Connection) -> list[StoredTemplate]:
    """Every stored template (aliases included), oldest first: what a miner is restored from."""
    columns = (_T.id, _T.template, _T.count, _T.first_seen, _T.last_seen, _T.key, _T.founding, _T.merged_into)
    rows = conn.execute(
        select(*columns).order_by(case((_T.first_seen.is_(None), 1), else_=0), _T.first_seen, _T.id)
    )
    return [
        StoredTemplate(
            template_id=template_id,
            template=template,
            count=count,
            first_seen=first_seen,
            last_seen=last_seen,
            key=key,
            founding=founding,
            merged_into=merged_into,
        )
        for template_id, template, count, first_seen, last_seen, key, founding, merged_into in rows
    ]


def upsert(conn: Connection, changes: Iterable[TemplateChange]) -> int:
    """Write a miner's changes (``TemplateMiner.take_changes``) in one statement; how many templates."""
    rows = [_row(change) for change in _combined(changes)]
    if not rows:
        return 0
    insert = postgresql.insert if conn.dialect.name == "postgresql" else sqlite.insert
    statement = insert(log_templates)
    new = statement.excluded
    # executemany with parameters, not a multi-row VALUES: one compiled statement whatever the row count.
    conn.execute(
        statement.on_conflict_do_update(
            index_elements=["id"],
            set_={
                "count": _T.count + new.count,
                "template": case(
                    (_generality(new.template) > _generality(_T.template), new.template), else_=_T.template
                ),
                "first_seen": _earliest(_T.first_seen, new.first_seen),
                "last_seen": _latest(_T.last_seen, new.last_seen),
                "merged_into": func.coalesce(_T.merged_into, new.merged_into),
            },
        ),
        rows,
    )
    return len(rows)


def _row(change: TemplateChange) -> dict[str, Any]:
    return {
        "id": change.template_id,
        "key": change.key,
        "template": change.template,
        "founding": change.founding,
        "count": change.added,
        "first_seen": change.first_seen,
        "last_seen": change.last_seen,
        "merged_into": change.merged_into,
    }


def _combined(changes: Iterable[TemplateChange]) -> list[TemplateChange]:
    """One change per template, sorted by id (a statement may touch a row once; locks in one order)."""
    by_id: dict[str, TemplateChange] = {}
    for change in changes:
        before = by_id.get(change.template_id)
        by_id[change.template_id] = change if before is None else _merge(before, change)
    return [by_id[template_id] for template_id in sorted(by_id)]


def _merge(a: TemplateChange, b: TemplateChange) -> TemplateChange:
    return TemplateChange(
        template_id=a.template_id,
        template=b.template if b.template.count(WILDCARD) > a.template.count(WILDCARD) else a.template,
        key=a.key,
        founding=a.founding,
        added=a.added + b.added,
        first_seen=_first(a.first_seen, b.first_seen, later=False),
        last_seen=_first(a.last_seen, b.last_seen, later=True),
        merged_into=a.merged_into or b.merged_into,
    )


def _first(a: datetime | None, b: datetime | None, *, later: bool) -> datetime | None:
    if a is None or b is None:
        return a or b
    return max(a, b) if later else min(a, b)


def _generality(text: ColumnElement[str]) -> ColumnElement[int]:
    """How many ``<*>`` a template text holds (times three: the comparison is all that matters)."""
    return func.length(text) - func.length(func.replace(text, WILDCARD, ""))


def _earliest(stored: ColumnElement[datetime], new: ColumnElement[datetime]) -> ColumnElement[datetime]:
    return case((stored.is_(None), new), (new.is_(None), stored), (new < stored, new), else_=stored)


def _latest(stored: ColumnElement[datetime], new: ColumnElement[datetime]) -> ColumnElement[datetime]:
    return case((stored.is_(None), new), (new.is_(None), stored), (new > stored, new), else_=stored)


def resolve(conn: Connection, template_ids: Sequence[str]) -> dict[str, str]:
    """For each of these ids, the id its lines now count under (itself unless it was merged)."""
    wanted = set(template_ids)
    resolved = {template_id: template_id for template_id in wanted}
    pending = set(wanted)
    for _ in range(8):  # merges chain rarely more than once
        rows = conn.execute(
            select(_T.id, _T.merged_into).where(_T.id.in_(pending), _T.merged_into.is_not(None))
        ).all()
        if not rows:
            break
        step = {row.id: row.merged_into for row in rows}
        for original, current in resolved.items():
            if current in step:
                resolved[original] = step[current]
        pending = set(step.values())
    return resolved
