"""What the local HTTP stand-ins share (Teams, Slack, PagerDuty, Opsgenie, a generic webhook, Graph).

:class:`HttpReceiver` is a threaded HTTP server on 127.0.0.1 (optionally over TLS with a throw-away
CA, :func:`issue_certificates`) that starts and stops, works as a context manager, records what each
subclass makes of a request, waits for them (:meth:`HttpReceiver.wait_for`), and can be programmed
to fail (:class:`Failure`, by slot) or to answer slowly (a delay, by slot). A subclass reads the
request (:meth:`HttpReceiver._read`), decides the answer and sends it (:meth:`HttpReceiver._reply`).
"""

from __future__ import annotations

import datetime as dt
import ipaddress
import json
import ssl
import threading
import time
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from types import TracebackType
from typing import Any, Generic, Protocol, Self, TypeVar
from urllib.parse import SplitResult, parse_qs, urlsplit

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

from tests.support.net import poll

HTTP = "http"
"""The default failure and delay slot."""


class _Describable(Protocol):
    def describe(self) -> str: ...


R = TypeVar("R", bound=_Describable)


def parse_json(body: bytes) -> Any:
    """The body parsed as JSON; None when it is empty or not JSON."""
    try:
        return json.loads(body) if body else None
    except ValueError:
        return None


def encode_answer(answer: Any) -> bytes:
    """A str as it is, anything else as JSON, in UTF-8."""
    return (answer if isinstance(answer, str) else json.dumps(answer)).encode("utf-8")


@dataclass
class Failure:
    """A programmed failure: answer ``status`` until ``until`` (monotonic) or for ``remaining`` requests."""

    status: int
    body: str | None
    headers: dict[str, str]
    remaining: int | None = None
    until: float | None = None


@dataclass(frozen=True)
class Incoming:
    """A request as read off the wire, before any answer."""

    method: str
    parts: SplitResult
    query: dict[str, list[str]]
    headers: dict[str, str]
    """Header names in lower case."""
    body: bytes


# --------------------------------------------------------------------------- the server


class HttpReceiver(Generic[R]):
    """A threaded HTTP(S) server on 127.0.0.1 that records ``R`` per request."""

    thread_name = "http-receiver"
    what = "receiver"
    """How errors name it ("the receiver is not started")."""
    methods: tuple[str, ...] = ("GET", "POST", "PUT", "DELETE", "PATCH")
    protocol_version = "HTTP/1.0"
    quiet_errors: tuple[type[BaseException], ...] = (BrokenPipeError, ConnectionResetError)
    """Errors while answering that only mean the client gave up waiting (a timeout test)."""

    def __init__(self, tls: TlsFiles | None = None) -> None:
        self.tls = tls
        self._lock = threading.Lock()
        self._requests: list[R] = []
        self._failures: dict[str, Failure] = {}
        self._delays: dict[str, float] = {}
        self._stopping = threading.Event()
        self._generation = 0
        """Bumped by :meth:`reset`: a request that began before is not recorded (see :meth:`_record`)."""
        self._local = threading.local()
        self._server: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None

    # --- lifecycle ---

    def start(self) -> Self:
        if self._server is not None:
            return self
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = receiver.protocol_version

            def _receive(self) -> None:
                with receiver._lock:
                    receiver._local.generation = receiver._generation
                receiver._handle(self)

            def log_message(self, format: str, *args: Any) -> None:  # keep test output quiet
                pass

        for method in self.methods:
            setattr(Handler, f"do_{method}", Handler._receive)
        self._stopping.clear()
        server = ThreadingHTTPServer(("127.0.0.1", 0), Handler, bind_and_activate=self.tls is None)
        server.daemon_threads = True
        if self.tls is not None:
            context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
            context.load_cert_chain(str(self.tls.certificate), str(self.tls.key))
            server.socket = context.wrap_socket(server.socket, server_side=True)
            server.server_bind()
            server.server_activate()
        self._server = server
        self._thread = threading.Thread(
            target=server.serve_forever, kwargs={"poll_interval": 0.02}, name=self.thread_name, daemon=True
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
            raise RuntimeError(f"the {self.what} is not started")
        return int(self._server.server_address[1])

    @property
    def base_url(self) -> str:
        return f"{'http' if self.tls is None else 'https'}://127.0.0.1:{self.port}"

    # --- programmed failures and delays ---

    def _program(self, failure: Failure, slot: str = HTTP) -> None:
        with self._lock:
            self._failures[slot] = failure

    def _take_failure(self, slot: str = HTTP) -> Failure | None:
        """The failure to answer with now, if any (spending one of its ``remaining``)."""
        with self._lock:
            failure = self._failures.get(slot)
            if failure is None:
                return None
            expired = (failure.until is not None and time.monotonic() >= failure.until) or (
                failure.remaining is not None and failure.remaining <= 0
            )
            if expired:
                del self._failures[slot]
                return None
            if failure.remaining is not None:
                failure.remaining -= 1
            return failure

    def _set_delay(self, seconds: float, slot: str = HTTP) -> None:
        with self._lock:
            self._delays[slot] = seconds

    def _wait(self, slot: str = HTTP) -> None:
        with self._lock:
            seconds = self._delays.get(slot, 0.0)
        if seconds:
            self._stopping.wait(seconds)

    def reset(self) -> None:
        """Forget every request and programmed behaviour, as a new receiver would, for the next test.

        A request still being answered (a delayed one, say) is woken and, because it began before
        the reset, not recorded: a shared receiver shows each test only what was sent during it.
        """
        with self._lock:
            self._generation += 1
            self._requests.clear()
            self._failures.clear()
            self._delays.clear()
        self._stopping.set()  # wakes handlers waiting out a delay
        self._stopping.clear()

    def recover(self) -> None:
        """Stop failing and stop delaying."""
        with self._lock:
            self._failures.clear()
            self._delays.clear()

    def delay(self, seconds: float) -> None:
        """Wait this long before answering each request (to provoke client timeouts)."""
        self._set_delay(seconds)

    # --- what it saw ---

    @property
    def requests(self) -> list[R]:
        """Every request, answered however it was."""
        with self._lock:
            return list(self._requests)

    def _record(self, record: R) -> None:
        with self._lock:
            if getattr(self._local, "generation", self._generation) == self._generation:
                self._requests.append(record)

    def wait_for(self, n: int, timeout: float = 5.0) -> list[R]:
        """Wait until at least ``n`` requests counted (:meth:`_counted`) arrived; return those."""
        if not poll(lambda: len(self._counted()) >= n, timeout):
            raise AssertionError(self._shortfall(n, timeout))
        return self._counted()

    def _counted(self) -> list[R]:
        """What :meth:`wait_for` waits for: every request, answered however."""
        return self.requests

    def _shortfall(self, n: int, timeout: float) -> str:
        return f"expected {n} requests within {timeout}s, got: {self._seen('none')}"

    def _seen(self, none: str = "no requests at all") -> str:
        return "; ".join(request.describe() for request in self.requests) or none

    # --- the HTTP side ---

    def _handle(self, handler: BaseHTTPRequestHandler) -> None:
        raise NotImplementedError

    @staticmethod
    def _read(handler: BaseHTTPRequestHandler) -> Incoming:
        length = int(handler.headers.get("Content-Length") or 0)
        body = handler.rfile.read(length) if length else b""
        parts = urlsplit(handler.path)
        return Incoming(
            method=handler.command,
            parts=parts,
            query=parse_qs(parts.query, keep_blank_values=True),
            headers={name.lower(): value for name, value in handler.headers.items()},
            body=body,
        )

    def _reply(
        self,
        handler: BaseHTTPRequestHandler,
        status: int,
        body: bytes,
        headers: dict[str, str],
        content_type: str | None,
    ) -> None:
        """Send ``headers``, then ``content_type`` (if any), the length and ``body``."""
        try:
            handler.send_response(status)
            for name, value in headers.items():
                handler.send_header(name, value)
            if content_type is not None:
                handler.send_header("Content-Type", content_type)
            handler.send_header("Content-Length", str(len(body)))
            handler.end_headers()
            if body:
                handler.wfile.write(body)
        except self.quiet_errors:
            pass  # the client gave up waiting (a timeout test); nothing to answer


# --------------------------------------------------------------------------- TLS


@dataclass(frozen=True)
class TlsFiles:
    ca: Path
    """The CA certificate (PEM): what a client trusts."""
    certificate: Path
    """The server certificate for 127.0.0.1 and localhost (PEM)."""
    key: Path
    """The server's private key (PEM, unencrypted)."""


def issue_certificates(directory: Path) -> TlsFiles:
    """A throw-away CA and a server certificate it signed for 127.0.0.1 / localhost, valid for a day."""
    now = dt.datetime.now(dt.UTC)
    ca_key = ec.generate_private_key(ec.SECP256R1())
    ca_name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "holdoff test CA")])
    ca_cert = (
        x509.CertificateBuilder()
        .subject_name(ca_name)
        .issuer_name(ca_name)
        .public_key(ca_key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(minutes=5))
        .not_valid_after(now + dt.timedelta(days=1))
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .add_extension(
            x509.KeyUsage(
                digital_signature=True,
                content_commitment=False,
                key_encipherment=False,
                data_encipherment=False,
                key_agreement=False,
                key_cert_sign=True,
                crl_sign=True,
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        )
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(ca_key.public_key()), critical=False)
        .sign(ca_key, hashes.SHA256())
    )
    server_key = ec.generate_private_key(ec.SECP256R1())
    server_cert = (
        x509.CertificateBuilder()
        .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")]))
        .issuer_name(ca_name)
        .public_key(server_key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(minutes=5))
        .not_valid_after(now + dt.timedelta(days=1))
        .add_extension(
            x509.SubjectAlternativeName(
                [x509.IPAddress(ipaddress.ip_address("127.0.0.1")), x509.DNSName("localhost")]
            ),
            critical=False,
        )
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH]), critical=False)
        .add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_public_key(ca_key.public_key()), critical=False
        )
        .sign(ca_key, hashes.SHA256())
    )
    directory.mkdir(parents=True, exist_ok=True)
    files = TlsFiles(
        ca=directory / "ca.pem", certificate=directory / "server.pem", key=directory / "server-key.pem"
    )
    files.ca.write_bytes(ca_cert.public_bytes(serialization.Encoding.PEM))
    files.certificate.write_bytes(server_cert.public_bytes(serialization.Encoding.PEM))
    files.key.write_bytes(
        server_key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    return files
