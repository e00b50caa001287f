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

import json
import threading
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType
from typing import Any, Self
from urllib.parse import parse_qs, unquote, urlsplit

import pytest

from tests.support.net import poll
from tests.support.teams_receiver import ReceivedRequest

Answer = tuple[int, Any, dict[str, str]]
"""Status, JSON-able body (a str is sent as it is) and extra headers."""


@dataclass
class _Failure:
    status: int
    until: float | None
    remaining: int | None
    body: str | None
    headers: dict[str, str]


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


class _ApiReceiver:
    """The HTTP side both stand-ins share."""

    service = "API"

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._requests: list[ReceivedRequest] = []
        self._failure: _Failure | None = None
        self._delay = 0.0
        self._stopping = threading.Event()
        self._server: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None
        self.alerts: dict[str, Alert] = {}

    # --- lifecycle ---

    def start(self) -> Self:
        if self._server is not None:
            return self
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                receiver._handle(self)

            do_GET = do_PUT = do_DELETE = do_PATCH = do_POST

            def log_message(self, format: str, *args: Any) -> None:  # keep test output quiet
                pass

        self._stopping.clear()
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        self._thread = threading.Thread(
            target=self._server.serve_forever,
            kwargs={"poll_interval": 0.02},
            name=f"{self.service}-receiver",
            daemon=True,
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stopping.set()
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5)
        self._server = None
        self._thread = None

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.stop()

    @property
    def port(self) -> int:
        if self._server is None:
            raise RuntimeError("the receiver is not started")
        return int(self._server.server_address[1])

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    # --- programming its behaviour ---

    def fail_with(
        self,
        status: int,
        seconds: float | None = None,
        count: int | None = None,
        body: str | None = None,
        headers: dict[str, str] | None = None,
    ) -> None:
        """Answer ``status`` (with ``body``, else the service's usual error body) to the next ``count``
        requests or for ``seconds`` (whichever ends first; with neither, until :meth:`recover`)."""
        with self._lock:
            self._failure = _Failure(
                status=status,
                until=None if seconds is None else time.monotonic() + seconds,
                remaining=count,
                body=body,
                headers=dict(headers or {}),
            )

    def recover(self) -> None:
        """Stop failing and stop delaying."""
        with self._lock:
            self._failure = None
            self._delay = 0.0

    def delay(self, seconds: float) -> None:
        """Wait this long before answering each request (to provoke client timeouts)."""
        with self._lock:
            self._delay = seconds

    # --- what it saw ---

    @property
    def requests(self) -> list[ReceivedRequest]:
        with self._lock:
            return list(self._requests)

    @property
    def received(self) -> list[ReceivedRequest]:
        """Requests answered 2xx."""
        with self._lock:
            return [request for request in self._requests if request.ok]

    def wait_for(self, n: int, timeout: float = 5.0) -> list[ReceivedRequest]:
        if not poll(lambda: len(self.received) >= n, timeout):
            seen = "; ".join(request.describe() for request in self.requests) or "no requests at all"
            raise AssertionError(
                f"expected {n} accepted {self.service} requests within {timeout}s, got {len(self.received)}: {seen}"
            )
        return self.received

    # --- the HTTP side ---

    def _handle(self, handler: BaseHTTPRequestHandler) -> None:
        length = int(handler.headers.get("Content-Length") or 0)
        body = handler.rfile.read(length) if length else b""
        parts = urlsplit(handler.path)
        query = parse_qs(parts.query, keep_blank_values=True)
        headers = {name.lower(): value for name, value in handler.headers.items()}
        try:
            parsed: Any = json.loads(body) if body else None
        except ValueError:
            parsed = None
        with self._lock:
            delay = self._delay
        if delay:
            self._stopping.wait(delay)

        failed = self._programmed_failure()
        if failed is not None:
            status, answer, extra = failed
        else:
            with self._lock:
                status, answer, extra = self._route(handler.command, parts.path, query, headers, body, parsed)
        record = ReceivedRequest(
            method=handler.command,
            path=parts.path,
            query=query,
            headers=headers,
            body=body,
            json=parsed,
            status=status,
            at=time.time(),
        )
        with self._lock:
            self._requests.append(record)
        encoded = (answer if isinstance(answer, str) else json.dumps(answer)).encode("utf-8")
        try:
            handler.send_response(status)
            for name, value in extra.items():
                handler.send_header(name, value)
            handler.send_header("Content-Type", "application/json")
            handler.send_header("Content-Length", str(len(encoded)))
            handler.end_headers()
            handler.wfile.write(encoded)
        except (BrokenPipeError, ConnectionResetError):
            pass  # the client gave up waiting (a timeout test)

    def _programmed_failure(self) -> Answer | None:
        with self._lock:
            failure = self._failure
            if failure is None:
                return None
            expired = (failure.until is not None and time.monotonic() >= failure.until) or (
                failure.remaining is not None and failure.remaining <= 0
            )
            if expired:
                self._failure = None
                return None
            if failure.remaining is not None:
                failure.remaining -= 1
            body: Any = failure.body if failure.body is not None else self._error_body(failure.status)
            return failure.status, body, failure.headers

    def _error_body(self, status: int) -> Any:
        raise NotImplementedError

    def _route(
        self,
        method: str,
        path: str,
        query: dict[str, list[str]],
        headers: dict[str, str],
        body: bytes,
        parsed: Any,
    ) -> Answer:
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

    def _route(
        self,
        method: str,
        path: str,
        query: dict[str, list[str]],
        headers: dict[str, str],
        body: bytes,
        parsed: Any,
    ) -> Answer:
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

    def _route(
        self,
        method: str,
        path: str,
        query: dict[str, list[str]],
        headers: dict[str, str],
        body: bytes,
        parsed: Any,
    ) -> Answer:
        if headers.get("authorization") != f"GenieKey {self.api_key}":
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
