"""Making the action links of the messages that page someone, and reading them back.

The signer is built before the :class:`~holdoff.service.mediation.Mediator` and handed to it (and to the
incident shell, :mod:`holdoff.service.grouping`), so every message that pages carries its links, an
incident's as much as an alert's, whichever step renders it. Using a link (the page and the button) is
:mod:`holdoff.service.links`, which reads tokens back through the same signer.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta

from holdoff.links.tokens import Claim, LinkAction, sign, verify
from holdoff.mediate.model import NotificationKind
from holdoff.notify.message import ActionLink

LINK_KINDS = frozenset({NotificationKind.ESCALATED, NotificationKind.REMINDER})
"""Messages that carry action links: those that ask someone to act."""
LABELS: dict[LinkAction, str] = {
    "acknowledge": "Acknowledge",
    "resolve": "Resolve",
    "silence": "Silence 1h",
    "acknowledge-incident": "Acknowledge all",
}
_ALERT_LINKS: tuple[LinkAction, ...] = ("acknowledge", "resolve", "silence")


class LinkSigner:
    """Signs links with the installation's secret.

    ``secret`` is called when a link is first made or read, not when the signer is built: the shared
    secret lives in the database, which may not be migrated yet when the process wires itself up.
    ``enabled=False`` (``HOLDOFF_ACTION_LINKS=false``) makes messages without links; links already sent
    can still be read (and used) until they expire.
    """

    def __init__(
        self, secret: Callable[[], bytes], public_url: str, ttl: timedelta, *, enabled: bool = True
    ) -> None:
        self.secret = secret
        self.public_url = public_url.rstrip("/")
        self.ttl = ttl
        self.enabled = enabled

    def for_alert(
        self, kind: NotificationKind, alert_id: int, occurrence: int, now: datetime
    ) -> list[ActionLink]:
        """Acknowledge, resolve and silence links for a message about one alert (none unless it pages)."""
        if not self.enabled or kind not in LINK_KINDS:
            return []
        return [self._link(action, alert_id, occurrence, now) for action in _ALERT_LINKS]

    def for_incident(self, kind: NotificationKind, incident_id: int, now: datetime) -> list[ActionLink]:
        """The acknowledge-all link for a message about an incident (none unless it pages)."""
        if not self.enabled or kind not in LINK_KINDS:
            return []
        return [self._link("acknowledge-incident", incident_id, 0, now)]

    def read(self, token: str, now: datetime) -> Claim:
        """The claim a token carries; raises :class:`~holdoff.links.tokens.TokenRefused`."""
        return verify(self.secret(), token, now)

    def _link(self, action: LinkAction, target: int, occurrence: int, now: datetime) -> ActionLink:
        token = sign(self.secret(), action, target, expires_at=now + self.ttl, occurrence=occurrence)
        return ActionLink(action=action, label=LABELS[action], url=f"{self.public_url}/actions/{token}")
