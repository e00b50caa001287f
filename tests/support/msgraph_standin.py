"""A local stand-in for Microsoft Entra ID (the token service) and Microsoft Graph's ``sendMail``.

:class:`GraphStandIn` is one HTTPS server on 127.0.0.1 that answers what the msgraph channel asks:

* ``GET /{tenant}/v2.0/.well-known/openid-configuration``: the OpenID configuration document, its
  ``token_endpoint`` pointing back at the stand-in (400 ``AADSTS90002`` for another tenant);
* ``POST /{tenant}/oauth2/v2.0/token``: the client credentials grant, checking ``client_id``, the
  client secret (form field or HTTP Basic), ``grant_type`` and ``scope`` the way Entra ID does and
  answering with Entra's error codes (``invalid_client`` / ``AADSTS7000215`` for a wrong secret ...);
* ``POST /v1.0/users/{sender}/sendMail``: 401 without a token it issued, 404 for an unknown mailbox,
  403 "Access to OData is disabled ... AppOnly AccessPolicy" for a mailbox outside the application
  access policy (:meth:`restrict_mailboxes`), 403 "Access is denied" without Mail.Send
  (:meth:`revoke_mail_send`), 202 otherwise.

msal only accepts an ``https://`` authority, so the stand-in speaks TLS with a certificate for
127.0.0.1 issued by a throw-away CA (:func:`issue_certificates`); the channel trusts that CA through
its ``ca_bundle`` setting. Tests can make either side fail (:meth:`fail_token_with`,
:meth:`fail_send_with`) or answer slowly (:meth:`delay`). Every request is recorded.
"""

from __future__ import annotations

import base64
import json
import secrets
import ssl
import time
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler
from typing import Any
from urllib.parse import parse_qs, unquote, unquote_plus

import pytest

from tests.support.http_receiver import Failure, HttpReceiver, TlsFiles, parse_json
from tests.support.http_receiver import issue_certificates as issue_certificates

TENANT_ID = "6f1c3b2a-1d4e-4c5f-9a8b-7c6d5e4f3a21"
CLIENT_ID = "0b8e2c1d-3f4a-4b5c-8d9e-1a2b3c4d5e6f"
CLIENT_SECRET = "Xq8~s3cr3t.CL1ENT-value_do-not+log"
SENDER = "alerts@contoso.example"
GRAPH_SCOPE = "https://graph.microsoft.com/.default"

ACCESS_POLICY_MESSAGE = (
    "Access to OData is disabled: [RAOP] : Blocked by tenant configured AppOnly AccessPolicy settings."
)
"""What Graph says when an Exchange application access policy leaves the mailbox out."""
ACCESS_DENIED_MESSAGE = "Access is denied. Check credentials and try again."
"""What Graph says when the token carries no Mail.Send role."""


# --------------------------------------------------------------------------- records


@dataclass(frozen=True)
class StandInRequest:
    """One request as the stand-in saw it, and what it answered."""

    method: str
    path: str
    query: dict[str, list[str]]
    headers: dict[str, str]
    """Header names in lower case."""
    body: bytes
    form: dict[str, str]
    """The form fields of a token request (empty otherwise)."""
    json: Any
    """The parsed JSON body; None when it was not JSON."""
    status: int
    at: float

    @property
    def ok(self) -> bool:
        return 200 <= self.status < 300

    def describe(self) -> str:
        return f"{self.method} {self.path} -> {self.status}"


@dataclass
class _Behaviour:
    mailboxes: set[str]
    policy_scope: set[str] | None = None
    mail_send: bool = True
    tokens: dict[str, bool] = field(default_factory=dict)
    """Issued access tokens and whether they are still valid."""


class GraphStandIn(HttpReceiver[StandInRequest]):
    """Entra ID token service and Graph ``sendMail`` on 127.0.0.1, over TLS with a test CA."""

    thread_name = "graph-standin"
    what = "stand-in"
    protocol_version = "HTTP/1.1"
    quiet_errors = (BrokenPipeError, ConnectionResetError, ssl.SSLError)

    def __init__(
        self,
        tls: TlsFiles,
        *,
        tenant_id: str = TENANT_ID,
        client_id: str = CLIENT_ID,
        client_secret: str = CLIENT_SECRET,
        mailboxes: Iterable[str] = (SENDER,),
    ) -> None:
        super().__init__(tls)
        self.tls: TlsFiles = tls
        self.tenant_id = tenant_id
        self.client_id = client_id
        self.client_secret = client_secret
        self._behaviour = _Behaviour(mailboxes={address.lower() for address in mailboxes})

    # --- where it listens (port, base_url: see HttpReceiver) ---

    @property
    def authority_host(self) -> str:
        """What the channel's ``authority_host`` is set to."""
        return self.base_url

    @property
    def graph_url(self) -> str:
        """What the channel's ``graph_url`` is set to."""
        return f"{self.base_url}/v1.0"

    @property
    def discovery_path(self) -> str:
        return f"/{self.tenant_id}/v2.0/.well-known/openid-configuration"

    @property
    def token_path(self) -> str:
        return f"/{self.tenant_id}/oauth2/v2.0/token"

    def send_path(self, sender: str) -> str:
        return f"/v1.0/users/{sender}/sendMail"

    # --- programming its behaviour ---

    def restrict_mailboxes(self, mailboxes: Iterable[str]) -> None:
        """An application access policy (RestrictAccess) that lets the app reach these mailboxes only."""
        with self._lock:
            self._behaviour.policy_scope = {address.lower() for address in mailboxes}

    def revoke_mail_send(self) -> None:
        """The app loses its Mail.Send application permission (or the admin consent)."""
        with self._lock:
            self._behaviour.mail_send = False

    def invalidate_tokens(self) -> None:
        """Every token issued so far stops working (as after a revocation or a key rollover)."""
        with self._lock:
            for token in self._behaviour.tokens:
                self._behaviour.tokens[token] = False

    def fail_token_with(
        self,
        status: int,
        body: dict[str, Any] | str,
        headers: dict[str, str] | None = None,
        count: int | None = None,
    ) -> None:
        """Answer token requests with ``status`` and ``body`` (the next ``count`` of them, or all)."""
        text = body if isinstance(body, str) else json.dumps(body)
        self._program(Failure(status, text, dict(headers or {}), remaining=count), "token")

    def fail_send_with(
        self,
        status: int,
        body: dict[str, Any] | str,
        headers: dict[str, str] | None = None,
        count: int | None = None,
    ) -> None:
        """Answer ``sendMail`` with ``status`` and ``body`` (the next ``count`` requests, or all)."""
        text = body if isinstance(body, str) else json.dumps(body)
        self._program(Failure(status, text, dict(headers or {}), remaining=count), "send")

    # recover() (see HttpReceiver) ends both failures and both delays.

    def delay(self, seconds: float, *, on: str) -> None:  # type: ignore[override]
        """Wait before answering token requests (``on="token"``) or ``sendMail`` (``on="send"``)."""
        if on not in ("token", "send"):
            raise ValueError("on is 'token' or 'send'")
        self._set_delay(seconds, on)

    # --- what it saw ---

    @property
    def token_requests(self) -> list[StandInRequest]:
        return [request for request in self.requests if request.path.endswith("/oauth2/v2.0/token")]

    @property
    def send_requests(self) -> list[StandInRequest]:
        return [request for request in self.requests if request.path.endswith("/sendMail")]

    @property
    def issued_tokens(self) -> list[str]:
        with self._lock:
            return list(self._behaviour.tokens)

    # --- the HTTP side ---

    def _handle(self, handler: BaseHTTPRequestHandler) -> None:
        request = self._read(handler)
        parts, headers, body = request.parts, request.headers, request.body
        form: dict[str, str] = {}
        parsed: Any = None
        if headers.get("content-type", "").startswith("application/x-www-form-urlencoded"):
            form = {key: values[-1] for key, values in parse_qs(body.decode("utf-8")).items()}
        else:
            parsed = parse_json(body)

        status: int
        answer: str
        extra: dict[str, str]
        if parts.path == self.discovery_path and handler.command == "GET":
            status, answer, extra = 200, json.dumps(self._openid_configuration()), {}
        elif parts.path.endswith("/v2.0/.well-known/openid-configuration"):
            status, answer, extra = 400, json.dumps(_tenant_not_found(parts.path.split("/")[1])), {}
        elif parts.path == self.token_path and handler.command == "POST":
            self._wait("token")
            status, answer, extra = self._token(form, headers)
        elif parts.path.startswith("/v1.0/users/") and parts.path.endswith("/sendMail"):
            self._wait("send")
            sender = unquote(parts.path[len("/v1.0/users/") : -len("/sendMail")])
            status, answer, extra = self._send_mail(handler.command, sender, headers, parsed)
        else:
            status, answer, extra = 404, json.dumps({"error": "not_found", "path": parts.path}), {}

        self._record(
            StandInRequest(
                method=request.method,
                path=parts.path,
                query=request.query,
                headers=headers,
                body=body,
                form=form,
                json=parsed,
                status=status,
                at=time.time(),
            )
        )
        encoded = answer.encode("utf-8")
        self._reply(handler, status, encoded, extra, "application/json; charset=utf-8" if encoded else None)

    def _openid_configuration(self) -> dict[str, Any]:
        base = f"{self.base_url}/{self.tenant_id}"
        return {
            "issuer": f"{base}/v2.0",
            "authorization_endpoint": f"{base}/oauth2/v2.0/authorize",
            "token_endpoint": f"{base}/oauth2/v2.0/token",
            "device_authorization_endpoint": f"{base}/oauth2/v2.0/devicecode",
            "jwks_uri": f"{self.base_url}/{self.tenant_id}/discovery/v2.0/keys",
            "response_types_supported": ["code", "id_token", "code id_token", "id_token token"],
            "token_endpoint_auth_methods_supported": [
                "client_secret_post",
                "private_key_jwt",
                "client_secret_basic",
            ],
            "tenant_region_scope": "EU",
        }

    def _token(self, form: dict[str, str], headers: dict[str, str]) -> tuple[int, str, dict[str, str]]:
        failure = self._take_failure("token")
        if failure is not None:
            return failure.status, failure.body or "", failure.headers
        client_id, secret = form.get("client_id"), form.get("client_secret")
        authorization = headers.get("authorization", "")
        if authorization.startswith("Basic "):
            basic_id, _, basic_secret = base64.b64decode(authorization[6:]).decode("utf-8").partition(":")
            client_id = client_id or unquote_plus(basic_id)
            secret = secret or unquote_plus(basic_secret)
        if form.get("grant_type") != "client_credentials":
            return (
                400,
                _entra_error("unsupported_grant_type", 70003, "The app requested an unsupported grant type."),
                {},
            )
        if client_id != self.client_id:
            return (
                400,
                _entra_error(
                    "unauthorized_client",
                    700016,
                    f"Application with identifier '{client_id}' was not found in the directory "
                    f"'{self.tenant_id}'.",
                ),
                {},
            )
        if secret != self.client_secret:
            return (
                401,
                _entra_error(
                    "invalid_client",
                    7000215,
                    "Invalid client secret provided. Ensure the secret being sent in the request is the "
                    f"client secret value, not the client secret ID, for a secret added to app '{client_id}'.",
                ),
                {},
            )
        if not form.get("scope", "").endswith("/.default"):
            return (
                400,
                _entra_error("invalid_scope", 1002012, "The provided value for scope is not valid."),
                {},
            )
        token = f"eyJ0eXAiOiJKV1Qi.stand-in.{secrets.token_urlsafe(24)}"
        with self._lock:
            self._behaviour.tokens[token] = True
        answer = {"token_type": "Bearer", "expires_in": 3599, "ext_expires_in": 3599, "access_token": token}
        return 200, json.dumps(answer), {}

    def _send_mail(
        self, method: str, sender: str, headers: dict[str, str], body: Any
    ) -> tuple[int, str, dict[str, str]]:
        authorization = headers.get("authorization", "")
        token = authorization[7:] if authorization.startswith("Bearer ") else ""
        with self._lock:
            valid = self._behaviour.tokens.get(token, False)
            mailboxes = set(self._behaviour.mailboxes)
            scope = None if self._behaviour.policy_scope is None else set(self._behaviour.policy_scope)
            mail_send = self._behaviour.mail_send
        if not valid:
            return (
                401,
                _graph_error("InvalidAuthenticationToken", "Access token has expired or is not yet valid."),
                {},
            )
        failure = self._take_failure("send")
        if failure is not None:
            return failure.status, failure.body or "", failure.headers
        if method != "POST":
            return 405, _graph_error("Request_BadRequest", "Method not allowed."), {}
        if not mail_send:
            return 403, _graph_error("ErrorAccessDenied", ACCESS_DENIED_MESSAGE), {}
        if scope is not None and sender.lower() not in scope:
            return 403, _graph_error("ErrorAccessDenied", ACCESS_POLICY_MESSAGE), {}
        if sender.lower() not in mailboxes:
            return 404, _graph_error("ErrorInvalidUser", f"The requested user '{sender}' is invalid."), {}
        if not isinstance(body, dict) or not isinstance(body.get("message"), dict):
            return 400, _graph_error("ErrorInvalidRequest", "Cannot read the request body."), {}
        return 202, "", {}


def _entra_error(error: str, code: int, description: str) -> str:
    trace = "8d3c2b1a-0000-4000-8000-000000000001"
    return json.dumps(
        {
            "error": error,
            "error_description": f"AADSTS{code}: {description} Trace ID: {trace} "
            "Correlation ID: 1f2e3d4c-0000-4000-8000-000000000002 Timestamp: 2024-05-01 03:00:00Z",
            "error_codes": [code],
            "timestamp": "2024-05-01 03:00:00Z",
            "trace_id": trace,
            "correlation_id": "1f2e3d4c-0000-4000-8000-000000000002",
        }
    )


def _tenant_not_found(tenant: str) -> dict[str, Any]:
    return {
        "error": "invalid_tenant",
        "error_description": f"AADSTS90002: Tenant '{tenant}' not found. Check to make sure you have the "
        "correct tenant ID and are signing into the correct cloud.",
        "error_codes": [90002],
    }


def _graph_error(code: str, message: str) -> str:
    return json.dumps(
        {
            "error": {
                "code": code,
                "message": message,
                "innerError": {
                    "date": "2024-05-01T03:00:00",
                    "request-id": "5e6f7a8b-0000-4000-8000-000000000003",
                    "client-request-id": "5e6f7a8b-0000-4000-8000-000000000003",
                },
            }
        }
    )


@pytest.fixture(scope="session")
def graph_tls(tmp_path_factory: pytest.TempPathFactory) -> TlsFiles:
    return issue_certificates(tmp_path_factory.mktemp("graph-tls"))


@pytest.fixture
def graph_standin(graph_tls: TlsFiles) -> Iterator[GraphStandIn]:
    with GraphStandIn(graph_tls) as standin:
        yield standin
