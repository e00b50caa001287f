"""Elasticsearch and OpenSearch: the lines around an alert from one ``_search``.

Both speak the same query DSL, so one store type serves both. The search is a ``bool`` query: a
``range`` on the time field and a ``term`` on the service field (a keyword field: with dynamic
mapping of a text field that is ``service.name.keyword``), a ``term`` on the host field when a host
is asked for, and a ``match_phrase`` on the message when text is; newest first. Documents may hold
dotted fields nested (``{"service": {"name": ...}}``), flat (``{"service.name": ...}``) or mixed.
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
    iso_utc,
    newest_first,
    quoted,
    text_of,
)
from holdoff.logs.parse.timestamps import from_value

MAX_LABELS = 64
"""At most this many other fields of a document are kept as a line's labels."""


class OpenSearchConfig(LookupConfig):
    """``type: opensearch``: an OpenSearch or Elasticsearch cluster (or a managed one)."""

    type: Literal["opensearch"]
    url: str = Field(description="The cluster's URL, e.g. https://search.example.com:9200.")
    index: str = Field(default="logs-*", min_length=1, description="Index, pattern or data stream.")
    user: str | None = None
    password: Secret | None = None
    api_key: Secret | None = Field(
        default=None, description="Elasticsearch API key (the encoded form), sent as 'ApiKey <key>'."
    )
    timestamp_field: str = "@timestamp"
    service_field: str = "service.name"
    message_field: str = "message"
    level_field: str = "log.level"
    host_field: str = "host.name"
    dashboards_url: str | None = Field(
        default=None, description="OpenSearch Dashboards or Kibana URL, for Discover links."
    )

    @model_validator(mode="after")
    def _check(self) -> OpenSearchConfig:
        if not self.url.startswith(("http://", "https://")):
            raise ValueError("url must be an http:// or https:// URL, like https://search:9200")
        if self.password is not None and self.user is None:
            raise ValueError("password needs user (basic authentication)")
        if self.api_key is not None and self.password is not None:
            raise ValueError("give either user and password or api_key, not both")
        return self

    def build(self, transport: httpx.BaseTransport | None = None) -> OpenSearchLookup:
        return OpenSearchLookup(self, transport)

    def describe(self) -> str:
        return f'opensearch "{self.name}" ({http.host_of(self.url)}, index {self.index})'


# --------------------------------------------------------------------------- pure parts


def search_body(config: OpenSearchConfig, query: LookupQuery) -> dict[str, Any]:
    """The ``_search`` body: a bool query over the window, newest first."""
    filters: list[dict[str, Any]] = [
        {
            "range": {
                config.timestamp_field: {
                    "gte": iso_utc(query.start),
                    "lte": iso_utc(query.end),
                    "format": "strict_date_optional_time",
                }
            }
        },
        {"term": {config.service_field: query.service}},
    ]
    if query.host is not None:
        filters.append({"term": {config.host_field: query.host}})
    boolean: dict[str, Any] = {"filter": filters}
    if query.contains is not None:
        boolean["must"] = [{"match_phrase": {config.message_field: query.contains}}]
    return {
        "size": config.lines_for(query),
        "query": {"bool": boolean},
        "sort": [{config.timestamp_field: {"order": "desc"}}],
        "track_total_hits": False,
    }


def search_request(config: OpenSearchConfig, query: LookupQuery) -> HttpRequest:
    headers = {"Accept": "application/json", "Content-Type": "application/json"}
    if config.user is not None and config.password is not None:
        headers["Authorization"] = http.basic_auth(config.user, config.password.get_secret_value())
    elif config.api_key is not None:
        headers["Authorization"] = f"ApiKey {config.api_key.get_secret_value()}"
    index = quote(config.index, safe="*,-_.")
    return HttpRequest(
        method="POST",
        url=f"{config.url.rstrip('/')}/{index}/_search",
        headers=headers,
        json_body=search_body(config, query),
    )


def dotted(source: Any, path: str) -> Any:
    """The value at a dotted ``path`` in a document, whether its parts are nested objects, one flat
    key (``"log.level"``) or a mix (``{"log": {"file.path": ...}}``); None when absent."""
    if not isinstance(source, dict):
        return None
    if path in source:
        return source[path]
    parts = path.split(".")
    for cut in range(len(parts) - 1, 0, -1):
        head = ".".join(parts[:cut])
        if isinstance(source.get(head), dict):
            found = dotted(source[head], ".".join(parts[cut:]))
            if found is not None:
                return found
    return None


def flatten(source: Any, prefix: str = "") -> dict[str, str]:
    """Every scalar in a document by its dotted path, as text."""
    out: dict[str, str] = {}
    if not isinstance(source, dict):
        return out
    for key, value in source.items():
        path = f"{prefix}{key}"
        if isinstance(value, dict):
            out.update(flatten(value, path + "."))
        else:
            text = text_of(value) if not isinstance(value, list) else _list_text(value)
            if text is not None:
                out[path] = text
    return out


def _list_text(values: list[Any]) -> str | None:
    scalars = [str(value) for value in values if value is not None and not isinstance(value, dict | list)]
    return ",".join(scalars) or None


def parse_hits(body: Any, config: OpenSearchConfig, query: LookupQuery) -> list[FoundLine]:
    """A ``_search`` answer's hits as lines, newest first; a hit without a readable time is left out."""
    hits = dotted(body, "hits.hits") if isinstance(body, dict) else None
    if not isinstance(hits, list):
        raise LookupFailed(
            f'opensearch lookup "{config.name}": the answer has no hits.hits list', source_name=config.name
        )
    found = [line for hit in hits if (line := _line(hit, config, query)) is not None]
    return newest_first(found, config.lines_for(query))


def _line(hit: Any, config: OpenSearchConfig, query: LookupQuery) -> FoundLine | None:
    if not isinstance(hit, dict) or not isinstance(hit.get("_source"), dict):
        return None
    source: dict[str, Any] = hit["_source"]
    timestamp = from_value(dotted(source, config.timestamp_field))
    if timestamp is None and isinstance(hit.get("sort"), list) and hit["sort"]:
        timestamp = from_value(hit["sort"][0])
    if timestamp is None:
        return None
    message = dotted(source, config.message_field)
    if not isinstance(message, str):
        message = json.dumps(source, ensure_ascii=False, separators=(",", ":"), default=str)
    service = text_of(dotted(source, config.service_field)) or query.service
    level = text_of(dotted(source, config.level_field)) or declared_level(message, service, timestamp)
    host = text_of(dotted(source, config.host_field)) or query.host
    skip = {config.message_field, config.timestamp_field}
    labels = {key: value for key, value in flatten(source).items() if key not in skip}
    labels = dict(list(labels.items())[:MAX_LABELS])
    for key in ("_index", "_id"):
        if isinstance(hit.get(key), str):
            labels[key] = hit[key]
    return FoundLine(
        timestamp=timestamp,
        service=service,
        host=host,
        level=level,
        message=message,
        source_name=config.name,
        link=discover_link(config, query, timestamp),
        labels=labels,
    )


def rison_string(text: str) -> str:
    """``text`` as a Rison string (the encoding of Kibana's and OpenSearch Dashboards' URL state)."""
    return "'" + text.replace("!", "!!").replace("'", "!'") + "'"


def discover_link(config: OpenSearchConfig, query: LookupQuery, at: datetime) -> str | None:
    """A Discover URL (OpenSearch Dashboards, Kibana) with the service's documents a minute either
    side of ``at``."""
    if config.dashboards_url is None:
        return None
    kql = f"{config.service_field}:{quoted(query.service)}"
    if query.host is not None:
        kql += f" and {config.host_field}:{quoted(query.host)}"
    frame = f"(time:(from:{rison_string(iso_utc(at - CONTEXT_SPAN))},to:{rison_string(iso_utc(at + CONTEXT_SPAN))}))"
    state = f"(query:(language:kuery,query:{rison_string(kql)}))"
    safe = "():,'!*-._~"
    return (
        f"{config.dashboards_url.rstrip('/')}/app/discover#/"
        f"?_g={quote(frame, safe=safe)}&_a={quote(state, safe=safe)}"
    )


# --------------------------------------------------------------------------- the client


class OpenSearchLookup:
    """Asks one cluster for lines (the thin shell around :func:`search_request` and :func:`parse_hits`)."""

    def __init__(self, config: OpenSearchConfig, transport: httpx.BaseTransport | None = None) -> None:
        self.config = config
        self._client = http.new_client(config.timeout_seconds, transport)

    @property
    def name(self) -> str:
        return self.config.name

    def lines(self, query: LookupQuery) -> list[FoundLine]:
        body = http.send(self._client, search_request(self.config, query), self.config, "opensearch")
        return parse_hits(body, self.config, query)

    def describe(self) -> str:
        return self.config.describe()

    def close(self) -> None:
        self._client.close()
