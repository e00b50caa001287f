"""A local stand-in for an SMTP relay.

:class:`SmtpSink` is an aiosmtpd server on 127.0.0.1 that keeps every message it accepts as a
:class:`ReceivedMail`. A test can make it refuse senders, recipients or message data, or require a login.

The ``smtp_sink`` fixture hands each test a sink that has kept nothing and refuses nothing; one server
serves the whole session (see :func:`tests.support.net.shared`).
"""

from __future__ import annotations

import asyncio
import email
import email.policy
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from email.message import EmailMessage
from types import TracebackType
from typing import Any, Self

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP, AuthResult, Envelope, LoginPassword, Session

from tests.support.net import poll, shared


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
    generations: dict[int, int] = field(default_factory=dict)
    """Per envelope in progress: the sink's generation when its MAIL FROM came."""

    async def handle_MAIL(
        self, server: SMTP, session: Session, envelope: Envelope, address: str, mail_options: list[str]
    ) -> str:
        if self.sink.credentials is not None and not session.authenticated:
            return "530 5.7.0 Authentication required"
        if self.mail_from_reply is not None:
            return self.mail_from_reply
        envelope.mail_from = address
        envelope.mail_options.extend(mail_options)
        self.generations[id(envelope)] = self.sink._generation
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
            self.generations.pop(id(envelope), self.sink._generation),
            ReceivedMail(
                mail_from=str(envelope.mail_from),
                rcpt_tos=list(envelope.rcpt_tos),
                message=parsed,
                raw=raw,
                at=time.time(),
            ),
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
        self._generation = 0
        """Bumped by :meth:`reset`: a mail whose transaction began before is not kept."""
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

    def reset(self) -> None:
        """Forget every message and refusal, as a new sink would, for the next test."""
        with self._lock:
            self._generation += 1
            self._messages.clear()
        self.recover()

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
        if not poll(lambda: len(self.messages) >= n, timeout):
            seen = "; ".join(f"{mail.message['Subject']!r} to {mail.rcpt_tos}" for mail in self.messages)
            raise AssertionError(
                f"expected {n} emails within {timeout}s, got {len(self.messages)}: {seen or 'none'}"
            )
        return self.messages

    def _store(self, generation: int, mail: ReceivedMail) -> None:
        with self._lock:
            if generation == self._generation:
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


@pytest.fixture(scope="session")
def _smtp_sink_server() -> Iterator[SmtpSink]:
    with SmtpSink() as sink:
        yield sink


@pytest.fixture
def smtp_sink(_smtp_sink_server: SmtpSink) -> Iterator[SmtpSink]:
    """A sink that has kept nothing and refuses nothing; one server serves the whole session."""
    yield from shared(_smtp_sink_server)
