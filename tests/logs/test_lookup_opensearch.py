"""Elasticsearch/OpenSearch lookups: the _search body (range + term + match_phrase, newest first), hits
read from nested, flat and mixed dotted fields, Discover links, and a local cluster."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import unquote

import pytest

from holdoff.logs.lookup import LookupFailed, LookupQuery, OpenSearchConfig
from holdoff.logs.lookup.opensearch import dotted, parse_hits, search_body, search_request
from tests.logs.test_lookup_http import Answer, Seen, StoreFake, json_answer

START = datetime(2024, 5, 1, 10, 0, tzinfo=UTC)
QUERY = LookupQuery(service="checkout", start=START, end=START + timedelta(minutes=5))


def config(**extra: Any) -> OpenSearchConfig:
    settings = {"type": "opensearch", "name": "search", "url": "https://search:9200"}
    return OpenSearchConfig.model_validate({**settings, **extra})


# A _search answer as both document it: ECS documents nested, flat and mixed; one with epoch millis.
HITS: dict[str, Any] = {
    "took": 5,
    "timed_out": False,
    "_shards": {"total": 2, "successful": 2, "skipped": 0, "failed": 0},
    "hits": {
        "max_score": None,
        "hits": [
            {
                "_index": ".ds-logs-app-2024.05.01-000001",
                "_id": "a1",
                "_score": None,
                "_source": {
                    "@timestamp": "2024-05-01T10:00:20.123456789Z",
                    "service": {"name": "checkout"},
                    "host": {"name": "web-1"},
                    "log": {"level": "ERROR"},
                    "message": "payment declined for order 42",
                    "trace": {"id": "4bf92f35"},
                },
                "sort": [1714557620123],
            },
            {
                "_index": "logs-app",
                "_id": "a2",
                "_source": {
                    "@timestamp": 1714557615000,
                    "service.name": "checkout",
                    "host.name": "web-2",
                    "message": "2024-05-01 10:00:15 WARN retrying payment",
                    "tags": ["eu", "blue"],
                },
                "sort": [1714557615000],
            },
            {
                "_index": "logs-app",
                "_id": "a3",
                "_source": {
                    "service": {"name": "checkout"},
                    "message": "request served",
                    "log.level": "info",
                },
                "sort": [1714557610000],
            },
            {"_index": "logs-app", "_id": "a4", "_source": {"message": "no time at all"}},
        ],
    },
}


def test_the_search_is_a_bool_query_over_the_window_newest_first() -> None:
    query = QUERY.model_copy(update={"host": "web-1", "contains": "payment declined"})
    assert search_body(config(service_field="service.name.keyword", limit=100), query) == {
        "size": 100,
        "query": {
            "bool": {
                "filter": [
                    {
                        "range": {
                            "@timestamp": {
                                "gte": "2024-05-01T10:00:00.000Z",
                                "lte": "2024-05-01T10:05:00.000Z",
                                "format": "strict_date_optional_time",
                            }
                        }
                    },
                    {"term": {"service.name.keyword": "checkout"}},
                    {"term": {"host.name": "web-1"}},
                ],
                "must": [{"match_phrase": {"message": "payment declined"}}],
            }
        },
        "sort": [{"@timestamp": {"order": "desc"}}],
        "track_total_hits": False,
    }


def test_the_request_goes_to_the_index_pattern_with_an_api_key() -> None:
    request = search_request(config(index="logs-*,app-*", api_key="ZW5jb2RlZA=="), QUERY)
    assert request.method == "POST"
    assert request.url == "https://search:9200/logs-*,app-*/_search"
    assert request.headers["Authorization"] == "ApiKey ZW5jb2RlZA=="


def test_dotted_fields_are_found_nested_flat_or_mixed() -> None:
    assert dotted({"log": {"level": "error"}}, "log.level") == "error"
    assert dotted({"log.level": "error"}, "log.level") == "error"
    assert dotted({"log": {"file.path": "/var/log/a"}}, "log.file.path") == "/var/log/a"
    assert dotted({"log": {"file": {"path": "/b"}}}, "log.file.path") == "/b"
    assert dotted({"log": "plain"}, "log.level") is None


def test_hits_become_lines_with_fields_labels_and_levels() -> None:
    lines = parse_hits(HITS, config(), QUERY)
    assert [line.message for line in lines] == [
        "payment declined for order 42",
        "2024-05-01 10:00:15 WARN retrying payment",
        "request served",
    ]
    assert [line.level for line in lines] == ["ERROR", "WARN", "info"]
    assert [line.host for line in lines] == ["web-1", "web-2", None]
    assert [line.timestamp for line in lines] == [
        START + timedelta(seconds=20, microseconds=123456),
        START + timedelta(seconds=15),
        START + timedelta(seconds=10),
    ]
    assert lines[0].labels == {
        "service.name": "checkout",
        "host.name": "web-1",
        "log.level": "ERROR",
        "trace.id": "4bf92f35",
        "_index": ".ds-logs-app-2024.05.01-000001",
        "_id": "a1",
    }
    assert lines[1].labels["tags"] == "eu,blue"


def test_an_answer_without_hits_is_refused() -> None:
    with pytest.raises(LookupFailed, match=r"no hits\.hits list"):
        parse_hits({"error": "nope"}, config(), QUERY)


def test_discover_link_shows_the_service_a_minute_either_side() -> None:
    line = parse_hits(HITS, config(dashboards_url="https://dash.example.com"), QUERY)[1]
    assert line.link is not None
    assert unquote(line.link) == (
        "https://dash.example.com/app/discover#/?_g=(time:(from:'2024-05-01T09:59:15.000Z',"
        "to:'2024-05-01T10:01:15.000Z'))&_a=(query:(language:kuery,query:'service.name:\"checkout\"'))"
    )


class LocalSearch(StoreFake):
    """Answers _search as a cluster would: the index must exist, the body must be a bool query;
    the range filter is applied to the documents it holds."""

    def __init__(self) -> None:
        super().__init__(self._search)

    def _search(self, seen: Seen) -> Answer:
        if seen.method != "POST" or seen.path != "/logs-*/_search":
            reason = "no such index [missing-*]"
            error = {"type": "index_not_found_exception", "reason": reason, "index": "missing-*"}
            return json_answer({"error": {"root_cause": [error], **error}, "status": 404}, 404)
        body = seen.json
        window = body["query"]["bool"]["filter"][0]["range"]["@timestamp"]
        low = datetime.fromisoformat(window["gte"])
        high = datetime.fromisoformat(window["lte"])
        hits = [
            hit
            for hit in HITS["hits"]["hits"]
            if hit.get("sort") and low.timestamp() * 1000 <= hit["sort"][0] <= high.timestamp() * 1000
        ]
        return json_answer({**HITS, "hits": {"max_score": None, "hits": hits[: body["size"]]}})


@pytest.fixture
def local_search() -> Iterator[LocalSearch]:
    with LocalSearch() as search:
        yield search


def test_a_local_cluster_is_asked_exactly_and_its_hits_returned(local_search: LocalSearch) -> None:
    lookup = config(url=local_search.base_url, user="reader", password="pw").build()
    window = QUERY.model_copy(update={"end": START + timedelta(seconds=16), "contains": "payment"})
    lines = lookup.lines(window)
    assert [line.labels["_id"] for line in lines] == ["a2", "a3"]
    (seen,) = local_search.requests
    assert seen.headers["authorization"] == "Basic cmVhZGVyOnB3"
    assert seen.headers["content-type"] == "application/json"
    assert seen.json == search_body(config(), window)
    lookup.close()


def test_a_missing_index_quotes_the_clusters_reason(local_search: LocalSearch) -> None:
    lookup = config(url=local_search.base_url, index="missing-*").build()
    with pytest.raises(LookupFailed) as caught:
        lookup.lines(QUERY)
    message = str(caught.value)
    assert message.startswith(
        f'opensearch lookup "search" (127.0.0.1:{local_search.port}): HTTP 404, not found'
    )
    assert "no such index [missing-*]" in message
    assert caught.value.status == 404
