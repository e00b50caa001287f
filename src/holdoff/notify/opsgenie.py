"""Opsgenie through its Alert API (``https://api.opsgenie.com/v2/alerts``, EU: ``api.eu.opsgenie.com``).

```yaml
channels:
  - name: opsgenie
    type: opsgenie
    api_key: ${OPSGENIE_API_KEY}     # the key of an API integration with create and update access
    region: eu                       # us (default) or eu, where the Opsgenie account lives
    responders: [{type: team, name: SRE}]
    tags: [holdoff]
```

One Opsgenie alert per Holdoff alert occurrence (or incident), with ``alias = message.key``: an
escalation or a reminder creates it (Opsgenie folds the reminder into the open alert with the same
alias and counts it), an acknowledgement acknowledges it and a resolution closes it, both by alias
(a partial resolution, ``closes=False``, adds a note instead and leaves the alert open).
Opsgenie takes every request asynchronously: it answers 202 with a ``requestId`` and processes it
afterwards. The delivery's ``ref`` is the alias.

The API key travels in the ``Authorization: GenieKey`` header only; it never appears in an error text.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from typing import Any, Literal, Self
from urllib.parse import quote

import httpx
from pydantic import BaseModel, ConfigDict, Field, SecretStr, field_validator, model_validator

from holdoff.mediate.model import NotificationKind
from holdoff.notify import _pager_http as http
from holdoff.notify.channel import DeliveryResult
from holdoff.notify.config import ChannelConfig, Expanded, Secret
from holdoff.notify.fallback import build_or_plain
from holdoff.notify.message import Message
from holdoff.notify.templates import DEFAULT, Templates

API_URLS = {"us": "https://api.opsgenie.com", "eu": "https://api.eu.opsgenie.com"}
RATE_PER_SECOND = 2.0
"""Opsgenie's API limits depend on the plan; two alert requests a second stay well inside all of them."""
KINDS = http.PAGER_KINDS

MAX_MESSAGE_CHARS = 130
MAX_ALIAS_CHARS = 512
MAX_DESCRIPTION_CHARS = 15_000
MAX_SOURCE_CHARS = 100
MAX_ENTITY_CHARS = 512
MAX_USER_CHARS = 100
MAX_NOTE_CHARS = 25_000
MAX_DETAILS_CHARS = 8000
"""Keys and values of ``details`` together."""
MAX_TAGS = 20
MAX_TAG_CHARS = 50
MAX_RESPONDERS = 50

SOURCE = "holdoff"
USER = "Holdoff"
ACKNOWLEDGED_BY_FACT = "acknowledged by"

PRIORITIES = {"critical": "P1", "high": "P2", "warning": "P3", "info": "P4", "low": "P5"}
"""Holdoff severity -> Opsgenie priority; no (or an unknown) severity is P2, like high."""

_ENTITY_LABELS = ("service", "job", "instance")

_KEY_HINT = (
    "check api_key: it must be the key of an Opsgenie API integration (Settings > Integrations > API), "
    "and region (us or eu) must be where the Opsgenie account lives"
)
_RIGHTS_HINT = (
    "the API key may not do this: the API integration must be enabled and have "
    "'Create and Update Access' (check it in Opsgenie under Settings > Integrations)"
)


def opsgenie_priority(severity: str | None) -> str:
    return PRIORITIES.get((severity or "").lower(), "P2")


def alert_path(alias: str, action: str | None = None) -> str:
    """``/v2/alerts`` or ``/v2/alerts/<alias>/<action>`` with the alias URL-encoded (even ``/``)."""
    if action is None:
        return "/v2/alerts"
    return f"/v2/alerts/{quote(alias, safe='')}/{action}"


def build_create(
    message: Message,
    description: str,
    *,
    responders: Sequence[dict[str, str]] = (),
    tags: Sequence[str] = (),
) -> dict[str, Any]:
    """The ``POST /v2/alerts`` body for an escalation or reminder."""
    body: dict[str, Any] = {
        "message": http.cut(" ".join(message.title.split()), MAX_MESSAGE_CHARS),
        "alias": http.cut(message.key, MAX_ALIAS_CHARS),
        "description": http.cut(description, MAX_DESCRIPTION_CHARS),
        "priority": opsgenie_priority(message.severity),
        "source": http.cut(message.source or SOURCE, MAX_SOURCE_CHARS),
    }
    if tags:
        body["tags"] = list(tags)
    details = _details(message.labels)
    if details:
        body["details"] = details
    entity = next((message.labels[name] for name in _ENTITY_LABELS if message.labels.get(name)), None)
    if entity:
        body["entity"] = http.cut(entity, MAX_ENTITY_CHARS)
    if responders:
        body["responders"] = [dict(responder) for responder in responders]
    return body


def build_update(message: Message) -> dict[str, Any]:
    """The body of an acknowledge, close or notes request: who, from where, and Holdoff's summary as the note."""
    user = USER
    if message.kind is NotificationKind.ACKNOWLEDGED:
        named = next((f.value for f in message.facts if f.name.lower() == ACKNOWLEDGED_BY_FACT), None)
        if named and named.strip():
            user = http.cut(named.strip(), MAX_USER_CHARS)
    return {"user": user, "source": SOURCE, "note": http.cut(message.summary, MAX_NOTE_CHARS)}


def _details(labels: dict[str, str]) -> dict[str, str]:
    """The labels, as many as fit in Opsgenie's 8000 characters (long values are cut to 1000)."""
    details: dict[str, str] = {}
    used = 0
    for name, value in labels.items():
        name, value = http.cut(name, 200), http.cut(value, 1000)
        if used + len(name) + len(value) > MAX_DETAILS_CHARS:
            break
        details[name] = value
        used += len(name) + len(value)
    return details


def fallback_description(message: Message) -> str:
    lines = [message.title, "", message.summary, ""]
    lines += [f"{fact.name}: {fact.value}" for fact in message.facts]
    lines += ["", message.url]
    lines += [f"{action.label}: {action.url}" for action in message.actions]
    return "\n".join(lines)


class OpsgenieChannel:
    """Creates, acknowledges and closes one Opsgenie alert per Holdoff alert occurrence or incident."""

    def __init__(
        self,
        api_key: str | SecretStr,
        *,
        name: str = "opsgenie",
        region: Literal["us", "eu"] = "us",
        api_url: str | None = None,
        responders: Sequence[dict[str, str]] = (),
        tags: Sequence[str] = (),
        templates: Templates = DEFAULT,
        timeout_seconds: float = 10.0,
        rate_per_second: float | None = RATE_PER_SECOND,
        kinds: frozenset[NotificationKind] = KINDS,
        transport: httpx.BaseTransport | None = None,
    ) -> None:
        self.name = name
        self.kinds: frozenset[NotificationKind] | None = kinds
        self.rate_per_second = rate_per_second
        self._taken = kinds & KINDS
        key = api_key.get_secret_value() if isinstance(api_key, SecretStr) else api_key
        if not key.strip():
            raise ValueError("the Opsgenie API key is empty")
        self._api_key = key.strip()
        self.api_base = (api_url or API_URLS[region]).rstrip("/")
        self.host = http.host_of(self.api_base)
        self.responders = [dict(responder) for responder in responders]
        self.tags = list(tags)
        self._templates = templates
        self._timeout = timeout_seconds
        self._scrub = http.scrubber([key, key.strip()])
        self._client = http.new_client(timeout_seconds, transport)

    @property
    def target(self) -> str:
        return f"Opsgenie API on {self.host}"

    def request_for(self, message: Message) -> tuple[str, dict[str, Any]]:
        """The URL (with its query) and the JSON body ``send`` posts for ``message``."""
        alias = message.key
        if message.kind is NotificationKind.ACKNOWLEDGED:
            path = alert_path(alias, "acknowledge") + "?identifierType=alias"
            return self.api_base + path, build_update(message)
        if message.kind is NotificationKind.RESOLVED:
            # A resolution that does not end what was paged only adds a note; the alert stays open.
            path = alert_path(alias, "close" if message.closes else "notes") + "?identifierType=alias"
            return self.api_base + path, build_update(message)
        body = build_create(message, self._description(message), responders=self.responders, tags=self.tags)
        return self.api_base + alert_path(alias), body

    def send(self, message: Message, ref: str | None = None) -> DeliveryResult:
        if message.kind not in self._taken:
            return http.not_taken("Opsgenie", self.name, message.kind, self._taken)
        started = time.perf_counter()
        try:
            url, content = build_or_plain(self._encoded_request, message, self.name)
            response = self._client.post(
                url,
                content=content,
                headers={"Content-Type": "application/json", "Authorization": f"GenieKey {self._api_key}"},
            )
        except Exception as exc:  # send never raises: every failure becomes a result
            return http.exception_failure(exc, self.target, self._timeout, self._scrub, "api_url", started)
        return self._result(response, message.key, started)

    def close(self) -> None:
        self._client.close()

    def _description(self, message: Message) -> str:
        """The ``txt`` template for opsgenie (a failing one of ``templates_dir`` gives way to Holdoff's)."""
        return self._templates.render("opsgenie", message, "txt")

    def _encoded_request(self, message: Message) -> tuple[str, bytes]:
        url, body = self.request_for(message)
        return url, http.encode(body)

    # --- results ---

    def _result(self, response: httpx.Response, alias: str, started: float) -> DeliveryResult:
        latency = http.elapsed_ms(started)
        status = response.status_code
        if 200 <= status < 300:
            return DeliveryResult(ok=True, retryable=False, status_code=status, latency_ms=latency, ref=alias)
        where = f"HTTP {status} from {self.target}"
        detail = self._detail(response)
        retryable = False
        if status == 429:
            wait = http.retry_after(response, self._scrub)
            hint = f"throttled: the account's API rate limit was reached; will try again{wait}"
            retryable = True
        elif status >= 500:
            hint = "Opsgenie could not take the request now; will try again"
            retryable = True
        elif status == 401:
            hint = f"the API key was not accepted; {_KEY_HINT}"
        elif status == 403:
            hint = _RIGHTS_HINT
        elif status == 404:
            hint = f"no such endpoint; check region or api_url (it should be {API_URLS['us']} or {API_URLS['eu']})"
        elif status in (400, 422):
            hint = "Opsgenie refused the request as invalid; trying again will not help"
        elif 300 <= status < 400:
            hint = "api_url redirects; check region or api_url"
        else:
            hint = "the request was refused; trying again will not help"
        return DeliveryResult(
            ok=False,
            retryable=retryable,
            status_code=status,
            error=f"{where} ({hint}){detail}",
            latency_ms=latency,
        )

    def _detail(self, response: httpx.Response) -> str:
        """``: <message>: <field>: <error> (requestId ...)`` from Opsgenie's answer, else the body's start."""
        answer = http.response_json(response)
        if isinstance(answer, dict) and (answer.get("message") or answer.get("errors")):
            parts = [str(answer["message"])] if answer.get("message") else []
            errors = answer.get("errors")
            if isinstance(errors, dict):
                parts += [f"{field}: {error}" for field, error in errors.items()]
            elif isinstance(errors, list):
                parts += [str(error) for error in errors]
            elif errors:
                parts.append(str(errors))
            text = ": " + http.one_line("; ".join(parts), self._scrub, 1000)
            request_id = answer.get("requestId")
            if isinstance(request_id, str) and request_id:
                text += f" (requestId {http.one_line(request_id, self._scrub, 80)})"
            return text
        text = http.snippet(response, self._scrub)
        return f": {text}" if text else ""


class OpsgenieResponder(BaseModel):
    """Who Opsgenie notifies: a team, user, escalation or schedule, by name (or by id)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    type: Literal["team", "user", "escalation", "schedule"]
    name: Expanded | None = Field(
        default=None, description="Team, escalation or schedule name; a user's username."
    )
    id: Expanded | None = None

    @model_validator(mode="after")
    def _name_or_id(self) -> Self:
        if (self.name is None) == (self.id is None):
            raise ValueError(f"an Opsgenie {self.type} responder needs either a name or an id (one of them)")
        return self

    def to_api(self) -> dict[str, str]:
        """As the Alert API takes it: users are named by ``username``, the others by ``name``."""
        if self.id is not None:
            return {"type": self.type, "id": self.id}
        assert self.name is not None
        return {"type": self.type, "username" if self.type == "user" else "name": self.name}


class OpsgenieConfig(ChannelConfig):
    """An Opsgenie account, through an API integration."""

    type: Literal["opsgenie"]
    api_key: Secret
    region: Literal["us", "eu"] = "us"
    api_url: Expanded | None = Field(
        default=None, description="Overrides the region's API base URL (a proxy, or a stand-in in tests)."
    )
    responders: list[OpsgenieResponder] = Field(default_factory=list, max_length=MAX_RESPONDERS)
    tags: list[str] = Field(default_factory=list, max_length=MAX_TAGS)

    @field_validator("api_key")
    @classmethod
    def _api_key_set(cls, value: SecretStr) -> SecretStr:
        if not value.get_secret_value().strip():
            raise ValueError("api_key is empty; set it to the key of an Opsgenie API integration")
        return value

    @field_validator("api_url")
    @classmethod
    def _api_url_http(cls, value: str | None) -> str | None:
        return None if value is None else http.check_http_url(value, "api_url")

    @field_validator("tags")
    @classmethod
    def _tags_fit(cls, value: list[str]) -> list[str]:
        for tag in value:
            if not tag.strip() or len(tag) > MAX_TAG_CHARS:
                raise ValueError(f"Opsgenie tags are 1 to {MAX_TAG_CHARS} characters: {tag[:60]!r}")
        return value

    @field_validator("kinds")
    @classmethod
    def _pager_kinds(cls, value: list[NotificationKind] | None) -> list[NotificationKind] | None:
        return http.check_kinds(value, "opsgenie")

    def build(self, templates: Templates = DEFAULT) -> OpsgenieChannel:
        """The channel; the alert description is the ``txt`` template for ``opsgenie``."""
        return OpsgenieChannel(
            self.api_key,
            name=self.name,
            region=self.region,
            api_url=self.api_url,
            responders=[responder.to_api() for responder in self.responders],
            tags=self.tags,
            templates=templates,
            timeout_seconds=self.timeout_seconds,
            rate_per_second=self.rate_per_second if self.rate_per_second is not None else RATE_PER_SECOND,
            kinds=http.channel_kinds(self.kinds),
        )
