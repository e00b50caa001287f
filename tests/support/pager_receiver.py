"""Local stand-ins for PagerDuty's Events API v2 and Opsgenie's Alert API.

Both are HTTP servers on 127.0.0.1 that record every request (as
:class:`~tests.support.teams_receiver.ReceivedRequest`), can be told to fail or to answer slowly,
and keep the state of the alerts they were sent, so a test can follow one alert from open to closed.

* :class:`PagerDutyReceiver` takes ``POST /v2/enqueue``, checks the routing key and the event the way
  PagerDuty does (400 ``invalid event`` with an ``errors`` list) and answers 202 with the
  ``dedup_key``.
* :class:`OpsgenieReceiver` checks ``Authorization: GenieKey <key>`` (401 otherwise), takes
  ``POST /v2/alerts`` and ``POST /v2/alerts/<identifier>/(acknowledge|close|notes)?identifierType=alias``,
  refuses a create without a message (422) and answers 202 with a ``requestId``.

The ``pagerduty_receiver`` and ``opsgenie_receiver`` fixtures start one for a test.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import unquote

import pytest

from tests.support.http_receiver import Incoming
from tests.support.teams_receiver import Answer, JsonReceiver


@dataclass
class Alert:
    """What a stand-in knows about one alert."""

    key: str
    status: str
    """PagerDuty: triggered, acknowledged, resolved. Opsgenie: open, acknowledged, closed."""
    events: list[str] = field(default_factory=list)
    """Every action applied to it, in order (trigger, acknowledge, resolve / create, acknowledge, close)."""
    last: Any = None
    """The last body that created or re-triggered it."""


class _ApiReceiver(JsonReceiver):
    """What both stand-ins share: a programmed failure comes first, else :meth:`_route` answers."""

    service = "API"

    def __init__(self) -> None:
        super().__init__()
        self.thread_name = f"{self.service}-receiver"
        self.alerts: dict[str, Alert] = {}

    def _expected(self, n: int) -> str:
        return f"{n} accepted {self.service} requests"

    def _answer(self, request: Incoming, parsed: Any) -> Answer:
        failed = self._programmed_failure()
        if failed is not None:
            return failed
        with self._lock:
            return self._route(request, parsed)

    def _route(self, request: Incoming, parsed: Any) -> Answer:
        """Status, body and headers for a request no programmed failure answered (under the lock)."""
        raise NotImplementedError


# --------------------------------------------------------------------------- PagerDuty

PD_SEVERITIES = frozenset({"critical", "error", "warning", "info"})


class PagerDutyReceiver(_ApiReceiver):
    """PagerDuty's Events API v2 on 127.0.0.1 (``POST /v2/enqueue``)."""

    service = "PagerDuty"
    path = "/v2/enqueue"

    def __init__(self, routing_key: str = "R0UT1NGk3y0f32charsXXXXXXXXXXXXX") -> None:
        super().__init__()
        self.routing_key = routing_key

    @property
    def url(self) -> str:
        return self.base_url + self.path

    def _error_body(self, status: int) -> Any:
        if status == 429:
            return {
                "status": "throttle event",
                "message": "Requests for this service are arriving too quickly.",
            }
        return {"status": "unrecognized object", "message": f"stand-in told to fail with {status}"}

    def _route(self, request: Incoming, parsed: Any) -> Answer:
        method, path = request.method, request.parts.path
        if path != self.path:
            return 404, {"status": "Not Found", "message": f"no route {path}"}, {}
        if method != "POST":
            return 405, {"status": "Method Not Allowed"}, {}
        if not isinstance(parsed, dict):
            return (
                400,
                {"status": "invalid event", "message": "Event object is invalid", "errors": ["Invalid JSON"]},
                {},
            )
        errors = self._validate(parsed)
        if errors:
            return (
                400,
                {"status": "invalid event", "message": "Event object is invalid", "errors": errors},
                {},
            )
        key = parsed.get("dedup_key") or uuid.uuid4().hex
        action = parsed["event_action"]
        alert = self.alerts.get(key)
        if action == "trigger":
            if alert is None or alert.status == "resolved":
                alert = self.alerts[key] = Alert(key=key, status="triggered")
            alert.events.append("trigger")
            alert.last = parsed
        elif alert is not None and alert.status != "resolved":
            # PagerDuty drops acknowledge and resolve events for an alert it does not have open.
            alert.status = "acknowledged" if action == "acknowledge" else "resolved"
            alert.events.append(action)
        return 202, {"status": "success", "message": "Event processed", "dedup_key": key}, {}

    def _validate(self, event: dict[str, Any]) -> list[str]:
        errors: list[str] = []
        if event.get("routing_key") != self.routing_key:
            errors.append("Invalid routing key")
        action = event.get("event_action")
        if action not in ("trigger", "acknowledge", "resolve"):
            errors.append("'event_action' is invalid (must be one of: trigger, acknowledge, resolve)")
        key = event.get("dedup_key")
        if key is not None and (not isinstance(key, str) or len(key) > 255):
            errors.append("'dedup_key' must be a string of at most 255 characters")
        if action in ("acknowledge", "resolve") and not key:
            errors.append("'dedup_key' is missing or blank")
        if action == "trigger":
            payload = event.get("payload")
            if not isinstance(payload, dict):
                return [*errors, "'payload' is missing or not an object"]
            for name in ("summary", "source", "severity"):
                if not payload.get(name):
                    errors.append(f"'payload.{name}' is missing or blank")
            if len(str(payload.get("summary", ""))) > 1024:
                errors.append("'payload.summary' is longer than 1024 characters")
            if payload.get("severity") and payload["severity"] not in PD_SEVERITIES:
                errors.append(
                    "'payload.severity' is invalid (must be one of: critical, error, warning, info)"
                )
        return errors


# --------------------------------------------------------------------------- Opsgenie


class OpsgenieReceiver(_ApiReceiver):
    """Opsgenie's Alert API on 127.0.0.1."""

    service = "Opsgenie"

    def __init__(self, api_key: str = "0psg3n1e-api-key-d0-n0t-l0g-1234") -> None:
        super().__init__()
        self.api_key = api_key

    @property
    def url(self) -> str:
        return self.base_url

    @staticmethod
    def _envelope(status: int, message: str, **extra: Any) -> Any:
        return {"message": message, **extra, "took": 0.002, "requestId": str(uuid.uuid4())}

    def _error_body(self, status: int) -> Any:
        if status == 429:
            return self._envelope(status, "You are making too many requests! To avoid errors, slow down.")
        return self._envelope(status, f"stand-in told to fail with {status}")

    def _route(self, request: Incoming, parsed: Any) -> Answer:
        method, path, query = request.method, request.parts.path, request.query
        if request.headers.get("authorization") != f"GenieKey {self.api_key}":
            return 401, self._envelope(401, "Could not authenticate"), {}
        segments = path.split("/")
        if method != "POST" or segments[:3] != ["", "v2", "alerts"]:
            return 404, self._envelope(404, "Could not find the requested resource"), {}
        if not isinstance(parsed, dict):
            return 400, self._envelope(400, "Request body is not processable. Please check the errors."), {}
        accepted = {"result": "Request will be processed", "took": 0.107, "requestId": str(uuid.uuid4())}
        if len(segments) == 3:
            return self._create(parsed, accepted)
        if len(segments) == 5 and segments[4] in ("acknowledge", "close", "notes"):
            if query.get("identifierType") != ["alias"]:
                # Without identifierType=alias Opsgenie reads the identifier as an alert id.
                return 404, self._envelope(404, "Alert does not exist"), {}
            alias = unquote(segments[3])
            alert = self.alerts.get(alias)
            if alert is not None and segments[4] == "notes":
                alert.events.append("note")
            elif alert is not None and alert.status != "closed":
                alert.status = "acknowledged" if segments[4] == "acknowledge" else "closed"
                alert.events.append(segments[4])
            return 202, accepted, {}
        return 404, self._envelope(404, "Could not find the requested resource"), {}

    def _create(self, parsed: dict[str, Any], accepted: Any) -> Answer:
        errors: dict[str, str] = {}
        message = parsed.get("message")
        if not message:
            errors["message"] = "Message can not be empty."
        elif len(message) > 130:
            errors["message"] = "Message can not be longer than 130 characters."
        if len(parsed.get("alias") or "") > 512:
            errors["alias"] = "Alias can not be longer than 512 characters."
        if len(parsed.get("description") or "") > 15000:
            errors["description"] = "Description can not be longer than 15000 characters."
        if parsed.get("priority", "P3") not in ("P1", "P2", "P3", "P4", "P5"):
            errors["priority"] = "Priority should be one of [P1, P2, P3, P4, P5]"
        if errors:
            body = self._envelope(
                422, "Request body is not processable. Please check the errors.", errors=errors
            )
            return 422, body, {}
        alias = str(parsed.get("alias") or message)
        alert = self.alerts.get(alias)
        if alert is None or alert.status == "closed":
            alert = self.alerts[alias] = Alert(key=alias, status="open")
        alert.events.append("create")
        alert.last = parsed
        return 202, accepted, {}


@pytest.fixture
def pagerduty_receiver() -> Iterator[PagerDutyReceiver]:
    with PagerDutyReceiver() as receiver:
        yield receiver


@pytest.fixture
def opsgenie_receiver() -> Iterator[OpsgenieReceiver]:
    with OpsgenieReceiver() as receiver:
        yield receiver
