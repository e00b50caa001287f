"""What the deploy tests share: the repository's paths, and the checks that an artifact sends a
token the way Holdoff reads it."""

from __future__ import annotations

from pathlib import Path

from starlette.requests import Request

from holdoff.api.ingest_auth import presented_token

ROOT = Path(__file__).resolve().parents[2]
DEPLOY = ROOT / "deploy"
RULES = DEPLOY / "prometheus" / "holdoff-rules.yml"
DASHBOARD = DEPLOY / "grafana" / "holdoff-dashboard.json"
"""Holdoff's own alert rules and Grafana dashboard; the compose file and the chart use them."""


def token_holdoff_reads(headers: dict[str, str], query: str = "") -> str | None:
    """The token Holdoff's ingest authentication finds in a request with these headers."""
    scope = {
        "type": "http",
        "method": "POST",
        "path": "/",
        "query_string": query.encode(),
        "headers": [(name.lower().encode(), value.encode()) for name, value in headers.items()],
    }
    return presented_token(Request(scope))
