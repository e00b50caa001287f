"""Loki lookups: the LogQL and query_range request (times in ns, limit, backward), the streams answer
read into lines (JSON levels, labels, newest first), Grafana Explore links, and a local Loki."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
from pydantic import ValidationError

from holdoff.logs.lookup import LokiConfig, LookupFailed, LookupQuery
from holdoff.logs.lookup.loki import logql, loki_request, parse_loki
from tests.logs.test_lookup_http import Answer, Seen, StoreFake, json_answer

START = datetime(2024, 5, 1, 10, 0, tzinfo=UTC)
START_NS = 1714557600000000000
QUERY = LookupQuery(service="checkout", start=START, end=START + timedelta(minutes=5))


def config(**extra: Any) -> LokiConfig:
    return LokiConfig.model_validate({"type": "loki", "name": "loki", "url": "http://loki:3100", **extra})


# A query_range answer as Loki documents it (GET /loki/api/v1/query_range, resultType "streams").
ANSWER: dict[str, Any] = {
    "status": "success",
    "data": {
        "resultType": "streams",
        "result": [
            {
                "stream": {"service_name": "checkout", "host": "web-1", "level": "info", "env": "prod"},
                "values": [
                    [str(START_NS + 20_000_000_000), '{"level":"error","msg":"payment declined","order":42}'],
                    [str(START_NS + 10_000_000_000), "request served in 12ms"],
                ],
            },
            {
                "stream": {"service_name": "checkout", "hostname": "web-2", "detected_level": "warn"},
                "values": [[str(START_NS + 15_000_000_000), "2024-05-01 10:00:15 WARN retrying payment"]],
            },
        ],
        "stats": {"summary": {"bytesProcessedPerSecond": 1024, "execTime": 0.002}},
    },
}


def test_logql_maps_the_service_to_its_label_and_adds_host_and_text_filters() -> None:
    query = QUERY.model_copy(update={"host": "web-1", "contains": 'card "declined"'})
    assert logql(config(), query) == '{service_name="checkout"} | host="web-1" |= "card \\"declined\\""'
    assert logql(config(service_label="app", host_label="instance"), query).startswith(
        '{app="checkout"} | instance="web-1"'
    )
    own = config(selector='{namespace="shop", app="{service}"}')
    assert logql(own, QUERY.model_copy(update={"service": 'we"ird'})) == '{namespace="shop", app="we\\"ird"}'


def test_the_request_asks_for_the_window_in_nanoseconds_newest_first() -> None:
    request = loki_request(config(tenant="team-a", bearer_token="tok", limit=50), QUERY)
    assert request.url == "http://loki:3100/loki/api/v1/query_range"
    assert request.params == {
        "query": '{service_name="checkout"}',
        "start": str(START_NS),
        "end": str(START_NS + 300_000_000_000),
        "limit": "50",
        "direction": "backward",
    }
    assert request.headers["X-Scope-OrgID"] == "team-a"
    assert request.headers["Authorization"] == "Bearer tok"


@pytest.mark.parametrize(
    ("extra", "problem"),
    [
        ({"password": "p"}, "password needs user"),
        ({"user": "u", "password": "p", "bearer_token": "t"}, "not both"),
        ({"selector": '{app="checkout"}'}, "must contain {service}"),
        ({"url": "loki:3100"}, "http:// or https://"),
    ],
)
def test_a_config_that_cannot_work_is_refused(extra: dict[str, Any], problem: str) -> None:
    with pytest.raises(ValidationError, match=problem):
        config(**extra)


def test_streams_become_lines_newest_first_with_levels_hosts_and_labels() -> None:
    lines = parse_loki(ANSWER, config(), QUERY)
    assert [line.message for line in lines] == [
        '{"level":"error","msg":"payment declined","order":42}',
        "2024-05-01 10:00:15 WARN retrying payment",
        "request served in 12ms",
    ]
    assert [line.level for line in lines] == ["error", "WARN", "info"]
    assert [line.host for line in lines] == ["web-1", "web-2", "web-1"]
    assert lines[0].timestamp == START + timedelta(seconds=20)
    assert lines[0].labels == {"service_name": "checkout", "host": "web-1", "level": "info", "env": "prod"}
    assert lines[0].source_name == "loki"
    assert lines[0].link is None
    assert len(parse_loki(ANSWER, config(), QUERY.model_copy(update={"limit": 2}))) == 2


def test_a_metric_answer_is_refused_with_what_to_fix() -> None:
    matrix = {"status": "success", "data": {"resultType": "matrix", "result": []}}
    with pytest.raises(LookupFailed, match="must be a log query"):
        parse_loki(matrix, config(), QUERY)


def test_explore_link_shows_the_service_a_minute_either_side_of_the_line() -> None:
    settings = config(grafana_url="https://grafana.example.com/", grafana_datasource="loki-uid")
    line = parse_loki(ANSWER, settings, QUERY.model_copy(update={"contains": "payment"}))[0]
    assert line.link is not None
    parts = urlsplit(line.link)
    assert f"{parts.scheme}://{parts.netloc}{parts.path}" == "https://grafana.example.com/explore"
    panes = json.loads(parse_qs(parts.query)["panes"][0])
    assert panes["lookup"]["datasource"] == "loki-uid"
    assert panes["lookup"]["queries"] == [
        {"refId": "A", "expr": '{service_name="checkout"}', "datasource": {"type": "loki", "uid": "loki-uid"}}
    ]
    at_ms = (START_NS + 20_000_000_000) // 1_000_000
    assert panes["lookup"]["range"] == {"from": str(at_ms - 60_000), "to": str(at_ms + 60_000)}


class LocalLoki(StoreFake):
    """Answers query_range as Loki would: the tenant header required, only values in [start, end].
    It does not run the LogQL filters (the query text itself is checked by the test)."""

    def __init__(self) -> None:
        super().__init__(self._query_range)

    def _query_range(self, seen: Seen) -> Answer:
        if seen.path != "/loki/api/v1/query_range":
            return 404, "404 page not found", "text/plain"
        if "x-scope-orgid" not in seen.headers:
            return 401, "no org id", "text/plain"
        start, end = int(seen.param("start")), int(seen.param("end"))
        result = [
            {**stream, "values": [v for v in stream["values"] if start <= int(v[0]) <= end]}
            for stream in ANSWER["data"]["result"]
        ]
        return json_answer({"status": "success", "data": {"resultType": "streams", "result": result}})


@pytest.fixture
def local_loki() -> Iterator[LocalLoki]:
    with LocalLoki() as loki:
        yield loki


def test_a_local_loki_is_asked_exactly_and_its_lines_returned(local_loki: LocalLoki) -> None:
    lookup = config(url=local_loki.base_url, tenant="team-a", user="ops", password="pw").build()
    window = QUERY.model_copy(update={"end": START + timedelta(seconds=16), "limit": 10, "host": "web-1"})
    lines = lookup.lines(window)
    assert [line.message for line in lines] == [
        "2024-05-01 10:00:15 WARN retrying payment",
        "request served in 12ms",
    ]
    (seen,) = local_loki.requests
    assert seen.method == "GET"
    assert {name: seen.param(name) for name in seen.query} == {
        "query": '{service_name="checkout"} | host="web-1"',
        "start": str(START_NS),
        "end": str(START_NS + 16_000_000_000),
        "limit": "10",
        "direction": "backward",
    }
    assert seen.headers["x-scope-orgid"] == "team-a"
    assert seen.headers["authorization"] == "Basic b3BzOnB3"
    lookup.close()


def test_a_loki_wanting_a_tenant_refuses_a_lookup_without_one(local_loki: LocalLoki) -> None:
    with pytest.raises(LookupFailed, match=r"HTTP 401, credentials refused .*: no org id"):
        config(url=local_loki.base_url).build().lines(QUERY)
