"""The Prometheus pull: the exact query_range request (path, parameters, authentication), the answer
read as samples, max_series held, failures said without secrets; and the runtime's pull loop against
a real Prometheus scraping a local exporter (~6-10 s per backend: Prometheus hands its targets to the
scraper only after its first service-discovery round, ~5 s)."""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest

from holdoff.metrics.pull.base import PullFailed
from holdoff.metrics.pull.prometheus import PrometheusPullConfig, window
from holdoff.runtime import Runtime
from holdoff.settings import Settings
from holdoff.store import metric_pulls, metric_samples
from tests.support import prometheus as prometheus_support
from tests.support import prometheus_rw
from tests.support.prometheus import PrometheusProcess
from tests.support.prometheus_rw import Exporter

start_prometheus = prometheus_support.start_prometheus
exporter = prometheus_rw.exporter

T0 = datetime(2026, 3, 1, 9, 0, tzinfo=UTC)
SECRET = "prom-bearer-secret-0123456789"


def config(**extra: Any) -> PrometheusPullConfig:
    return PrometheusPullConfig.model_validate(
        {"type": "prometheus", "url": "http://prometheus.test:9090/", "queries": ["node_load1"], **extra}
    )


def matrix(*series: tuple[dict[str, str], list[tuple[float, str]]]) -> dict[str, Any]:
    return {
        "status": "success",
        "data": {"resultType": "matrix", "result": [{"metric": m, "values": v} for m, v in series]},
    }


class Recorder:
    def __init__(self, answer: Callable[[httpx.Request], httpx.Response]) -> None:
        self.requests: list[httpx.Request] = []
        self.answer = answer

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        return self.answer(request)


def test_each_query_is_one_query_range_request_with_the_window_step_and_token() -> None:
    t = T0.timestamp()
    answers = {
        "node_load1": matrix(({"__name__": "node_load1", "instance": "h1"}, [(t, "0.5"), (t + 60, "NaN")])),
        "sum(rate(x[1m]))": matrix(({}, [(t, "3")])),
    }
    recorder = Recorder(lambda r: httpx.Response(200, json=answers[r.url.params["query"]]))
    c = config(
        queries=["node_load1", {"expr": "sum(rate(x[1m]))", "name": "x_rate"}],
        step="30s",
        auth={"token": SECRET},
    )
    pulled = c.build(httpx.MockTransport(recorder)).pull(T0, T0 + timedelta(minutes=5))
    first, second = recorder.requests
    assert first.method == "GET" and first.url.path == "/api/v1/query_range"
    assert dict(first.url.params) == {
        "query": "node_load1",
        "start": f"{T0.timestamp():.3f}",
        "end": f"{(T0 + timedelta(minutes=5)).timestamp():.3f}",
        "step": "30s",
    }
    assert first.headers["Authorization"] == f"Bearer {SECRET}"
    assert second.url.params["query"] == "sum(rate(x[1m]))"
    assert [(s.name, s.labels, s.timestamp, s.value) for s in pulled.samples] == [
        ("node_load1", {"instance": "h1"}, T0, 0.5),
        ("x_rate", {}, T0, 3.0),
    ]
    assert (pulled.series, pulled.skipped, pulled.dropped_series) == (2, 1, 0)


def test_basic_authentication_is_sent_as_configured() -> None:
    recorder = Recorder(lambda r: httpx.Response(200, json=matrix()))
    c = config(auth={"username": "holdoff", "password": SECRET})
    c.build(httpx.MockTransport(recorder)).pull(T0, T0 + timedelta(minutes=1))
    assert recorder.requests[0].headers["Authorization"] == httpx.BasicAuth("holdoff", SECRET)._auth_header


def test_beyond_max_series_the_rest_are_dropped_and_counted() -> None:
    t = T0.timestamp()
    body = matrix(*[({"__name__": "up", "i": str(i)}, [(t, "1")]) for i in range(5)])
    pulled = (
        config(max_series=3)
        .build(httpx.MockTransport(lambda r: httpx.Response(200, json=body)))
        .pull(T0, T0 + timedelta(minutes=1))
    )
    assert (pulled.series, pulled.dropped_series, len(pulled.samples)) == (3, 2, 3)


@pytest.mark.parametrize(
    ("answer", "said"),
    [
        (
            httpx.Response(
                400, json={"status": "error", "errorType": "bad_data", "error": "parse error at char 3"}
            ),
            "'node_load1': HTTP 400: parse error at char 3",
        ),
        (httpx.Response(503, text=f"overloaded {SECRET}"), "HTTP 503: overloaded ***"),
        (httpx.Response(200, text="<html>"), "HTTP 200, not JSON"),
        (
            httpx.Response(200, json={"status": "success", "data": {"resultType": "vector", "result": []}}),
            "range vector",
        ),
        (httpx.Response(200, json=matrix(({"job": "x"}, [(1.0, "1")]))), "give the query a name"),
    ],
)
def test_a_failing_answer_is_a_pull_failure_that_says_why_without_secrets(
    answer: httpx.Response, said: str
) -> None:
    c = config(auth={"token": SECRET})
    with pytest.raises(PullFailed) as caught:
        c.build(httpx.MockTransport(lambda r: answer)).pull(T0, T0 + timedelta(minutes=1))
    assert said in str(caught.value) and SECRET not in str(caught.value)
    assert str(caught.value).startswith('prometheus pull "prometheus" (http://prometheus.test:9090)')


def test_a_connection_failure_is_said() -> None:
    def refuse(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("connection refused")

    with pytest.raises(PullFailed, match="could not connect: ConnectError: connection refused"):
        config().build(httpx.MockTransport(refuse)).pull(T0, T0 + timedelta(minutes=1))


def test_the_window_is_on_the_step_grid_from_the_last_end_within_the_lookback_and_the_point_limit() -> None:
    c = config(step="1m", lookback="1h")
    now = T0 + timedelta(hours=2, seconds=25)
    end = T0 + timedelta(hours=2)
    assert window(c, None, now) == (end - timedelta(hours=1), end)
    assert window(c, end - timedelta(minutes=10), now) == (end - timedelta(minutes=10), end)
    assert window(c, T0 - timedelta(days=3), now) == (end - timedelta(hours=1), end)
    assert window(c, end, now) is None  # nothing new on the grid yet
    assert window(c, end, now + timedelta(seconds=40)) == (end, end + timedelta(minutes=1))
    fine = config(step="1s", lookback="1d")
    assert window(fine, None, now) == (now - timedelta(seconds=10_999), now)
    odd = config(step="7s", lookback="1m")
    start, stop = window(odd, None, now)  # type: ignore[misc]
    assert start.timestamp() % 7 == 0 and stop.timestamp() % 7 == 0 and stop - start <= timedelta(minutes=1)


def test_the_runtime_pulls_a_real_prometheus_on_its_schedule(
    database_url: str, exporter: Exporter, start_prometheus: Callable[..., PrometheusProcess]
) -> None:
    """The whole path: the metrics: pulls: config, the runtime's pull loop, query_range against a real
    Prometheus scraping a prometheus_client exporter, the samples stored and the pull's row updated."""
    exporter.set("holdoff_pull_value", 7.0, host="db-1")
    prometheus = start_prometheus(scrape_targets=[exporter.address], alertmanagers=[], rules=[])
    pull = {
        "type": "prometheus",
        "name": "local",
        "url": prometheus.url,
        "queries": ["holdoff_pull_value", {"expr": "sum(holdoff_pull_value)", "name": "holdoff_pull_sum"}],
        "step": "1s",
        "every": "1s",
        "lookback": "5m",
    }
    settings = Settings(database_url=database_url, metrics={"pulls": [pull]})  # type: ignore[call-arg]
    runtime = Runtime(settings, channels={})
    runtime.start()
    try:
        deadline = time.monotonic() + 30
        while True:
            with runtime.db.read() as conn:
                names = {s.name for s in metric_samples.series(conn)}
                state = metric_pulls.get(conn, "local")
            if names == {"holdoff_pull_value", "holdoff_pull_sum"} or time.monotonic() > deadline:
                break
            time.sleep(0.3)
        assert names == {"holdoff_pull_value", "holdoff_pull_sum"}, (state, prometheus.log_tail())
        with runtime.db.read() as conn:
            (series,) = metric_samples.series(conn, "holdoff_pull_value")
            points = metric_samples.samples(
                conn, series.id, datetime.now(UTC) - timedelta(minutes=10), datetime.now(UTC)
            )
        assert series.labels == {"host": "db-1", "instance": exporter.address, "job": "holdoff-test"}
        assert points and {value for _, value in points} == {7.0}
        assert state is not None and state.last_end is not None and state.failures == 0
    finally:
        runtime.stop()
