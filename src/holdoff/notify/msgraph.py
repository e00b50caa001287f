"""Email through Microsoft Graph: ``POST /users/{sender}/sendMail`` as an app, with a client secret.

The app gets a token from Microsoft Entra ID with the client credentials grant (msal, scope
``https://graph.microsoft.com/.default``; msal keeps it in memory until it nearly expires) and Graph
sends the mail from the ``sender`` mailbox. Graph answers 202 and nothing else: there is no message
id to keep, so ``ref`` stays None.

A 403 is the classic failure (it stopped the seed POC): when Graph says "Access to OData is disabled"
or "Blocked by tenant configured AppOnly AccessPolicy", an Exchange application access policy (or an
RBAC for Applications management scope) leaves the sender mailbox out, and the error says what the
Exchange admin must run. Without those words the app lacks the Mail.Send application permission or
its admin consent. Either way the error names the sender and the app and offers SMTP instead.

Nothing secret leaves this module: the client secret and the access token are scrubbed from every
error text, and nothing here logs them.
"""

from __future__ import annotations

import base64
import ipaddress
import json
import logging
import re
import ssl
import threading
import time
from collections.abc import Sequence
from typing import Any, Literal
from urllib.parse import quote, quote_plus, urlsplit

import httpx
import msal  # type: ignore[import-untyped]
from msal.exceptions import MsalServiceError  # type: ignore[import-untyped]
from pydantic import Field, SecretStr, field_validator

from holdoff import __version__
from holdoff.mediate.model import NotificationKind
from holdoff.notify.channel import ALL_BUT_ACKNOWLEDGED, DeliveryResult
from holdoff.notify.config import ChannelConfig, Expanded, Secret
from holdoff.notify.message import Message
from holdoff.notify.templates import DEFAULT, Templates

log = logging.getLogger(__name__)

TYPE = "msgraph"
AUTHORITY_HOST = "https://login.microsoftonline.com"
GRAPH_URL = "https://graph.microsoft.com/v1.0"
GRAPH_SCOPE = "https://graph.microsoft.com/.default"

RATE_PER_SECOND = 0.5
"""Exchange Online lets one mailbox send about 30 messages a minute."""

_IMPORTANT = frozenset({NotificationKind.ESCALATED, NotificationKind.REMINDER})
"""Kinds sent with ``importance: high``."""

_RETRYABLE_STATUS = frozenset({408, 425, 429})
_RETRYABLE_TOKEN_ERRORS = frozenset({"temporarily_unavailable", "server_error", "slow_down"})
_SNIPPET_CHARS = 500
_POLICY_MARKERS = (
    "access to odata is disabled",
    "apponly accesspolicy",
    "applicationaccesspolicy",
    "application access policy",
    "[raop]",
    "rbac for applications",
    "management scope",
)
"""Words in a Graph 403 that mean an Exchange application access policy or RBAC scope said no."""

_AADSTS_HINTS = {
    7000215: "the client secret is wrong: client_secret must be the secret's Value, not its Secret ID",
    7000222: "the client secret has expired: add a new one under Certificates & secrets and update client_secret",
    700016: "no app with this client_id in the tenant: check client_id and tenant_id, and that an admin consented "
    "to the app in that tenant",
    7000112: "the app is disabled in the tenant",
    90002: "the tenant does not exist: check tenant_id",
    900023: "tenant_id is not a valid tenant GUID or domain",
    1002012: "the scope is not valid: it must end in /.default (https://graph.microsoft.com/.default)",
    500011: "the resource of the scope does not exist in the tenant: check scope",
    53003: "a Conditional Access policy for workload identities blocks the app",
}
"""What the common Entra ID error codes of a client credentials request mean."""

_ADDRESS = re.compile(r"^[^@\s<>\"(),;:\[\]\\]+@[^@\s<>\"(),;:\[\]\\.]+(\.[^@\s<>\"(),;:\[\]\\.]+)+$")
_GUID = re.compile(r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$")
_TENANT = re.compile(r"^[A-Za-z0-9][A-Za-z0-9.-]*$")
_AADSTS = re.compile(r"AADSTS(\d+)")


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


class _TokenFailure(Exception):
    def __init__(self, error: str, retryable: bool) -> None:
        super().__init__(error)
        self.error = error
        self.retryable = retryable


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
        self._authority_where = f"Microsoft Entra ID at {_host(self.authority_host)}"
        self._graph_where = f"Microsoft Graph at {_host(self.graph_url)}"
        self._secrets = _secret_forms(client_id, self._secret)
        self._token_seen: str | None = None
        self._lock = threading.Lock()
        self._app: Any = None  # msal.ConfidentialClientApplication, built on the first send
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

    def describe(self) -> str:
        """One line for the start-up log, without secrets."""
        return (
            f"{self.name}: Microsoft Graph sendMail as {self.sender} to {', '.join(self.recipients)} "
            f"(app {self.client_id}, tenant {self.tenant_id}, {_host(self.graph_url)})"
        )

    def send(self, message: Message, ref: str | None = None) -> DeliveryResult:
        started = time.perf_counter()
        try:
            body = json.dumps(
                build_payload(
                    message,
                    self.recipients,
                    save_to_sent_items=self.save_to_sent_items,
                    templates=self._templates,
                ),
                ensure_ascii=False,
                separators=(",", ":"),
            ).encode("utf-8")
        except Exception as exc:
            return self._failed(
                started, f"cannot build the mail: {type(exc).__name__}: {exc}", retryable=False
            )
        try:
            token = self._token()
        except _TokenFailure as failure:
            return self._failed(started, failure.error, retryable=failure.retryable)
        except Exception as exc:  # send never raises: every failure becomes a result
            return self._from_exception(exc, started, self._authority_where, token_stage=True)
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
        with self._lock:
            self._app = None
        self._client.close()

    # --- the token ---

    def _token(self) -> str:
        with self._lock:
            if self._app is None:
                self._app = self._build_app()
            result = self._app.acquire_token_for_client(scopes=[self.scope])
        if not isinstance(result, dict):
            raise _TokenFailure(f"{self._authority_where} gave no token and no error", retryable=True)
        token = result.get("access_token")
        if isinstance(token, str) and token:
            self._token_seen = token
            log.debug(
                "%s: token for app %s from %s", self.name, self.client_id, result.get("token_source", "?")
            )
            return token
        raise _TokenFailure(*self._describe_token_error(result))

    def _build_app(self) -> Any:
        """msal's app (this fetches the tenant's OpenID configuration, so it happens on the first send)."""
        try:
            return msal.ConfidentialClientApplication(
                self.client_id,
                client_credential=self._secret,
                authority=f"{self.authority_host}/{self.tenant_id}",
                # Entra ID's own hosts are known to msal; another host (a national cloud msal does not
                # list yet, a local stand-in) must not be checked against login.microsoftonline.com.
                instance_discovery=False,
                http_client=self._client,
                token_cache=msal.TokenCache(),
                app_name="holdoff",
                app_version=__version__,
            )
        except ValueError as exc:
            # msal: the tenant's OpenID configuration answered 4xx (no such tenant) or was not JSON.
            raise _TokenFailure(
                f"{self._authority_where} does not know tenant {self.tenant_id} (check tenant_id and "
                f"authority_host): {self._cut(_discovery_error(exc))}",
                retryable=False,
            ) from exc
        except MsalServiceError as exc:
            raise _TokenFailure(
                f"{self._authority_where} failed to give the OpenID configuration of tenant {self.tenant_id}: "
                f"{self._cut(str(exc))}",
                retryable=True,
            ) from exc
        except RuntimeError as exc:
            raise _TokenFailure(
                f"{self._authority_where} answered the OpenID configuration request oddly: {self._cut(str(exc))}",
                retryable=True,
            ) from exc

    def _describe_token_error(self, result: dict[str, Any]) -> tuple[str, bool]:
        error = str(result.get("error") or "unknown_error")
        description = " ".join(str(result.get("error_description") or "").split())
        codes = result.get("error_codes")
        code: int | None = None
        if isinstance(codes, list) and codes and isinstance(codes[0], int):
            code = codes[0]
        else:
            found = _AADSTS.search(description)
            code = int(found.group(1)) if found else None
        hint = _AADSTS_HINTS.get(code) if code is not None else None
        text = (
            f"{self._authority_where} refused a token for app {self.client_id} in tenant {self.tenant_id}: "
            f"{error}: {self._cut(description) or 'no description'}"
        )
        if hint:
            text += f" ({hint})"
        retryable = error in _RETRYABLE_TOKEN_ERRORS
        if not retryable:
            text += "; not retried: fix the app registration or the channel settings"
        return text, retryable

    def _drop_token(self) -> None:
        with self._lock:
            app = self._app
            if app is not None:
                app.remove_tokens_for_client()

    # --- results ---

    def _from_response(self, response: httpx.Response, started: float) -> DeliveryResult:
        status = response.status_code
        if 200 <= status < 300:
            return DeliveryResult(
                ok=True, retryable=False, status_code=status, latency_ms=_elapsed_ms(started)
            )
        code, said = self._graph_error(response)
        where = f"HTTP {status} from {self._graph_where} sending as {self.sender}"
        graph_said = f" (Graph said: {said})" if said else ""
        if status == 403:
            if _policy_denied(code, said):
                error = f"{where}{graph_said}: {self._policy_diagnosis()}"
            else:
                self._drop_token()
                error = f"{where}{graph_said}: {self._permission_diagnosis()}"
            return self._failed(started, error, retryable=False, status_code=status)
        if status == 401:
            self._drop_token()
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
        if status in _RETRYABLE_STATUS or status >= 500:
            retry_after = response.headers.get("Retry-After")
            wait = f"; Retry-After {self._scrub(retry_after)}s" if retry_after else ""
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

    def _policy_diagnosis(self) -> str:
        sender, app = self.sender, self.client_id
        return (
            f"the tenant blocks app {app} from sending as {sender}. An Exchange application access policy (or "
            f"an RBAC for Applications management scope) excludes the mailbox {sender}: an Exchange Online "
            "admin must add the mailbox to the policy's group. Check with "
            f"`Test-ApplicationAccessPolicy -Identity {sender} -AppId {app}` (it answers Denied now; "
            "`Get-ApplicationAccessPolicy` shows the policy's group), then either add the mailbox to that "
            f"mail-enabled security group (`Add-DistributionGroupMember -Identity <policy group> -Member "
            f"{sender}`) or scope a policy to a group that contains it (`New-ApplicationAccessPolicy -AppId "
            f"{app} -PolicyScopeGroupId <group containing {sender}> -AccessRight RestrictAccess -Description "
            '"Holdoff alert mail"`). With RBAC for Applications instead: `New-ManagementRoleAssignment -App '
            f'{app} -Role "Application Mail.Send" -CustomResourceScope <management scope containing {sender}>`, '
            f"checked with `Test-ServicePrincipalAuthorization -Identity {app} -Resource {sender}`. The app "
            "also needs the Microsoft Graph Mail.Send application permission with admin consent. Changes can "
            "take an hour or more to reach Graph. Or send through SMTP instead (an email channel)."
        )

    def _permission_diagnosis(self) -> str:
        sender, app = self.sender, self.client_id
        return (
            f"app {app} may not send mail as {sender}: it lacks the Microsoft Graph Mail.Send application "
            "permission (not the delegated one) or its admin consent. In the Entra admin center: App "
            f"registrations > {app} > API permissions > add Mail.Send (Application) > Grant admin consent. "
            "The cached token was dropped, so the next message gets one with the new permission. If Mail.Send "
            "is granted, an Exchange application access policy may exclude the mailbox: "
            f"`Test-ApplicationAccessPolicy -Identity {sender} -AppId {app}`. Or send through SMTP instead "
            "(an email channel)."
        )

    def _graph_error(self, response: httpx.Response) -> tuple[str | None, str]:
        """Graph's error code, and what it said (code, message, request-id) as one scrubbed line."""
        try:
            text = response.text
        except Exception:
            return None, ""
        try:
            parsed = json.loads(text)
        except ValueError:
            parsed = None
        error = parsed.get("error") if isinstance(parsed, dict) else None
        if isinstance(error, dict):
            code = str(error.get("code") or "") or None
            said = ": ".join(part for part in (code, str(error.get("message") or "")) if part)
            inner = error.get("innerError")
            if isinstance(inner, dict) and inner.get("request-id"):
                said += f" (request-id {inner['request-id']})"
            return code, self._cut(said)
        return None, self._cut(text)

    def _from_exception(
        self, exc: Exception, started: float, target: str, *, token_stage: bool
    ) -> DeliveryResult:
        timeout = f"{self.timeout_seconds:g}s"
        retryable = True
        if _tls_failure(exc):
            retryable = False
            error = (
                f"TLS certificate check failed talking to {target}: {self._reason(exc)} (behind a TLS-inspecting "
                "proxy, set ca_bundle to its CA certificates)"
            )
        elif isinstance(exc, httpx.ConnectTimeout):
            error = f"timed out after {timeout} connecting to {target}"
        elif isinstance(exc, httpx.ReadTimeout):
            sent = "" if token_stage else " (it may have sent the mail)"
            error = f"timed out after {timeout} waiting for {target} to answer{sent}"
        elif isinstance(exc, httpx.TimeoutException):
            error = f"timed out after {timeout} talking to {target}"
        elif isinstance(exc, httpx.UnsupportedProtocol | httpx.InvalidURL):
            retryable = False
            error = f"not a usable URL for {target}: {self._reason(exc)}"
        elif isinstance(exc, httpx.ConnectError):
            error = f"cannot connect to {target}: {self._reason(exc)}"
        elif isinstance(exc, httpx.TransportError):
            error = f"network error talking to {target}: {self._reason(exc)}"
        elif isinstance(exc, MsalServiceError):
            error = f"{target} could not answer for now ({self._reason(exc)}); will retry"
        elif isinstance(exc, ValueError) and token_stage:
            error = f"{target} answered something that is not a token response: {self._reason(exc)}"
        else:
            error = f"unexpected error talking to {target}: {self._reason(exc)}"
        return self._failed(started, error, retryable=retryable)

    def _failed(
        self, started: float, error: str, *, retryable: bool, status_code: int | None = None
    ) -> DeliveryResult:
        return DeliveryResult(
            ok=False,
            retryable=retryable,
            status_code=status_code,
            error=self._scrub(error),
            latency_ms=_elapsed_ms(started),
        )

    # --- keeping secrets out of error texts ---

    def _reason(self, exc: Exception) -> str:
        text = " ".join(str(exc).split()) or "no details"
        return f"{type(exc).__name__}: {self._cut(text)}"

    def _cut(self, text: str) -> str:
        # Scrub before cutting, so that no piece of a secret survives at the cut.
        return " ".join(self._scrub(text[:20_000]).split())[:_SNIPPET_CHARS]

    def _scrub(self, text: str) -> str:
        for secret in self._secrets:
            text = text.replace(secret, "***")
        if self._token_seen:
            text = text.replace(self._token_seen, "***")
        return text


def _discovery_error(exc: ValueError) -> str:
    """What Entra ID said when msal could not read the tenant's OpenID configuration.

    msal raises a generic ValueError about authority formats; the one it caught carries the answer
    ("OIDC Discovery failed on <url>. HTTP status: 400, Error: {json}").
    """
    inner = exc.__context__
    text = str(inner) if isinstance(inner, ValueError) else ""
    _, found, answer = text.partition("Error: ")
    if found:
        try:
            parsed = json.loads(answer)
        except ValueError:
            return " ".join(answer.split())
        if isinstance(parsed, dict) and parsed.get("error_description"):
            return f"{parsed.get('error', 'error')}: {parsed['error_description']}"
        return " ".join(answer.split())
    return str(exc)


def _policy_denied(code: str | None, said: str) -> bool:
    text = f"{code or ''} {said}".lower()
    return any(marker in text for marker in _POLICY_MARKERS)


def _tls_failure(exc: BaseException) -> bool:
    seen: set[int] = set()
    current: BaseException | None = exc
    while current is not None and id(current) not in seen:
        if isinstance(current, ssl.SSLCertVerificationError):
            return True
        seen.add(id(current))
        current = current.__cause__ or current.__context__
    return False


def _secret_forms(client_id: str, secret: str) -> list[str]:
    """The client secret as it could appear in an echoed request: raw, form-encoded, in HTTP Basic."""
    if not secret:
        return []
    basic = base64.b64encode(f"{quote_plus(client_id)}:{quote_plus(secret)}".encode()).decode("ascii")
    forms = {secret, quote_plus(secret), quote(secret, safe=""), basic}
    # Some encoders also escape "~" (RFC 2396 style); cover both hex cases.
    forms |= {form.replace("~", escaped) for form in list(forms) for escaped in ("%7E", "%7e")}
    return sorted(forms, key=len, reverse=True)


def _host(url: str) -> str:
    try:
        parts = urlsplit(url)
        host = parts.hostname or "?"
        port = parts.port
    except ValueError:
        return "?"
    return f"{host}:{port}" if port is not None else host


def _elapsed_ms(started: float) -> float:
    return round((time.perf_counter() - started) * 1000.0, 3)
