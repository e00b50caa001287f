"""``GET /ready``: whether this process should be sent work (the readiness probe of docs/deploy.md)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from holdoff.api.app import create_app
from holdoff.runtime import Runtime
from holdoff.settings import Settings


@pytest.fixture
def app(database_url: str) -> Iterator[tuple[TestClient, Runtime]]:
    runtime = Runtime(Settings(database_url=database_url), channels={}, run_workers=False)  # type: ignore[call-arg]
    with TestClient(create_app(runtime), base_url="http://127.0.0.1") as client:
        yield client, runtime


def test_a_process_whose_database_answers_is_ready(app: tuple[TestClient, Runtime]) -> None:
    client, _ = app
    response = client.get("/ready")
    assert response.status_code == 200
    assert response.json() == {"status": "ready", "reasons": []}


def test_a_process_past_its_outbox_bound_is_not_ready(app: tuple[TestClient, Runtime]) -> None:
    client, runtime = app
    backlog = runtime.outbox_backlog
    assert backlog.bound is not None
    backlog.depth = backlog.bound  # as the last count found it
    response = client.get("/ready")
    assert response.status_code == 503
    assert response.json()["reasons"] == [
        f"{backlog.bound} undelivered messages, the bound is {backlog.bound}"
    ]
    backlog.depth = 0
    assert client.get("/ready").status_code == 200


def test_a_process_whose_database_does_not_answer_is_not_ready(
    app: tuple[TestClient, Runtime], monkeypatch: pytest.MonkeyPatch
) -> None:
    client, runtime = app

    def down() -> None:
        raise ConnectionError("connection refused")

    monkeypatch.setattr(runtime.db, "ping", down)
    response = client.get("/ready")
    assert response.status_code == 503
    assert response.json() == {"status": "not ready", "reasons": ["the database does not answer"]}


def test_ready_answers_whatever_the_host_as_probes_use_names_holdoff_is_not_told(
    app: tuple[TestClient, Runtime],
) -> None:
    client, _ = app
    assert client.get("/alerts", headers={"Host": "holdoff-7f9c.pod.cluster.local"}).status_code == 400
    assert client.get("/ready", headers={"Host": "holdoff-7f9c.pod.cluster.local"}).status_code == 200
