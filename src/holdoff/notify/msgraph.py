"""Email through Microsoft Graph: ``POST /users/{sender}/sendMail`` as an app, with a client secret.

The app gets a token from Microsoft Entra ID with the client credentials grant (msal, scope
``https://graph.microsoft.com/.default``; msal keeps it in memory until it nearly expires) and Graph
sends the mail from the ``sender`` mailbox. Graph answers 202 and nothing else: there is no message
id to keep, so ``ref`` stays None.

This module holds the configuration and the channel: building and posting the mail, and turning
each answer or exception into a delivery result. The token comes from :mod:`holdoff.notify.msgraph_token`;
the texts that diagnose a 403 (the classic failure, it stopped the seed POC), Graph's error body and the
scrubbing of secrets are in :mod:`holdoff.notify.msgraph_errors`.

Nothing secret leaves the channel: the client secret and the access token are scrubbed from every
error text, and nothing here logs them.
"""

from __future__ import annotations

import ipaddress
import json
import re
import ssl
import time
from collections.abc import Sequence
from typing import Any, Literal
from urllib.parse import quote, urlsplit

import httpx
from pydantic import Field, SecretStr, field_validator

from holdoff import __version__
from holdoff.mediate.model import NotificationKind
from holdoff.notify.channel import ALL_BUT_ACKNOWLEDGED, DeliveryResult
from holdoff.notify.config import ChannelConfig, Expanded, Secret
from holdoff.notify.fallback import build_or_plain
from holdoff.notify.http_delivery import elapsed_ms, failed_result, retryable_status
from holdoff.notify.message import Message
from holdoff.notify.msgraph_errors import (
    Scrubber,
    exception_error,
    graph_error,
    host,
    permission_diagnosis,
    policy_denied,
    policy_diagnosis,
)
from holdoff.notify.msgraph_token import TokenFailure, TokenSource
from holdoff.notify.templates import DEFAULT, Templates

TYPE = "msgraph"
AUTHORITY_HOST = "https://login.microsoftonline.com"
GRAPH_URL = "https://graph.microsoft.com/v1.0"
GRAPH_SCOPE = "https://graph.microsoft.com/.default"

RATE_PER_SECOND = 0.5
"""Exchange Online lets one mailbox send about 30 messages a minute."""

_IMPORTANT = frozenset({NotificationKind.ESCALATED, NotificationKind.REMINDER})
"""Kinds sent with ``importance: high``."""

_ADDRESS = re.compile(r"^[^@\s<>\"(),;:\[\]\\]+@[^@\s<>\"(),;:\[\]\\.]+(\.[^@\s<>\"(),;:\[\]\\.]+)+$")
_GUID = re.compile(r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$")
_TENANT = re.compile(r"^[A-Za-z0-9][A-Za-z0-9.-]*$")


# --------------------------------------------------------------------------- configuration


class MsGraphConfig(ChannelConfig):
    """Mail through Microsoft Graph ``sendMail`` as an Entra ID app with a client secret.

    ```yaml
    - name: oncall-mail
      type: msgraph
      tenant_id: ${AZURE_TENANT_ID}
      client_id: ${AZURE_CLIENT_ID}
      client_secret: ${AZURE_CLIENT_SECRET}
      sender: alerts@contoso.com
      recipients: [oncall@contoso.com]
    ```
    """

    type: Literal["msgraph"]
    tenant_id: Expanded = Field(description="Directory (tenant) ID, a GUID, or the tenant's domain.")
    client_id: Expanded = Field(description="Application (client) ID of the app registration, a GUID.")
    client_secret: Secret = Field(description="The client secret's Value (not its Secret ID).")
    sender: Expanded = Field(description="The mailbox to send as: its UPN / address, or its object ID.")
    recipients: list[str] = Field(min_length=1, description="Addresses every message goes to.")
    authority_host: str = Field(
        default=AUTHORITY_HOST, description="Entra ID host (national clouds: login.microsoftonline.us ...)."
    )
    graph_url: str = Field(default=GRAPH_URL, description="Graph base URL with its version.")
    scope: str = Field(default=GRAPH_SCOPE, description="Token scope: the Graph resource + /.default.")
    save_to_sent_items: bool = Field(default=False, description="Keep a copy in the sender's Sent Items.")
    ca_bundle: str | None = Field(
        default=None,
        description="PEM file of the CA certificates to trust instead of the system's (a TLS-inspecting proxy).",
    )

    @field_validator("tenant_id")
    @classmethod
    def _tenant(cls, value: str) -> str:
        value = value.strip()
        if not _TENANT.match(value):
            raise ValueError("tenant_id must be the directory (tenant) ID, a GUID, or the tenant's domain")
        if value.lower() in ("common", "organizations", "consumers"):
            raise ValueError(f"tenant_id cannot be {value!r}: app-only tokens need the tenant's own ID")
        return value

    @field_validator("client_id")
    @classmethod
    def _client(cls, value: str) -> str:
        value = value.strip()
        if not _GUID.match(value):
            raise ValueError(
                "client_id must be the application (client) ID of the app registration, a GUID "
                "(not the secret or the secret's ID)"
            )
        return value

    @field_validator("sender")
    @classmethod
    def _sender(cls, value: str) -> str:
        value = value.strip()
        if not (_ADDRESS.match(value) or _GUID.match(value)):
            raise ValueError(
                "sender must be the mailbox's address / UPN (alerts@contoso.com) or its object ID"
            )
        return value

    @field_validator("recipients")
    @classmethod
    def _recipients(cls, values: list[str]) -> list[str]:
        cleaned = [value.strip() for value in values]
        wrong = [value for value in cleaned if not _ADDRESS.match(value)]
        if wrong:
            raise ValueError(f"not a plain email address: {', '.join(repr(value) for value in wrong)}")
        return cleaned

    @field_validator("authority_host")
    @classmethod
    def _authority(cls, value: str) -> str:
        value = value.strip().rstrip("/")
        parts = urlsplit(value)
        if parts.scheme != "https" or not parts.hostname or parts.path or parts.query:
            raise ValueError(
                "authority_host must be an https:// host without a path, e.g. https://login.microsoftonline.com"
            )
        return value

    @field_validator("graph_url")
    @classmethod
    def _graph(cls, value: str) -> str:
        value = value.strip().rstrip("/")
        parts = urlsplit(value)
        if not parts.hostname or parts.query:
            raise ValueError("graph_url must be a URL such as https://graph.microsoft.com/v1.0")
        if parts.scheme == "http" and not _loopback(parts.hostname):
            raise ValueError("graph_url must use https (plain http only for a local stand-in on loopback)")
        if parts.scheme not in ("http", "https"):
            raise ValueError("graph_url must be an https:// URL")
        return value

    @field_validator("scope")
    @classmethod
    def _scope(cls, value: str) -> str:
        value = value.strip()
        if not value.endswith("/.default"):
            raise ValueError("scope must end in /.default, e.g. https://graph.microsoft.com/.default")
        return value

    def build(self, templates: Templates = DEFAULT) -> MsGraphChannel:
        return MsGraphChannel(
            name=self.name,
            tenant_id=self.tenant_id,
            client_id=self.client_id,
            client_secret=self.client_secret,
            sender=self.sender,
            recipients=self.recipients,
            authority_host=self.authority_host,
            graph_url=self.graph_url,
            scope=self.scope,
            save_to_sent_items=self.save_to_sent_items,
            ca_bundle=self.ca_bundle,
            timeout_seconds=self.timeout_seconds,
            rate_per_second=self.rate_per_second if self.rate_per_second is not None else RATE_PER_SECOND,
            kinds=frozenset(self.kinds) if self.kinds is not None else ALL_BUT_ACKNOWLEDGED,
            templates=templates,
        )


def _loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


# --------------------------------------------------------------------------- the request


def build_payload(
    message: Message,
    recipients: Sequence[str],
    *,
    save_to_sent_items: bool = False,
    templates: Templates = DEFAULT,
) -> dict[str, Any]:
    """The ``sendMail`` body for ``message``: an HTML mail to every recipient."""
    mail: dict[str, Any] = {
        "subject": " ".join(message.title.split()),
        "body": {"contentType": "HTML", "content": templates.render(TYPE, message, "html")},
        "toRecipients": [{"emailAddress": {"address": address}} for address in recipients],
        "internetMessageHeaders": [
            {"name": "X-Holdoff-Key", "value": message.key},
            {"name": "X-Holdoff-Kind", "value": message.kind.value},
        ],
    }
    if message.kind in _IMPORTANT:
        mail["importance"] = "high"
    return {"message": mail, "saveToSentItems": save_to_sent_items}


def send_mail_url(graph_url: str, sender: str) -> str:
    return f"{graph_url.rstrip('/')}/users/{quote(sender, safe='@')}/sendMail"


# --------------------------------------------------------------------------- the channel


class MsGraphChannel:
    """Sends each message as an HTML mail from one mailbox to the configured recipients."""

    name = TYPE
    kinds: frozenset[NotificationKind] | None = ALL_BUT_ACKNOWLEDGED
    rate_per_second: float | None = RATE_PER_SECOND

    def __init__(
        self,
        *,
        tenant_id: str,
        client_id: str,
        client_secret: SecretStr | str,
        sender: str,
        recipients: Sequence[str],
        authority_host: str = AUTHORITY_HOST,
        graph_url: str = GRAPH_URL,
        scope: str = GRAPH_SCOPE,
        save_to_sent_items: bool = False,
        ca_bundle: str | None = None,
        timeout_seconds: float = 10.0,
        name: str = TYPE,
        rate_per_second: float | None = RATE_PER_SECOND,
        kinds: frozenset[NotificationKind] | None = ALL_BUT_ACKNOWLEDGED,
        templates: Templates = DEFAULT,
    ) -> None:
        if not recipients:
            raise ValueError("an msgraph channel needs at least one recipient")
        self.name = name
        self.kinds = kinds
        self.rate_per_second = rate_per_second
        self.tenant_id = tenant_id
        self.client_id = client_id
        self.sender = sender
        self.recipients = list(recipients)
        self.authority_host = authority_host.rstrip("/")
        self.graph_url = graph_url.rstrip("/")
        self.scope = scope
        self.save_to_sent_items = save_to_sent_items
        self.timeout_seconds = timeout_seconds
        self._secret = (
            client_secret.get_secret_value() if isinstance(client_secret, SecretStr) else client_secret
        )
        self._templates = templates
        self._send_url = send_mail_url(self.graph_url, sender)
        self._graph_where = f"Microsoft Graph at {host(self.graph_url)}"
        self._scrubber = Scrubber(client_id, self._secret)
        verify: ssl.SSLContext | bool = True
        if ca_bundle is not None:
            try:
                verify = ssl.create_default_context(cafile=ca_bundle)
            except (OSError, ssl.SSLError) as exc:
                raise ValueError(
                    f"ca_bundle {ca_bundle!r} is not a readable PEM file of CA certificates: {exc}"
                ) from exc
        # One client for both: msal's token requests go through it too (msal accepts any client with
        # requests-like get/post), so timeouts, proxies, trusted CAs and errors are the same for both.
        self._client = httpx.Client(
            timeout=httpx.Timeout(timeout_seconds),
            follow_redirects=False,
            verify=verify,
            headers={"User-Agent": f"holdoff/{__version__}"},
        )
        self._tokens = TokenSource(
            name=name,
            tenant_id=tenant_id,
            client_id=client_id,
            secret=self._secret,
            authority_host=self.authority_host,
            scope=scope,
            client=self._client,
            scrubber=self._scrubber,
        )

    def describe(self) -> str:
        """One line for the start-up log, without secrets."""
        return (
            f"{self.name}: Microsoft Graph sendMail as {self.sender} to {', '.join(self.recipients)} "
            f"(app {self.client_id}, tenant {self.tenant_id}, {host(self.graph_url)})"
        )

    def send(self, message: Message, ref: str | None = None) -> DeliveryResult:
        started = time.perf_counter()
        try:
            body = build_or_plain(
                lambda m: self._body(m, self._templates), message, self.name, lambda m: self._body(m, DEFAULT)
            )
        except Exception as exc:
            return self._failed(
                started, f"cannot build the mail: {type(exc).__name__}: {exc}", retryable=False
            )
        try:
            token = self._tokens.get()
        except TokenFailure as failure:
            return self._failed(started, failure.error, retryable=failure.retryable)
        except Exception as exc:  # send never raises: every failure becomes a result
            return self._from_exception(exc, started, self._tokens.where, token_stage=True)
        try:
            response = self._client.post(
                self._send_url,
                content=body,
                headers={
                    "Authorization": f"Bearer {token}",
                    "Content-Type": "application/json; charset=utf-8",
                },
            )
        except Exception as exc:
            return self._from_exception(exc, started, self._graph_where, token_stage=False)
        return self._from_response(response, started)

    def close(self) -> None:
        self._tokens.close()
        self._client.close()

    def _body(self, message: Message, templates: Templates) -> bytes:
        payload = build_payload(
            message, self.recipients, save_to_sent_items=self.save_to_sent_items, templates=templates
        )
        return json.dumps(payload, ensure_ascii=False, separators=(",", ":")).encode("utf-8")

    # --- results ---

    def _from_response(self, response: httpx.Response, started: float) -> DeliveryResult:
        status = response.status_code
        if 200 <= status < 300:
            return DeliveryResult(
                ok=True, retryable=False, status_code=status, latency_ms=elapsed_ms(started)
            )
        code, said = graph_error(response, self._scrubber)
        where = f"HTTP {status} from {self._graph_where} sending as {self.sender}"
        graph_said = f" (Graph said: {said})" if said else ""
        if status == 403:
            if policy_denied(code, said):
                error = f"{where}{graph_said}: {policy_diagnosis(self.sender, self.client_id)}"
            else:
                self._tokens.drop()
                error = f"{where}{graph_said}: {permission_diagnosis(self.sender, self.client_id)}"
            return self._failed(started, error, retryable=False, status_code=status)
        if status == 401:
            self._tokens.drop()
            error = (
                f"{where}: Graph rejected the access token of app {self.client_id}{graph_said}. The token was "
                "dropped, so the next message gets a new one; if this repeats, check that tenant_id is the "
                "mailbox's tenant and that scope matches graph_url"
            )
            return self._failed(started, error, retryable=False, status_code=status)
        if status == 404:
            if code is None:
                hint = "no Graph answer at this URL: check graph_url (e.g. https://graph.microsoft.com/v1.0)"
            elif code == "MailboxNotEnabledForRESTAPI":
                hint = (
                    f"{self.sender} exists but has no Exchange Online mailbox (unlicensed, or on-premises): "
                    "use a cloud mailbox or shared mailbox as sender"
                )
            else:
                hint = (
                    f"the sender mailbox {self.sender} does not exist in tenant {self.tenant_id}: check sender "
                    "(the UPN or address of a user or shared mailbox in that tenant)"
                )
            return self._failed(started, f"{where}: {hint}{graph_said}", retryable=False, status_code=status)
        if retryable_status(status):
            retry_after = response.headers.get("Retry-After")
            wait = f"; Retry-After {self._scrubber.scrub(retry_after)}s" if retry_after else ""
            if status == 429:
                what = f"throttled (Exchange Online sends about 30 messages a minute per mailbox{wait})"
            else:
                what = f"Graph is unavailable for now; will retry{wait}"
            return self._failed(started, f"{where}: {what}{graph_said}", retryable=True, status_code=status)
        if 300 <= status < 400:
            hint = "Graph redirects; check graph_url"
        elif status == 413:
            hint = "the mail is too large for Graph"
        elif status == 400:
            hint = "Graph refused the request (check sender and recipients)"
        else:
            hint = "the request was refused; trying again will not help"
        return self._failed(started, f"{where}: {hint}{graph_said}", retryable=False, status_code=status)

    def _from_exception(
        self, exc: Exception, started: float, target: str, *, token_stage: bool
    ) -> DeliveryResult:
        error, retryable = exception_error(
            exc,
            target,
            timeout_seconds=self.timeout_seconds,
            token_stage=token_stage,
            scrubber=self._scrubber,
        )
        return self._failed(started, error, retryable=retryable)

    def _failed(
        self, started: float, error: str, *, retryable: bool, status_code: int | None = None
    ) -> DeliveryResult:
        return failed_result(
            self._scrubber.scrub(error), started, retryable=retryable, status_code=status_code
        )
