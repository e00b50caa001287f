"""A generic HTTP webhook: every message as one JSON document (or a body of your own) to a URL you choose.

```yaml
channels:
  - name: ops-hook
    type: webhook
    url: ${OPS_HOOK_URL}
    secret: ${OPS_HOOK_SECRET}        # optional: sign each body with HMAC-SHA256
    headers:
      Authorization: Bearer ${OPS_HOOK_TOKEN}
```

Without ``body_template`` the body is :func:`default_body` (documented in ``docs/channels/webhook.md``).
With ``secret`` set, each request carries ``X-Holdoff-Timestamp`` and ``X-Holdoff-Signature:
sha256=<hex HMAC-SHA256 of "<timestamp>.<raw body>">``; :func:`signature` computes it. The URL (its path
and query may hold a token), the header values and the secret never appear in an error text: errors
name the host only.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import re
import time
from collections.abc import Callable, Mapping
from typing import Any, Literal
from urllib.parse import parse_qsl, unquote, urlsplit

import httpx
from jinja2 import StrictUndefined, Template, TemplateSyntaxError, Undefined
from jinja2.sandbox import ImmutableSandboxedEnvironment
from pydantic import BaseModel, ConfigDict, Field, SecretStr, field_validator, model_validator

from holdoff import __version__
from holdoff.mediate.model import NotificationKind
from holdoff.notify.channel import DeliveryResult
from holdoff.notify.config import ChannelConfig, Expanded, Secret
from holdoff.notify.fallback import build_or_plain
from holdoff.notify.http_delivery import (
    describe_host,
    elapsed_ms,
    exception_failure,
    failed_result,
    reason,
    retryable_status,
    scrub,
    snippet,
)
from holdoff.notify.message import Message
from holdoff.notify.templates import DEFAULT, Templates

BODY_VERSION = "1"
"""``version`` of the default body; raised only when a field changes meaning or goes away."""

TIMESTAMP_HEADER = "X-Holdoff-Timestamp"
SIGNATURE_HEADER = "X-Holdoff-Signature"
KEY_HEADER = "X-Holdoff-Key"
KIND_HEADER = "X-Holdoff-Kind"
DELIVERY_HEADER = "X-Holdoff-Delivery"
"""The same on every attempt at one message to this channel: a receiver that keeps the ones it has seen
can drop a message sent twice (a crash between sending and recording it)."""

RESERVED_HEADERS = frozenset({"content-type", "content-length", "host", "transfer-encoding", "connection"})
"""Headers Holdoff sets itself (``content_type`` chooses the Content-Type); ``X-Holdoff-*`` too."""

_BODY_SNIPPET_CHARS = 200
_HEADER_NAME = re.compile(r"^[!#$%&'*+.^_`|~0-9A-Za-z-]+$")
_MIN_SCRUBBED = 4
"""Shorter pieces of a secret are not scrubbed: they would mangle ordinary words and are no secret alone."""


# --------------------------------------------------------------------------- the body


def default_body(message: Message) -> dict[str, Any]:
    """The documented JSON object sent when there is no ``body_template``."""
    return {
        "version": BODY_VERSION,
        "kind": message.kind.value,
        "key": message.key,
        "title": message.title,
        "summary": message.summary,
        "severity": message.severity,
        "name": message.name,
        "source": message.source,
        "labels": dict(message.labels),
        "facts": [{"name": fact.name, "value": fact.value} for fact in message.facts],
        "url": message.url,
        "api_url": message.api_url,
        "actions": [
            {"action": action.action, "label": action.label, "url": action.url} for action in message.actions
        ],
        "alert_id": message.alert_id,
        "incident_id": message.incident_id,
        "occurrence": message.occurrence,
    }


def encode(document: Any) -> bytes:
    """Compact UTF-8 JSON: the exact bytes sent (and signed)."""
    return json.dumps(document, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


def _plain(value: Any) -> Any:
    if isinstance(value, BaseModel):
        return value.model_dump(mode="json")
    if isinstance(value, Undefined):
        return str(value)  # a StrictUndefined raises here, naming what the template asked for
    raise TypeError(f"{type(value).__name__} is not JSON serialisable")


def _tojson(value: Any) -> str:
    """``{{ value | tojson }}``: the value as JSON (strings quoted and escaped, messages and facts as objects)."""
    return json.dumps(value, ensure_ascii=False, default=_plain)


_TEMPLATES = ImmutableSandboxedEnvironment(
    autoescape=False, undefined=StrictUndefined, keep_trailing_newline=False
)
_TEMPLATES.filters["tojson"] = _tojson


def compile_body_template(source: str) -> Template:
    """The ``body_template`` compiled; raises :class:`jinja2.TemplateSyntaxError` when it does not compile."""
    return _TEMPLATES.from_string(source)


def is_json(content_type: str) -> bool:
    """Whether a Content-Type says JSON (``application/json``, ``application/x+json``, with parameters)."""
    media = content_type.split(";", 1)[0].strip().lower()
    return media == "application/json" or (media.startswith("application/") and media.endswith("+json"))


class BodyTemplateError(ValueError):
    """The ``body_template`` failed for a message, or did not give JSON where JSON was promised."""


def render_body(template: Template | None, message: Message, content_type: str) -> bytes:
    """The request body for ``message``; raises :class:`BodyTemplateError` saying what is wrong."""
    if template is None:
        return encode(default_body(message))
    try:
        text = template.render(message=message, kind=message.kind.value, payload=default_body(message))
    except Exception as exc:  # a template error, or an error in a filter or expression it calls
        raise BodyTemplateError(
            f"body_template failed for this {message.kind.value} message: {type(exc).__name__}: {exc}"
        ) from exc
    if is_json(content_type):
        try:
            json.loads(text)
        except ValueError as exc:
            raise BodyTemplateError(
                f"body_template did not render valid JSON (content_type is {content_type}): {exc}; "
                'quote values with | tojson, e.g. {"text": {{ message.title | tojson }}}'
            ) from exc
    return text.encode("utf-8")


def _default(message: Message) -> tuple[bytes, str]:
    return encode(default_body(message)), "application/json"


def signature(secret: str | bytes, timestamp: int | str, body: bytes) -> str:
    """``sha256=<hex>``: HMAC-SHA256 with ``secret`` of ``b"<timestamp>." + body``."""
    key = secret.encode("utf-8") if isinstance(secret, str) else secret
    digest = hmac.new(key, f"{timestamp}.".encode("ascii") + body, hashlib.sha256).hexdigest()
    return f"sha256={digest}"


# --------------------------------------------------------------------------- the channel


class WebhookChannel:
    """Sends each message as one HTTP request (POST or PUT) to a configured URL."""

    name = "webhook"
    kinds: frozenset[NotificationKind] | None = None
    rate_per_second: float | None = None

    def __init__(
        self,
        url: str | SecretStr,
        *,
        name: str = "webhook",
        method: Literal["POST", "PUT"] = "POST",
        headers: Mapping[str, str] | None = None,
        secret: str | SecretStr | None = None,
        body_template: str | None = None,
        content_type: str = "application/json",
        timeout_seconds: float = 10.0,
        rate_per_second: float | None = None,
        kinds: frozenset[NotificationKind] | None = None,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.name = name
        self.kinds = kinds
        self.rate_per_second = rate_per_second
        self._url = url.get_secret_value() if isinstance(url, SecretStr) else url
        self._method = method
        self._headers = dict(headers or {})
        self._secret = secret.get_secret_value() if isinstance(secret, SecretStr) else secret
        self._template = compile_body_template(body_template) if body_template is not None else None
        self._content_type = content_type
        self._timeout = timeout_seconds
        self._clock = clock
        self.host = describe_host(self._url)
        self._secrets = _secret_pieces(self._url, self._headers.values(), self._secret)
        self._client = httpx.Client(timeout=httpx.Timeout(timeout_seconds), follow_redirects=False)

    def send(self, message: Message, ref: str | None = None) -> DeliveryResult:
        started = time.perf_counter()
        try:
            # A body_template that fails for this message gives way to the default body (logged).
            body, content_type = build_or_plain(self._body, message, self.name, _default)
        except Exception as exc:  # send never raises
            return DeliveryResult(
                ok=False,
                retryable=False,
                error=f"could not build the webhook body: {reason(exc, self._scrub)}",
                latency_ms=elapsed_ms(started),
            )
        try:
            response = self._client.request(
                self._method,
                self._url,
                content=body,
                headers=self._request_headers(message, body, content_type),
            )
        except Exception as exc:  # send never raises: every failure becomes a result
            return self._failure_from_exception(exc, started)
        return self._result_from_response(response, started)

    def close(self) -> None:
        self._client.close()

    def _body(self, message: Message) -> tuple[bytes, str]:
        return render_body(self._template, message, self._content_type), self._content_type

    def _request_headers(self, message: Message, body: bytes, content_type: str) -> dict[str, str]:
        headers = {
            "User-Agent": f"holdoff/{__version__}",
            **self._headers,
            "Content-Type": content_type,
            KEY_HEADER: message.key,
            KIND_HEADER: message.kind.value,
        }
        if message.delivery_id:
            headers[DELIVERY_HEADER] = message.delivery_id
        if self._secret:
            timestamp = int(self._clock())
            headers[TIMESTAMP_HEADER] = str(timestamp)
            headers[SIGNATURE_HEADER] = signature(self._secret, timestamp, body)
        return headers

    # --- results ---

    def _result_from_response(self, response: httpx.Response, started: float) -> DeliveryResult:
        latency = elapsed_ms(started)
        status = response.status_code
        if 200 <= status < 300:
            return DeliveryResult(ok=True, retryable=False, status_code=status, latency_ms=latency)
        where = f"HTTP {status} from webhook on {self.host}"
        said = snippet(response, self._scrub, _BODY_SNIPPET_CHARS)
        detail = f": {said}" if said else ""
        if retryable_status(status):
            if status == 429:
                retry_after = response.headers.get("Retry-After")
                where += " (throttled" + (f", Retry-After {self._scrub(retry_after)}" if retry_after else "")
                where += "; lower rate_per_second for this channel if it keeps happening)"
            return DeliveryResult(
                ok=False, retryable=True, status_code=status, error=where + detail, latency_ms=latency
            )
        return DeliveryResult(
            ok=False,
            retryable=False,
            status_code=status,
            error=f"{where} ({_hint(status)}){detail}",
            latency_ms=latency,
        )

    def _failure_from_exception(self, exc: Exception, started: float) -> DeliveryResult:
        target = f"webhook on {self.host}"
        if isinstance(exc, httpx.LocalProtocolError):
            error = (
                f"the request to {target} could not be made (check the headers): {reason(exc, self._scrub)}"
            )
            return failed_result(error, started, retryable=False)
        return exception_failure(
            exc,
            target=target,
            url_setting="the webhook url",
            timeout_seconds=self._timeout,
            scrub=self._scrub,
            started=started,
            after_read_timeout=" (it may have taken the message)",
        )

    # --- keeping secrets out of error texts ---

    def _scrub(self, text: str) -> str:
        return scrub(text, self._secrets)


def _hint(status: int) -> str:
    if status in (401, 403):
        return "check the credentials in url, headers and secret; trying again will not help"
    if status in (404, 410):
        return "check url: the receiver has no such endpoint"
    if status == 405:
        return "check method: the receiver does not take this method"
    if status == 413:
        return "the body is too large for the receiver"
    if status in (400, 415, 422):
        return "the receiver refused the body; check body_template and content_type"
    if 300 <= status < 400:
        return "the URL redirects and redirects are not followed; set url to where it points"
    return "the request was refused; trying again will not help"


def _secret_pieces(url: str, header_values: Any, secret: str | None) -> list[str]:
    """Everything that could give a secret away, longest first: the URL, its path and query and their
    parts, its credentials, every custom header value (and its words), and the signing secret."""
    candidates: set[str] = {url}
    try:
        parts = urlsplit(url)
    except ValueError:
        parts = None
    if parts is not None:
        candidates |= {parts.path + ("?" + parts.query if parts.query else ""), parts.path, parts.query}
        candidates |= {unquote(parts.path), parts.fragment}
        candidates |= {segment for segment in parts.path.split("/")}
        candidates |= {segment for segment in unquote(parts.path).split("/")}
        for key, value in parse_qsl(parts.query, keep_blank_values=False):
            candidates |= {value, f"{key}={value}"}
        candidates |= {parts.username or "", parts.password or ""}
    for value in header_values:
        candidates.add(value)
        candidates |= set(value.split())
    if secret:
        candidates.add(secret)
    unique = {candidate for candidate in candidates if len(candidate) >= _MIN_SCRUBBED}
    return sorted(unique, key=len, reverse=True)


# --------------------------------------------------------------------------- configuration


class WebhookConfig(ChannelConfig):
    """A generic webhook channel in the ``channels:`` section."""

    model_config = ConfigDict(hide_input_in_errors=True)

    type: Literal["webhook"]
    url: Secret = Field(description="Where to send; http(s). May carry a token in its path or query.")
    method: Literal["POST", "PUT"] = "POST"
    headers: dict[str, Expanded] = Field(
        default_factory=dict,
        repr=False,
        description="Extra request headers; values may be ${VAR} and are treated as secrets.",
    )
    secret: Secret | None = Field(
        default=None, description="HMAC-SHA256 key: signs each body (X-Holdoff-Signature)."
    )
    body_template: str | None = Field(
        default=None,
        description="Jinja2 template of the body; sees message, kind and payload (the default body), "
        "and has a tojson filter.",
    )
    content_type: str = Field(default="application/json", min_length=3, max_length=200)

    @field_validator("headers")
    @classmethod
    def _usable_headers(cls, value: dict[str, str]) -> dict[str, str]:
        for header, text in value.items():
            if not _HEADER_NAME.match(header):
                raise ValueError(f"headers: {header!r} is not a valid HTTP header name")
            lowered = header.lower()
            if lowered in RESERVED_HEADERS or lowered.startswith("x-holdoff-"):
                where = "content_type" if lowered == "content-type" else "Holdoff"
                raise ValueError(f"headers: {header} is set by {where}, not in headers")
            if any(char in text for char in "\r\n\0"):
                # Never quote the value: it is probably a credential.
                raise ValueError(f"headers: the value of {header} contains a line break or NUL")
        return value

    @field_validator("content_type")
    @classmethod
    def _usable_content_type(cls, value: str) -> str:
        if "/" not in value or any(char in value for char in "\r\n\0"):
            raise ValueError("content_type must be a media type such as application/json")
        return value

    @field_validator("body_template")
    @classmethod
    def _template_compiles(cls, value: str | None) -> str | None:
        if value is None:
            return None
        try:
            compile_body_template(value)
        except TemplateSyntaxError as exc:
            raise ValueError(
                f"body_template does not compile: {exc.message} (template line {exc.lineno})"
            ) from None
        return value

    @model_validator(mode="after")
    def _consistent(self) -> WebhookConfig:
        # The URL is checked here rather than in a field validator so that an error never quotes it.
        try:
            parts = urlsplit(self.url.get_secret_value())
            _ = parts.port  # raises ValueError for a port that is not a number
        except ValueError:
            raise ValueError("url: not a valid URL") from None
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise ValueError("url: must be an http:// or https:// URL with a host")
        if self.secret is not None and not self.secret.get_secret_value():
            raise ValueError("secret: is empty; leave it out to send unsigned requests")
        if self.body_template is None and not is_json(self.content_type):
            raise ValueError(
                f"content_type is {self.content_type} but without body_template the body is JSON; "
                "set body_template or leave content_type at application/json"
            )
        return self

    def secrets(self) -> list[str]:
        """The URL and the signing secret, and every header value (often a credential)."""
        return [*super().secrets(), *(value for value in self.headers.values() if value)]

    def build(self, templates: Templates = DEFAULT) -> WebhookChannel:
        return WebhookChannel(
            self.url,
            name=self.name,
            method=self.method,
            headers=self.headers,
            secret=self.secret,
            body_template=self.body_template,
            content_type=self.content_type,
            timeout_seconds=self.timeout_seconds,
            rate_per_second=self.rate_per_second,
            kinds=frozenset(self.kinds) if self.kinds is not None else None,
        )
