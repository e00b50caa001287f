"""The dashboard's pages through the ASGI app: they render with no data and with data, escape what
alerts carry, and keep ``GET /`` answering JSON to clients that do not ask for HTML."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient

from holdoff.api.app import create_app
from holdoff.mediate.matchers import parse_matchers
from holdoff.mediate.model import NotificationKind
from holdoff.notify.channel import DeliveryResult
from holdoff.notify.message import Message
from holdoff.runtime import Runtime
from holdoff.settings import Settings
from tests.service.helpers import FakeClock

HTML = {"Accept": "text/html,application/xhtml+xml,*/*;q=0.8"}
HOSTILE = '<script>alert("x")</script>'


class QuietChannel:
    """A channel that is configured but never asked to send here (no workers run)."""

    name = "ops-pager"
    kinds = frozenset({NotificationKind.ESCALATED})
    rate_per_second = 2.0

    def send(self, message: Message, ref: str | None = None) -> DeliveryResult:
        return DeliveryResult(ok=True, retryable=False)

    def close(self) -> None:
        return None


@pytest.fixture
def client(database_url: str) -> Iterator[TestClient]:
    settings = Settings(
        database_url=database_url,
        grace_seconds=600,
        public_url="https://holdoff.test",
        group_by=["cluster"],  # type: ignore[arg-type]
    )
    runtime = Runtime(settings, channels={"ops-pager": QuietChannel()}, clock=FakeClock(), run_workers=False)
    with TestClient(create_app(runtime), base_url="http://127.0.0.1") as test_client:
        yield test_client


def coralogix(alert_id: str, name: str, **extra: Any) -> dict[str, Any]:
    return {"alert_id": alert_id, "alert_name": name, "alert_action": "TRIGGERED", **extra}


def page(client: TestClient, path: str, status: int = 200) -> str:
    response = client.get(path, headers=HTML)
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("text/html")
    return response.text


def test_every_page_renders_on_an_empty_database(client: TestClient) -> None:
    home = page(client, "/")
    assert "No alerts — Holdoff is listening on POST /coralogix/webhook" in home
    assert "curl -X POST https://holdoff.test/coralogix/webhook" in home
    assert '<meta name="csrf-token" content="">' in home
    assert "No silences." in page(client, "/ui/silences")
    assert "No incidents yet." in page(client, "/ui/incidents")
    channels = page(client, "/ui/channels")
    assert "ops-pager" in channels and "escalated" in channels and "2/s" in channels
    assert "grouping: by cluster" in channels
    assert "There is no alert with id 5." in page(client, "/ui/alerts/5", 404)
    assert "There is no incident with id 5." in page(client, "/ui/incidents/5", 404)


def test_the_index_stays_json_for_clients_that_do_not_ask_for_html(client: TestClient) -> None:
    for accept in ("*/*", "application/json"):
        answer = client.get("/", headers={"Accept": accept})
        assert answer.status_code == 200
        assert answer.json()["webhooks"]["coralogix"] == "/coralogix/webhook"


def test_the_list_and_detail_show_an_alert(client: TestClient) -> None:
    body = coralogix(
        "cpu-1",
        "CPU Spike Test",
        alert_url="https://coralogix.example/alert/1",
        fields=[{"key": "severity", "value": "Critical"}, {"key": "cluster", "value": "eu-1"}],
    )
    assert client.post("/coralogix/webhook", json=body).status_code == 202
    assert client.post("/alerts/1/acknowledge", json={"by": "alice"}).status_code == 200
    home = page(client, "/")
    assert "No alerts — Holdoff" not in home
    assert 'href="/ui/alerts/1"' in home and "CPU Spike Test" in home
    assert 'data-count="acknowledged">1<' in home and 'data-count="pending">0<' in home
    assert 'data-url="/alerts/1/suppress"' in home and 'data-url="/alerts/1/acknowledge"' not in home
    detail = page(client, "/ui/alerts/1")
    assert "No root-cause analysis yet." in detail
    assert '<ol class="timeline" id="timeline">' in detail and "by alice" in detail
    assert 'href="https://coralogix.example/alert/1"' in detail
    assert 'href="/ui/silences?from_alert=1"' in detail
    assert "<dt>cluster</dt><dd>eu-1</dd>" in detail


def test_filters_narrow_the_first_paint_and_bad_values_are_named(client: TestClient) -> None:
    client.post(
        "/coralogix/webhook", json=coralogix("a", "Disk Full", fields=[{"key": "severity", "value": "P1"}])
    )
    client.post(
        "/coralogix/webhook", json=coralogix("b", "Node Down", fields=[{"key": "team", "value": "db"}])
    )
    assert "Disk Full" in page(client, "/?severity=critical") and "Node Down" not in page(
        client, "/?severity=critical"
    )
    only_db = page(client, "/?q=DB")
    assert "Node Down" in only_db and "Disk Full" not in only_db
    assert "No alerts match these filters." in page(client, "/?source=grafana")
    assert "status: unknown value &#39;bogus&#39;" in page(client, "/?status=bogus", 400)


def test_incident_page_lists_its_firing_alerts(client: TestClient) -> None:
    alerts = [
        {"status": "firing", "labels": {"alertname": name, "cluster": "eu-1"}, "annotations": {}}
        for name in ("NodeDown", "HighErrorRate")
    ]
    webhook = {"version": "4", "status": "firing", "receiver": "holdoff", "alerts": alerts}
    assert client.post("/webhooks/alertmanager", json=webhook).status_code == 202
    [incident] = client.get("/incidents").json()["items"]
    html = page(client, f"/ui/incidents/{incident['id']}")
    assert "NodeDown" in html and "HighErrorRate" in html and "(cluster=eu-1)" in html
    assert f'data-url="/incidents/{incident["id"]}/acknowledge"' in html


def test_incidents_page_lists_incidents_by_state_with_links(client: TestClient) -> None:
    assert "No incidents yet." in page(client, "/ui/incidents")
    for cluster, names in (("eu-1", ("NodeDown", "HighErrorRate")), ("us-1", ("DiskFull",))):
        alerts = [
            {"status": "firing", "labels": {"alertname": name, "cluster": cluster}, "annotations": {}}
            for name in names
        ]
        webhook = {"version": "4", "status": "firing", "receiver": "holdoff", "alerts": alerts}
        assert client.post("/webhooks/alertmanager", json=webhook).status_code == 202
    resolved = {
        "version": "4",
        "status": "resolved",
        "receiver": "holdoff",
        "alerts": [
            {"status": "resolved", "labels": {"alertname": "DiskFull", "cluster": "us-1"}, "annotations": {}}
        ],
    }
    assert client.post("/webhooks/alertmanager", json=resolved).status_code == 202
    runtime: Runtime = client.app.state.runtime
    runtime.clock.advance(60)  # type: ignore[attr-defined]  # FakeClock; past group_wait: the transient message goes out
    runtime.mediator.fire_due()
    by_title = {item["title"]: item for item in client.get("/incidents").json()["items"]}
    eu, us = by_title["NodeDown (cluster=eu-1)"], by_title["DiskFull (cluster=us-1)"]
    everything = page(client, "/ui/incidents")
    assert (
        f'href="/ui/incidents/{eu["id"]}"' in everything and f'href="/ui/incidents/{us["id"]}"' in everything
    )
    assert "2 of 2" in everything and "nobody paged" in everything
    assert 'aria-current="page">Incidents<' in everything
    open_only = page(client, "/ui/incidents?state=open")
    assert "NodeDown (cluster=eu-1)" in open_only and "DiskFull (cluster=us-1)" not in open_only
    resolved_only = page(client, "/ui/incidents?state=resolved")
    assert "DiskFull (cluster=us-1)" in resolved_only and "NodeDown" not in resolved_only
    assert client.get("/ui/incidents?state=bogus", headers=HTML).status_code == 422
    detail = page(client, f"/ui/incidents/{eu['id']}")
    assert '<a href="/ui/incidents">Incidents</a>' in detail


def test_silence_form_is_prefilled_with_matchers_that_select_the_alert(client: TestClient) -> None:
    fields = [{"key": "env", "value": 'prod "eu"'}, {"key": "bad key!", "value": "x"}]
    client.post("/coralogix/webhook", json=coralogix("m-1", "CPU Spike Test", fields=fields))
    html = page(client, "/ui/silences?from_alert=1")
    start = html.index('id="s-matchers"')
    text = html[html.index(">", start) + 1 : html.index("</textarea>", start)]
    text = text.replace("&#34;", '"').replace("&quot;", '"').replace("&amp;", "&")
    assert {(m.name, m.value) for m in parse_matchers(text)} >= {
        ("alertname", "CPU Spike Test"),
        ("source", "coralogix"),
        ("env", 'prod "eu"'),
    }
    made = client.post(
        "/silences", json={"matchers": text, "duration": "1h", "created_by": "t", "comment": "c"}
    )
    assert made.status_code == 201, made.text
    listing = page(client, "/ui/silences")
    assert f'data-url="/silences/{made.json()["id"]}"' in listing and "active" in listing
    assert "There is no alert with id 9 to silence." in page(client, "/ui/silences?from_alert=9", 404)


def test_hostile_alert_content_is_escaped(client: TestClient) -> None:
    body = coralogix(
        "x-1",
        HOSTILE,
        alert_url="javascript:alert(1)",
        fields=[{"key": "note", "value": "</script><img src=x onerror=alert(1)>"}],
    )
    assert client.post("/coralogix/webhook", json=body).status_code == 202
    for path in ("/", "/ui/alerts/1", "/ui/silences?from_alert=1"):
        html = page(client, path)
        assert HOSTILE not in html and "<img src=x" not in html, path
        assert "</script><img" not in html, path
    detail = page(client, "/ui/alerts/1")
    assert "&lt;script&gt;" in detail
    assert 'href="javascript:' not in detail and "<code>javascript:alert(1)</code>" in detail
    # The first paint's data for the live list is JSON inside a script element: "<" is escaped there.
    home = page(client, "/")
    data = home[home.index('id="initial-alerts">') :]
    assert "\\u003cscript\\u003e" in data.split("</script>", 1)[0]


def test_pages_and_static_files_carry_their_headers(client: TestClient) -> None:
    response = client.get("/ui/channels", headers=HTML)
    policy = response.headers["content-security-policy"]
    assert "script-src 'self'" in policy and "frame-ancestors 'none'" in policy
    assert response.headers["cache-control"] == "no-store"
    css = client.get("/static/app.css")
    assert css.status_code == 200 and css.headers["cache-control"] == "public, max-age=3600"
    script = client.get("/static/js/dashboard.js")
    assert script.status_code == 200 and "javascript" in script.headers["content-type"]
    assert client.get("/static/nothing.js").status_code == 404


def test_the_first_paint_finds_a_match_older_than_the_newest_hundred(client: TestClient) -> None:
    client.post("/coralogix/webhook", json=coralogix("old", "Needle In Haystack"))
    for n in range(105):
        client.post("/coralogix/webhook", json=coralogix(f"hay-{n}", f"Hay {n}"))
    found = page(client, "/?q=needle")
    assert "Needle In Haystack" in found and "Hay 104" not in found
