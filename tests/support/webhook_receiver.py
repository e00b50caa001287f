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
import time
from collections.abc import Iterator
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler
from typing import Any
from urllib.parse import parse_qs

import pytest

from tests.support.http_receiver import Failure, HttpReceiver


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


class WebhookReceiver(HttpReceiver[Received]):
    """Any-path, any-method HTTP endpoint on 127.0.0.1 that records what it is sent."""

    OK_BODY = '{"ok":true}'
    thread_name = "webhook-receiver"
    protocol_version = "HTTP/1.1"

    # --- behaviour (recover, delay: see HttpReceiver) ---

    def fail_with(
        self, status: int, count: int | None = None, body: str = "", headers: dict[str, str] | None = None
    ) -> None:
        """Answer ``status`` (with ``body`` and ``headers``) to the next ``count`` requests (all, if None)."""
        # A count below 1 still fails the next request.
        remaining = None if count is None else max(count, 1)
        self._program(Failure(status, body, dict(headers or {}), remaining=remaining))

    # --- what it saw: requests, and wait_for(n) waits for n requests answered however (HttpReceiver) ---

    # --- HTTP ---

    def _handle(self, handler: BaseHTTPRequestHandler) -> None:
        request = self._read(handler)
        self._wait()
        failure = self._take_failure()
        if failure is None:
            status, body, headers = 200, self.OK_BODY, {"Content-Type": "application/json"}
        else:
            status, body, headers = failure.status, failure.body or "", failure.headers
        self._record(
            Received(
                method=request.method,
                path=request.parts.path,
                query=request.query,
                headers=request.headers,
                body=request.body,
                status=status,
                at=time.monotonic(),
            )
        )
        self._reply(handler, status, body.encode("utf-8"), headers, None)


@pytest.fixture
def webhook_receiver() -> Iterator[WebhookReceiver]:
    with WebhookReceiver() as receiver:
        yield receiver
