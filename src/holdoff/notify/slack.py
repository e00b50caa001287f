"""Slack, in one of two modes.

* **Incoming webhook** (``webhook_url``): each message is a new post with Block Kit blocks. A webhook
  cannot edit what it posted, so it takes every kind but ``acknowledged``.
* **Bot token** (``bot_token`` + ``channel``): ``chat.postMessage`` through the Web API. Slack answers
  with the message's ``ts``, which becomes the delivery ``ref``: a later resolution or
  acknowledgement of the same alert edits that message in place (``chat.update``), and reminders
  and flapping summaries go into its thread instead of flooding the channel.

The webhook URL and the token are secrets: error texts name the host only and are scrubbed of both.
The Block Kit layout lives in :mod:`holdoff.notify.slack_blocks`, the error hints in
:mod:`holdoff.notify.slack_errors`.
"""

from __future__ import annotations

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
from holdoff.notify.fallback import build_or_plain
from holdoff.notify.http_delivery import describe_host, elapsed_ms, exception_failure, retryable_status, scrub
from holdoff.notify.http_delivery import snippet as body_snippet
from holdoff.notify.message import Message
from holdoff.notify.slack_blocks import build_blocks, build_payload, encode, fallback_text
from holdoff.notify.slack_errors import (
    API_HINTS,
    API_RETRYABLE,
    WEBHOOK_GONE,
    WEBHOOK_HINTS,
    secret_parts,
)
from holdoff.notify.templates import DEFAULT, Templates

log = logging.getLogger(__name__)

DEFAULT_API_URL = "https://slack.com/api"
RATE_PER_SECOND = 1.0
"""Slack allows about one message per second per channel (short bursts are tolerated)."""

_UPDATED_IN_PLACE = frozenset({NotificationKind.RESOLVED, NotificationKind.ACKNOWLEDGED})
"""Kinds that edit the alert's first message when there is one."""
_ALWAYS_NEW = frozenset({NotificationKind.ESCALATED, NotificationKind.DIGEST})
"""Kinds posted at the top of the channel even when an earlier message exists: an escalation must
not hide in the thread of, say, a flapping summary; a digest is about many alerts."""

_BODY_SNIPPET_CHARS = 200
_CHANNEL_ID = re.compile(r"^[CGD][A-Z0-9]+$")


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
        self.host = describe_host(webhook or self._api_url)
        self._secrets = secret_parts(webhook) if webhook else [token]
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
            body = build_or_plain(
                lambda m: encode(build_payload(m, self._templates)),
                message,
                self.name,
                lambda m: encode(build_payload(m, DEFAULT)),
            )
            response = self._client.post(
                self._webhook, content=body, headers={"Content-Type": "application/json; charset=utf-8"}
            )
        except Exception as exc:  # send never raises: every failure becomes a result
            return self._failure_from_exception(exc, target, "webhook_url", started)
        latency = elapsed_ms(started)
        status = response.status_code
        if 200 <= status < 300:
            return DeliveryResult(ok=True, retryable=False, status_code=status, latency_ms=latency)
        snippet = self._snippet(response)
        code = snippet.strip().lower() if re.fullmatch(r"[a-z_]{3,60}", snippet.strip().lower()) else ""
        where = f"HTTP {status} from {target}"
        detail = f": {snippet}" if snippet else ""
        if retryable_status(status):
            if status == 429:
                where += (
                    f" (rate limited: Slack allows about 1 message per second{self._retry_after(response)})"
                )
            return DeliveryResult(
                ok=False, retryable=True, status_code=status, error=where + detail, latency_ms=latency
            )
        if code in WEBHOOK_HINTS:
            hint = WEBHOOK_HINTS[code]
        elif status in (404, 410):
            hint = WEBHOOK_GONE
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
            text, blocks = build_or_plain(
                lambda m: _laid_out(m, self._templates), message, self.name, lambda m: _laid_out(m, DEFAULT)
            )
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
        latency = elapsed_ms(started)
        status = response.status_code
        if retryable_status(status):
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
        retryable = code in API_RETRYABLE
        error = f"Slack API {method} on {self.host} answered {code}"
        if code in ("ratelimited", "rate_limited"):
            error += f" (rate limited: Slack allows about 1 message per second per channel{self._retry_after(response)})"
        elif code == "missing_scope":
            needed = self._scrub(str(answer.get("needed") or "chat:write"))[:100]
            error += f" (the token lacks the {needed} scope: add it to the app and reinstall it)"
        elif code in API_HINTS:
            error += f" ({API_HINTS[code]})"
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
        return exception_failure(
            exc,
            target=target,
            url_setting=setting,
            timeout_seconds=self._timeout,
            scrub=self._scrub,
            started=started,
            after_read_timeout=" (it may have posted the message)",
            reason_chars=300,
            unexpected_retryable=False,
        )

    # --- keeping the secrets out of error texts ---

    def _retry_after(self, response: httpx.Response) -> str:
        value = response.headers.get("Retry-After")
        return f", Retry-After {self._scrub(value)[:20]}" if value else ""

    def _snippet(self, response: httpx.Response) -> str:
        return body_snippet(response, self._scrub, _BODY_SNIPPET_CHARS)

    def _scrub(self, text: str) -> str:
        return scrub(text, self._secrets)


def _laid_out(message: Message, templates: Templates) -> tuple[str, list[dict[str, Any]]]:
    """The bot's ``text`` and ``blocks``, checked to encode (so a failure shows here, where the plain
    message can take over, not when the request is sent)."""
    text, blocks = fallback_text(message, templates), build_blocks(message)
    encode({"text": text, "blocks": blocks})
    return text, blocks


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
