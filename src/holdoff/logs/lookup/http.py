"""What the HTTP stores (Loki, Elasticsearch/OpenSearch) share: a request built by a pure function,
sent by one small client, and every failure turned into a :class:`LookupFailed` that says what to
check without quoting a secret."""

from __future__ import annotations

import base64
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Final
from urllib.parse import urlsplit

import httpx

from holdoff import __version__
from holdoff.logs.lookup.query import LookupConfig, LookupFailed

SNIPPET_CHARS: Final = 300
AUTH_STATUSES: Final = frozenset({401, 403})


@dataclass(frozen=True)
class HttpRequest:
    """One request to a store, exactly as it will be sent."""

    method: str
    url: str
    params: dict[str, str] = field(default_factory=dict)
    headers: dict[str, str] = field(default_factory=dict)
    json_body: Any = None


def host_of(url: str) -> str:
    """``host[:port]`` of ``url``, without credentials, path or query; ``"?"`` when there is none."""
    try:
        parts = urlsplit(url)
        host = parts.hostname or "?"
        port = parts.port
    except ValueError:
        return "?"
    return f"{host}:{port}" if port is not None else host


def basic_auth(user: str, password: str) -> str:
    """An ``Authorization`` header value for HTTP basic authentication."""
    return "Basic " + base64.b64encode(f"{user}:{password}".encode()).decode("ascii")


def new_client(timeout_seconds: float, transport: httpx.BaseTransport | None = None) -> httpx.Client:
    """The client every HTTP store uses: one timeout for connect and read, no redirects followed."""
    return httpx.Client(
        timeout=httpx.Timeout(timeout_seconds),
        follow_redirects=False,
        headers={"User-Agent": f"holdoff/{__version__}"},
        transport=transport,
    )


def send(client: httpx.Client, request: HttpRequest, config: LookupConfig, kind: str) -> Any:
    """The store's JSON answer to ``request``; every failure a :class:`LookupFailed` naming the store."""
    where = f'{kind} lookup "{config.name}" ({host_of(request.url)})'
    scrub = scrubber(config, request)
    try:
        response = client.request(
            request.method,
            request.url,
            params=request.params or None,
            headers=request.headers,
            json=request.json_body,
        )
    except httpx.TimeoutException:
        raise LookupFailed(
            f"{where}: no answer within {config.timeout_seconds:g}s (timeout_seconds)",
            source_name=config.name,
        ) from None
    except httpx.HTTPError as exc:
        reason = scrub(str(exc).strip() or "no details")
        raise LookupFailed(
            f"{where}: could not connect: {type(exc).__name__}: {reason}", source_name=config.name
        ) from None
    if response.status_code >= 400:
        raise LookupFailed(
            f"{where}: {status_text(response.status_code)}: {snippet(response.text, scrub)}",
            source_name=config.name,
            status=response.status_code,
        )
    try:
        return response.json()
    except ValueError:
        raise LookupFailed(
            f"{where}: the answer is not JSON: {snippet(response.text, scrub)}",
            source_name=config.name,
            status=response.status_code,
        ) from None


def status_text(status: int) -> str:
    if status in AUTH_STATUSES:
        return f"HTTP {status}, credentials refused (check the user and password, token or api key)"
    if status == 404:
        return "HTTP 404, not found (check the url and the index or path)"
    if status == 429:
        return "HTTP 429, the store is throttling queries"
    return f"HTTP {status}"


def scrubber(config: LookupConfig, request: HttpRequest) -> Callable[[str], str]:
    """Replaces the config's secrets and the request's credentials (an encoded basic authentication
    token is as good as the password) by ``***``."""
    credentials = request.headers.get("Authorization", "").partition(" ")[2]

    def scrub(text: str) -> str:
        text = config.scrub(text)
        return text.replace(credentials, "***") if credentials else text

    return scrub


def snippet(text: str, scrub: Callable[[str], str]) -> str:
    """The start of an answer on one line, secrets replaced, cut to :data:`SNIPPET_CHARS`."""
    folded = " ".join(scrub(text[:20_000]).split())
    return folded[:SNIPPET_CHARS] or "(empty answer)"
