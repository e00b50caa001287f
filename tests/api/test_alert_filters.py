"""``GET /alerts`` filters: source, severity, labels, time range and free text, with the cursor."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from holdoff.api.app import create_app
from holdoff.runtime import Runtime
from holdoff.settings import Settings
from tests.service.helpers import FakeClock


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def client(database_url: str, clock: FakeClock) -> Iterator[TestClient]:
    settings = Settings(database_url=database_url, grace_seconds=600, public_url="https://holdoff.test")
    runtime = Runtime(settings, channels={}, clock=clock, run_workers=False)
    with TestClient(create_app(runtime), base_url="http://127.0.0.1") as test_client:
        yield test_client


def alertmanager(name: str, **labels: str) -> dict[str, object]:
    alert = {
        "status": "firing",
        "labels": {"alertname": name, **labels},
        "annotations": {},
        "startsAt": "2026-01-14T02:59:00Z",
        "endsAt": "0001-01-01T00:00:00Z",
    }
    return {"version": "4", "status": "firing", "receiver": "holdoff", "alerts": [alert]}


@pytest.fixture
def seeded(client: TestClient, clock: FakeClock) -> TestClient:
    """Four alerts, one minute apart (03:00, 03:01, 03:02, 03:03)."""
    posts = [
        ("/webhooks/alertmanager", alertmanager("NodeDown", cluster="eu-1", severity="critical")),
        ("/webhooks/alertmanager", alertmanager("DiskFull", cluster="us-1", severity="warning")),
        ("/coralogix/webhook", {"alert_id": "cx-1", "alert_name": "CPU Spike", "alert_action": "TRIGGERED"}),
        ("/webhooks/alertmanager", alertmanager("HighLatency", cluster="eu-1", team="Payments_EU")),
    ]
    for path, body in posts:
        assert client.post(path, json=body).status_code == 202
        clock.advance(60)
    return client


def names(client: TestClient, **params: object) -> list[str]:
    response = client.get("/alerts", params=params)  # type: ignore[arg-type]
    assert response.status_code == 200, response.text
    return [item["name"] for item in response.json()["items"]]


def test_no_filter_lists_everything_newest_first(seeded: TestClient) -> None:
    assert names(seeded) == ["HighLatency", "CPU Spike", "DiskFull", "NodeDown"]


def test_source_filter_takes_a_comma_separated_list(seeded: TestClient) -> None:
    assert names(seeded, source="coralogix") == ["CPU Spike"]
    assert len(names(seeded, source="coralogix, alertmanager")) == 4
    assert names(seeded, source="grafana") == []


def test_severity_filter(seeded: TestClient) -> None:
    assert names(seeded, severity="critical") == ["NodeDown"]
    assert names(seeded, severity="warning,CRITICAL") == ["DiskFull", "NodeDown"]


def test_unknown_severity_is_400_naming_it(seeded: TestClient) -> None:
    response = seeded.get("/alerts", params={"severity": "critical,urgent"})
    assert response.status_code == 400
    assert "'urgent'" in response.json()["detail"]


def test_label_filters_must_all_match(seeded: TestClient) -> None:
    assert names(seeded, label="cluster=eu-1") == ["HighLatency", "NodeDown"]
    assert names(seeded, label=["cluster=eu-1", "alertname=NodeDown"]) == ["NodeDown"]
    assert names(seeded, label=["cluster=eu-1", "alertname=DiskFull"]) == []


def test_a_label_without_equals_is_400(seeded: TestClient) -> None:
    response = seeded.get("/alerts", params={"label": "cluster"})
    assert response.status_code == 400
    assert "name=value" in response.json()["detail"]


def test_time_range_is_on_the_last_change(seeded: TestClient) -> None:
    assert names(seeded, since="2026-01-14T03:01:00Z", until="2026-01-14T03:03:00Z") == [
        "CPU Spike",
        "DiskFull",
    ]
    assert names(seeded, since="2026-01-14T03:03:00") == ["HighLatency"]  # no zone: UTC
    assert names(seeded, since="2026-01-14T04:03:00+01:00") == ["HighLatency"]


def test_since_after_until_is_400(seeded: TestClient) -> None:
    response = seeded.get(
        "/alerts", params={"since": "2026-01-14T05:00:00Z", "until": "2026-01-14T04:00:00Z"}
    )
    assert response.status_code == 400
    assert "since" in response.json()["detail"]


def test_a_time_that_does_not_parse_is_422(seeded: TestClient) -> None:
    response = seeded.get("/alerts", params={"since": "yesterday"})
    assert response.status_code == 422
    assert "since" in response.text


def test_free_text_is_case_insensitive_over_name_fingerprint_and_label_values(seeded: TestClient) -> None:
    assert names(seeded, q="cpu spike") == ["CPU Spike"]
    assert names(seeded, q="CX-1") == ["CPU Spike"]  # the Coralogix alert_id is its fingerprint
    assert names(seeded, q="payments_eu") == ["HighLatency"]  # a label value
    assert names(seeded, q="US-1") == ["DiskFull"]
    assert names(seeded, q="cluster") == []  # label names are not searched


def test_free_text_wildcards_are_literal(seeded: TestClient) -> None:
    assert names(seeded, q="%") == []
    assert names(seeded, q="payments_") == ["HighLatency"]
    assert names(seeded, q="payments%") == []


def test_filters_combine_with_status_and_pages_with_the_cursor(seeded: TestClient) -> None:
    first = seeded.get("/alerts", params={"source": "alertmanager", "status": "pending", "limit": 2}).json()
    assert [item["name"] for item in first["items"]] == ["HighLatency", "DiskFull"]
    rest = seeded.get(
        "/alerts",
        params={"source": "alertmanager", "status": "pending", "limit": 2, "cursor": first["next_cursor"]},
    ).json()
    assert [item["name"] for item in rest["items"]] == ["NodeDown"]
    assert rest["next_cursor"] is None
