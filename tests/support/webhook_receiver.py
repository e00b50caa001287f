"""A local stand-in for any HTTP endpoint that takes notifications (a generic webhook, apprise's
``json://``, ``form://`` or a self-hosted ntfy).

:class:`WebhookReceiver` is an HTTP server on 127.0.0.1 that answers every method on every path with
200 and a small JSON body, records each request as a :class:`Received`, and can be told to answer with
another status for a while (:meth:`WebhookReceiver.fail_with`) or to answer slowly
(:meth:`WebhookReceiver.delay`).

The ``webhook_receiver`` fixture starts one for a test and stops it afterwards.
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType
from typing import Any, Self
from urllib.parse import parse_qs, urlsplit

import pytest

from tests.support.net import poll


@dataclass(frozen=True)
class Received:
    """One request as the receiver saw it, and the status it answered."""

    method: str
    path: str
    query: dict[str, list[str]]
    headers: dict[str, str]
    """Header names in lower case."""
    body: bytes
    status: int
    at: float
    """``time.monotonic()`` when the request had been read."""

    @property
    def json(self) -> Any:
        """The body parsed as JSON (raises when it is not JSON)."""
        return json.loads(self.body)

    @property
    def form(self) -> dict[str, list[str]]:
        """The body parsed as ``application/x-www-form-urlencoded``."""
        return parse_qs(self.body.decode("utf-8"), keep_blank_values=True)

    def describe(self) -> str:
        return f"{self.method} {self.path} -> {self.status} ({len(self.body)} bytes)"


@dataclass
class _Answer:
    status: int
    remaining: int | None
    body: str
    headers: dict[str, str] = field(default_factory=dict)


class WebhookReceiver:
    """Any-path, any-method HTTP endpoint on 127.0.0.1 that records what it is sent."""

    OK_BODY = '{"ok":true}'

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._requests: list[Received] = []
        self._failure: _Answer | None = None
        self._delay = 0.0
        self._stopping = threading.Event()
        self._server: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None

    # --- lifecycle ---

    def start(self) -> Self:
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_POST(self) -> None:
                receiver._handle(self)

            do_PUT = do_GET = do_PATCH = do_DELETE = do_POST

            def log_message(self, format: str, *args: Any) -> None:  # quiet tests
                pass

        self._stopping.clear()
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        self._thread = threading.Thread(
            target=self._server.serve_forever,
            kwargs={"poll_interval": 0.02},
            name="webhook-receiver",
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

    # --- behaviour ---

    def fail_with(
        self, status: int, count: int | None = None, body: str = "", headers: dict[str, str] | None = None
    ) -> None:
        """Answer ``status`` (with ``body`` and ``headers``) to the next ``count`` requests (all, if None)."""
        with self._lock:
            self._failure = _Answer(status, count, body, dict(headers or {}))

    def recover(self) -> None:
        with self._lock:
            self._failure = None
            self._delay = 0.0

    def delay(self, seconds: float) -> None:
        """Wait this long before answering each request."""
        with self._lock:
            self._delay = seconds

    # --- what it saw ---

    @property
    def requests(self) -> list[Received]:
        with self._lock:
            return list(self._requests)

    def wait_for(self, n: int, timeout: float = 5.0) -> list[Received]:
        """Wait until at least ``n`` requests arrived (answered however); return them all."""
        if not poll(lambda: len(self.requests) >= n, timeout):
            seen = "; ".join(request.describe() for request in self.requests) or "none"
            raise AssertionError(f"expected {n} requests within {timeout}s, got: {seen}")
        return self.requests

    # --- HTTP ---

    def _answer(self) -> _Answer:
        with self._lock:
            failure = self._failure
            if failure is None:
                return _Answer(200, None, self.OK_BODY, {"Content-Type": "application/json"})
            if failure.remaining is not None:
                failure.remaining -= 1
                if failure.remaining <= 0:
                    self._failure = None
            return failure

    def _handle(self, handler: BaseHTTPRequestHandler) -> None:
        length = int(handler.headers.get("Content-Length") or 0)
        body = handler.rfile.read(length) if length else b""
        parts = urlsplit(handler.path)
        with self._lock:
            delay = self._delay
        if delay:
            self._stopping.wait(delay)
        answer = self._answer()
        record = Received(
            method=handler.command,
            path=parts.path,
            query=parse_qs(parts.query, keep_blank_values=True),
            headers={name.lower(): value for name, value in handler.headers.items()},
            body=body,
            status=answer.status,
            at=time.monotonic(),
        )
        with self._lock:
            self._requests.append(record)
        encoded = answer.body.encode("utf-8")
        try:
            handler.send_response(answer.status)
            for name, value in answer.headers.items():
                handler.send_header(name, value)
            handler.send_header("Content-Length", str(len(encoded)))
            handler.end_headers()
            handler.wfile.write(encoded)
        except (BrokenPipeError, ConnectionResetError):
            pass  # the client stopped waiting (a timeout test)


@pytest.fixture
def webhook_receiver() -> Iterator[WebhookReceiver]:
    with WebhookReceiver() as receiver:
        yield receiver
