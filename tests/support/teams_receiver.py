"""A local stand-in for a Microsoft Teams Workflows webhook.

:class:`TeamsReceiver` is an HTTP server on 127.0.0.1. It answers 202 to a JSON POST sent to its own
path with the right ``sig``, 404 to any other path and 401 to a wrong ``sig``. A test can tell it to
fail or to answer slowly. It records every request as a :class:`ReceivedRequest`.

The ``teams_receiver`` fixture starts a receiver for one test and stops it afterwards.
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType
from typing import Any, Self
from urllib.parse import parse_qs, urlsplit

import pytest

from tests.support.net import poll


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


@dataclass
class _Failure:
    status: int
    until: float | None
    remaining: int | None
    body: str
    headers: dict[str, str]


class TeamsReceiver:
    """A Teams Workflows webhook on 127.0.0.1, recording everything it is sent."""

    def __init__(self, workflow_id: str = "0a1b2c3d4e5f", sig: str = "s3cr3t-SIG-t0ken-do-not-log") -> None:
        self.workflow_id = workflow_id
        self.sig = sig
        self.path = f"/workflows/{workflow_id}/triggers/manual/paths/invoke"
        self._lock = threading.Lock()
        self._requests: list[ReceivedRequest] = []
        self._failure: _Failure | None = None
        self._delay = 0.0
        self._stopping = threading.Event()
        self._server: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None

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
            name="teams-receiver",
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

    # --- where it listens ---

    @property
    def port(self) -> int:
        if self._server is None:
            raise RuntimeError("the receiver is not started")
        return int(self._server.server_address[1])

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def url(self) -> str:
        """The webhook URL, shaped like a real one, with the secret ``sig`` in the query."""
        return f"{self.base_url}{self.path}?api-version=1&sp=%2Ftriggers%2Fmanual%2Frun&sv=1.0&sig={self.sig}"

    # --- programming its behaviour ---

    def fail_with(
        self,
        status: int,
        seconds: float | None = None,
        count: int | None = None,
        body: str | None = None,
        headers: dict[str, str] | None = None,
    ) -> None:
        """Answer ``status`` for the next ``seconds`` or ``count`` requests (whichever ends first;
        with neither, until :meth:`recover`), then 202 again."""
        default_body = json.dumps(
            {"error": {"code": f"Http{status}", "message": f"receiver told to fail: {status}"}}
        )
        with self._lock:
            self._failure = _Failure(
                status=status,
                until=None if seconds is None else time.monotonic() + seconds,
                remaining=count,
                body=default_body if body is None else body,
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
        """Every request, answered however it was."""
        with self._lock:
            return list(self._requests)

    @property
    def received(self) -> list[ReceivedRequest]:
        """Successful deliveries only (answered 2xx)."""
        with self._lock:
            return [request for request in self._requests if request.ok]

    def clear(self) -> None:
        with self._lock:
            self._requests.clear()

    def wait_for(self, n: int, timeout: float = 5.0) -> list[ReceivedRequest]:
        """Wait until at least ``n`` successful deliveries arrived; return them."""
        if not poll(lambda: len(self.received) >= n, timeout):
            seen = "; ".join(request.describe() for request in self.requests) or "no requests at all"
            raise AssertionError(
                f"expected {n} successful Teams deliveries within {timeout}s, got {len(self.received)}: {seen}"
            )
        return self.received

    # --- the HTTP side ---

    def _handle(self, handler: BaseHTTPRequestHandler) -> None:
        length = int(handler.headers.get("Content-Length") or 0)
        body = handler.rfile.read(length) if length else b""
        parts = urlsplit(handler.path)
        query = parse_qs(parts.query, keep_blank_values=True)
        try:
            parsed: Any = json.loads(body) if body else None
        except ValueError:
            parsed = None
        with self._lock:
            delay = self._delay
        if delay:
            self._stopping.wait(delay)

        extra_headers: dict[str, str] = {}
        if parts.path != self.path:
            status, answer = (
                404,
                json.dumps({"error": {"code": "WorkflowNotFound", "message": "no such workflow"}}),
            )
        elif query.get("sig") != [self.sig]:
            status, answer = (
                401,
                json.dumps({"error": {"code": "DirectApiAuthorizationRequired", "message": "bad sig"}}),
            )
        elif handler.command != "POST" or parsed is None:
            status, answer = (
                400,
                json.dumps({"error": {"code": "InvalidRequestContent", "message": "not JSON"}}),
            )
        else:
            status, answer, extra_headers = self._next_answer()

        record = ReceivedRequest(
            method=handler.command,
            path=parts.path,
            query=query,
            headers={name.lower(): value for name, value in handler.headers.items()},
            body=body,
            json=parsed,
            status=status,
            at=time.time(),
        )
        with self._lock:
            self._requests.append(record)
        encoded = answer.encode("utf-8")
        try:
            handler.send_response(status)
            for name, value in extra_headers.items():
                handler.send_header(name, value)
            handler.send_header("Content-Type", "application/json" if encoded else "text/plain")
            handler.send_header("Content-Length", str(len(encoded)))
            handler.end_headers()
            if encoded:
                handler.wfile.write(encoded)
        except (BrokenPipeError, ConnectionResetError):
            pass  # the client gave up waiting (a timeout test); nothing to answer

    def _next_answer(self) -> tuple[int, str, dict[str, str]]:
        with self._lock:
            failure = self._failure
            if failure is not None:
                expired = (failure.until is not None and time.monotonic() >= failure.until) or (
                    failure.remaining is not None and failure.remaining <= 0
                )
                if expired:
                    self._failure = None
                else:
                    if failure.remaining is not None:
                        failure.remaining -= 1
                    return failure.status, failure.body, failure.headers
        return 202, "", {}


@pytest.fixture
def teams_receiver() -> Iterator[TeamsReceiver]:
    with TeamsReceiver() as receiver:
        yield receiver
