"""A local stand-in for a Microsoft Teams Workflows webhook.

:class:`TeamsReceiver` is an HTTP server on 127.0.0.1. It answers 202 to a JSON POST sent to its own
path with the right ``sig``, 404 to any other path and 401 to a wrong ``sig``. A test can tell it to
fail or to answer slowly. It records every request as a :class:`ReceivedRequest`.

The ``teams_receiver`` fixture hands each test a receiver that has seen nothing and is programmed to
nothing; one server serves the whole session (see :func:`tests.support.net.shared`).
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler
from typing import Any

import pytest

from tests.support.http_receiver import Failure, HttpReceiver, Incoming, encode_answer, parse_json
from tests.support.net import shared


@dataclass(frozen=True)
class ReceivedRequest:
    """One HTTP request as the receiver saw it, and what it answered."""

    method: str
    path: str
    query: dict[str, list[str]]
    headers: dict[str, str]
    """Header names in lower case."""
    body: bytes
    json: Any
    """The parsed JSON body; None when the body was not JSON."""
    status: int
    """The status the receiver answered with."""
    at: float
    """``time.time()`` when the request arrived."""

    @property
    def ok(self) -> bool:
        return 200 <= self.status < 300

    def describe(self) -> str:
        return f"{self.method} {self.path} -> {self.status} ({len(self.body)} bytes)"


Answer = tuple[int, Any, dict[str, str]]
"""Status, JSON-able body (a str is sent as it is) and extra headers."""


class JsonReceiver(HttpReceiver[ReceivedRequest]):
    """A JSON API stand-in (Teams, and the pagers of :mod:`tests.support.pager_receiver`): records a
    :class:`ReceivedRequest` per request and answers with :meth:`_answer`."""

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
        until = None if seconds is None else time.monotonic() + seconds
        self._program(Failure(status, body, dict(headers or {}), remaining=count, until=until))

    def _programmed_failure(self) -> Answer | None:
        failure = self._take_failure()
        if failure is None:
            return None
        body = failure.body if failure.body is not None else self._error_body(failure.status)
        return failure.status, body, failure.headers

    @property
    def received(self) -> list[ReceivedRequest]:
        """Requests answered 2xx (what :meth:`wait_for` waits for)."""
        with self._lock:
            return [request for request in self._requests if request.ok]

    def _counted(self) -> list[ReceivedRequest]:
        return self.received

    def _shortfall(self, n: int, timeout: float) -> str:
        return f"expected {self._expected(n)} within {timeout}s, got {len(self.received)}: {self._seen()}"

    def _expected(self, n: int) -> str:
        return f"{n} accepted requests"

    def _error_body(self, status: int) -> Any:
        raise NotImplementedError

    def _answer(self, request: Incoming, parsed: Any) -> Answer:
        raise NotImplementedError

    def _content_type(self, encoded: bytes) -> str:
        return "application/json"

    def _handle(self, handler: BaseHTTPRequestHandler) -> None:
        request = self._read(handler)
        parsed = parse_json(request.body)
        self._wait()
        status, answer, extra = self._answer(request, parsed)
        self._record(
            ReceivedRequest(
                method=request.method,
                path=request.parts.path,
                query=request.query,
                headers=request.headers,
                body=request.body,
                json=parsed,
                status=status,
                at=time.time(),
            )
        )
        encoded = encode_answer(answer)
        self._reply(handler, status, encoded, extra, self._content_type(encoded))


class TeamsReceiver(JsonReceiver):
    """A Teams Workflows webhook on 127.0.0.1, recording everything it is sent."""

    thread_name = "teams-receiver"

    def __init__(self, workflow_id: str = "0a1b2c3d4e5f", sig: str = "s3cr3t-SIG-t0ken-do-not-log") -> None:
        super().__init__()
        self.workflow_id = workflow_id
        self.sig = sig
        self.path = f"/workflows/{workflow_id}/triggers/manual/paths/invoke"

    @property
    def url(self) -> str:
        """The webhook URL, shaped like a real one, with the secret ``sig`` in the query."""
        return f"{self.base_url}{self.path}?api-version=1&sp=%2Ftriggers%2Fmanual%2Frun&sv=1.0&sig={self.sig}"

    # --- programming its behaviour (fail_with, recover, delay: see JsonReceiver) ---

    def _error_body(self, status: int) -> Any:
        return json.dumps({"error": {"code": f"Http{status}", "message": f"receiver told to fail: {status}"}})

    # --- what it saw (requests, received, wait_for: see JsonReceiver) ---

    def clear(self) -> None:
        with self._lock:
            self._requests.clear()

    def _expected(self, n: int) -> str:
        return f"{n} successful Teams deliveries"

    # --- the HTTP side ---

    def _answer(self, request: Incoming, parsed: Any) -> Answer:
        if request.parts.path != self.path:
            return 404, _error("WorkflowNotFound", "no such workflow"), {}
        if request.query.get("sig") != [self.sig]:
            return 401, _error("DirectApiAuthorizationRequired", "bad sig"), {}
        if request.method != "POST" or parsed is None:
            return 400, _error("InvalidRequestContent", "not JSON"), {}
        failed = self._programmed_failure()
        return failed if failed is not None else (202, "", {})

    def _content_type(self, encoded: bytes) -> str:
        return "application/json" if encoded else "text/plain"


def _error(code: str, message: str) -> str:
    return json.dumps({"error": {"code": code, "message": message}})


@pytest.fixture(scope="session")
def _teams_receiver_server() -> Iterator[TeamsReceiver]:
    with TeamsReceiver() as receiver:
        yield receiver


@pytest.fixture
def teams_receiver(_teams_receiver_server: TeamsReceiver) -> Iterator[TeamsReceiver]:
    yield from shared(_teams_receiver_server)
