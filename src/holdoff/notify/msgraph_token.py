"""The msgraph channel's access token: Entra ID's client credentials grant through msal.

:class:`TokenSource` builds msal's ``ConfidentialClientApplication`` on the first send (that fetches
the tenant's OpenID configuration), asks it for a token for the Graph scope (msal keeps it in an
in-memory token cache until it nearly expires) and drops the cached token when Graph rejects it.
Every failure becomes a :class:`TokenFailure` with a scrubbed text and whether a retry can help;
the common Entra ID error codes (AADSTS...) are explained.
"""

from __future__ import annotations

import json
import logging
import re
import threading
from typing import Any

import httpx
import msal  # type: ignore[import-untyped]
from msal.exceptions import MsalServiceError  # type: ignore[import-untyped]

from holdoff import __version__
from holdoff.notify.msgraph_errors import Scrubber, host

# The channel's logger, so that the token records are named as they were before the split.
log = logging.getLogger("holdoff.notify.msgraph")

_RETRYABLE_TOKEN_ERRORS = frozenset({"temporarily_unavailable", "server_error", "slow_down"})
_AADSTS = re.compile(r"AADSTS(\d+)")

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


class TokenFailure(Exception):
    """No token: ``error`` says why (scrubbed by the channel), ``retryable`` whether trying again helps."""

    def __init__(self, error: str, retryable: bool) -> None:
        super().__init__(error)
        self.error = error
        self.retryable = retryable


class TokenSource:
    """App-only tokens for one app registration, cached by msal, safe to use from several threads."""

    def __init__(
        self,
        *,
        name: str,
        tenant_id: str,
        client_id: str,
        secret: str,
        authority_host: str,
        scope: str,
        client: httpx.Client,
        scrubber: Scrubber,
    ) -> None:
        self.name = name
        self.tenant_id = tenant_id
        self.client_id = client_id
        self.authority_host = authority_host
        self.scope = scope
        self.where = f"Microsoft Entra ID at {host(authority_host)}"
        self._secret = secret
        self._client = client
        self._scrubber = scrubber
        self._lock = threading.Lock()
        self._app: Any = None  # msal.ConfidentialClientApplication, built on the first send

    def get(self) -> str:
        """A valid access token (msal's cached one while it lasts); raises TokenFailure, or what msal raised."""
        with self._lock:
            if self._app is None:
                self._app = self._build_app()
            result = self._app.acquire_token_for_client(scopes=[self.scope])
        if not isinstance(result, dict):
            raise TokenFailure(f"{self.where} gave no token and no error", retryable=True)
        token = result.get("access_token")
        if isinstance(token, str) and token:
            self._scrubber.token_seen = token
            log.debug(
                "%s: token for app %s from %s", self.name, self.client_id, result.get("token_source", "?")
            )
            return token
        raise TokenFailure(*self._describe_token_error(result))

    def drop(self) -> None:
        """Forget the cached token, so that the next send gets a new one."""
        with self._lock:
            app = self._app
            if app is not None:
                app.remove_tokens_for_client()

    def close(self) -> None:
        with self._lock:
            self._app = None

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
            raise TokenFailure(
                f"{self.where} does not know tenant {self.tenant_id} (check tenant_id and "
                f"authority_host): {self._scrubber.cut(_discovery_error(exc))}",
                retryable=False,
            ) from exc
        except MsalServiceError as exc:
            raise TokenFailure(
                f"{self.where} failed to give the OpenID configuration of tenant {self.tenant_id}: "
                f"{self._scrubber.cut(str(exc))}",
                retryable=True,
            ) from exc
        except RuntimeError as exc:
            raise TokenFailure(
                f"{self.where} answered the OpenID configuration request oddly: {self._scrubber.cut(str(exc))}",
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
            f"{self.where} refused a token for app {self.client_id} in tenant {self.tenant_id}: "
            f"{error}: {self._scrubber.cut(description) or 'no description'}"
        )
        if hint:
            text += f" ({hint})"
        retryable = error in _RETRYABLE_TOKEN_ERRORS
        if not retryable:
            text += "; not retried: fix the app registration or the channel settings"
        return text, retryable


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
