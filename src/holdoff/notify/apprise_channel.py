"""The long tail of chat and push services (Discord, Telegram, Matrix, ntfy, Mattermost ...) through apprise.

```yaml
channels:
  - name: team-chat
    type: apprise
    urls:
      - ${DISCORD_APPRISE_URL}        # discord://webhook_id/webhook_token
      - ${NTFY_APPRISE_URL}           # ntfys://user:password@ntfy.example.com/topic
    format: markdown
```

Each URL gets its own :class:`apprise.Apprise`, so each one's outcome and log lines are known. Apprise's
per-plugin send delay (``request_rate_per_sec``: seconds to wait between two requests, despite its name)
is set to 0 on every plugin instance: Holdoff's own ``rate_per_second`` governs. Apprise's socket
timeouts are set from ``timeout_seconds``.

Apprise URLs carry their credentials everywhere (host, user, password, path, query), so an error text
names a URL by its index and service, quotes only apprise's own log lines for that call, and scrubs
every piece of every URL from them.
"""

from __future__ import annotations

import hashlib
import logging
import re
import threading
import time
from collections import OrderedDict
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Literal
from urllib.parse import parse_qsl, unquote

import apprise
from apprise.common import NotifyFormat, NotifyType, PersistentStoreMode
from apprise.plugins import N_MGR
from pydantic import ConfigDict, Field, SecretStr, field_validator

from holdoff.mediate.model import NotificationKind
from holdoff.notify.channel import ALL_BUT_ACKNOWLEDGED, DeliveryResult
from holdoff.notify.config import ChannelConfig, Secret
from holdoff.notify.fallback import build_or_plain
from holdoff.notify.http_delivery import elapsed_ms, scrub
from holdoff.notify.message import Message
from holdoff.notify.templates import DEFAULT, Templates

Format = Literal["text", "markdown", "html"]

TEMPLATE_FORMATS: dict[str, str] = {"text": "txt", "markdown": "md", "html": "html"}
"""Which of Holdoff's template formats renders the body for each apprise ``format``."""

NOTIFY_TYPES: dict[NotificationKind, NotifyType] = {
    NotificationKind.ESCALATED: NotifyType.FAILURE,
    NotificationKind.REMINDER: NotifyType.FAILURE,
    NotificationKind.RESOLVED: NotifyType.SUCCESS,
    NotificationKind.TRANSIENT_RESOLVED: NotifyType.SUCCESS,
    NotificationKind.FLAPPING: NotifyType.WARNING,
    NotificationKind.CORRELATED: NotifyType.INFO,
    NotificationKind.DIGEST: NotifyType.WARNING,
}
"""Apprise's notification type (colour, icon, priority on many services) per kind; others are info."""

CALL_TIMEOUT_FACTOR = 3
"""One apprise call may make several requests (a login, then the message): it may last this many
times ``timeout_seconds`` before Holdoff stops waiting and reports a timeout."""

MAX_REMEMBERED = 512
"""Messages remembered as delivered to some of the URLs but not all (so a retry skips the others)."""

_SCHEME = re.compile(r"^\s*([A-Za-z0-9]{1,32})://")
_MIN_SCRUBBED = 4
_MAX_LOG_CHARS = 300
_REPORTED_LEVELS = frozenset({"WARNING", "ERROR", "CRITICAL"})
_OPTION_WORDS = frozenset(
    {"yes", "no", "true", "false", "on", "off", "post", "put", "get", "text", "markdown", "html"}
    | {"upstream", "truncate", "split", "default", "private", "cloud", "basic", "token", "none"}
)
"""Values of apprise's own URL options: never scrubbed (they would blank out ordinary words)."""


def _asset() -> apprise.AppriseAsset:
    # Memory only: apprise never writes a cache to disk on Holdoff's behalf.
    return apprise.AppriseAsset(storage_mode=PersistentStoreMode.MEMORY)


def url_secrets(url: str, *, query: bool = True) -> list[str]:
    """Every piece of an apprise URL that could give a credential away, longest first.

    Apprise URLs put tokens anywhere: ``discord://<id>/<token>``, ``tgram://<bot token>/<chat>``,
    ``ntfys://user:password@host/<topic>``, ``?token=...``. Only a host name with a dot (or
    ``localhost``), short port numbers and apprise's own option words (``yes``, ``POST``, ``markdown``
    ...) are kept, because those say where and how, not how to get in. ``query=False`` leaves the
    query out (for apprise's own rendering of a URL, whose query is its options).
    """
    candidates: set[str] = {url, url.strip()}
    rest = url.strip().split("://", 1)[-1]
    candidates |= {rest, unquote(rest)}
    before_query, _, query_text = rest.partition("?")
    authority, _, path = before_query.partition("/")
    for piece in re.split(r"[:@]", authority) + re.split(r"[:@]", unquote(authority)):
        if not _is_location(piece):
            candidates.add(piece)
    for segment in path.split("/") + unquote(path).split("/"):
        candidates.add(segment)
    if query:
        for key, value in parse_qsl(query_text, keep_blank_values=False):
            if value.lower() not in _OPTION_WORDS:
                candidates |= {value, f"{key}={value}"}
    unique = {candidate for candidate in candidates if len(candidate) >= _MIN_SCRUBBED}
    return sorted(unique, key=len, reverse=True)


def _is_location(piece: str) -> bool:
    lowered = piece.lower()
    return (
        lowered == "localhost"
        or ("." in lowered and re.fullmatch(r"[a-z0-9.-]+", lowered) is not None)
        or (piece.isdigit() and len(piece) <= 5)
    )


def load_plugin(url: str, index: int) -> Any:
    """The apprise plugin for ``url``; raises ValueError naming ``urls[index]``, never the URL."""
    where = f"urls[{index}]"
    found = _SCHEME.match(url)
    if found is None:
        raise ValueError(f"{where} is not an apprise URL: expected scheme://... such as discord://...")
    scheme = found.group(1).lower()
    secrets = url_secrets(url)
    try:
        plugin = apprise.Apprise.instantiate(url, asset=_asset(), suppress_exceptions=False)
    except Exception as exc:
        reason = " ".join(scrub(str(exc), secrets).split())[:_MAX_LOG_CHARS] or type(exc).__name__
        raise ValueError(f"{where}: apprise cannot use this {scheme}:// URL: {reason}") from None
    if plugin is None:
        if scheme not in N_MGR:
            raise ValueError(
                f"{where}: apprise does not know the scheme {scheme}:// "
                "(see the apprise wiki for the URL of each service)"
            )
        raise ValueError(
            f"{where}: apprise cannot make sense of this {scheme}:// URL "
            "(a part it needs, such as a token or a target, is missing or malformed)"
        )
    return plugin


@dataclass
class _Target:
    index: int
    label: str
    """``urls[0] (Discord)``: how errors name it."""
    manager: apprise.Apprise


class AppriseChannel:
    """Sends each message to every configured apprise URL."""

    name = "apprise"
    kinds: frozenset[NotificationKind] | None = ALL_BUT_ACKNOWLEDGED
    rate_per_second: float | None = None

    def __init__(
        self,
        urls: Sequence[str | SecretStr],
        *,
        name: str = "apprise",
        format: Format = "markdown",
        templates: Templates = DEFAULT,
        timeout_seconds: float = 10.0,
        rate_per_second: float | None = None,
        kinds: frozenset[NotificationKind] | None = ALL_BUT_ACKNOWLEDGED,
    ) -> None:
        if not urls:
            raise ValueError("urls: at least one apprise URL is needed")
        self.name = name
        self.kinds = kinds
        self.rate_per_second = rate_per_second
        self._format = format
        self._templates = templates
        self._timeout = timeout_seconds
        self._targets: list[_Target] = []
        self._secrets: list[str] = []
        plain = [url.get_secret_value() if isinstance(url, SecretStr) else url for url in urls]
        secrets: set[str] = set()
        for index, url in enumerate(plain):
            plugin = load_plugin(url, index)
            # Apprise's own spacing between requests (seconds, despite the name) would make a second
            # message wait up to several seconds; Holdoff's outbox rate-limits instead.
            plugin.request_rate_per_sec = 0
            plugin.socket_connect_timeout = timeout_seconds
            plugin.socket_read_timeout = timeout_seconds
            secrets |= set(url_secrets(url))
            secrets |= set(url_secrets(str(plugin.url(privacy=False)), query=False))
            manager = apprise.Apprise(asset=plugin.asset)
            manager.add(plugin)
            self._targets.append(_Target(index, self._label(index, plugin), manager))
        self._secrets = sorted(secrets, key=len, reverse=True)
        self._lock = threading.Lock()
        self._delivered: OrderedDict[str, frozenset[int]] = OrderedDict()

    @staticmethod
    def _label(index: int, plugin: Any) -> str:
        service = str(getattr(plugin, "service_name", None) or type(plugin).__name__)
        host = getattr(plugin, "host", None)
        where = f" on {host}" if isinstance(host, str) and _is_location(host) else ""
        return f"urls[{index}] ({service}{where})"

    def send(self, message: Message, ref: str | None = None) -> DeliveryResult:
        started = time.perf_counter()
        fmt = TEMPLATE_FORMATS[self._format]
        try:
            title, body = build_or_plain(
                lambda m: _encodable(m.title, self._templates.render("apprise", m, fmt)),
                message,
                self.name,
                lambda m: _encodable(m.title, DEFAULT.render("apprise", m, fmt)),
            )
        except Exception as exc:  # send never raises
            return DeliveryResult(
                ok=False,
                retryable=False,
                error=f"could not render the apprise message: {type(exc).__name__}: {self._scrub(str(exc))}",
                latency_ms=elapsed_ms(started),
            )
        notify_type = NOTIFY_TYPES.get(message.kind, NotifyType.INFO)
        fingerprint = _fingerprint(title, body, notify_type)
        with self._lock:
            already = self._delivered.get(fingerprint, frozenset())
        delivered = set(already)
        failures: list[str] = []
        for target in self._targets:
            if target.index in delivered:
                continue
            problem = self._notify(target, title, body, notify_type)
            if problem is None:
                delivered.add(target.index)
            else:
                failures.append(f"{target.label}: {problem}")
        self._remember(fingerprint, delivered, complete=not failures)
        latency = elapsed_ms(started)
        if not failures:
            return DeliveryResult(ok=True, retryable=False, latency_ms=latency)
        count = len(self._targets)
        summary = f"apprise delivered to {len(delivered)} of {count} URL(s)"
        if delivered:
            summary += " (a retry sends only to the ones that failed)"
        error = f"{summary}; " + "; ".join(failures)
        return DeliveryResult(ok=False, retryable=True, error=error, latency_ms=latency)

    def close(self) -> None:
        for target in self._targets:
            target.manager.clear()

    def _notify(self, target: _Target, title: str, body: str, notify_type: NotifyType) -> str | None:
        """None when delivered; otherwise why not, in apprise's words, scrubbed."""
        try:
            result = target.manager.notify(
                body=body,
                title=title,
                notify_type=notify_type,
                body_format=NotifyFormat(self._format),
                timeout=self._timeout * CALL_TIMEOUT_FACTOR,
                log_level=logging.WARNING,  # the reasons, without payloads or URLs
            )
        except Exception as exc:
            return f"apprise raised {type(exc).__name__}: {self._scrub(str(exc))}"
        try:
            if bool(result):
                return None
            status = getattr(result.status, "name", str(result.status))
            lines = [
                " ".join(self._scrub(str(entry.message)).split())
                for entry in result.logs()
                if str(entry.level).upper() in _REPORTED_LEVELS
            ]
        finally:
            result.close()
        reasons = "; ".join(dict.fromkeys(line for line in lines if line))[: _MAX_LOG_CHARS * 2]
        if status == "TIMEOUT":
            limit = f"{self._timeout * CALL_TIMEOUT_FACTOR:g}s"
            return f"did not finish within {limit}" + (f" ({reasons})" if reasons else "")
        if reasons:
            return reasons
        return f"apprise reported {status} without a reason (run apprise -vvv with this URL to see why)"

    def _remember(self, fingerprint: str, delivered: set[int], *, complete: bool) -> None:
        with self._lock:
            if complete or not delivered:
                self._delivered.pop(fingerprint, None)
                return
            self._delivered[fingerprint] = frozenset(delivered)
            self._delivered.move_to_end(fingerprint)
            while len(self._delivered) > MAX_REMEMBERED:
                self._delivered.popitem(last=False)

    def _scrub(self, text: str) -> str:
        return scrub(text, self._secrets)


def _encodable(title: str, body: str) -> tuple[str, str]:
    """Title and body, checked to encode as UTF-8 (what every apprise service sends)."""
    title.encode("utf-8")
    body.encode("utf-8")
    return title, body


def _fingerprint(title: str, body: str, notify_type: NotifyType) -> str:
    return hashlib.sha256("\0".join((title, body, notify_type.value)).encode("utf-8")).hexdigest()


class AppriseConfig(ChannelConfig):
    """An apprise channel in the ``channels:`` section: one or more apprise URLs."""

    model_config = ConfigDict(hide_input_in_errors=True)

    type: Literal["apprise"]
    urls: list[Secret] = Field(min_length=1, description="Apprise URLs (discord://, tgram://, ntfys:// ...).")
    format: Format = "markdown"

    @field_validator("urls", mode="before")
    @classmethod
    def _one_url_is_a_list(cls, value: Any) -> Any:
        # A single URL written without a list: accept it (and never quote it in a type error).
        return [value] if isinstance(value, str) else value

    @field_validator("urls")
    @classmethod
    def _apprise_knows_them(cls, value: list[SecretStr]) -> list[SecretStr]:
        for index, url in enumerate(value):
            load_plugin(url.get_secret_value(), index)
        return value

    def secrets(self) -> list[str]:
        """Every apprise URL (each one is a credential)."""
        return [*super().secrets(), *(url.get_secret_value() for url in self.urls if url.get_secret_value())]

    def build(self, templates: Templates = DEFAULT) -> AppriseChannel:
        return AppriseChannel(
            list(self.urls),
            name=self.name,
            format=self.format,
            templates=templates,
            timeout_seconds=self.timeout_seconds,
            rate_per_second=self.rate_per_second,
            kinds=frozenset(self.kinds) if self.kinds is not None else ALL_BUT_ACKNOWLEDGED,
        )
