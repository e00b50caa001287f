"""Microsoft Teams through a Workflows ("When a Teams webhook request is received") webhook.

Office 365 connectors are retired; a Workflows / Power Automate flow takes a ``message`` with one
Adaptive Card attachment and posts it to a channel. The webhook URL carries its credential in the
``sig=`` query parameter, so it never appears in an error text: errors name the host only.
"""

from __future__ import annotations

import json
import time
from typing import Any, Literal
from urllib.parse import parse_qsl, urlsplit

import httpx
from pydantic import SecretStr, field_validator

from holdoff import __version__
from holdoff.mediate.model import NotificationKind
from holdoff.notify.channel import ALL_BUT_ACKNOWLEDGED, DeliveryResult
from holdoff.notify.config import ChannelConfig, Secret
from holdoff.notify.fallback import build_or_plain
from holdoff.notify.http_delivery import (
    describe_host,
    elapsed_ms,
    exception_failure,
    retryable_status,
    scrub,
    snippet,
)
from holdoff.notify.message import Fact, Message
from holdoff.notify.templates import DEFAULT, Templates

RATE_PER_SECOND = 4.0
"""Teams throttles a webhook above about 4 requests per second."""

MAX_BODY_BYTES = 28_000
"""Teams refuses messages over 28 KB; stay below it counting 1 KB as 1000 bytes."""

PROTECTED_FACTS = frozenset({"alert", "source", "open for"})
"""Facts that are never shortened or dropped while lesser ones can be."""

TRUNCATION_MARK = "… (truncated)"

_CARD_SCHEMA = "http://adaptivecards.io/schemas/adaptive-card.json"
_ADAPTIVE_CARD = "application/vnd.microsoft.card.adaptive"
_BODY_SNIPPET_CHARS = 200
_URL_HINT = "check TEAMS_WEBHOOK_URL: the workflow may be disabled or deleted"


_COLOURS = {
    NotificationKind.ESCALATED: "Attention",
    NotificationKind.REMINDER: "Attention",
    NotificationKind.FLAPPING: "Warning",
    NotificationKind.CORRELATED: "Accent",
}


def _plain(text: str, **style: Any) -> dict[str, Any]:
    """A RichTextBlock of one TextRun: Adaptive Cards never read Markdown in a TextRun, so alert text
    (``[x](javascript:…)``, ``*bold*``) shows as written and makes no link."""
    return {"type": "RichTextBlock", "inlines": [{"type": "TextRun", "text": text, **style}]}


def build_card(message: Message, summary_markdown: bool = False) -> dict[str, Any]:
    """The Adaptive Card (version 1.4) for ``message``, without the Teams envelope.

    Title, summary and facts are plain text runs (TextBlocks and FactSets render Markdown, which alert
    text must not control); the only links are Holdoff's own, as actions. ``summary_markdown`` is for
    a summary written by a ``teams/<kind>.md.j2`` template of the operator's, which is Markdown.
    """
    colour = _COLOURS.get(message.kind, "Good")
    body: list[dict[str, Any]] = [
        _plain(message.title, weight="Bolder", size="Medium", color=colour),
        {"type": "TextBlock", "text": message.summary, "wrap": True}
        if summary_markdown
        else _plain(message.summary),
    ]
    if message.facts:
        body.append(
            {
                "type": "Container",
                "items": [
                    {
                        "type": "RichTextBlock",
                        "inlines": [
                            {"type": "TextRun", "text": f"{fact.name}: ", "weight": "Bolder"},
                            {"type": "TextRun", "text": fact.value},
                        ],
                    }
                    for fact in message.facts
                ],
            }
        )
    return {
        "$schema": _CARD_SCHEMA,
        "type": "AdaptiveCard",
        "version": "1.4",
        "body": body,
        "actions": [
            *({"type": "Action.OpenUrl", "title": link.label, "url": link.url} for link in message.actions),
            {"type": "Action.OpenUrl", "title": "Open in Holdoff", "url": message.url},
        ],
        "msteams": {"width": "Full"},
    }


def build_payload(
    message: Message, max_bytes: int = MAX_BODY_BYTES, summary_markdown: bool = False
) -> dict[str, Any]:
    """The whole webhook body, shortened if needed so that :func:`encode` stays within ``max_bytes``.

    Shortening happens in steps until the body fits: first the summary and the lesser facts are cut
    shorter and shorter, then the lesser facts are dropped, and only as a last resort the title and
    the alert, source and open-for facts are cut (never dropped). The link is never touched.
    """
    payload = _envelope(build_card(message, summary_markdown))
    if len(encode(payload)) <= max_bytes:
        return payload
    for limit in (4000, 2000, 1000, 500, 200, 80):
        payload = _envelope(build_card(_shorten(message, limit), summary_markdown))
        if len(encode(payload)) <= max_bytes:
            return payload
    for limit in (4000, 1000, 200):
        shorter = _shorten(message, 80, drop_lesser=True, protected_limit=limit)
        payload = _envelope(build_card(shorter, summary_markdown))
        if len(encode(payload)) <= max_bytes:
            return payload
    return payload


def encode(payload: dict[str, Any]) -> bytes:
    """The exact bytes sent: compact UTF-8 JSON."""
    return json.dumps(payload, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


def _envelope(card: dict[str, Any]) -> dict[str, Any]:
    return {
        "type": "message",
        "attachments": [{"contentType": _ADAPTIVE_CARD, "contentUrl": None, "content": card}],
    }


def _cut(text: str, limit: int) -> str:
    if len(text) <= limit:
        return text
    return text[: max(limit - len(TRUNCATION_MARK), 0)] + TRUNCATION_MARK


def _shorten(
    message: Message, limit: int, *, drop_lesser: bool = False, protected_limit: int | None = None
) -> Message:
    facts: list[Fact] = []
    for fact in message.facts:
        if fact.name.lower() in PROTECTED_FACTS:
            value = fact.value if protected_limit is None else _cut(fact.value, protected_limit)
            facts.append(Fact(name=fact.name, value=value))
        elif not drop_lesser:
            facts.append(Fact(name=_cut(fact.name, 80), value=_cut(fact.value, limit)))
    title = message.title if protected_limit is None else _cut(message.title, protected_limit)
    return message.model_copy(
        update={"title": title, "summary": _cut(message.summary, limit), "facts": facts}
    )


class TeamsChannel:
    """Posts each message as an Adaptive Card to a Teams Workflows webhook."""

    name = "teams"
    kinds: frozenset[NotificationKind] | None = ALL_BUT_ACKNOWLEDGED
    rate_per_second: float | None = RATE_PER_SECOND

    def __init__(
        self,
        webhook_url: str | SecretStr,
        timeout_seconds: float = 10.0,
        max_body_bytes: int = MAX_BODY_BYTES,
        *,
        name: str = "teams",
        rate_per_second: float | None = RATE_PER_SECOND,
        templates: Templates | None = None,
    ) -> None:
        self.templates = templates
        self.name = name
        self.rate_per_second = rate_per_second
        self._url = webhook_url.get_secret_value() if isinstance(webhook_url, SecretStr) else webhook_url
        self._timeout = timeout_seconds
        self._max_body_bytes = max_body_bytes
        self.host = describe_host(self._url)
        self._secrets = _secret_parts(self._url)
        self._client = httpx.Client(
            timeout=httpx.Timeout(timeout_seconds),
            follow_redirects=False,
            headers={"User-Agent": f"holdoff/{__version__}"},
        )

    def send(self, message: Message, ref: str | None = None) -> DeliveryResult:
        started = time.perf_counter()
        try:
            body = build_or_plain(self._body, message, self.name, self._plain_body)
            response = self._client.post(
                self._url, content=body, headers={"Content-Type": "application/json; charset=utf-8"}
            )
        except Exception as exc:  # send never raises: every failure becomes a result
            return self._failure_from_exception(exc, started)
        return self._result_from_response(response, started)

    def close(self) -> None:
        self._client.close()

    def _body(self, message: Message) -> bytes:
        text = self.templates.overridden("teams", message, "md") if self.templates is not None else None
        if text:  # a teams/<kind>.md.j2 of your own: Markdown, as you wrote it
            message = message.model_copy(update={"summary": text})
        return encode(build_payload(message, self._max_body_bytes, summary_markdown=bool(text)))

    def _plain_body(self, message: Message) -> bytes:
        return encode(build_payload(message, self._max_body_bytes))

    # --- results ---

    def _result_from_response(self, response: httpx.Response, started: float) -> DeliveryResult:
        latency = elapsed_ms(started)
        status = response.status_code
        if 200 <= status < 300:
            return DeliveryResult(ok=True, retryable=False, status_code=status, latency_ms=latency)
        where = f"HTTP {status} from Teams webhook on {self.host}"
        said = snippet(response, self._scrub, _BODY_SNIPPET_CHARS)
        detail = f": {said}" if said else ""
        if retryable_status(status):
            if status == 429:
                retry_after = response.headers.get("Retry-After")
                wait = f", Retry-After {self._scrub(retry_after)}" if retry_after else ""
                where += f" (throttled: Teams allows about 4 requests/s per webhook{wait})"
            return DeliveryResult(
                ok=False, retryable=True, status_code=status, error=where + detail, latency_ms=latency
            )
        if status in (400, 404):
            hint = _URL_HINT
        elif status in (401, 403):
            hint = "check TEAMS_WEBHOOK_URL: the sig= token may be wrong or the trigger may require sign-in"
        elif status == 413:
            hint = "the message is too large for Teams"
        elif 300 <= status < 400:
            hint = "the webhook redirects; check TEAMS_WEBHOOK_URL (use the URL the workflow trigger shows)"
        else:
            hint = "the request was refused; trying again will not help"
        return DeliveryResult(
            ok=False,
            retryable=False,
            status_code=status,
            error=f"{where} ({hint}){detail}",
            latency_ms=latency,
        )

    def _failure_from_exception(self, exc: Exception, started: float) -> DeliveryResult:
        return exception_failure(
            exc,
            target=f"Teams webhook on {self.host}",
            url_setting="TEAMS_WEBHOOK_URL",
            timeout_seconds=self._timeout,
            scrub=self._scrub,
            started=started,
            after_read_timeout=" (it may have posted the message)",
        )

    # --- keeping the secret out of error texts ---

    def _scrub(self, text: str) -> str:
        return scrub(text, self._secrets)


def _secret_parts(url: str) -> list[str]:
    """Pieces of the webhook URL that could give it away, longest first."""
    try:
        parts = urlsplit(url)
    except ValueError:
        return [url] if url else []
    candidates = [url, parts.path + ("?" + parts.query if parts.query else ""), parts.query, parts.path]
    candidates += [value for _, value in parse_qsl(parts.query, keep_blank_values=False) if len(value) >= 8]
    if parts.password:
        candidates.append(parts.password)
    unique = {candidate for candidate in candidates if candidate and candidate != "/"}
    return sorted(unique, key=len, reverse=True)


class TeamsConfig(ChannelConfig):
    """A Teams channel in ``channels:`` (TEAMS_WEBHOOK_URL makes one named ``teams``)."""

    type: Literal["teams"]
    webhook_url: Secret

    @field_validator("webhook_url")
    @classmethod
    def _https_workflow_url(cls, value: SecretStr) -> SecretStr:
        parts = urlsplit(value.get_secret_value())
        if parts.scheme not in ("http", "https") or not parts.netloc:
            raise ValueError(
                "webhook_url must be an http(s) URL (the Workflows 'When a Teams webhook request is received' URL)"
            )
        return value

    def describe(self) -> str:
        return f"Workflows webhook on {describe_host(self.webhook_url.get_secret_value())}"

    def build(self, templates: Templates = DEFAULT) -> TeamsChannel:
        rate = self.rate_per_second if self.rate_per_second is not None else RATE_PER_SECOND
        return TeamsChannel(
            self.webhook_url, self.timeout_seconds, name=self.name, rate_per_second=rate, templates=templates
        )
