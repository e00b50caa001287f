"""The audit log: who did what, when, and how it ended."""

from __future__ import annotations

import logging

from holdoff.clock import Clock
from holdoff.edge import clean_text
from holdoff.store import audit as audit_store
from holdoff.store.audit import AuditEntry
from holdoff.store.db import Database

log = logging.getLogger(__name__)

__all__ = ["Audit", "AuditEntry"]


class Audit:
    def __init__(self, db: Database, clock: Clock) -> None:
        self.db = db
        self.clock = clock

    def record(
        self,
        *,
        who: str,
        via: str,
        role: str | None,
        method: str,
        path: str,
        target: str | None,
        status: int,
    ) -> None:
        """Write one entry; a failure is logged, never raised (the action itself has happened). Text
        from the request (a login name, a path with ``%00``) is cleaned as all input is
        (:func:`holdoff.edge.clean_text`), so the entry can be stored on every database."""
        try:
            with self.db.transaction() as conn:
                audit_store.insert(
                    conn,
                    at=self.clock(),
                    who=clean_text(who),
                    via=via,
                    role=role,
                    method=method,
                    path=clean_text(path),
                    target=clean_text(target) if target is not None else None,
                    status=status,
                )
        except Exception:
            log.exception("could not write the audit entry: %s %s %s by %s", method, path, status, who)

    def listing(
        self, limit: int, *, target: str | None = None, before: int | None = None
    ) -> list[AuditEntry]:
        """Newest first; only about ``target`` (``"alert:12"``) and older than entry ``before`` if given."""
        with self.db.read() as conn:
            return audit_store.listing(conn, limit=limit, target=target, before=before)
