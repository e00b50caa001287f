"""A local stand-in for Slack: an incoming webhook and the two Web API methods Holdoff calls.

:class:`SlackReceiver` is an HTTP server on 127.0.0.1 that answers like Slack does:

* ``POST <webhook path>``: 200 ``ok`` for a JSON body with ``text`` or ``blocks``, 400
  ``invalid_payload`` otherwise, 404 ``no_service`` for any other ``/services/...`` path.
* ``POST /api/chat.postMessage`` and ``POST /api/chat.update``: HTTP 200 with ``{"ok": true, "ts": ...}``
  or ``{"ok": false, "error": ...}``, checking the bearer token, the channel, ``thread_ts`` and ``ts``
  against the messages it holds, and Slack's Block Kit limits (``invalid_blocks``, ``msg_blocks_too_long``).

A test can make it fail at the HTTP level (:meth:`fail_with`), answer an API error
(:meth:`fail_api`), answer slowly (:meth:`delay`) or forget a message (:meth:`delete`). It records
every request as a :class:`SlackRequest` and keeps the messages as Slack would show them.

The ``slack_receiver`` fixture starts one for a test and stops it afterwards.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler
from typing import Any

import pytest

from tests.support.http_receiver import Failure, HttpReceiver, encode_answer, parse_json

BLOCK_TEXT_LIMIT = 13_000
"""Roughly where Slack starts answering ``msg_blocks_too_long``."""


@dataclass(frozen=True)
class SlackRequest:
    """One HTTP request as the receiver saw it, and what it answered."""

    method: str
    path: str
    headers: dict[str, str]
    """Header names in lower case."""
    body: bytes
    json: Any
    status: int
    answer: Any
    """The JSON answer (Web API), or the text answer (webhook)."""

    @property
    def api_method(self) -> str:
        """``chat.postMessage`` for ``/api/chat.postMessage``."""
        return self.path.rsplit("/", 1)[-1]

    def describe(self) -> str:
        return f"{self.method} {self.path} -> {self.status} {self.answer!r}"


@dataclass
class PostedMessage:
    """A message as it stands in the fake Slack channel."""

    ts: str
    channel: str
    text: str
    blocks: list[Any]
    thread_ts: str | None
    edits: int = 0
    history: list[dict[str, Any]] = field(default_factory=list)


@dataclass
class _ApiFailure:
    error: str
    method: str | None
    remaining: int | None
    extra: dict[str, Any]


class SlackReceiver(HttpReceiver[SlackRequest]):
    """Slack on 127.0.0.1, recording everything it is sent."""

    thread_name = "slack-receiver"
    methods = ("POST", "GET", "PUT")

    def __init__(
        self,
        token: str = "xoxb-1111-2222-S3cr3tB0tT0kenValue",
        channel: str = "C0HOLDOFF1",
        webhook_secret: str = "w3bh00kS3cr3tPartOfTheUrl",
    ) -> None:
        super().__init__()
        self.token = token
        self.channel = channel
        self.webhook_secret = webhook_secret
        self.webhook_path = f"/services/T0HOLDOFF/B0HOLDOFF/{webhook_secret}"
        self._messages: dict[str, PostedMessage] = {}
        self._next_ts = 1
        self._api_failures: list[_ApiFailure] = []

    # --- where it listens ---

    @property
    def webhook_url(self) -> str:
        """Shaped like ``https://hooks.slack.com/services/T.../B.../secret``."""
        return f"{self.base_url}{self.webhook_path}"

    @property
    def api_url(self) -> str:
        return f"{self.base_url}/api"

    # --- programming its behaviour ---

    def fail_with(
        self,
        status: int,
        count: int | None = 1,
        body: str = "",
        headers: dict[str, str] | None = None,
    ) -> None:
        """Answer ``status`` with ``body`` to the next ``count`` requests (None: until :meth:`recover`)."""
        # A count below 1 still fails the next request.
        remaining = None if count is None else max(count, 1)
        self._program(Failure(status, body, dict(headers or {}), remaining=remaining))

    def fail_api(self, error: str, method: str | None = None, count: int | None = 1, **extra: Any) -> None:
        """Answer ``{"ok": false, "error": error, **extra}`` to the next ``count`` calls of ``method``
        (any method when None)."""
        with self._lock:
            self._api_failures.append(_ApiFailure(error, method, count, extra))

    def recover(self) -> None:
        """Stop failing (at the HTTP and the API level) and stop delaying (:meth:`delay`)."""
        super().recover()
        with self._lock:
            self._api_failures.clear()

    def delete(self, ts: str) -> None:
        """Forget a message, as if someone deleted it in Slack."""
        with self._lock:
            del self._messages[ts]

    # --- what it saw ---

    def calls(self, api_method: str) -> list[SlackRequest]:
        """Requests to one Web API method (``chat.postMessage``, ``chat.update``)."""
        return [request for request in self.requests if request.path == f"/api/{api_method}"]

    @property
    def messages(self) -> dict[str, PostedMessage]:
        """The channel's messages by ``ts`` (posts, replies and webhook posts)."""
        with self._lock:
            return dict(self._messages)

    # --- the HTTP side ---

    def _handle(self, handler: BaseHTTPRequestHandler) -> None:
        request = self._read(handler)
        path, headers = request.parts.path, request.headers
        parsed = parse_json(request.body)
        self._wait()

        extra_headers: dict[str, str] = {}
        answer: Any
        failure = self._take_failure()
        if failure is not None:
            status, answer, content_type = failure.status, failure.body or "", "text/plain"
            extra_headers = failure.headers
        elif path.startswith("/services/"):
            status, answer = self._webhook(path, parsed)
            content_type = "text/html"
        elif path.startswith("/api/"):
            status = 200
            answer = self._api(path.removeprefix("/api/"), headers, parsed)
            content_type = "application/json; charset=utf-8"
        else:
            status, answer, content_type = 404, "<html>not found</html>", "text/html"

        self._record(
            SlackRequest(
                method=request.method,
                path=path,
                headers=headers,
                body=request.body,
                json=parsed,
                status=status,
                answer=answer,
            )
        )
        self._reply(handler, status, encode_answer(answer), extra_headers, content_type)

    def _take_api_failure(self, method: str) -> _ApiFailure | None:
        with self._lock:
            for failure in self._api_failures:
                if failure.method is None or failure.method == method:
                    if failure.remaining is not None:
                        failure.remaining -= 1
                        if failure.remaining <= 0:
                            self._api_failures.remove(failure)
                    return failure
        return None

    def _webhook(self, path: str, body: Any) -> tuple[int, str]:
        if path != self.webhook_path:
            return 404, "no_service"
        if not isinstance(body, dict) or not (body.get("text") or body.get("blocks")):
            return 400, "invalid_payload"
        if body.get("blocks") is not None and _block_problem(body["blocks"]):
            return 400, "invalid_blocks"
        self._store(str(body.get("text", "")), body.get("blocks") or [], None)
        return 200, "ok"

    def _api(self, method: str, headers: dict[str, str], body: Any) -> dict[str, Any]:
        authorization = headers.get("authorization", "")
        if not authorization:
            return {"ok": False, "error": "not_authed"}
        if authorization != f"Bearer {self.token}":
            return {"ok": False, "error": "invalid_auth"}
        failure = self._take_api_failure(method)
        if failure is not None:
            return {"ok": False, "error": failure.error, **failure.extra}
        if method not in ("chat.postMessage", "chat.update"):
            return {"ok": False, "error": "unknown_method"}
        if not isinstance(body, dict) or "content-type" not in headers:
            return {"ok": False, "error": "invalid_arguments"}
        if body.get("channel") != self.channel:
            return {"ok": False, "error": "channel_not_found"}
        text = body.get("text")
        blocks = body.get("blocks")
        if not text and not blocks:
            return {"ok": False, "error": "no_text"}
        if blocks is not None:
            problem = _block_problem(blocks)
            if problem is not None:
                return {"ok": False, "error": problem}
        if method == "chat.postMessage":
            thread_ts = body.get("thread_ts")
            with self._lock:
                if thread_ts is not None and thread_ts not in self._messages:
                    return {"ok": False, "error": "thread_not_found"}
            ts = self._store(str(text or ""), blocks or [], thread_ts)
            return {"ok": True, "channel": self.channel, "ts": ts, "message": {"text": text}}
        updated = str(body.get("ts"))
        with self._lock:
            message = self._messages.get(updated)
            if message is None:
                return {"ok": False, "error": "message_not_found"}
            message.history.append({"text": message.text, "blocks": message.blocks})
            message.text = str(text or "")
            message.blocks = blocks or []
            message.edits += 1
        return {"ok": True, "channel": self.channel, "ts": updated, "text": text}

    def _store(self, text: str, blocks: list[Any], thread_ts: str | None) -> str:
        with self._lock:
            ts = f"1714532400.{self._next_ts:06d}"
            self._next_ts += 1
            self._messages[ts] = PostedMessage(ts, self.channel, text, blocks, thread_ts)
        return ts


def _block_problem(blocks: Any) -> str | None:
    """The error Slack would answer for these blocks, or None when they are within its limits."""
    if not isinstance(blocks, list) or len(blocks) > 50:
        return "invalid_blocks"
    total = 0
    for block in blocks:
        kind = block.get("type") if isinstance(block, dict) else None
        if kind == "header":
            text = block["text"]["text"]
            if block["text"]["type"] != "plain_text" or not 0 < len(text) <= 150:
                return "invalid_blocks"
            total += len(text)
        elif kind == "section":
            if "text" in block:
                if not 0 < len(block["text"]["text"]) <= 3000:
                    return "invalid_blocks"
                total += len(block["text"]["text"])
            fields = block.get("fields", [])
            if len(fields) > 10 or any(not 0 < len(item["text"]) <= 2000 for item in fields):
                return "invalid_blocks"
            total += sum(len(item["text"]) for item in fields)
            if "text" not in block and not fields:
                return "invalid_blocks"
        elif kind == "context":
            elements = block.get("elements", [])
            if not 0 < len(elements) <= 10:
                return "invalid_blocks"
            total += sum(len(element.get("text", "")) for element in elements)
        elif kind == "actions":
            elements = block.get("elements", [])
            if not 0 < len(elements) <= 25:
                return "invalid_blocks"
            ids = [element.get("action_id") for element in elements]
            if len(set(ids)) != len(ids):
                return "invalid_blocks"
            for element in elements:
                if element.get("type") != "button" or len(element["text"]["text"]) > 75:
                    return "invalid_blocks"
                if len(element.get("url", "")) > 3000:
                    return "invalid_blocks"
        else:
            return "invalid_blocks"
    if total > BLOCK_TEXT_LIMIT:
        return "msg_blocks_too_long"
    return None


@pytest.fixture
def slack_receiver() -> Iterator[SlackReceiver]:
    with SlackReceiver() as receiver:
        yield receiver
