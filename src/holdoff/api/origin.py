"""The Origin and Host checks: refuse what a browser sends on behalf of another site.

Why: in open mode every request acts as admin, and a logged-in browser sends its session cookie
(SameSite=Lax) with requests that any page of the same site makes, another port of the same host
included. Without these checks such pages, or any page at all in open mode, could suppress alerts,
create silences or read the live WebSocket. Two checks run before anything else does:

- **Host** (against DNS rebinding): the ``Host`` header must name Holdoff: an IP address, ``localhost``,
  the bind address, ``public_url``'s host, or one of ``allowed_hosts``. A rebinding attack needs a name
  the attacker controls (``evil.example`` made to resolve to 127.0.0.1), so a host name nobody listed is
  refused with 400. Bound to all addresses (``0.0.0.0``, ``::``) with no ``allowed_hosts``, Holdoff cannot
  know the names it is reached by (a compose service name, a load balancer's), and refusing a webhook
  would lose a page: it accepts any Host and warns at start. Open mode never applies there, so a
  rebinding page still meets the login. ``/health`` is answered whatever the Host, for probes.
- **Origin** (against cross-site requests): an unsafe request (any method but GET/HEAD/OPTIONS) or a
  WebSocket upgrade that carries a browser ``Origin`` must come from Holdoff's own origin (the
  request's scheme and Host, or ``public_url``'s) or one of ``allowed_origins``; else 403, or the
  WebSocket is closed with 1008 before it is accepted. ``Origin: null`` (a sandboxed page, a file) is
  refused. Without ``Origin`` (curl, webhooks, Alertmanager) the request passes, unless the browser's
  ``Sec-Fetch-Site`` says another site made it. ``/actions/{token}`` is not checked: the signed
  single-use token in its URL is the permission, and its page is served with ``no-referrer``, which
  makes browsers send ``Origin: null`` with its button.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Final
from urllib.parse import urlsplit

from fastapi import FastAPI
from starlette.types import ASGIApp, Receive, Scope, Send

from holdoff.api.auth import SAFE_METHODS
from holdoff.settings import Settings
from holdoff.settings.server import is_ip_address

ALL_ADDRESSES: Final = frozenset({"", "0.0.0.0", "::", "[::]"})  # noqa: S104 (names, not a bind)
"""Bind addresses that listen on every interface."""
ANY: Final = "*"
HOST_FREE_PATHS: Final = frozenset({"/health", "/ready"})
"""Answered whatever the Host: probes use names Holdoff is not told about, and it shows no data."""
ORIGIN_FREE_PREFIX: Final = "/actions/"
"""Action links: the token in the URL is the permission (see the module docstring)."""
DEFAULT_PORTS: Final = {"http": 80, "https": 443}
WEB_SCHEME: Final = {"http": "http", "https": "https", "ws": "http", "wss": "https"}
CROSS_SITE: Final = frozenset({"cross-site", "same-site"})
"""``Sec-Fetch-Site`` values that mean a page of another origin made the request."""
MAX_CLOSE_REASON: Final = 123
"""Bytes a WebSocket close reason may hold."""


def host_name(value: str) -> str | None:
    """``Example.COM:5000`` -> ``example.com``, ``[::1]:80`` -> ``::1``; None when it does not parse."""
    try:
        parts = urlsplit(f"//{value.strip()}")
        parts.port  # noqa: B018 (raises ValueError for a port that is not one)
    except ValueError:
        return None
    name = parts.hostname
    if not name or parts.username is not None or parts.password is not None or parts.path:
        return None
    return name.rstrip(".")


def web_origin(value: str) -> str | None:
    """A URL's origin as browsers write it: ``HTTPS://Example.com:443/x`` -> ``https://example.com``.
    None when ``value`` has no http(s) scheme or host."""
    try:
        parts = urlsplit(value.strip())
        port = parts.port
    except ValueError:
        return None
    scheme = parts.scheme.lower()
    if scheme not in DEFAULT_PORTS or not parts.hostname:
        return None
    name = parts.hostname.rstrip(".")
    host = f"[{name}]" if ":" in name else name
    return f"{scheme}://{host}" if port in (None, DEFAULT_PORTS[scheme]) else f"{scheme}://{host}:{port}"


@dataclass(frozen=True)
class Trusted:
    """The names and origins Holdoff answers to."""

    hosts: frozenset[str]
    """Host names accepted besides IP addresses."""
    origins: frozenset[str]
    """Origins trusted besides the request's own."""
    any_host: bool = False

    @classmethod
    def from_settings(cls, settings: Settings) -> Trusted:
        everywhere = settings.server.host.strip() in ALL_ADDRESSES
        public = web_origin(settings.server.public_url) if settings.server.public_url else None
        names = {"localhost", *settings.server.allowed_hosts}
        if not everywhere:
            names.add(settings.server.host.strip().lower().removeprefix("[").removesuffix("]").rstrip("."))
        if public is not None:
            names.add(urlsplit(public).hostname or "")
        return cls(
            hosts=frozenset(name for name in names - {ANY, ""}),
            origins=frozenset(
                origin
                for origin in (public, *map(web_origin, settings.server.allowed_origins))
                if origin is not None
            ),
            any_host=ANY in settings.server.allowed_hosts
            or (everywhere and not settings.server.allowed_hosts),
        )

    def knows_host(self, name: str) -> bool:
        return self.any_host or name in self.hosts or is_ip_address(name)


@dataclass(frozen=True)
class Refusal:
    status: int
    detail: str


def check(
    trusted: Trusted,
    *,
    method: str | None,
    scheme: str,
    path: str,
    host: str | None,
    origin: str | None,
    fetch_site: str | None,
) -> Refusal | None:
    """Whether to refuse a request before it runs. ``method`` is None for a WebSocket upgrade;
    ``scheme`` is the connection's (``http``, ``https``, ``ws``, ``wss``)."""
    if path in HOST_FREE_PATHS:
        return None
    own: str | None = None
    if host:
        name = host_name(host)
        if name is None or not trusted.knows_host(name):
            return Refusal(
                400,
                f"the Host header {host[:100]!r} does not name this Holdoff (refused against DNS "
                "rebinding): reach it by an address it knows, or add the name to allowed_hosts "
                "(HOLDOFF_ALLOWED_HOSTS) or set public_url (HOLDOFF_PUBLIC_URL)",
            )
        own = web_origin(f"{WEB_SCHEME.get(scheme, scheme)}://{host}")
    if (method is not None and method in SAFE_METHODS) or path.startswith(ORIGIN_FREE_PREFIX):
        return None
    what = "a WebSocket" if method is None else f"a {method} request"
    if origin is None:
        if fetch_site is not None and fetch_site.strip().lower() in CROSS_SITE:
            return Refusal(
                403,
                f"{what} made by a page of another site (Sec-Fetch-Site: {fetch_site[:20]}) is refused; "
                "to let another origin's pages act here, add it to allowed_origins "
                "(HOLDOFF_ALLOWED_ORIGINS)",
            )
        return None
    if origin.strip() == "null":
        return Refusal(
            403,
            f"{what} from an opaque origin (Origin: null: a sandboxed page, a local file or a "
            "cross-site redirect) is refused; open Holdoff's own pages, or send the request without "
            "a browser",
        )
    found = web_origin(origin)
    if found is not None and (found == own or found in trusted.origins):
        return None
    return Refusal(
        403,
        f"{what} from the origin {origin[:100]!r} is refused: only Holdoff's own pages "
        f"({own or 'the origin it is reached at'}) may change things or open the live feed; to allow "
        "another origin, add it to allowed_origins (HOLDOFF_ALLOWED_ORIGINS)",
    )


def _header(scope: Scope, name: bytes) -> str | None:
    for key, value in scope.get("headers", ()):
        if key == name:
            text: str = value.decode("latin-1")
            return text
    return None


class OriginHostCheck:
    """ASGI middleware applying :func:`check` to every HTTP request and WebSocket upgrade."""

    def __init__(self, app: ASGIApp, trusted: Trusted) -> None:
        self.app = app
        self.trusted = trusted

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] not in ("http", "websocket"):
            await self.app(scope, receive, send)
            return
        refusal = check(
            self.trusted,
            method=scope["method"] if scope["type"] == "http" else None,
            scheme=scope.get("scheme", "http"),
            path=scope.get("path", ""),
            host=_header(scope, b"host"),
            origin=_header(scope, b"origin"),
            fetch_site=_header(scope, b"sec-fetch-site"),
        )
        if refusal is None:
            await self.app(scope, receive, send)
        elif scope["type"] == "websocket":
            reason = refusal.detail.encode()[:MAX_CLOSE_REASON].decode(errors="ignore")
            await send({"type": "websocket.close", "code": 1008, "reason": reason})
        else:
            body = json.dumps({"detail": refusal.detail}).encode()
            headers = [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())]
            await send({"type": "http.response.start", "status": refusal.status, "headers": headers})
            await send({"type": "http.response.body", "body": body})


def install(app: FastAPI, settings: Settings) -> Trusted:
    """Put the checks in front of everything else ``app`` runs. (Accepting any Host on all addresses
    is warned about with the other configuration warnings: :mod:`holdoff.settings.warnings`.)"""
    trusted = Trusted.from_settings(settings)
    app.add_middleware(OriginHostCheck, trusted=trusted)
    return trusted
