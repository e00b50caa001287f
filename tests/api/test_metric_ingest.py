"""Metric input over HTTP (``POST /metrics/ingest``, ``POST /api/v1/write``) on SQLite and PostgreSQL:
stored, answered, refused with the reason, 413 over the limit, 429 when the writer is behind."""

from __future__ import annotations

import json
import math
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient

from holdoff.api.app import create_app
from holdoff.api.limits import MAX_BODY_BYTES
from holdoff.auth.access import AccessControl
from holdoff.auth.roles import Role
from holdoff.metrics.remote_write import encode
from holdoff.runtime import Runtime
from holdoff.settings import Settings
from holdoff.store import metric_samples

TOKEN = "metrics-sender-token-0123456789"
SOURCE_TOKEN = "shared-source-token-1234"
AUTH = {"Authorization": f"Bearer {TOKEN}"}
RW_HEADERS = {
    **AUTH,
    "Content-Type": "application/x-protobuf",
    "Content-Encoding": "snappy",
    "X-Prometheus-Remote-Write-Version": "0.1.0",
}
T0 = datetime(2026, 3, 1, 9, 0, tzinfo=UTC)
T0_MS = int(T0.timestamp() * 1000)
NOW = T0 + timedelta(hours=1)


def make_client(database_url: str, **metrics: Any) -> TestClient:
    settings = Settings(
        database_url=database_url,
        public_url="https://holdoff.test",
        sources={"token": SOURCE_TOKEN},
        metrics={"senders": {"prometheus": {"token": TOKEN}}, **metrics},
    )  # type: ignore[call-arg]
    runtime = Runtime(settings, channels={}, run_workers=False, clock=lambda: NOW)
    return TestClient(create_app(runtime), base_url="http://127.0.0.1")


@pytest.fixture
def client(database_url: str) -> Iterator[TestClient]:
    with make_client(database_url) as test_client:
        yield test_client


def runtime_of(client: TestClient) -> Runtime:
    runtime: Runtime = client.app.state.runtime  # type: ignore[attr-defined]
    return runtime


def stored(client: TestClient, name: str | None = None) -> dict[str, list[tuple[datetime, float]]]:
    """Each stored series' text (``name{labels}``) and its samples."""
    db = runtime_of(client).db
    with db.read() as conn:
        return {
            f"{s.name}{s.labels}": metric_samples.samples(
                conn, s.id, T0 - timedelta(days=1), T0 + timedelta(days=1)
            )
            for s in metric_samples.series(conn, name)
        }


def sample(minute: int = 0, value: float = 1.0, **labels: str) -> dict[str, Any]:
    return {
        "name": "cpu_usage",
        "labels": labels or {"host": "a"},
        "timestamp": (T0 + timedelta(minutes=minute)).isoformat(),
        "value": value,
    }


def test_pushed_samples_are_stored_and_counted(client: TestClient) -> None:
    body = {"samples": [sample(0, 10.0), sample(1, 20.0), sample(0, 5.0, host="b")]}
    response = client.post("/metrics/ingest", json=body, headers=AUTH)
    assert response.status_code == 200, response.text
    assert response.json() == {"accepted": 3, "stored": 3, "duplicates": 0, "series": 2, "dropped": 0}
    again = client.post("/metrics/ingest", json=[sample(1, 99.0), sample(2, 30.0)], headers=AUTH)
    assert again.json() == {"accepted": 2, "stored": 1, "duplicates": 1, "series": 1, "dropped": 0}
    assert stored(client) == {
        "cpu_usage{'host': 'a'}": [
            (T0, 10.0),
            (T0 + timedelta(minutes=1), 20.0),
            (T0 + timedelta(minutes=2), 30.0),
        ],
        "cpu_usage{'host': 'b'}": [(T0, 5.0)],
    }


def test_epoch_seconds_are_a_timestamp_too(client: TestClient) -> None:
    response = client.post(
        "/metrics/ingest", json=[{"name": "x", "timestamp": T0.timestamp(), "value": 1}], headers=AUTH
    )
    assert response.status_code == 200, response.text
    assert stored(client) == {"x{}": [(T0, 1.0)]}


@pytest.mark.parametrize(
    ("body", "said"),
    [
        (
            [{"name": "cpu", "timestamp": "2026-03-01T09:00:00", "value": 1}],
            "sample 0: timestamp: Input should have timezone",
        ),
        (
            [
                {"name": "cpu", "timestamp": "2026-03-01T09:00:00Z", "value": 1},
                {"name": "bad name", "timestamp": 1, "value": 1},
            ],
            "sample 1: name:",
        ),
        ([{"name": "cpu", "timestamp": 1}], "sample 0: value: Field required"),
        ({"data": []}, 'expected {"samples": [...]}'),
        ("just text", "got str"),
        ([3], "sample 0: expected an object, got int"),
    ],
)
def test_a_bad_sample_is_a_400_that_says_which_and_why_and_nothing_is_stored(
    client: TestClient, body: Any, said: str
) -> None:
    response = client.post("/metrics/ingest", json=body, headers=AUTH)
    assert response.status_code == 400
    assert said in response.json()["detail"]
    assert stored(client) == {}


def test_nan_is_refused_in_a_push(client: TestClient) -> None:
    response = client.post(
        "/metrics/ingest",
        content='[{"name": "x", "timestamp": 1, "value": NaN}]',
        headers={**AUTH, "Content-Type": "application/json"},
    )
    assert response.status_code == 400


def protect(client: TestClient) -> str:
    """Leave open mode (an API token exists); returns that operator token."""
    access: AccessControl = client.app.state.access  # type: ignore[attr-defined]
    _, token = access.tokens.create("pusher", Role.OPERATOR)
    access.forget()
    return token


def test_senders_need_a_token_theirs_the_shared_one_or_an_operators(client: TestClient) -> None:
    operator = protect(client)
    body = [sample()]
    assert (
        client.post("/metrics/ingest", json=body, headers={"Authorization": f"Bearer {operator}"}).status_code
        == 200
    )
    assert client.post("/metrics/ingest", json=body).status_code == 401
    assert (
        client.post(
            "/metrics/ingest", json=body, headers={"Authorization": "Bearer wrong-token-0123456789"}
        ).status_code
        == 401
    )
    shared = client.post("/metrics/ingest", json=body, headers={"X-Holdoff-Token": SOURCE_TOKEN})
    assert shared.status_code == 200, shared.text
    rw = client.post(
        "/api/v1/write",
        content=encode([({"__name__": "up"}, [(1.0, T0_MS)])]),
        headers={**RW_HEADERS, "Authorization": ""},
    )
    assert rw.status_code == 401


def test_an_open_ingest_takes_samples_without_a_token(database_url: str) -> None:
    with make_client(database_url, open=True) as client:
        protect(client)
        assert client.post("/metrics/ingest", json=[sample()]).status_code == 200
        wrong = client.post(
            "/metrics/ingest", json=[sample()], headers={"X-Holdoff-Token": "wrong-0123456789abcdef"}
        )
        assert wrong.status_code == 401


def test_a_body_over_the_limit_is_413(client: TestClient) -> None:
    big = [sample(minute, host="h" * 200) for minute in range(MAX_BODY_BYTES // 200)]
    response = client.post("/metrics/ingest", json=big, headers=AUTH)
    assert response.status_code == 413
    assert stored(client) == {}


def test_when_the_writer_is_behind_a_push_is_429_and_a_remote_write_503_with_retry_after(
    database_url: str,
) -> None:
    with make_client(database_url, max_pending_batches=1, retry_after_seconds=7) as client:
        ingest = runtime_of(client).metric_ingest
        with ingest.admitted():
            push = client.post("/metrics/ingest", json=[sample()], headers=AUTH)
            rw = client.post(
                "/api/v1/write", content=encode([({"__name__": "up"}, [(1.0, T0_MS)])]), headers=RW_HEADERS
            )
        assert (push.status_code, rw.status_code) == (429, 503)  # Prometheus retries a 5xx, not a 429
        assert push.headers["Retry-After"] == "7" and rw.headers["Retry-After"] == "7"
        assert "writer is behind" in push.json()["detail"]
        assert client.post("/metrics/ingest", json=[sample()], headers=AUTH).status_code == 200


def test_remote_write_is_stored_and_answered_204(client: TestClient) -> None:
    body = encode(
        [
            (
                {"__name__": "node_load1", "instance": "h1:9100", "job": "node"},
                [(0.5, T0_MS), (math.nan, T0_MS + 15_000)],
            ),
            ({"__name__": "up", "job": "node"}, [(1.0, T0_MS)]),
        ]
    )
    response = client.post("/api/v1/write", content=body, headers=RW_HEADERS)
    assert response.status_code == 204, response.text
    assert response.content == b""
    assert stored(client) == {
        "node_load1{'instance': 'h1:9100', 'job': 'node'}": [(T0, 0.5)],
        "up{'job': 'node'}": [(T0, 1.0)],
    }
    again = client.post("/api/v1/write", content=body, headers=RW_HEADERS)
    assert again.status_code == 204
    assert len(stored(client)["up{'job': 'node'}"]) == 1


@pytest.mark.parametrize(
    ("headers", "body", "status", "said"),
    [
        ({}, b"\x10garbage", 400, "not a remote_write body: the body is not snappy"),
        ({}, b"", 400, "the body is empty"),
        ({"Content-Type": "application/json"}, b"{}", 415, "remote_write 1.0"),
        (
            {"Content-Type": "application/x-protobuf;proto=io.prometheus.write.v2.Request"},
            b"x",
            415,
            "remote_write 1.0",
        ),
        ({"Content-Encoding": "gzip"}, b"x", 415, "send snappy"),
    ],
)
def test_a_remote_write_that_cannot_be_read_is_refused_with_the_reason(
    client: TestClient, headers: dict[str, str], body: bytes, status: int, said: str
) -> None:
    response = client.post("/api/v1/write", content=body, headers={**RW_HEADERS, **headers})
    assert response.status_code == status
    assert said in response.json()["detail"]


def test_samples_outside_the_retention_or_ahead_of_the_clock_are_refused_in_a_push_dropped_in_remote_write(
    client: TestClient,
) -> None:
    old = {"name": "x", "timestamp": (NOW - timedelta(days=15, seconds=1)).isoformat(), "value": 1}
    ahead = {"name": "x", "timestamp": (NOW + timedelta(minutes=11)).isoformat(), "value": 1}
    for item, said in ((old, "older than the retention"), (ahead, "ahead of the server's clock")):
        response = client.post("/metrics/ingest", json=[sample(), item], headers=AUTH)
        assert response.status_code == 400
        assert (
            f"nothing stored: sample 1: timestamp {item['timestamp']} is {said}" in response.json()["detail"]
        )
    assert stored(client) == {}
    ms = int((NOW + timedelta(minutes=11)).timestamp() * 1000)
    body = encode([({"__name__": "up"}, [(1.0, T0_MS), (2.0, ms)])])
    assert client.post("/api/v1/write", content=body, headers=RW_HEADERS).status_code == 204
    assert stored(client) == {"up{}": [(T0, 1.0)]}


@pytest.mark.parametrize(
    "item",
    [
        {"name": "x", "timestamp": 1e20, "value": 1},
        {"name": "x", "timestamp": -1e12, "value": 1},
        {"name": "x", "timestamp": "0001-01-01T00:00:00Z", "value": 1},
        {"name": "x", "timestamp": "9999-12-31T23:59:59.999999+00:00", "value": 1},
        {"name": "x", "timestamp": "2026-03-01T09:00:00+14:00", "value": 1e308},
        {"name": "x", "timestamp": 1, "value": 10**400},
        {"name": "x", "labels": {"k": "\u0000\ud800"}, "timestamp": 1, "value": 1},
        {"name": "x" * 201, "timestamp": 1, "value": 1},
        {"name": "x", "labels": {str(i): "v" for i in range(65)}, "timestamp": 1, "value": 1},
    ],
)
def test_hostile_samples_are_stored_or_refused_never_a_5xx(client: TestClient, item: dict[str, Any]) -> None:
    text = json.dumps([item]).replace('"\\u0000\\ud800"', '"\\u0000\\ud800"')
    response = client.post(
        "/metrics/ingest", content=text, headers={**AUTH, "Content-Type": "application/json"}
    )
    assert response.status_code in (200, 400), response.text
