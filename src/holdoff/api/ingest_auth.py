"""Shared-token authentication of alert senders, per source.

A sender presents its source's token as ``Authorization: Bearer <token>``, as ``X-Holdoff-Token``,
or as ``?token=`` for senders that cannot set headers. Tokens are compared in constant time.
Which sources must present one is configuration (``ingest_tokens``); a source with no token
configured accepts webhooks without one. That is allowed in open mode, or for a source named open on
purpose (``sources.<name>.open``); otherwise ``holdoff serve`` refuses to start (see
:mod:`holdoff.settings.warnings`).
"""

from __future__ import annotations

import hmac

from fastapi import HTTPException, Request

from holdoff.settings import Settings


def presented_token(request: Request) -> str | None:
    authorization = request.headers.get("authorization", "")
    scheme, _, credentials = authorization.partition(" ")
    if scheme.lower() == "bearer" and credentials.strip():
        return credentials.strip()
    return request.headers.get("x-holdoff-token") or request.query_params.get("token")


def require_source_token(request: Request, settings: Settings, source: str) -> None:
    """Raise 401 unless the request carries the token configured for ``source`` (if any)."""
    expected = settings.sources.token_for(source)
    if expected is None:
        return
    presented = presented_token(request)
    if presented is None:
        raise HTTPException(
            401,
            f"{source} webhooks need a token: send 'Authorization: Bearer <token>', "
            "an X-Holdoff-Token header, or ?token=<token>",
            headers={"WWW-Authenticate": "Bearer"},
        )
    if not hmac.compare_digest(presented.encode("utf-8"), expected.get_secret_value().encode("utf-8")):
        raise HTTPException(
            401, f"the token is not valid for {source} webhooks", headers={"WWW-Authenticate": "Bearer"}
        )
