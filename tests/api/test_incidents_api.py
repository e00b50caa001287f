"""``/incidents``: grouped alerts listed with counts, shown with their firing alerts, acknowledged at once."""

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
    settings = Settings(
        database_url=database_url,
        grace_seconds=600,
        public_url="https://holdoff.test",
        group_by=["cluster"],  # type: ignore[arg-type]
    )
    runtime = Runtime(settings, channels={}, clock=clock, run_workers=False)
    with TestClient(create_app(runtime), base_url="http://127.0.0.1") as test_client:
        yield test_client


def webhook(*names: str, status: str = "firing", cluster: str = "eu-1") -> dict[str, object]:
    alerts = [
        {
            "status": status,
            "labels": {"alertname": name, "cluster": cluster, "severity": "critical"},
            "annotations": {},
            "startsAt": "2026-01-14T02:59:00Z",
            "endsAt": "2026-01-14T03:30:00Z" if status == "resolved" else "0001-01-01T00:00:00Z",
        }
        for name in names
    ]
    return {"version": "4", "status": status, "receiver": "holdoff", "alerts": alerts}


def test_alerts_of_one_group_are_one_incident(client: TestClient) -> None:
    assert client.post("/webhooks/alertmanager", json=webhook("NodeDown", "HighErrorRate")).status_code == 202
    assert client.post("/webhooks/alertmanager", json=webhook("DiskFull", cluster="us-1")).status_code == 202
    page = client.get("/incidents", params={"state": "open"}).json()["items"]
    assert sorted((i["labels"]["cluster"], i["firing"], i["alerts"]) for i in page) == [
        ("eu-1", 2, 2),
        ("us-1", 1, 1),
    ]
    eu = next(i for i in page if i["labels"]["cluster"] == "eu-1")
    assert eu["url"] == f"https://holdoff.test/incidents/{eu['id']}"
    assert eu["title"].endswith("(cluster=eu-1)")
    detail = client.get(f"/incidents/{eu['id']}").json()
    assert sorted(a["name"] for a in detail["firing_alerts"]) == ["HighErrorRate", "NodeDown"]
    assert detail["notifications"] == []


def test_acknowledging_an_incident_acknowledges_its_firing_alerts(client: TestClient) -> None:
    client.post("/webhooks/alertmanager", json=webhook("NodeDown", "HighErrorRate"))
    [incident] = client.get("/incidents").json()["items"]
    response = client.post(f"/incidents/{incident['id']}/acknowledge", json={"by": "alice"})
    assert response.status_code == 200
    body = response.json()
    assert len(body["acknowledged"]) == 2 and body["unchanged"] == []
    alerts = client.get(f"/incidents/{incident['id']}").json()["firing_alerts"]
    assert {(a["state"], a["acknowledged_by"]) for a in alerts} == {("acknowledged", "alice")}
    again = client.post(f"/incidents/{incident['id']}/acknowledge").json()
    assert again["acknowledged"] == [] and len(again["unchanged"]) == 2


def test_an_incident_resolves_once_its_last_message_is_out(client: TestClient, clock: FakeClock) -> None:
    client.post("/webhooks/alertmanager", json=webhook("NodeDown"))
    client.post("/webhooks/alertmanager", json=webhook("NodeDown", status="resolved"))
    [waiting] = client.get("/incidents", params={"state": "open"}).json()["items"]
    assert (waiting["firing"], waiting["waiting"]) == (0, 1)  # its "resolved on its own" post, 30 s on
    clock.advance(30)
    client.app.state.runtime.mediator.fire_due()  # type: ignore[attr-defined]
    assert client.get("/incidents", params={"state": "open"}).json()["items"] == []
    [resolved] = client.get("/incidents", params={"state": "resolved"}).json()["items"]
    assert resolved["messages"] == 1 and resolved["resolved_at"] is not None


def test_unknown_incident_and_bad_state_are_4xx(client: TestClient) -> None:
    missing = client.get("/incidents/999")
    assert missing.status_code == 404 and missing.json()["detail"] == "no incident with id 999"
    assert client.post("/incidents/999/acknowledge").status_code == 404
    assert client.get("/incidents", params={"state": "sleeping"}).status_code == 422
