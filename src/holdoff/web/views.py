"""What the pages show: list filters, counts per state, and display helpers. No HTTP here."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import TypeVar
from urllib.parse import urlsplit

from pydantic import BaseModel, ConfigDict

from holdoff.api.schemas import AlertOut
from holdoff.mediate.matchers import Matcher, MatcherError, MatchType
from holdoff.mediate.model import AlertRecord, AlertState, Severity
from holdoff.mediate.silence import match_labels
from holdoff.notify.channel import Channel
from holdoff.settings import Settings
from holdoff.store.alert_search import AlertFilter

LIST_LIMIT = 100
"""Alerts on the first paint of the list (the live feed adds to it)."""

ACKABLE = frozenset({AlertState.PENDING, AlertState.ESCALATED})
SUPPRESSIBLE = frozenset({AlertState.PENDING, AlertState.ESCALATED, AlertState.ACKNOWLEDGED})
RESOLVABLE = frozenset(set(AlertState) - {AlertState.RESOLVED})


E = TypeVar("E", AlertState, Severity)


class FilterError(ValueError):
    """A filter value the list cannot use; the message names it."""


def _choices(kind: type[E], field: str, text: str) -> tuple[E, ...]:
    chosen: list[E] = []
    for part in text.split(","):
        name = part.strip().lower()
        if not name:
            continue
        try:
            value = kind(name)
        except ValueError:
            known = ", ".join(member.value for member in kind)
            raise FilterError(f"{field}: unknown value {part.strip()!r}; use one of {known}") from None
        if value not in chosen:
            chosen.append(value)
    return tuple(chosen)


class AlertFilters(BaseModel):
    """The list's filters, as in the query string of ``/`` (and of ``GET /alerts``)."""

    model_config = ConfigDict(frozen=True)

    status: tuple[AlertState, ...] = ()
    source: str = ""
    severity: tuple[Severity, ...] = ()
    q: str = ""

    @classmethod
    def parse(cls, query: Mapping[str, str]) -> AlertFilters:
        """Read the query string; raises :class:`FilterError` naming a value it does not know."""
        for name in ("status", "source", "severity", "q"):
            if len(query.get(name, "")) > 200:
                raise FilterError(f"{name}: longer than 200 characters")
        return cls(
            status=_choices(AlertState, "status", query.get("status", "")),
            source=query.get("source", "").strip(),
            severity=_choices(Severity, "severity", query.get("severity", "")),
            q=query.get("q", "").strip(),
        )

    @property
    def active(self) -> bool:
        return bool(self.status or self.source or self.severity or self.q)

    def to_store(self) -> AlertFilter:
        """The same filters for the store's query (as ``GET /alerts`` applies them)."""
        return AlertFilter(
            states=self.status,
            sources=(self.source,) if self.source else (),
            severities=self.severity,
            text=self.q or None,
        )

    def matches(self, alert: AlertOut) -> bool:
        """The same test the browser applies to live updates (static/js/filters.js)."""
        if self.status and alert.state not in self.status:
            return False
        if self.source and alert.source.lower() != self.source.lower():
            return False
        if self.severity and (alert.severity is None or Severity(alert.severity) not in self.severity):
            return False
        if self.q:
            needle = self.q.lower()
            haystack = [alert.name, alert.fingerprint, *alert.labels.values()]
            return any(needle in text.lower() for text in haystack)
        return True

    def as_query(self) -> dict[str, str]:
        """The filters as strings, for the form and for the browser script."""
        return {
            "status": ",".join(state.value for state in self.status),
            "source": self.source,
            "severity": ",".join(severity.value for severity in self.severity),
            "q": self.q,
        }


def silence_matchers(record: AlertRecord) -> str:
    """Matchers that select this alert: every label silences see, in the string form the API reads."""
    parts: list[str] = []
    for name, value in sorted(match_labels(record).items()):
        try:
            parts.append(str(Matcher(name, MatchType.EQUAL, value)))
        except MatcherError:
            continue  # a label name the matcher syntax cannot express
    return "{" + ", ".join(parts) + "}"


def duration_text(seconds: float) -> str:
    """``3725`` -> ``1h 02m``: the two largest units, for "open for"."""
    whole = max(int(seconds), 0)
    days, rest = divmod(whole, 86400)
    hours, rest = divmod(rest, 3600)
    minutes, secs = divmod(rest, 60)
    if days:
        return f"{days}d {hours}h"
    if hours:
        return f"{hours}h {minutes:02d}m"
    if minutes:
        return f"{minutes}m {secs:02d}s"
    return f"{secs}s"


def when_text(moment: datetime | None) -> str:
    """A time as ``2026-01-14 03:00:00 UTC`` (the browser shows the same form)."""
    if moment is None:
        return "—"
    return moment.strftime("%Y-%m-%d %H:%M:%S UTC")


def web_link(url: str) -> str | None:
    """``url`` when a browser may follow it (http or https); anything else is shown as text."""
    try:
        scheme = urlsplit(url.strip()).scheme.lower()
    except ValueError:
        return None
    return url.strip() if scheme in ("http", "https") else None


def webhook_curl(public_url: str) -> str:
    """The curl line an empty dashboard shows: the POC's trigger, against this server."""
    body = '{"alert_id": "test-1", "alert_name": "CPU Spike Test", "alert_action": "TRIGGERED"}'
    return (
        f"curl -X POST {public_url.rstrip('/')}/coralogix/webhook "
        f"-H \"Content-Type: application/json\" -d '{body}'"
    )


class ChannelRow(BaseModel):
    """One configured channel as the channels page lists it (health is filled in by the browser)."""

    name: str
    type: str
    kinds: str
    rate: str


def channel_rows(settings: Settings, channels: Mapping[str, Channel]) -> list[ChannelRow]:
    types = {config.name: config.type for config in settings.channels}
    rows = []
    for name, channel in sorted(channels.items()):
        kinds = "all" if channel.kinds is None else ", ".join(sorted(kind.value for kind in channel.kinds))
        rate = "no limit" if channel.rate_per_second is None else f"{channel.rate_per_second:g}/s"
        rows.append(ChannelRow(name=name, type=types.get(name, name), kinds=kinds, rate=rate))
    return rows
