"""Query strings under the rule for input text (:mod:`holdoff.edge`): NUL becomes U+FFFD.

A query string cannot carry a lone surrogate (its bytes are not UTF-8, and Starlette decodes them as
U+FFFD already), but ``%00`` decodes to NUL, which PostgreSQL refuses in a query: ``/alerts?q=%00``
would be a 500 there and an empty answer on SQLite. Rewritten once here, before any route reads it.
"""

from __future__ import annotations

from starlette.types import ASGIApp, Receive, Scope, Send

_NUL = (b"%00", b"\x00")
_REPLACEMENT = b"%EF%BF%BD"


def cleaned(query: bytes) -> bytes:
    """``query`` with every encoded or raw NUL turned into an encoded U+FFFD."""
    return query.replace(b"%00", _REPLACEMENT).replace(b"\x00", _REPLACEMENT)


class QueryText:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] in ("http", "websocket"):
            query: bytes = scope.get("query_string", b"")
            if any(nul in query for nul in _NUL):
                scope = {**scope, "query_string": cleaned(query)}
        await self.app(scope, receive, send)
