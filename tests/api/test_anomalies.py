"""``GET /anomalies/series`` on SQLite and PostgreSQL: each scored series with its learning state, the
highest score first, filters, and who may ask."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta

import pytest

from holdoff.auth.roles import Role
from holdoff.metrics.model import Sample
from holdoff.runtime import Runtime
from tests.api.access_support import Secured, secured_app


@pytest.fixture
def app(database_url: str) -> Iterator[Secured]:
    with secured_app(database_url) as secured:
        yield secured


def test_series_are_listed_with_their_learning_state_highest_score_first(app: Secured) -> None:
    runtime: Runtime = app.client.app.state.runtime  # type: ignore[attr-defined]
    start = app.clock.now - timedelta(minutes=5)
    steady = [
        Sample(
            name="cpu_usage",
            labels={"host": f"web-{n}"},
            timestamp=start + timedelta(seconds=10 * i),
            value=5.0,
        )
        for n in (1, 2)
        for i in range(5)
    ]
    runtime.metric_ingest.ingest(steady)
    viewer = app.auth(Role.VIEWER)

    page = app.client.get("/anomalies/series", headers=viewer)
    assert page.status_code == 200, page.text
    body = page.json()
    assert body["total"] == 2
    first = body["series"][0]
    assert first["entry"] == "default" and first["phase"] == "warming_up"
    assert first["missing_seconds"] > 0 and "points seen" in first["note"]
    assert first["series"].startswith('cpu_usage{host="web-') and first["last_value"] == 5.0
    assert first["alert_open_since"] is None

    one = app.client.get("/anomalies/series", params={"search": "cpu", "limit": 1}, headers=viewer).json()
    assert one["total"] == 2 and len(one["series"]) == 1
    assert app.client.get("/anomalies/series", params={"phase": "ready"}, headers=viewer).json()["total"] == 0
    assert app.client.get("/anomalies/series", params={"phase": "bad"}, headers=viewer).status_code == 422
    assert app.client.get("/anomalies/series").status_code == 401


def test_the_anomalies_page_lists_series_with_their_learning_state(app: Secured) -> None:
    runtime: Runtime = app.client.app.state.runtime  # type: ignore[attr-defined]
    at = app.clock.now - timedelta(minutes=5)
    runtime.metric_ingest.ingest(
        [
            Sample(
                name="queue_depth", labels={"service": "shop"}, timestamp=at + timedelta(seconds=s), value=3
            )
            for s in (0, 10)
        ]
    )
    viewer = app.auth(Role.VIEWER)
    page = app.client.get("/ui/anomalies", headers=viewer)
    assert page.status_code == 200, page.text
    assert (
        "queue_depth{service=&#34;shop&#34;}" in page.text
        or "queue_depth{service=&quot;shop&quot;}" in page.text
    )
    assert "warming up" in page.text and "to go" in page.text
    assert 'href="/ui/anomalies" aria-current="page"' in page.text
    runtime.metric_ingest.ingest(
        [Sample(name="hostile", labels={"service": '<script>alert("x")</script>'}, timestamp=at, value=1)]
    )
    escaped = app.client.get("/ui/anomalies", params={"search": "hostile"}, headers=viewer).text
    assert "<script>alert" not in escaped and "&lt;script&gt;alert" in escaped
    empty = app.client.get("/ui/anomalies", params={"phase": "ready"}, headers=viewer)
    assert "No scored series match." in empty.text
