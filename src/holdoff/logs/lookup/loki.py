"""Grafana Loki: the lines around an alert from LogQL ``query_range``.

The service maps to a stream label (``service_label``, default ``service_name``, which the
OpenTelemetry Collector and Grafana Alloy set), or to a whole stream selector of your own
(``selector``, where ``{service}`` is replaced by the service's name). ``contains`` becomes a line
filter (``|= "text"``), ``host`` a label filter on ``host_label``.
"""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any, Literal
from urllib.parse import quote

import httpx
from pydantic import Field, model_validator

from holdoff.config_types import Secret
from holdoff.logs.lookup import http
from holdoff.logs.lookup.http import HttpRequest
from holdoff.logs.lookup.query import (
    CONTEXT_SPAN,
    FoundLine,
    LookupConfig,
    LookupFailed,
    LookupQuery,
    declared_level,
    epoch_ms,
    epoch_ns,
    from_epoch_ns,
    newest_first,
    quoted,
)

LEVEL_LABELS = ("level", "severity", "detected_level", "severity_text")
"""Stream labels read as a line's level when the line declares none itself."""


class LokiConfig(LookupConfig):
    """``type: loki``: a Loki (or Grafana Cloud Logs) endpoint."""

    type: Literal["loki"]
    url: str = Field(description="Loki's base URL, e.g. http://loki:3100 (the API is under /loki/api/v1).")
    tenant: str | None = Field(default=None, description="Sent as X-Scope-OrgID (multi-tenant Loki).")
    user: str | None = Field(default=None, description="Basic authentication user (Grafana Cloud: the id).")
    password: Secret | None = None
    bearer_token: Secret | None = None
    service_label: str = Field(default="service_name", pattern=r"^[A-Za-z_][A-Za-z0-9_]*$")
    host_label: str = Field(default="host", pattern=r"^[A-Za-z_][A-Za-z0-9_]*$")
    selector: str | None = Field(
        default=None,
        description='A stream selector with {service} in it, e.g. {app="{service}", env="prod"}; '
        'default {<service_label>="{service}"}.',
    )
    grafana_url: str | None = Field(default=None, description="Grafana's URL, for Explore links.")
    grafana_datasource: str | None = Field(
        default=None, description="The uid of the Loki data source in Grafana (default: Grafana's default)."
    )

    @model_validator(mode="after")
    def _check(self) -> LokiConfig:
        if not self.url.startswith(("http://", "https://")):
            raise ValueError("url must be an http:// or https:// URL, like http://loki:3100")
        if self.password is not None and self.user is None:
            raise ValueError("password needs user (basic authentication)")
        if self.bearer_token is not None and self.password is not None:
            raise ValueError("give either user and password or bearer_token, not both")
        if self.selector is not None and "{service}" not in self.selector:
            raise ValueError("selector must contain {service}, where the service's name goes")
        return self

    def build(self, transport: httpx.BaseTransport | None = None) -> LokiLookup:
        return LokiLookup(self, transport)

    def describe(self) -> str:
        tenant = f", tenant {self.tenant}" if self.tenant else ""
        return f'loki "{self.name}" ({http.host_of(self.url)}{tenant})'


# --------------------------------------------------------------------------- pure parts


def logql(config: LokiConfig, query: LookupQuery, *, with_contains: bool = True) -> str:
    """The LogQL for ``query``: the stream selector, then the host and text filters."""
    service = quoted(query.service)[1:-1]
    template = config.selector or "{" + config.service_label + '="{service}"}'
    expression = template.replace("{service}", service)
    if query.host is not None:
        expression += f" | {config.host_label}={quoted(query.host)}"
    if with_contains and query.contains is not None:
        expression += f" |= {quoted(query.contains)}"
    return expression


def loki_request(config: LokiConfig, query: LookupQuery) -> HttpRequest:
    """The ``query_range`` request: times in nanoseconds, newest lines first."""
    headers: dict[str, str] = {"Accept": "application/json"}
    if config.tenant:
        headers["X-Scope-OrgID"] = config.tenant
    if config.user is not None and config.password is not None:
        headers["Authorization"] = http.basic_auth(config.user, config.password.get_secret_value())
    elif config.bearer_token is not None:
        headers["Authorization"] = f"Bearer {config.bearer_token.get_secret_value()}"
    return HttpRequest(
        method="GET",
        url=config.url.rstrip("/") + "/loki/api/v1/query_range",
        params={
            "query": logql(config, query),
            "start": str(epoch_ns(query.start)),
            "end": str(epoch_ns(query.end)),
            "limit": str(config.lines_for(query)),
            "direction": "backward",
        },
        headers=headers,
    )


def parse_loki(body: Any, config: LokiConfig, query: LookupQuery) -> list[FoundLine]:
    """A ``query_range`` answer's streams as lines, newest first; a malformed answer is refused."""
    data = body.get("data") if isinstance(body, dict) else None
    if not isinstance(data, dict) or (isinstance(body, dict) and body.get("status") not in (None, "success")):
        raise LookupFailed(f'loki lookup "{config.name}": unexpected answer', source_name=config.name)
    if data.get("resultType") != "streams":
        raise LookupFailed(
            f'loki lookup "{config.name}": the query gave {data.get("resultType")!r}, not log streams '
            "(the selector must be a log query, not a metric query)",
            source_name=config.name,
        )
    found: list[FoundLine] = []
    for stream in data.get("result") or []:
        labels = {str(k): str(v) for k, v in (stream.get("stream") or {}).items()}
        for value in stream.get("values") or []:
            line = _line(value, labels, config, query)
            if line is not None:
                found.append(line)
    return newest_first(found, config.lines_for(query))


def _line(value: Any, labels: dict[str, str], config: LokiConfig, query: LookupQuery) -> FoundLine | None:
    if not isinstance(value, list) or len(value) < 2 or not isinstance(value[1], str):
        return None
    try:
        timestamp = from_epoch_ns(int(value[0]))
    except (TypeError, ValueError, OverflowError):
        return None
    service = labels.get(config.service_label) or query.service
    level = declared_level(value[1], service, timestamp)
    if level is None:
        level = next((labels[name] for name in LEVEL_LABELS if labels.get(name)), None)
    host = labels.get(config.host_label) or labels.get("hostname") or query.host
    return FoundLine(
        timestamp=timestamp,
        service=service,
        host=host,
        level=level,
        message=value[1],
        source_name=config.name,
        link=explore_link(config, query, timestamp),
        labels=labels,
    )


def explore_link(config: LokiConfig, query: LookupQuery, at: datetime) -> str | None:
    """A Grafana Explore URL showing the service's lines a minute either side of ``at``."""
    if config.grafana_url is None:
        return None
    target: dict[str, Any] = {"refId": "A", "expr": logql(config, query, with_contains=False)}
    pane: dict[str, Any] = {"queries": [target]}
    if config.grafana_datasource:
        pane["datasource"] = config.grafana_datasource
        target["datasource"] = {"type": "loki", "uid": config.grafana_datasource}
    pane["range"] = {"from": str(epoch_ms(at - CONTEXT_SPAN)), "to": str(epoch_ms(at + CONTEXT_SPAN))}
    panes = json.dumps({"lookup": pane}, separators=(",", ":"), ensure_ascii=False)
    return f"{config.grafana_url.rstrip('/')}/explore?schemaVersion=1&panes={quote(panes, safe='')}"


# --------------------------------------------------------------------------- the client


class LokiLookup:
    """Asks one Loki for lines (the thin shell around :func:`loki_request` and :func:`parse_loki`)."""

    def __init__(self, config: LokiConfig, transport: httpx.BaseTransport | None = None) -> None:
        self.config = config
        self._client = http.new_client(config.timeout_seconds, transport)

    @property
    def name(self) -> str:
        return self.config.name

    def lines(self, query: LookupQuery) -> list[FoundLine]:
        body = http.send(self._client, loki_request(self.config, query), self.config, "loki")
        return parse_loki(body, self.config, query)

    def describe(self) -> str:
        return self.config.describe()

    def close(self) -> None:
        self._client.close()
