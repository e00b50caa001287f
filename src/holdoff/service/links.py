"""Action links, used once from the message itself (they are made by :mod:`holdoff.links.signer`).

A link opens a page saying what it will do, with one button (a POST): chat and mail previewers that
fetch links on their own never act. The POST checks the token (signature, expiry), records it as used
and performs the action in one transaction, so a link acts once; a second use, a forged or an expired
link gets a page saying so.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import Connection

from holdoff.clock import Clock
from holdoff.links.signer import LABELS, LinkSigner
from holdoff.links.tokens import Claim, LinkAction, TokenRefused
from holdoff.mediate.matchers import Matcher, MatchType
from holdoff.mediate.model import Action, AlertRecord
from holdoff.service.mediation import Mediator
from holdoff.service.silences import Silences, SilenceSpec
from holdoff.store import action_tokens
from holdoff.store import alerts as alert_store
from holdoff.store.db import Database

SILENCE_FOR = timedelta(hours=1)


class LinkRefused(Exception):
    """The link cannot act; ``reason`` is shown on the page, ``status`` is the HTTP status."""

    def __init__(self, reason: str, status: int) -> None:
        super().__init__(reason)
        self.reason = reason
        self.status = status


@dataclass(frozen=True)
class Preview:
    action: LinkAction
    label: str
    what: str
    """What the button will do, in words."""


@dataclass(frozen=True)
class Done:
    what: str


class LinkSecret:
    """The signing key: the configured ``action_secret``, or the installation's shared one (made by the
    first process that asks, stored in the database, read by the others)."""

    def __init__(self, db: Database, clock: Clock, configured: bytes | None = None) -> None:
        self.db = db
        self.clock = clock
        self._secret = configured
        self._lock = threading.Lock()

    def __call__(self) -> bytes:
        with self._lock:
            if self._secret is None:
                with self.db.transaction() as conn:
                    self._secret = action_tokens.shared_secret(conn, self.clock())
            return self._secret


class LinkHandler:
    """Uses the links a :class:`~holdoff.links.signer.LinkSigner` made: the page says what a link will do,
    the button does it once."""

    def __init__(
        self,
        db: Database,
        clock: Clock,
        *,
        signer: LinkSigner,
        mediator: Mediator,
        silences: Silences,
    ) -> None:
        self.db = db
        self.clock = clock
        self.signer = signer
        self.mediator = mediator
        self.silences = silences

    def preview(self, token: str) -> Preview:
        claim = self._claim(token)
        with self.db.read() as conn:
            if action_tokens.was_used(conn, claim.nonce):
                raise LinkRefused("this link has already been used; each link acts once", 410)
            what = self._describe(conn, claim)
        return Preview(claim.action, LABELS[claim.action], what)

    def use(self, token: str, *, actor: str) -> Done:
        claim = self._claim(token)
        now = self.clock()
        if claim.action == "acknowledge-incident":
            with self.db.transaction() as conn:
                self._consume(conn, claim, now, actor)
            done, unchanged = self.mediator.acknowledge_incident(claim.target, actor=actor)
            return Done(
                f"acknowledged {len(done)} alert(s) of incident #{claim.target} ({len(unchanged)} unchanged)"
            )
        if claim.action == "silence":
            with self.db.transaction() as conn:
                self._consume(conn, claim, now, actor)
                stored = alert_store.get(conn, claim.target)
            if stored is None:
                raise LinkRefused(f"alert #{claim.target} no longer exists", 404)
            silence = self.silences.create(
                SilenceSpec(
                    matchers=_identity_matchers(stored.record),
                    starts_at=None,
                    ends_at=now + SILENCE_FOR,
                    created_by=actor,
                    comment=f"silenced for 1 hour from a message about alert #{claim.target}",
                )
            )
            return Done(
                f"silenced {stored.record.name} until {silence.silence.ends_at:%H:%M} UTC (silence #{silence.silence.id})"
            )
        action = Action.ACKNOWLEDGED if claim.action == "acknowledge" else Action.RESOLVED

        def consume(conn: Connection, record: AlertRecord) -> None:
            if claim.occurrence and record.occurrence != claim.occurrence:
                raise LinkRefused(
                    f"this link was for an earlier occurrence of {record.name}; it has fired again since", 409
                )
            self._consume(conn, claim, now, actor)

        applied = self.mediator.apply_to(
            claim.target, action, actor=actor, note="from an action link", within=consume
        )
        return Done(f"{claim.action}d alert #{applied.alert_id}: {applied.summary}")

    def _claim(self, token: str) -> Claim:
        try:
            return self.signer.read(token, self.clock())
        except TokenRefused as exc:
            raise LinkRefused(exc.reason, 410 if exc.expired else 403) from None

    def _consume(self, conn: Connection, claim: Claim, now: datetime, actor: str) -> None:
        try:
            action_tokens.use(conn, claim.nonce, claim.action, claim.target, now, actor)
        except action_tokens.AlreadyUsed:
            raise LinkRefused("this link has already been used; each link acts once", 410) from None

    def _describe(self, conn: Connection, claim: Claim) -> str:
        if claim.action == "acknowledge-incident":
            return f"acknowledge every firing alert of incident #{claim.target}"
        stored = alert_store.get(conn, claim.target)
        if stored is None:
            raise LinkRefused(f"alert #{claim.target} no longer exists", 404)
        name = stored.record.name
        if claim.action == "silence":
            return f"silence {name} for 1 hour (stored and shown, not notified)"
        return f"{claim.action} {name} (alert #{claim.target}, now {stored.record.state.value})"


def _identity_matchers(alert: AlertRecord) -> tuple[Matcher, ...]:
    """Matchers for this one alert: its name, source and labels."""
    matchers = [
        Matcher("alertname", MatchType.EQUAL, alert.name),
        Matcher("source", MatchType.EQUAL, alert.source),
    ]
    matchers += [
        Matcher(name, MatchType.EQUAL, value)
        for name, value in sorted(alert.labels.items())
        if name not in ("alertname", "source")
    ]
    return tuple(matchers)
