"""Local stand-ins for the outside world that outbound channels talk to.

* :class:`TeamsReceiver`: an HTTP server that behaves like a Teams Workflows webhook (202 for a JSON
  POST to its own path with the right ``sig``, 404 elsewhere, 401 for a wrong ``sig``) and can be
  told to fail or to answer slowly.
* :class:`SmtpSink`: an aiosmtpd server that keeps every message and can refuse senders,
  recipients or data, and require a login.
* :class:`TcpBlackhole`: accepts connections and then says nothing, or hangs up at once.
* :func:`unused_port`: a local port nobody listens on (connection refused).

The fixtures ``teams_receiver`` and ``smtp_sink`` start one per test and stop it afterwards.
"""

from __future__ import annotations

import asyncio
import email
import email.policy
import json
import socket
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from email.message import EmailMessage
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType
from typing import Any, Self
from urllib.parse import parse_qs, urlsplit

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP, AuthResult, Envelope, LoginPassword, Session


def unused_port() -> int:
    """A port on 127.0.0.1 that nothing listens on (bound once by the OS, then released)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
    return port


def _poll(condition: Callable[[], bool], timeout: float) -> bool:
    deadline = time.monotonic() + timeout
    while True:
        if condition():
            return True
        if time.monotonic() >= deadline:
            return False
        time.sleep(0.01)


# --------------------------------------------------------------------------- Teams


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
        if not _poll(lambda: len(self.received) >= n, timeout):
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


# --------------------------------------------------------------------------- SMTP


@dataclass(frozen=True)
class ReceivedMail:
    """One message as the SMTP sink accepted it."""

    mail_from: str
    rcpt_tos: list[str]
    message: EmailMessage
    raw: bytes
    at: float


@dataclass
class _SinkHandler:
    """aiosmtpd handler: stores messages, refuses what it is told to refuse."""

    sink: SmtpSink
    mail_from_reply: str | None = None
    data_reply: str | None = None
    rcpt_replies: dict[str, str] = field(default_factory=dict)

    async def handle_MAIL(
        self, server: SMTP, session: Session, envelope: Envelope, address: str, mail_options: list[str]
    ) -> str:
        if self.sink.credentials is not None and not session.authenticated:
            return "530 5.7.0 Authentication required"
        if self.mail_from_reply is not None:
            return self.mail_from_reply
        envelope.mail_from = address
        envelope.mail_options.extend(mail_options)
        return "250 OK"

    async def handle_RCPT(
        self, server: SMTP, session: Session, envelope: Envelope, address: str, rcpt_options: list[str]
    ) -> str:
        reply = self.rcpt_replies.get(address.lower())
        if reply is not None:
            return reply
        envelope.rcpt_tos.append(address)
        envelope.rcpt_options.extend(rcpt_options)
        return "250 OK"

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:
        if self.data_reply is not None:
            return self.data_reply
        raw = envelope.original_content or envelope.content or b""
        if isinstance(raw, str):
            raw = raw.encode("utf-8")
        parsed = email.message_from_bytes(raw, policy=email.policy.default)
        assert isinstance(parsed, EmailMessage)
        self.sink._store(
            ReceivedMail(
                mail_from=str(envelope.mail_from),
                rcpt_tos=list(envelope.rcpt_tos),
                message=parsed,
                raw=raw,
                at=time.time(),
            )
        )
        return "250 Message accepted for delivery"


class _EphemeralController(Controller):
    """A Controller that may listen on port 0: it learns the real port before its self-test."""

    def _trigger_server(self) -> None:
        if self.port == 0 and isinstance(self.server, asyncio.Server):
            self.port = int(self.server.sockets[0].getsockname()[1])
        super()._trigger_server()  # type: ignore[no-untyped-call]


class SmtpSink:
    """An SMTP server on 127.0.0.1 that keeps every message it accepts.

    ``credentials=("user", "password")`` offers AUTH (without TLS) and requires a login.
    It never offers STARTTLS.
    """

    def __init__(self, credentials: tuple[str, str] | None = None) -> None:
        self.credentials = credentials
        self._lock = threading.Lock()
        self._messages: list[ReceivedMail] = []
        self.handler = _SinkHandler(self)
        self._controller: _EphemeralController | None = None

    def start(self) -> Self:
        if self._controller is not None:
            return self
        options: dict[str, Any] = {}
        if self.credentials is not None:
            # Logins are enforced in handle_MAIL: aiosmtpd's auth_required=True warns without TLS.
            options.update(auth_require_tls=False, authenticator=self._authenticate)
        self._controller = _EphemeralController(self.handler, hostname="127.0.0.1", port=0, **options)
        self._controller.start()
        return self

    def stop(self) -> None:
        if self._controller is not None:
            self._controller.stop()
        self._controller = None

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.stop()

    @property
    def host(self) -> str:
        return "127.0.0.1"

    @property
    def port(self) -> int:
        if self._controller is None:
            raise RuntimeError("the SMTP sink is not started")
        return int(self._controller.port)

    # --- programming its behaviour ---

    def refuse_sender(self, reply: str = "553 5.7.1 Sender address rejected: not allowed") -> None:
        self.handler.mail_from_reply = reply

    def refuse_recipient(self, address: str, reply: str = "550 5.1.1 No such user here") -> None:
        self.handler.rcpt_replies[address.lower()] = reply

    def refuse_data(self, reply: str = "554 5.7.1 Message rejected") -> None:
        self.handler.data_reply = reply

    def recover(self) -> None:
        self.handler.mail_from_reply = None
        self.handler.data_reply = None
        self.handler.rcpt_replies.clear()

    # --- what it kept ---

    @property
    def messages(self) -> list[ReceivedMail]:
        with self._lock:
            return list(self._messages)

    def wait_for(self, n: int, timeout: float = 5.0) -> list[ReceivedMail]:
        if not _poll(lambda: len(self.messages) >= n, timeout):
            seen = "; ".join(f"{mail.message['Subject']!r} to {mail.rcpt_tos}" for mail in self.messages)
            raise AssertionError(
                f"expected {n} emails within {timeout}s, got {len(self.messages)}: {seen or 'none'}"
            )
        return self.messages

    def _store(self, mail: ReceivedMail) -> None:
        with self._lock:
            self._messages.append(mail)

    def _authenticate(
        self, server: SMTP, session: Session, envelope: Envelope, mechanism: str, auth_data: Any
    ) -> AuthResult:
        if (
            self.credentials is not None
            and isinstance(auth_data, LoginPassword)
            and (auth_data.login.decode(), auth_data.password.decode()) == self.credentials
        ):
            return AuthResult(success=True)
        return AuthResult(success=False, handled=False)


# --------------------------------------------------------------------------- raw TCP


class TcpBlackhole:
    """A TCP server on 127.0.0.1 that accepts connections and then either says nothing ("hang")
    or closes them at once ("close")."""

    def __init__(self, mode: str = "hang") -> None:
        if mode not in ("hang", "close"):
            raise ValueError("mode is 'hang' or 'close'")
        self.mode = mode
        self._listener: socket.socket | None = None
        self._accepted: list[socket.socket] = []
        self._thread: threading.Thread | None = None
        self._stopping = threading.Event()

    def start(self) -> Self:
        self._listener = socket.create_server(("127.0.0.1", 0))
        self._listener.settimeout(0.05)
        self._stopping.clear()
        self._thread = threading.Thread(target=self._serve, name="tcp-blackhole", daemon=True)
        self._thread.start()
        return self

    def _serve(self) -> None:
        assert self._listener is not None
        while not self._stopping.is_set():
            try:
                connection, _ = self._listener.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            if self.mode == "close":
                connection.close()
            else:
                self._accepted.append(connection)

    @property
    def port(self) -> int:
        if self._listener is None:
            raise RuntimeError("not started")
        return int(self._listener.getsockname()[1])

    def stop(self) -> None:
        self._stopping.set()
        if self._thread is not None:
            self._thread.join(timeout=5)
        for connection in self._accepted:
            connection.close()
        self._accepted.clear()
        if self._listener is not None:
            self._listener.close()
        self._listener = None
        self._thread = None

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.stop()


# --------------------------------------------------------------------------- fixtures


@pytest.fixture
def teams_receiver() -> Iterator[TeamsReceiver]:
    with TeamsReceiver() as receiver:
        yield receiver


@pytest.fixture
def smtp_sink() -> Iterator[SmtpSink]:
    with SmtpSink() as sink:
        yield sink
