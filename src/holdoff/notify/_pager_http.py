"""What the PagerDuty and Opsgenie channels share: one JSON POST to an incident API, and its outcome
as a :class:`~holdoff.notify.channel.DeliveryResult` whose error text says what to check and never
contains the channel's key.

Both services mirror the state of an alert (opened, acknowledged, closed), so both take the same
kinds of message: an escalation or reminder opens (or re-triggers) the alert, an acknowledgement
acknowledges it and a resolution closes it. Transient posts, flapping summaries and digests are not
for a pager.
"""

from __future__ import annotations

import json
from typing import Any

import httpx

from holdoff import __version__
from holdoff.mediate.model import NotificationKind
from holdoff.notify import http_delivery
from holdoff.notify.channel import DeliveryResult
from holdoff.notify.http_delivery import Scrub as Scrub
from holdoff.notify.http_delivery import elapsed_ms as elapsed_ms
from holdoff.notify.http_delivery import scrubber as scrubber

PAGER_KINDS = frozenset(
    {
        NotificationKind.ESCALATED,
        NotificationKind.REMINDER,
        NotificationKind.ACKNOWLEDGED,
        NotificationKind.RESOLVED,
    }
)
"""The message kinds a pager channel takes."""

CUT_MARK = "…"
SNIPPET_CHARS = 300


def check_kinds(kinds: list[NotificationKind] | None, service: str) -> list[NotificationKind] | None:
    """``kinds`` from the configuration, refused when it names a kind the pager does not take."""
    if kinds is None:
        return None
    extra = sorted(kind.value for kind in kinds if kind not in PAGER_KINDS)
    if extra:
        allowed = ", ".join(sorted(kind.value for kind in PAGER_KINDS))
        raise ValueError(
            f"a {service} channel does not take {', '.join(extra)} messages; kinds may only name {allowed}"
        )
    return kinds


def channel_kinds(kinds: list[NotificationKind] | None) -> frozenset[NotificationKind]:
    return PAGER_KINDS if kinds is None else frozenset(kinds)


def check_http_url(value: str, setting: str) -> str:
    """``value`` when it is an absolute http(s) URL with a host; else a ValueError naming ``setting``."""
    try:
        url = httpx.URL(value)
    except Exception as exc:
        raise ValueError(f"{setting} is not a URL: {exc}") from exc
    if url.scheme not in ("http", "https") or not url.host:
        raise ValueError(
            f"{setting} must be an http:// or https:// URL with a host, like https://example.com"
        )
    return value


def cut(text: str, limit: int) -> str:
    """``text`` with at most ``limit`` characters; a cut one ends in ``…``."""
    if len(text) <= limit:
        return text
    return text[: max(limit - len(CUT_MARK), 0)] + CUT_MARK


def encode(payload: dict[str, Any]) -> bytes:
    """The exact bytes sent: compact UTF-8 JSON."""
    return json.dumps(payload, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


def host_of(url: str) -> str:
    """``host[:port]`` of ``url``, without credentials, path or query; ``"?"`` when there is none."""
    try:
        parsed = httpx.URL(url)
    except Exception:
        return "?"
    host = parsed.host or "?"
    return f"{host}:{parsed.port}" if parsed.port is not None else host


def new_client(timeout_seconds: float, transport: httpx.BaseTransport | None = None) -> httpx.Client:
    return httpx.Client(
        timeout=httpx.Timeout(timeout_seconds),
        follow_redirects=False,
        headers={"User-Agent": f"holdoff/{__version__}"},
        transport=transport,
    )


def response_json(response: httpx.Response) -> Any:
    """The response's JSON body, or None when it has none."""
    try:
        return response.json()
    except Exception:
        return None


def snippet(response: httpx.Response, scrub: Scrub, chars: int = SNIPPET_CHARS) -> str:
    """The start of the response body on one line, without secrets."""
    return http_delivery.snippet(response, scrub, chars)


def one_line(text: str, scrub: Scrub, chars: int = SNIPPET_CHARS) -> str:
    return http_delivery.one_line(text, scrub, chars)


def retry_after(response: httpx.Response, scrub: Scrub) -> str:
    value = response.headers.get("Retry-After")
    return f"; Retry-After {one_line(value, scrub, 40)}" if value else ""


def exception_failure(
    exc: Exception, target: str, timeout_seconds: float, scrub: Scrub, url_setting: str, started: float
) -> DeliveryResult:
    """The result for a request that got no HTTP answer: retryable unless the URL itself is unusable."""
    return http_delivery.exception_failure(
        exc,
        target=target,
        url_setting=url_setting,
        timeout_seconds=timeout_seconds,
        scrub=scrub,
        started=started,
        after_read_timeout=(
            " (it may have taken the request; sending it again is safe, the key is the same)"
        ),
        sending="the request",
    )


def not_taken(
    service: str, name: str, kind: NotificationKind, kinds: frozenset[NotificationKind]
) -> DeliveryResult:
    """The result for a message of a kind this channel does not take (the outbox should not queue it)."""
    taken = ", ".join(sorted(item.value for item in kinds))
    return DeliveryResult(
        ok=False,
        retryable=False,
        error=f"the {service} channel {name!r} does not take {kind.value} messages (it takes {taken})",
    )
