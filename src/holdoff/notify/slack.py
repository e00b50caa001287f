"""Slack, in one of two modes.

* **Incoming webhook** (``webhook_url``): each message is a new post with Block Kit blocks. A webhook
  cannot edit what it posted, so it takes every kind but ``acknowledged``.
* **Bot token** (``bot_token`` + ``channel``): ``chat.postMessage`` through the Web API. Slack answers
  with the message's ``ts``, which becomes the delivery ``ref``: a later resolution or
  acknowledgement of the same alert edits that message in place (``chat.update``), and reminders
  and flapping summaries go into its thread instead of flooding the channel.

The webhook URL and the token are secrets: error texts name the host only and are scrubbed of both.
"""

from __future__ import annotations

import json
import logging
import re
import time
from dataclasses import dataclass
from typing import Any, Literal
from urllib.parse import urlsplit

import httpx
from pydantic import ConfigDict, Field, SecretStr, field_validator, model_validator

from holdoff import __version__
from holdoff.mediate.model import NotificationKind
from holdoff.notify.channel import ALL_BUT_ACKNOWLEDGED, DeliveryResult
from holdoff.notify.config import ChannelConfig, Expanded, Secret
from holdoff.notify.message import Fact, Message
from holdoff.notify.templates import DEFAULT, Templates

log = logging.getLogger(__name__)

DEFAULT_API_URL = "https://slack.com/api"
RATE_PER_SECOND = 1.0
"""Slack allows about one message per second per channel (short bursts are tolerated)."""

MAX_HEADER_CHARS = 150
"""A header block's plain text."""
MAX_SECTION_CHARS = 3000
"""A section block's text."""
MAX_FIELD_CHARS = 2000
"""One field of a section."""
MAX_FIELDS_PER_SECTION = 10
MAX_FIELDS = 30
"""Facts shown at most (three sections); the rest are counted in a last field."""
MAX_BLOCKS_CHARS = 11_000
"""All text of all blocks together: Slack refuses somewhat over 13,000 (``msg_blocks_too_long``)."""
MAX_TEXT_CHARS = 3000
"""The notification / fallback ``text``."""
MAX_BUTTONS = 25
MAX_BUTTON_LABEL_CHARS = 75
MAX_BUTTON_URL_CHARS = 3000

PROTECTED_FACTS = frozenset({"alert", "incident", "source", "open for", "severity"})
"""Facts that are never dropped, and cut only as a last resort."""

TRUNCATION_MARK = "… (truncated)"

_ICONS = {
    NotificationKind.RESOLVED: "✅",
    NotificationKind.TRANSIENT_RESOLVED: "✅",
    NotificationKind.ACKNOWLEDGED: "👀",
    NotificationKind.FLAPPING: "🔁",
    NotificationKind.DIGEST: "📋",
}
_SEVERITY_ICONS = {"critical": "🔴", "high": "🟠", "warning": "🟡", "info": "🔵", "low": "⚪"}
_DEFAULT_ICON = "🚨"

_UPDATED_IN_PLACE = frozenset({NotificationKind.RESOLVED, NotificationKind.ACKNOWLEDGED})
"""Kinds that edit the alert's first message when there is one."""
_ALWAYS_NEW = frozenset({NotificationKind.ESCALATED, NotificationKind.DIGEST})
"""Kinds posted at the top of the channel even when an earlier message exists: an escalation must
not hide in the thread of, say, a flapping summary; a digest is about many alerts."""

_BODY_SNIPPET_CHARS = 200
_CHANNEL_ID = re.compile(r"^[CGD][A-Z0-9]+$")


# --------------------------------------------------------------------------- the message layout


def mrkdwn(text: str) -> str:
    """Escape the three characters Slack's mrkdwn treats as markup (mentions, links)."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _cut(text: str, limit: int) -> str:
    """``text`` at most ``limit`` characters long, marked when it was cut."""
    if len(text) <= limit:
        return text
    return text[: max(limit - len(TRUNCATION_MARK), 0)] + TRUNCATION_MARK


def _escaped_cut(text: str, limit: int) -> str:
    """``text`` escaped for mrkdwn, at most ``limit`` characters after escaping, never cutting an entity."""
    escaped = mrkdwn(text)
    if len(escaped) <= limit:
        return escaped
    room = max(limit - len(TRUNCATION_MARK), 0)
    kept: list[str] = []
    used = 0
    for char in text:
        piece = mrkdwn(char)
        if used + len(piece) > room:
            break
        kept.append(piece)
        used += len(piece)
    return "".join(kept) + TRUNCATION_MARK


def _icon(message: Message) -> str:
    if message.kind in _ICONS:
        return _ICONS[message.kind]
    return _SEVERITY_ICONS.get((message.severity or "").lower(), _DEFAULT_ICON)


def header_text(message: Message) -> str:
    """The header's words before any cut: an icon, the severity and the title."""
    severity = f"[{message.severity.upper()}] " if message.severity else ""
    return f"{_icon(message)} {severity}{message.title or message.kind.value}"


@dataclass(frozen=True)
class _Limits:
    summary: int = MAX_SECTION_CHARS
    lesser: int = MAX_FIELD_CHARS
    protected: int = MAX_FIELD_CHARS
    drop_lesser: bool = False


_STEPS = (
    _Limits(),
    _Limits(summary=2000, lesser=1000),
    _Limits(summary=1000, lesser=500),
    _Limits(summary=1000, lesser=200),
    _Limits(summary=500, lesser=80),
    _Limits(summary=500, lesser=80, drop_lesser=True),
    _Limits(summary=300, lesser=80, protected=500, drop_lesser=True),
    _Limits(summary=200, lesser=80, protected=200, drop_lesser=True),
)


def build_blocks(message: Message, max_chars: int = MAX_BLOCKS_CHARS) -> list[dict[str, Any]]:
    """The Block Kit blocks for ``message``, within Slack's limits.

    Every piece is cut to Slack's own limit (header 150, section 3000, field 2000 characters, 10
    fields per section). When all text together is still over ``max_chars``, the summary and the
    lesser facts are cut shorter step by step, then the lesser facts are dropped, and only last
    the alert, incident, source, open-for and severity facts are cut (never dropped). The title,
    the link to Holdoff and the action buttons are always there.
    """
    blocks = _layout(message, _STEPS[0])
    for limits in _STEPS[1:]:
        if _text_size(blocks) <= max_chars:
            break
        blocks = _layout(message, limits)
    return blocks


def _layout(message: Message, limits: _Limits) -> list[dict[str, Any]]:
    header = header_text(message)
    blocks: list[dict[str, Any]] = [
        {
            "type": "header",
            "text": {"type": "plain_text", "text": _cut(header, MAX_HEADER_CHARS), "emoji": True},
        }
    ]
    section = ""
    if len(header) > MAX_HEADER_CHARS:
        # The header lost the end of the title: say it whole (or nearly) at the top of the section.
        section = f"*{_escaped_cut(message.title, 1000)}*"
    if message.summary:
        room = min(limits.summary, MAX_SECTION_CHARS - len(section) - 1)
        section = (
            f"{section}\n{_escaped_cut(message.summary, room)}"
            if section
            else _escaped_cut(message.summary, room)
        )
    if section:
        blocks.append({"type": "section", "text": {"type": "mrkdwn", "text": section}})
    fields = _fields(message.facts, limits)
    for start in range(0, len(fields), MAX_FIELDS_PER_SECTION):
        blocks.append({"type": "section", "fields": fields[start : start + MAX_FIELDS_PER_SECTION]})
    blocks.append({"type": "context", "elements": [{"type": "mrkdwn", "text": _context(message)}]})
    buttons = _buttons(message)
    if buttons:
        blocks.append({"type": "actions", "block_id": "holdoff_actions", "elements": buttons})
    return blocks


def _fields(facts: list[Fact], limits: _Limits) -> list[dict[str, str]]:
    kept = [
        fact
        for fact in facts
        if (fact.name or fact.value) and (not limits.drop_lesser or fact.name.lower() in PROTECTED_FACTS)
    ]
    if len(kept) > MAX_FIELDS:
        protected = sum(1 for fact in kept if fact.name.lower() in PROTECTED_FACTS)
        lesser_room = max(MAX_FIELDS - 1 - protected, 0)
        chosen: list[Fact] = []
        for fact in kept:
            if fact.name.lower() in PROTECTED_FACTS:
                chosen.append(fact)
            elif lesser_room > 0:
                chosen.append(fact)
                lesser_room -= 1
        left_out = len(kept) - len(chosen)
        kept = [*chosen, Fact(name="More", value=f"{left_out} more fact(s) in Holdoff")]
    fields = []
    for fact in kept:
        name = f"*{_escaped_cut(fact.name, 100)}*\n" if fact.name else ""
        protected = fact.name.lower() in PROTECTED_FACTS
        limit = limits.protected if protected else limits.lesser
        value = _escaped_cut(fact.value, min(limit, MAX_FIELD_CHARS - len(name))) or "-"
        fields.append({"type": "mrkdwn", "text": name + value})
    return fields


def _context(message: Message) -> str:
    parts = []
    if message.severity:
        parts.append(f"Severity: *{mrkdwn(message.severity.upper())}*")
    parts.append(message.kind.value.replace("_", " "))
    parts.append(f"<{mrkdwn(message.url)}|Open in Holdoff>")
    return _cut(" · ".join(parts), MAX_SECTION_CHARS)


def _buttons(message: Message) -> list[dict[str, Any]]:
    buttons: list[dict[str, Any]] = []
    for index, action in enumerate(message.actions):
        if len(buttons) >= MAX_BUTTONS:
            break
        if not action.url or len(action.url) > MAX_BUTTON_URL_CHARS:
            continue  # Slack would refuse the whole message
        button: dict[str, Any] = {
            "type": "button",
            "action_id": f"holdoff_{action.action}_{index}"[:255],
            "text": {
                "type": "plain_text",
                "text": _cut(action.label or action.action, MAX_BUTTON_LABEL_CHARS),
                "emoji": True,
            },
            "url": action.url,
        }
        if action.action == "acknowledge":
            button["style"] = "primary"
        buttons.append(button)
    return buttons


def _text_size(blocks: list[dict[str, Any]]) -> int:
    """All the text Slack counts in ``blocks``."""
    total = 0
    for block in blocks:
        if "text" in block:
            total += len(block["text"]["text"])
        for item in block.get("fields", []):
            total += len(item["text"])
        for element in block.get("elements", []):
            text = element.get("text")
            total += len(text["text"] if isinstance(text, dict) else text or "")
            total += len(element.get("url", ""))
    return total


def fallback_text(message: Message, templates: Templates = DEFAULT) -> str:
    """The ``text`` Slack shows in notifications (and where blocks cannot be shown): the ``slack``
    Markdown template (mrkdwn-escaped), cut at a line end to :data:`MAX_TEXT_CHARS`."""
    try:
        text = templates.render("slack", message, "md")
    except Exception as exc:  # a broken custom template must not stop a page
        log.warning(
            "the slack template for %s failed (%s: %s); sending the plain title",
            message.kind.value,
            type(exc).__name__,
            exc,
        )
        text = f"*{mrkdwn(message.title)}*\n{mrkdwn(message.summary)}"
    if len(text) <= MAX_TEXT_CHARS:
        return text or mrkdwn(message.title) or message.kind.value
    room = MAX_TEXT_CHARS - len(TRUNCATION_MARK) - 1
    head = text[:room]
    line_end = head.rfind("\n")
    if line_end >= room // 2:
        head = head[:line_end]
    elif "&" in head[-5:]:
        head = head[: head.rfind("&")]  # never end in the middle of an escaped character
    return f"{head}\n{TRUNCATION_MARK}"


def build_payload(message: Message, templates: Templates = DEFAULT) -> dict[str, Any]:
    """The incoming-webhook body (the bot mode adds ``channel`` and, for a reply, ``thread_ts``)."""
    return {
        "text": fallback_text(message, templates),
        "blocks": build_blocks(message),
        # Slack must not fetch the links itself: an acknowledge link is single-use.
        "unfurl_links": False,
        "unfurl_media": False,
    }


def encode(payload: dict[str, Any]) -> bytes:
    """The exact bytes sent: compact UTF-8 JSON."""
    return json.dumps(payload, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


# --------------------------------------------------------------------------- errors

_WEBHOOK_GONE = "the webhook was removed or revoked (or its channel archived): create a new incoming webhook and update webhook_url"
_WEBHOOK_HINTS = {
    "invalid_payload": "Slack refused the message payload; trying again will not help",
    "no_service": _WEBHOOK_GONE,
    "no_service_id": _WEBHOOK_GONE,
    "no_team": _WEBHOOK_GONE,
    "team_disabled": _WEBHOOK_GONE,
    "invalid_token": _WEBHOOK_GONE,
    "channel_not_found": _WEBHOOK_GONE,
    "channel_is_archived": "the webhook's channel is archived: unarchive it or create a webhook for another channel",
    "action_prohibited": "a workspace admin restricted posting in the webhook's channel",
    "posting_to_general_channel_denied": "only admins may post in the webhook's channel",
    "user_not_found": _WEBHOOK_GONE,
    "invalid_blocks": "Slack refused the message blocks; trying again will not help",
    "invalid_blocks_format": "Slack refused the message blocks; trying again will not help",
}

_CHECK_CREDENTIAL = "check bot_token: it is wrong, revoked or expired (a bot token starts with xoxb-)"
_API_HINTS = {
    "not_authed": "no token reached Slack; check bot_token",
    "invalid_auth": _CHECK_CREDENTIAL,
    "token_revoked": _CHECK_CREDENTIAL,
    "token_expired": _CHECK_CREDENTIAL,
    "account_inactive": "the bot's app was uninstalled or its workspace deleted; reinstall the app and update bot_token",
    "not_allowed_token_type": "use a bot token (xoxb-) with the chat:write scope",
    "missing_scope": "the token lacks a scope: give the app chat:write and reinstall it",
    "no_permission": "the token may not do this: give the app chat:write and reinstall it",
    "channel_not_found": "check channel: use the channel ID (like C0123ABCD, from the channel's details), and invite the bot to a private channel",
    "not_in_channel": "invite the bot to the channel (/invite @<app>) or give the app the chat:write.public scope",
    "is_archived": "the channel is archived: unarchive it or set another channel",
    "restricted_action": "a workspace setting prevents the bot from posting in this channel",
    "restricted_action_read_only_channel": "the channel is read-only for the bot",
    "restricted_action_thread_only_channel": "the channel only takes thread replies",
    "restricted_action_non_threadable_channel": "the channel does not allow threads",
    "ekm_access_denied": "workspace admins have suspended posting",
    "team_access_not_granted": "the token has no access to the workspace of this channel",
    "msg_too_long": "Slack refused the message as too long",
    "msg_blocks_too_long": "Slack refused the message blocks as too long",
    "invalid_blocks": "Slack refused the message blocks",
    "invalid_blocks_format": "Slack refused the message blocks",
    "no_text": "Slack refused the message as empty",
    "cant_update_message": "the bot cannot edit that message",
    "edit_window_closed": "the workspace no longer allows editing that message",
    "message_not_found": "the message to update was deleted",
    "thread_not_found": "the message to reply to was deleted",
}
_API_RETRYABLE = frozenset(
    {
        "ratelimited",
        "rate_limited",
        "internal_error",
        "fatal_error",
        "service_unavailable",
        "request_timeout",
        "team_added_to_org",
    }
)
_RETRYABLE_STATUS = frozenset({408, 425, 429})


@dataclass(frozen=True)
class _Answer:
    """What one Web API call came to."""

    result: DeliveryResult
    error_code: str | None = None
    ts: str | None = None


# --------------------------------------------------------------------------- the channel


class SlackChannel:
    """Posts to Slack through an incoming webhook, or as a bot that can update and thread its posts."""

    name = "slack"
    kinds: frozenset[NotificationKind] | None = ALL_BUT_ACKNOWLEDGED
    rate_per_second: float | None = RATE_PER_SECOND

    def __init__(
        self,
        *,
        webhook_url: str | SecretStr | None = None,
        bot_token: str | SecretStr | None = None,
        channel: str | None = None,
        api_url: str = DEFAULT_API_URL,
        timeout_seconds: float = 10.0,
        name: str = "slack",
        rate_per_second: float | None = RATE_PER_SECOND,
        kinds: frozenset[NotificationKind] | Literal["default"] | None = "default",
        templates: Templates = DEFAULT,
    ) -> None:
        webhook = _reveal(webhook_url)
        token = _reveal(bot_token)
        if bool(webhook) == bool(token):
            raise ValueError("set either webhook_url, or bot_token and channel (not both, not neither)")
        if token and not channel:
            raise ValueError("bot_token needs channel (a channel ID like C0123ABCD)")
        self.name = name
        self.rate_per_second = rate_per_second
        self._webhook = webhook
        self._token = token
        self._channel = channel or ""
        self._api_url = api_url.rstrip("/")
        self._timeout = timeout_seconds
        self._templates = templates
        if isinstance(kinds, str):
            self.kinds = ALL_BUT_ACKNOWLEDGED if webhook else None
        else:
            self.kinds = kinds
        self.mode = "webhook" if webhook else "bot"
        self.host = _describe_host(webhook or self._api_url)
        self._secrets = _secret_parts(webhook) if webhook else [token]
        self._client = httpx.Client(
            timeout=httpx.Timeout(timeout_seconds),
            follow_redirects=False,
            headers={"User-Agent": f"holdoff/{__version__}"},
        )

    def send(self, message: Message, ref: str | None = None) -> DeliveryResult:
        started = time.perf_counter()
        try:
            if self._webhook:
                return self._send_webhook(message, started)
            return self._send_bot(message, ref, started)
        except Exception as exc:  # send never raises, whatever went wrong
            return self._failure_from_exception(
                exc, f"Slack {self.mode} on {self.host}", "the settings", started
            )

    def close(self) -> None:
        self._client.close()

    # --- incoming webhook ---

    def _send_webhook(self, message: Message, started: float) -> DeliveryResult:
        target = f"Slack webhook on {self.host}"
        try:
            body = encode(build_payload(message, self._templates))
            response = self._client.post(
                self._webhook, content=body, headers={"Content-Type": "application/json; charset=utf-8"}
            )
        except Exception as exc:  # send never raises: every failure becomes a result
            return self._failure_from_exception(exc, target, "webhook_url", started)
        latency = _elapsed_ms(started)
        status = response.status_code
        if 200 <= status < 300:
            return DeliveryResult(ok=True, retryable=False, status_code=status, latency_ms=latency)
        snippet = self._snippet(response)
        code = snippet.strip().lower() if re.fullmatch(r"[a-z_]{3,60}", snippet.strip().lower()) else ""
        where = f"HTTP {status} from {target}"
        detail = f": {snippet}" if snippet else ""
        if status in _RETRYABLE_STATUS or status >= 500:
            if status == 429:
                where += (
                    f" (rate limited: Slack allows about 1 message per second{self._retry_after(response)})"
                )
            return DeliveryResult(
                ok=False, retryable=True, status_code=status, error=where + detail, latency_ms=latency
            )
        if code in _WEBHOOK_HINTS:
            hint = _WEBHOOK_HINTS[code]
        elif status in (404, 410):
            hint = _WEBHOOK_GONE
        elif status in (401, 403):
            hint = "Slack refused the webhook: check webhook_url, it may have been revoked"
        elif 300 <= status < 400:
            hint = "the webhook URL redirects; check webhook_url (use the URL Slack shows for the webhook)"
        else:
            hint = "the request was refused; trying again will not help"
        return DeliveryResult(
            ok=False,
            retryable=False,
            status_code=status,
            error=f"{where} ({hint}){detail}",
            latency_ms=latency,
        )

    # --- bot token ---

    def _send_bot(self, message: Message, ref: str | None, started: float) -> DeliveryResult:
        try:
            text = fallback_text(message, self._templates)
            blocks = build_blocks(message)
        except Exception as exc:
            return self._failure_from_exception(exc, "the Slack message layout", "the message", started)
        about_one_thing = message.alert_id is not None or message.incident_id is not None
        if ref and about_one_thing and message.kind in _UPDATED_IN_PLACE:
            update = {"channel": self._channel, "ts": ref, "text": text, "blocks": blocks}
            answer = self._call("chat.update", update, started)
            if answer.result.ok:
                return _with(answer.result, ref=ref)
            if answer.error_code == "message_not_found":
                log.info(
                    "slack %s: message %s is gone; posting the %s anew", self.name, ref, message.kind.value
                )
                return self._post(text, blocks, None, started)
            if answer.error_code in ("cant_update_message", "edit_window_closed"):
                return self._post(text, blocks, ref, started)
            return answer.result
        if ref and about_one_thing and message.kind not in _ALWAYS_NEW:
            return self._post(text, blocks, ref, started)
        return self._post(text, blocks, None, started)

    def _post(
        self, text: str, blocks: list[dict[str, Any]], thread_ts: str | None, started: float
    ) -> DeliveryResult:
        """``chat.postMessage``; a reply in ``thread_ts``'s thread when given (and ``ref`` stays the parent)."""
        payload: dict[str, Any] = {
            "channel": self._channel,
            "text": text,
            "blocks": blocks,
            "unfurl_links": False,
            "unfurl_media": False,
        }
        if thread_ts:
            payload["thread_ts"] = thread_ts
        answer = self._call("chat.postMessage", payload, started)
        if thread_ts and answer.error_code == "thread_not_found":
            del payload["thread_ts"]
            answer = self._call("chat.postMessage", payload, started)
            thread_ts = None
        if not answer.result.ok:
            return answer.result
        return _with(answer.result, ref=thread_ts or answer.ts)

    def _call(self, method: str, payload: dict[str, Any], started: float) -> _Answer:
        target = f"Slack API {method} on {self.host}"
        try:
            response = self._client.post(
                f"{self._api_url}/{method}",
                content=encode(payload),
                headers={
                    "Content-Type": "application/json; charset=utf-8",
                    "Authorization": f"Bearer {self._token}",
                },
            )
        except Exception as exc:
            return _Answer(self._failure_from_exception(exc, target, "api_url", started))
        latency = _elapsed_ms(started)
        status = response.status_code
        if status in _RETRYABLE_STATUS or status >= 500:
            where = f"HTTP {status} from {target}"
            if status == 429:
                where += f" (rate limited: Slack allows about 1 message per second per channel{self._retry_after(response)})"
            snippet = self._snippet(response)
            error = where + (f": {snippet}" if snippet else "")
            return _Answer(
                DeliveryResult(ok=False, retryable=True, status_code=status, error=error, latency_ms=latency)
            )
        try:
            answer = response.json()
        except ValueError:
            answer = None
        if not isinstance(answer, dict) or not isinstance(answer.get("ok"), bool):
            snippet = self._snippet(response)
            error = (
                f"HTTP {status} from {target} is not a Slack API answer (check api_url, normally {DEFAULT_API_URL})"
                + (f": {snippet}" if snippet else "")
            )
            return _Answer(
                DeliveryResult(ok=False, retryable=False, status_code=status, error=error, latency_ms=latency)
            )
        if answer["ok"]:
            ts = answer.get("ts")
            return _Answer(
                DeliveryResult(ok=True, retryable=False, status_code=status, latency_ms=latency),
                ts=ts if isinstance(ts, str) and ts else None,
            )
        code = str(answer.get("error") or "unknown_error")
        code = self._scrub(code)[:100]
        retryable = code in _API_RETRYABLE
        error = f"Slack API {method} on {self.host} answered {code}"
        if code in ("ratelimited", "rate_limited"):
            error += f" (rate limited: Slack allows about 1 message per second per channel{self._retry_after(response)})"
        elif code == "missing_scope":
            needed = self._scrub(str(answer.get("needed") or "chat:write"))[:100]
            error += f" (the token lacks the {needed} scope: add it to the app and reinstall it)"
        elif code in _API_HINTS:
            error += f" ({_API_HINTS[code]})"
        elif retryable:
            error += " (a problem on Slack's side; will try again)"
        else:
            error += " (trying again will not help)"
        return _Answer(
            DeliveryResult(
                ok=False, retryable=retryable, status_code=status, error=error, latency_ms=latency
            ),
            error_code=code,
        )

    # --- failures without an answer ---

    def _failure_from_exception(
        self, exc: Exception, target: str, setting: str, started: float
    ) -> DeliveryResult:
        latency = _elapsed_ms(started)
        timeout = f"{self._timeout:g}s"
        retryable = True
        if isinstance(exc, httpx.ConnectTimeout):
            error = f"timed out after {timeout} connecting to {target}"
        elif isinstance(exc, httpx.ReadTimeout):
            error = (
                f"timed out after {timeout} waiting for {target} to answer (it may have posted the message)"
            )
        elif isinstance(exc, httpx.WriteTimeout):
            error = f"timed out after {timeout} sending the message to {target}"
        elif isinstance(exc, httpx.TimeoutException):
            error = f"timed out after {timeout} talking to {target}"
        elif isinstance(exc, httpx.UnsupportedProtocol | httpx.InvalidURL):
            retryable = False
            error = f"{setting} is not a usable http(s) URL ({target}): {self._reason(exc)}"
        elif isinstance(exc, httpx.ConnectError):
            error = f"cannot connect to {target}: {self._reason(exc)}"
        elif isinstance(exc, httpx.TransportError):
            error = f"network error talking to {target}: {self._reason(exc)}"
        else:
            retryable = False
            error = f"unexpected error sending to {target}: {self._reason(exc)}"
        return DeliveryResult(ok=False, retryable=retryable, error=error, latency_ms=latency)

    # --- keeping the secrets out of error texts ---

    def _retry_after(self, response: httpx.Response) -> str:
        value = response.headers.get("Retry-After")
        return f", Retry-After {self._scrub(value)[:20]}" if value else ""

    def _reason(self, exc: Exception) -> str:
        text = str(exc).strip() or "no details"
        return f"{type(exc).__name__}: {self._scrub(text)[:300]}"

    def _snippet(self, response: httpx.Response) -> str:
        try:
            text = response.text
        except Exception:
            return ""
        # Scrub before cutting, so that no piece of a secret survives at the cut.
        return " ".join(self._scrub(text[:20_000]).split())[:_BODY_SNIPPET_CHARS]

    def _scrub(self, text: str) -> str:
        for secret in self._secrets:
            text = text.replace(secret, "***")
        return text


def _with(result: DeliveryResult, *, ref: str | None) -> DeliveryResult:
    return DeliveryResult(
        ok=result.ok,
        retryable=result.retryable,
        status_code=result.status_code,
        error=result.error,
        latency_ms=result.latency_ms,
        ref=ref,
    )


def _reveal(value: str | SecretStr | None) -> str:
    if value is None:
        return ""
    return value.get_secret_value() if isinstance(value, SecretStr) else value


def _describe_host(url: str) -> str:
    """``host[:port]`` of a URL, without credentials, path or query; ``"?"`` when there is none."""
    try:
        parts = urlsplit(url)
        host = parts.hostname or "?"
        port = parts.port
    except ValueError:
        return "?"
    return f"{host}:{port}" if port is not None else host


def _secret_parts(url: str) -> list[str]:
    """Pieces of a webhook URL that could give it away, longest first (Slack's path is the secret)."""
    try:
        parts = urlsplit(url)
    except ValueError:
        return [url]
    candidates = [url, parts.path, parts.query, parts.password or ""]
    candidates += [segment for segment in parts.path.split("/") if len(segment) >= 6]
    unique = {candidate for candidate in candidates if candidate and candidate != "/"}
    return sorted(unique, key=len, reverse=True)


def _elapsed_ms(started: float) -> float:
    return round((time.perf_counter() - started) * 1000.0, 3)


# --------------------------------------------------------------------------- configuration


class SlackConfig(ChannelConfig):
    """A Slack channel in the ``channels:`` section: ``webhook_url``, or ``bot_token`` and ``channel``."""

    # A wrong entry must not print the secrets in the validation error.
    model_config = ConfigDict(hide_input_in_errors=True)

    type: Literal["slack"]
    webhook_url: Secret | None = None
    bot_token: Secret | None = None
    channel: Expanded | None = Field(default=None, description="The channel ID (C0123ABCD) the bot posts to.")
    api_url: Expanded = DEFAULT_API_URL
    rate_per_second: float | None = Field(
        default=RATE_PER_SECOND, gt=0, le=1000, description="At most this many messages per second."
    )

    @field_validator("webhook_url")
    @classmethod
    def _http_webhook(cls, value: SecretStr | None) -> SecretStr | None:
        if value is not None:
            parts = urlsplit(value.get_secret_value())
            if parts.scheme not in ("http", "https") or not parts.netloc:
                raise ValueError(
                    "webhook_url must be an http(s) URL (the incoming webhook URL, https://hooks.slack.com/services/...)"
                )
        return value

    @field_validator("api_url")
    @classmethod
    def _http_api(cls, value: str) -> str:
        parts = urlsplit(value)
        if parts.scheme not in ("http", "https") or not parts.netloc:
            raise ValueError(f"api_url must be an http(s) URL like {DEFAULT_API_URL}")
        return value.rstrip("/")

    @field_validator("channel")
    @classmethod
    def _channel_id(cls, value: str | None) -> str | None:
        if value is not None and not _CHANNEL_ID.match(value):
            raise ValueError(
                "channel must be a Slack channel ID like C0123ABCD (open the channel's details to copy it), "
                "not a name: messages are updated by ID"
            )
        return value

    @model_validator(mode="after")
    def _one_mode(self) -> SlackConfig:
        webhook = self.webhook_url is not None
        bot = self.bot_token is not None or self.channel is not None
        if webhook and bot:
            raise ValueError("set either webhook_url, or bot_token and channel, not both")
        if not webhook and not bot:
            raise ValueError("set webhook_url (incoming webhook), or bot_token and channel (bot)")
        if bot and (self.bot_token is None or self.channel is None):
            missing = "channel" if self.channel is None else "bot_token"
            raise ValueError(f"the bot mode needs both bot_token and channel; {missing} is missing")
        if webhook and self.kinds is not None and NotificationKind.ACKNOWLEDGED in self.kinds:
            raise ValueError(
                "an incoming webhook cannot update its messages, so it does not take acknowledged; "
                "use bot_token and channel to mirror acknowledgements"
            )
        return self

    def build(self, templates: Templates = DEFAULT) -> SlackChannel:
        return SlackChannel(
            webhook_url=self.webhook_url,
            bot_token=self.bot_token,
            channel=self.channel,
            api_url=self.api_url,
            timeout_seconds=self.timeout_seconds,
            name=self.name,
            rate_per_second=self.rate_per_second,
            kinds=frozenset(self.kinds) if self.kinds is not None else "default",
            templates=templates,
        )
