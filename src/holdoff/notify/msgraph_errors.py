"""What the msgraph channel says when Graph refuses: the 403 diagnoses, Graph's error body, secret scrubbing.

A 403 from ``sendMail`` means one of two things. When Graph says "Access to OData is disabled" or
"Blocked by tenant configured AppOnly AccessPolicy", an Exchange application access policy (or an RBAC
for Applications management scope) leaves the sender mailbox out, and :func:`policy_diagnosis` says
what the Exchange admin must run. Without those words the app lacks the Mail.Send application
permission or its admin consent (:func:`permission_diagnosis`). Either way the text names the sender
and the app and offers SMTP instead. :func:`exception_error` says the same for a failed request
(timeouts, TLS, connection errors).

:class:`Scrubber` keeps the client secret (in every form it could be echoed in) and the last access
token out of every error text.
"""

from __future__ import annotations

import base64
import json
import ssl
from urllib.parse import quote, quote_plus

import httpx
from msal.exceptions import MsalServiceError  # type: ignore[import-untyped]

from holdoff.notify.http_delivery import describe_host, one_line, scrub

SNIPPET_CHARS = 500
"""The most of a server's answer an error text quotes."""

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


# --------------------------------------------------------------------------- keeping secrets out


class Scrubber:
    """Replaces the client secret and the last access token seen with ``***`` in error texts."""

    def __init__(self, client_id: str, secret: str) -> None:
        self._secrets = secret_forms(client_id, secret)
        self.token_seen: str | None = None

    def reason(self, exc: Exception) -> str:
        text = " ".join(str(exc).split()) or "no details"
        return f"{type(exc).__name__}: {self.cut(text)}"

    def cut(self, text: str) -> str:
        return one_line(text, self.scrub, SNIPPET_CHARS)

    def scrub(self, text: str) -> str:
        text = scrub(text, self._secrets)
        if self.token_seen:
            text = text.replace(self.token_seen, "***")
        return text


def secret_forms(client_id: str, secret: str) -> list[str]:
    """The client secret as it could appear in an echoed request: raw, form-encoded, in HTTP Basic."""
    if not secret:
        return []
    basic = base64.b64encode(f"{quote_plus(client_id)}:{quote_plus(secret)}".encode()).decode("ascii")
    forms = {secret, quote_plus(secret), quote(secret, safe=""), basic}
    # Some encoders also escape "~" (RFC 2396 style); cover both hex cases.
    forms |= {form.replace("~", escaped) for form in list(forms) for escaped in ("%7E", "%7e")}
    return sorted(forms, key=len, reverse=True)


# --------------------------------------------------------------------------- what Graph said


def graph_error(response: httpx.Response, scrubber: Scrubber) -> tuple[str | None, str]:
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
        return code, scrubber.cut(said)
    return None, scrubber.cut(text)


def policy_denied(code: str | None, said: str) -> bool:
    """Whether a 403 comes from an Exchange application access policy or RBAC scope."""
    text = f"{code or ''} {said}".lower()
    return any(marker in text for marker in _POLICY_MARKERS)


# --------------------------------------------------------------------------- the 403 diagnoses


def policy_diagnosis(sender: str, app: str) -> str:
    """What to do when an application access policy or RBAC scope keeps ``app`` from ``sender``."""
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


def permission_diagnosis(sender: str, app: str) -> str:
    """What to do when ``app`` lacks the Mail.Send application permission or its consent."""
    return (
        f"app {app} may not send mail as {sender}: it lacks the Microsoft Graph Mail.Send application "
        "permission (not the delegated one) or its admin consent. In the Entra admin center: App "
        f"registrations > {app} > API permissions > add Mail.Send (Application) > Grant admin consent. "
        "The cached token was dropped, so the next message gets one with the new permission. If Mail.Send "
        "is granted, an Exchange application access policy may exclude the mailbox: "
        f"`Test-ApplicationAccessPolicy -Identity {sender} -AppId {app}`. Or send through SMTP instead "
        "(an email channel)."
    )


# --------------------------------------------------------------------------- exceptions


def exception_error(
    exc: Exception, target: str, *, timeout_seconds: float, token_stage: bool, scrubber: Scrubber
) -> tuple[str, bool]:
    """What went wrong talking to ``target`` (Entra ID or Graph), and whether a retry can help."""
    timeout = f"{timeout_seconds:g}s"
    retryable = True
    if tls_failure(exc):
        retryable = False
        error = (
            f"TLS certificate check failed talking to {target}: {scrubber.reason(exc)} (behind a TLS-inspecting "
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
        error = f"not a usable URL for {target}: {scrubber.reason(exc)}"
    elif isinstance(exc, httpx.ConnectError):
        error = f"cannot connect to {target}: {scrubber.reason(exc)}"
    elif isinstance(exc, httpx.TransportError):
        error = f"network error talking to {target}: {scrubber.reason(exc)}"
    elif isinstance(exc, MsalServiceError):
        error = f"{target} could not answer for now ({scrubber.reason(exc)}); will retry"
    elif isinstance(exc, ValueError) and token_stage:
        error = f"{target} answered something that is not a token response: {scrubber.reason(exc)}"
    else:
        error = f"unexpected error talking to {target}: {scrubber.reason(exc)}"
    return error, retryable


def tls_failure(exc: BaseException) -> bool:
    """Whether a certificate check failed somewhere in ``exc``'s chain of causes."""
    seen: set[int] = set()
    current: BaseException | None = exc
    while current is not None and id(current) not in seen:
        if isinstance(current, ssl.SSLCertVerificationError):
            return True
        seen.add(id(current))
        current = current.__cause__ or current.__context__
    return False


def host(url: str) -> str:
    """``host`` or ``host:port`` of ``url``, to name a server in a text; ``?`` if it has none."""
    return describe_host(url)
