"""PagerDuty through the Events API v2 (``POST https://events.pagerduty.com/v2/enqueue``).

```yaml
channels:
  - name: pager
    type: pagerduty
    routing_key: ${PAGERDUTY_ROUTING_KEY}   # the integration key of an "Events API v2" integration
```

One PagerDuty alert per Holdoff alert occurrence (or incident): every event carries
``dedup_key = message.key``. An escalation or a reminder is a ``trigger`` (the second one only adds
a log entry to the open alert), an acknowledgement an ``acknowledge`` and a resolution a
``resolve``; a partial resolution (``closes=False``: some alerts of the incident still fire) sends
nothing, so the alert stays open. PagerDuty answers 202 with the ``dedup_key`` it filed the event
under; that is the delivery's ``ref``, and the acknowledgement and resolution use it.

The routing key travels in the request body only; it never appears in an error text.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any, Literal

import httpx
from pydantic import SecretStr, field_validator

from holdoff.mediate.model import NotificationKind
from holdoff.notify import _pager_http as http
from holdoff.notify.channel import DeliveryResult
from holdoff.notify.config import ChannelConfig, Expanded, Secret
from holdoff.notify.fallback import build_or_plain
from holdoff.notify.message import Fact, Message
from holdoff.notify.templates import DEFAULT, Templates

EVENTS_URL = "https://events.pagerduty.com/v2/enqueue"
RATE_PER_SECOND = 2.0
"""PagerDuty throttles each integration key (dynamically, around 120 events a minute); stay below it."""
KINDS = http.PAGER_KINDS

MAX_SUMMARY_CHARS = 1024
MAX_DEDUP_KEY_CHARS = 255
MAX_EVENT_BYTES = 512 * 1000
"""PagerDuty refuses events over 512 KB; stay below it counting 1 KB as 1000 bytes."""

CLIENT = "Holdoff"
STARTED_FACT = "Started"
_STARTED_FORMAT = "%Y-%m-%d %H:%M:%S UTC"

SEVERITIES = {"critical": "critical", "high": "error", "warning": "warning", "info": "info", "low": "info"}
"""Holdoff severity -> PagerDuty severity; no (or an unknown) severity is ``error``, like high."""

ACTIONS = {
    NotificationKind.ESCALATED: "trigger",
    NotificationKind.REMINDER: "trigger",
    NotificationKind.ACKNOWLEDGED: "acknowledge",
    NotificationKind.RESOLVED: "resolve",
}

_LABELS_FOR = {
    "component": ("service", "job"),
    "group": ("cluster", "team"),
    "class": ("alertname",),
}
"""PD-CEF fields filled from the first of these labels that has a value."""

_ROUTING_HINT = (
    "check routing_key: it must be the integration key of an Events API v2 integration "
    "(32 characters, on the service's Integrations tab)"
)


def pagerduty_severity(severity: str | None) -> str:
    return SEVERITIES.get((severity or "").lower(), "error")


def build_event(
    message: Message, routing_key: str, dedup_key: str | None = None, max_bytes: int = MAX_EVENT_BYTES
) -> dict[str, Any]:
    """The Events API v2 body for ``message`` (any kind other than those in :data:`ACTIONS` raises).

    ``dedup_key`` defaults to ``message.key``. A trigger whose details make it larger than
    ``max_bytes`` gets shorter fact and label values, then loses them (the summary, links and
    routing fields are never touched).
    """
    action = ACTIONS.get(message.kind)
    if action is None:
        raise ValueError(f"PagerDuty takes no {message.kind.value} messages")
    key = dedup_key or message.key
    if action != "trigger":
        return {"routing_key": routing_key, "dedup_key": key, "event_action": action}
    event = _trigger(message, routing_key, key, detail_limit=None)
    for limit in (2000, 200, 0):
        if len(http.encode(event)) <= max_bytes:
            break
        event = _trigger(message, routing_key, key, detail_limit=limit)
    return event


def _trigger(message: Message, routing_key: str, key: str, detail_limit: int | None) -> dict[str, Any]:
    payload: dict[str, Any] = {
        "summary": http.cut(" ".join(message.title.split()), MAX_SUMMARY_CHARS),
        "source": message.source or "holdoff",
        "severity": pagerduty_severity(message.severity),
    }
    started = started_at(message)
    if started is not None:
        payload["timestamp"] = started
    for field, names in _LABELS_FOR.items():
        value = next((message.labels[name] for name in names if message.labels.get(name)), None)
        if value:
            payload[field] = value
    payload["custom_details"] = _details(message, detail_limit)
    links = [{"href": message.url, "text": "Open in Holdoff"}]
    links += [{"href": action.url, "text": action.label} for action in message.actions]
    return {
        "routing_key": routing_key,
        "dedup_key": key,
        "event_action": "trigger",
        "payload": payload,
        "links": links,
        "client": CLIENT,
        "client_url": message.url,
    }


def _details(message: Message, limit: int | None) -> dict[str, Any]:
    if limit == 0:
        return {
            "summary": http.cut(message.summary, 2000),
            "note": "The facts and labels were too large for PagerDuty; see them in Holdoff.",
        }

    def short(text: str) -> str:
        return text if limit is None else http.cut(text, limit)

    return {
        "summary": short(message.summary),
        "facts": _fact_map(message.facts, short),
        "labels": {name: short(value) for name, value in message.labels.items()},
    }


def _fact_map(facts: list[Fact], short: Callable[[str], str]) -> dict[str, str]:
    """Facts by name, in order; a repeated name gets `` (2)``, `` (3)`` ..."""
    mapped: dict[str, str] = {}
    for fact in facts:
        name, count = fact.name, 1
        while name in mapped:
            count += 1
            name = f"{fact.name} ({count})"
        mapped[name] = short(fact.value)
    return mapped


def started_at(message: Message) -> str | None:
    """When the alert started (its ``Started`` fact) in ISO 8601, or None when the message has none.

    PagerDuty shows it as the time the problem was detected, which matters because Holdoff holds an
    alert back for its grace window before paging.
    """
    for fact in message.facts:
        if fact.name == STARTED_FACT:
            try:
                return datetime.strptime(fact.value, _STARTED_FORMAT).replace(tzinfo=UTC).isoformat()
            except ValueError:
                return None
    return None


class PagerDutyChannel:
    """Triggers, acknowledges and resolves one PagerDuty alert per Holdoff alert occurrence or incident."""

    def __init__(
        self,
        routing_key: str | SecretStr,
        *,
        name: str = "pagerduty",
        events_url: str = EVENTS_URL,
        timeout_seconds: float = 10.0,
        rate_per_second: float | None = RATE_PER_SECOND,
        kinds: frozenset[NotificationKind] = KINDS,
        transport: httpx.BaseTransport | None = None,
    ) -> None:
        self.name = name
        self.kinds: frozenset[NotificationKind] | None = kinds
        self._taken = kinds & KINDS
        self.rate_per_second = rate_per_second
        key = routing_key.get_secret_value() if isinstance(routing_key, SecretStr) else routing_key
        if not key.strip():
            raise ValueError("the PagerDuty routing key is empty")
        self._routing_key = key
        self.events_url = events_url
        self.host = http.host_of(events_url)
        self._timeout = timeout_seconds
        self._scrub = http.scrubber([key, key.strip()])
        self._client = http.new_client(timeout_seconds, transport)

    @property
    def target(self) -> str:
        return f"PagerDuty Events API on {self.host}"

    def send(self, message: Message, ref: str | None = None) -> DeliveryResult:
        if message.kind not in self._taken:
            return http.not_taken("PagerDuty", self.name, message.kind, self._taken)
        started = time.perf_counter()
        dedup_key = ref or message.key
        if message.kind is NotificationKind.RESOLVED and not message.closes:
            # Some alerts of the paged incident still fire: PagerDuty's alert stays open, nothing to send.
            return DeliveryResult(
                ok=True, retryable=False, latency_ms=http.elapsed_ms(started), ref=dedup_key
            )
        try:
            body = build_or_plain(
                lambda m: http.encode(build_event(m, self._routing_key, dedup_key)), message, self.name
            )
            response = self._client.post(
                self.events_url, content=body, headers={"Content-Type": "application/json"}
            )
        except Exception as exc:  # send never raises: every failure becomes a result
            return http.exception_failure(exc, self.target, self._timeout, self._scrub, "events_url", started)
        return self._result(response, dedup_key, started)

    def close(self) -> None:
        self._client.close()

    def _result(self, response: httpx.Response, dedup_key: str, started: float) -> DeliveryResult:
        latency = http.elapsed_ms(started)
        status = response.status_code
        answer = http.response_json(response)
        if 200 <= status < 300:
            returned = answer.get("dedup_key") if isinstance(answer, dict) else None
            ref = returned if isinstance(returned, str) and returned else dedup_key
            return DeliveryResult(ok=True, retryable=False, status_code=status, latency_ms=latency, ref=ref)
        where = f"HTTP {status} from {self.target}"
        detail = self._detail(answer, response)
        if status == 429:
            wait = http.retry_after(response, self._scrub)
            hint = f"throttled: too many events for this integration key; will try again{wait}"
            return self._failed(status, f"{where} ({hint}){detail}", latency, retryable=True)
        if status >= 500:
            hint = "PagerDuty could not take the event now; will try again"
            return self._failed(status, f"{where} ({hint}){detail}", latency, retryable=True)
        if status == 400:
            hint = "PagerDuty refused the event as invalid; trying again will not help"
            if "routing" in detail.lower() or "integration key" in detail.lower():
                hint += f"; {_ROUTING_HINT}"
        elif status == 404:
            hint = f"check events_url: it should be {EVENTS_URL}"
        elif status in (401, 403):
            hint = f"{_ROUTING_HINT}, and events_url"
        elif status == 413:
            hint = "the event is larger than PagerDuty's 512 KB limit"
        elif 300 <= status < 400:
            hint = f"events_url redirects; use {EVENTS_URL}"
        else:
            hint = "the request was refused; trying again will not help"
        return self._failed(status, f"{where} ({hint}){detail}", latency, retryable=False)

    def _detail(self, answer: Any, response: httpx.Response) -> str:
        """``: <message>: <error>; <error>`` from PagerDuty's JSON answer, else the start of the body."""
        if isinstance(answer, dict):
            parts = [str(answer["message"])] if answer.get("message") else []
            errors = answer.get("errors")
            if isinstance(errors, list) and errors:
                parts.append("; ".join(str(error) for error in errors))
            elif errors:
                parts.append(str(errors))
            if parts:
                return ": " + http.one_line(": ".join(parts), self._scrub, 1000)
        text = http.snippet(response, self._scrub)
        return f": {text}" if text else ""

    @staticmethod
    def _failed(status: int, error: str, latency: float, *, retryable: bool) -> DeliveryResult:
        return DeliveryResult(
            ok=False, retryable=retryable, status_code=status, error=error, latency_ms=latency
        )


class PagerDutyConfig(ChannelConfig):
    """A PagerDuty service, through an Events API v2 integration."""

    type: Literal["pagerduty"]
    routing_key: Secret
    """The integration key of an Events API v2 integration (service or event orchestration)."""
    events_url: Expanded = EVENTS_URL

    @field_validator("routing_key")
    @classmethod
    def _routing_key_set(cls, value: SecretStr) -> SecretStr:
        if not value.get_secret_value().strip():
            raise ValueError(
                "routing_key is empty; set it to the integration key of an Events API v2 integration"
            )
        return value

    @field_validator("events_url")
    @classmethod
    def _events_url_http(cls, value: str) -> str:
        return http.check_http_url(value, "events_url")

    @field_validator("kinds")
    @classmethod
    def _pager_kinds(cls, value: list[NotificationKind] | None) -> list[NotificationKind] | None:
        return http.check_kinds(value, "pagerduty")

    def build(self, templates: Templates = DEFAULT) -> PagerDutyChannel:
        """The channel (PagerDuty shows its own layout, so ``templates`` are not used)."""
        return PagerDutyChannel(
            self.routing_key,
            name=self.name,
            events_url=self.events_url,
            timeout_seconds=self.timeout_seconds,
            rate_per_second=self.rate_per_second if self.rate_per_second is not None else RATE_PER_SECOND,
            kinds=http.channel_kinds(self.kinds),
        )
