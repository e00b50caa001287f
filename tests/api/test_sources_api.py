"""Every source's webhook endpoint in-process, on SQLite and PostgreSQL: samples, tokens, bad input."""

from __future__ import annotations

import copy
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from holdoff.api.app import create_app
from holdoff.ingest.registry import BY_NAME, NAMES, SOURCES
from holdoff.replay.stream import parse_lines
from holdoff.runtime import Runtime
from holdoff.settings import Settings

PAYLOADS = Path(__file__).resolve().parents[1] / "fixtures" / "payloads"
TOKEN = "alertmanager-token-0123456789"

# (endpoint, sample file, alerts the sample carries, state each ends in)
SAMPLES = [
    ("/webhooks/alertmanager", "alertmanager-webhook-firing.json", ["pending"]),
    ("/webhooks/alertmanager", "alertmanager-webhook-resolved.json", ["resolved"]),
    ("/webhooks/grafana", "grafana-webhook-firing.json", ["pending"]),
    ("/webhooks/cloudwatch", "cloudwatch-alarm-sns.json", ["pending"]),
    ("/webhooks/aws-health", "aws-health-eventbridge-issue.json", ["resolved"]),
    ("/webhooks/aws-health", "aws-health-eventbridge-lifecycle.json", ["pending"]),
    ("/webhooks/securityhub", "securityhub-finding-asff.json", ["pending"]),
]

# A minimal valid body per endpoint, to break in the bad-input tests.
VALID = {
    "/webhooks/alertmanager": "alertmanager-webhook-firing.json",
    "/webhooks/grafana": "grafana-webhook-firing.json",
    "/webhooks/cloudwatch": "cloudwatch-alarm-sns.json",
    "/webhooks/aws-health": "aws-health-eventbridge-issue.json",
    "/webhooks/securityhub": "securityhub-finding-asff.json",
    "/webhooks/generic": None,
    "/coralogix/webhook": "coralogix-webhook-minimal.json",
}


# One sample body per source of the table, in table order: a source added to the table without a
# sample here fails test_every_source_of_the_table_has_a_sample_here.
TABLE_SAMPLES = {
    "coralogix": "coralogix-webhook-minimal.json",
    "alertmanager": "alertmanager-webhook-firing.json",
    "grafana": "grafana-webhook-firing.json",
    "cloudwatch": "cloudwatch-alarm-sns.json",
    "aws-health": "aws-health-eventbridge-lifecycle.json",
    "securityhub": "securityhub-finding-asff.json",
    "generic": None,
}


def sample(name: str | None) -> dict[str, Any]:
    if name is None:
        return {"id": "disk-full-db1", "name": "Disk full", "status": "firing", "labels": {"host": "db1"}}
    data: dict[str, Any] = json.loads((PAYLOADS / name).read_text())
    return data


def make_client(database_url: str, **settings: Any) -> Iterator[TestClient]:
    config = Settings(database_url=database_url, **{"sns_verify_signatures": False, **settings})
    with TestClient(
        create_app(Runtime(config, channels={}, run_workers=False)), base_url="http://127.0.0.1"
    ) as client:
        yield client


@pytest.fixture
def client(database_url: str) -> Iterator[TestClient]:
    yield from make_client(database_url)


def stored(client: TestClient) -> list[dict[str, Any]]:
    items: list[dict[str, Any]] = client.get("/alerts", params={"limit": 500}).json()["items"]
    return items


@pytest.mark.parametrize(("endpoint", "name", "states"), SAMPLES, ids=[s[1] for s in SAMPLES])
def test_reference_sample_is_accepted_and_stored(
    client: TestClient, endpoint: str, name: str, states: list[str]
) -> None:
    response = client.post(endpoint, json=sample(name))
    assert response.status_code == 202, response.text
    body = response.json()
    assert body["received"] == len(states)
    assert [a["state"] for a in body["alerts"]] == states
    source = endpoint.rsplit("/", 1)[1]
    assert {a["source"] for a in stored(client)} == {source}


def test_every_source_of_the_table_has_a_sample_here() -> None:
    assert list(TABLE_SAMPLES) == list(NAMES)


@pytest.mark.parametrize(
    ("source", "method"),
    [(source.name, method) for source in SOURCES for method in source.methods],
)
def test_every_source_is_reachable_over_http_and_replayable_to_the_same_alerts(
    client: TestClient, source: str, method: str
) -> None:
    body = sample(TABLE_SAMPLES[source])
    response = client.request(method, BY_NAME[source].endpoint, json=body)
    assert response.status_code == 202, response.text
    over_http = sorted((a["source"], a["fingerprint"], a["state"]) for a in stored(client))
    settings: Settings = client.app.state.runtime.settings  # type: ignore[attr-defined]
    line = json.dumps({"at": "2026-11-22T08:00:00Z", "webhook": source, "body": body})
    replayed = sorted(
        (item.event.source, item.event.fingerprint, item.event.action.value)
        for item in parse_lines([line], settings)
    )
    assert over_http and [(src, fp) for src, fp, _ in over_http] == [(src, fp) for src, fp, _ in replayed]
    answer_to = {"triggered": "pending", "resolved": "resolved"}
    assert [state for *_, state in over_http] == [answer_to[action] for *_, action in replayed]


def test_the_index_and_the_api_docs_list_every_source_of_the_table(client: TestClient) -> None:
    index = client.get("/", headers={"Accept": "application/json"}).json()
    assert index["webhooks"] == {source.name: source.endpoint for source in SOURCES}
    paths = client.get("/openapi.json").json()["paths"]
    for source in SOURCES:
        assert sorted(paths[source.endpoint]) == sorted(method.lower() for method in source.methods)


def test_sns_posts_json_as_text_plain(client: TestClient) -> None:
    body = (PAYLOADS / "cloudwatch-alarm-sns.json").read_bytes()
    response = client.post(
        "/webhooks/cloudwatch", content=body, headers={"Content-Type": "text/plain; charset=UTF-8"}
    )
    assert response.status_code == 202, response.text
    (alert,) = stored(client)
    assert alert["name"] == "web-cpu-high"


def test_generic_json_with_the_default_mapping(client: TestClient) -> None:
    response = client.post("/webhooks/generic", json=sample(None))
    assert response.status_code == 202, response.text
    (alert,) = stored(client)
    assert (alert["source"], alert["fingerprint"], alert["name"]) == ("generic", "disk-full-db1", "Disk full")
    assert alert["labels"] == {"host": "db1"}


def test_reposting_the_same_alertmanager_webhook_ten_times_is_one_occurrence(client: TestClient) -> None:
    payload = sample("alertmanager-webhook-firing.json")
    for _ in range(10):
        assert client.post("/webhooks/alertmanager", json=payload).status_code == 202
    (alert,) = stored(client)
    assert (alert["occurrence"], alert["repeat_count"], alert["flap_count"]) == (1, 0, 0)
    detail = client.get(f"/alerts/{alert['id']}").json()
    assert [event["action"] for event in detail["timeline"]] == ["triggered"]


def test_mixed_firing_and_resolved_alerts_in_one_webhook(client: TestClient) -> None:
    firing = sample("alertmanager-webhook-firing.json")
    second = copy.deepcopy(firing["alerts"][0])
    second["labels"]["instance"] = "web-02"
    second["fingerprint"] = "aaaaaaaaaaaaaaaa"
    client.post("/webhooks/alertmanager", json={**firing, "alerts": [second]})
    resolved = copy.deepcopy(second)
    resolved["status"] = "resolved"
    resolved["endsAt"] = "2026-11-22T08:05:00Z"
    body = client.post(
        "/webhooks/alertmanager", json={**firing, "alerts": [firing["alerts"][0], resolved]}
    ).json()
    assert [(a["state"], a["resolution"]) for a in body["alerts"]] == [
        ("pending", None),
        ("resolved", "transient"),
    ]


def test_late_resolve_of_an_older_occurrence_is_ignored_and_recorded(client: TestClient) -> None:
    firing = sample("alertmanager-webhook-firing.json")
    old = copy.deepcopy(firing["alerts"][0])
    new = copy.deepcopy(old)
    new["startsAt"] = "2026-11-22T09:00:00Z"
    client.post("/webhooks/alertmanager", json={**firing, "alerts": [old]})
    late_resolve = {**old, "status": "resolved", "endsAt": "2026-11-22T08:10:00Z"}
    client.post(
        "/webhooks/alertmanager",
        json={**firing, "alerts": [{**old, "status": "resolved", "endsAt": "2026-11-22T08:00:00Z"}]},
    )
    client.post("/webhooks/alertmanager", json={**firing, "alerts": [new]})
    body = client.post("/webhooks/alertmanager", json={**firing, "alerts": [late_resolve]}).json()
    assert body["alerts"][0]["state"] == "pending"
    alert_id = body["alerts"][0]["alert_id"]
    timeline = client.get(f"/alerts/{alert_id}").json()["timeline"]
    assert "arrived late; ignored" in timeline[-1]["summary"]
    assert timeline[-1]["state_after"] == "pending"


def test_insufficient_data_is_ignored_by_default_and_answered_202(client: TestClient) -> None:
    envelope = sample("cloudwatch-alarm-sns.json")
    message = json.loads(envelope["Message"])
    message["NewStateValue"] = "INSUFFICIENT_DATA"
    response = client.post("/webhooks/cloudwatch", json={**envelope, "Message": json.dumps(message)})
    assert response.status_code == 202
    assert response.json()["received"] == 0 and "INSUFFICIENT_DATA" in response.json()["detail"]
    assert stored(client) == []


def test_subscription_confirmation_only_fetches_aws_hosts(client: TestClient) -> None:
    runtime: Runtime = client.app.state.runtime  # type: ignore[attr-defined]
    fetched: list[str] = []
    runtime.sns_fetch_status = lambda url: fetched.append(url) or 200  # type: ignore[func-returns-value]
    base = {
        "Type": "SubscriptionConfirmation",
        "MessageId": "m-1",
        "Token": "t" * 32,
        "TopicArn": "arn:aws:sns:us-east-1:111122223333:ops-alarms",
        "Message": "You have chosen to subscribe to the topic",
        "Timestamp": "2026-11-22T07:55:12.123Z",
        "SignatureVersion": "1",
        "Signature": "c2ln",
        "SigningCertURL": "https://sns.us-east-1.amazonaws.com/SimpleNotificationService-x.pem",
    }
    evil = client.post(
        "/webhooks/cloudwatch", json={**base, "SubscribeURL": "https://attacker.example/confirm"}
    )
    assert evil.status_code == 400
    assert fetched == []
    good_url = "https://sns.us-east-1.amazonaws.com/?Action=ConfirmSubscription&TopicArn=x&Token=t"
    good = client.post("/webhooks/cloudwatch", json={**base, "SubscribeURL": good_url})
    assert good.status_code == 200, good.text
    assert fetched == [good_url]


def test_unsigned_sns_message_is_refused_when_verification_is_on(database_url: str) -> None:
    for client in make_client(database_url, sns_verify_signatures=True):
        envelope = sample("cloudwatch-alarm-sns.json")
        envelope["SigningCertURL"] = "https://attacker.example/cert.pem"
        response = client.post("/webhooks/cloudwatch", json=envelope)
        assert response.status_code in (400, 403)
        assert stored(client) == []


def test_topic_allow_list(database_url: str) -> None:
    for client in make_client(database_url, sns_topic_arns=["arn:aws:sns:us-east-1:111122223333:other"]):
        response = client.post("/webhooks/cloudwatch", json=sample("cloudwatch-alarm-sns.json"))
        assert response.status_code == 403
        assert "HOLDOFF_SNS_TOPIC_ARNS" in response.json()["detail"]


# --- sender tokens ------------------------------------------------------------------------------


@pytest.fixture
def guarded(database_url: str) -> Iterator[TestClient]:
    yield from make_client(database_url, ingest_tokens={"alertmanager": TOKEN})


def test_source_with_a_token_refuses_requests_without_it(guarded: TestClient) -> None:
    response = guarded.post("/webhooks/alertmanager", json=sample("alertmanager-webhook-firing.json"))
    assert response.status_code == 401
    assert response.headers["www-authenticate"] == "Bearer"
    wrong = guarded.post(
        "/webhooks/alertmanager",
        json=sample("alertmanager-webhook-firing.json"),
        headers={"Authorization": "Bearer not-the-token"},
    )
    assert wrong.status_code == 401
    assert stored(guarded) == []


@pytest.mark.parametrize(
    ("headers", "params"),
    [
        ({"Authorization": f"Bearer {TOKEN}"}, {}),
        ({"X-Holdoff-Token": TOKEN}, {}),
        ({}, {"token": TOKEN}),
    ],
    ids=["bearer", "x-holdoff-token", "query"],
)
def test_token_is_accepted_in_each_form(
    guarded: TestClient, headers: dict[str, str], params: dict[str, str]
) -> None:
    response = guarded.post(
        "/webhooks/alertmanager",
        json=sample("alertmanager-webhook-firing.json"),
        headers=headers,
        params=params,
    )
    assert response.status_code == 202, response.text


def test_sources_without_a_token_stay_open(guarded: TestClient) -> None:
    assert guarded.post("/webhooks/grafana", json=sample("grafana-webhook-firing.json")).status_code == 202


# --- bad input: every source, nothing stored --------------------------------------------------------


def _deep(levels: int) -> bytes:
    return b'{"a":' * levels + b"1" + b"}" * levels


def _many_labels(endpoint: str) -> dict[str, Any]:
    body = sample(VALID[endpoint])
    labels = {f"l{i}": "v" for i in range(10_000)}
    if "alerts" in body:
        body["alerts"][0]["labels"] = labels
    elif endpoint == "/webhooks/cloudwatch":
        message = json.loads(body["Message"])
        message["Trigger"]["Dimensions"] = [{"name": f"d{i}", "value": "v"} for i in range(10_000)]
        body["Message"] = json.dumps(message)
    elif endpoint == "/webhooks/securityhub":
        body["detail"]["findings"][0]["UserDefinedFields"] = labels
    elif endpoint == "/webhooks/aws-health":
        body["detail"]["affectedEntities"] = [{"entityValue": f"e{i}"} for i in range(10_000)]
    elif endpoint == "/coralogix/webhook":
        body["fields"] = [{"key": f"k{i}", "value": "v"} for i in range(10_000)]
    else:
        body["labels"] = labels
    return body


def _wrong_types(endpoint: str) -> dict[str, Any]:
    body = sample(VALID[endpoint])
    if "alerts" in body:
        body["alerts"] = {"not": "a list"}
    elif endpoint == "/webhooks/cloudwatch":
        body["Message"] = json.dumps({"AlarmName": ["x"], "NewStateValue": 5})
    elif "detail" in body and "findings" in body["detail"]:
        body["detail"]["findings"] = "nope"
    elif "detail" in body:
        body["detail"]["statusCode"] = {"x": 1}
    elif endpoint == "/coralogix/webhook":
        body["alert_action"] = ["TRIGGERED"]
    else:
        body["status"] = 12
    return body


def _missing_required(endpoint: str) -> dict[str, Any]:
    body = sample(VALID[endpoint])
    for key in ("alerts", "Message", "alert_id", "id"):
        body.pop(key, None)
    if "detail" in body:
        body["detail"] = {}
    return body


ENDPOINTS = list(VALID)


@pytest.mark.parametrize("endpoint", ENDPOINTS)
@pytest.mark.parametrize(
    ("case", "status"),
    [
        ("truncated", 400),
        ("invalid-utf8", 400),
        ("deep-nesting", 400),
        ("wrong-content-type", 415),
        ("no-content-type", 415),
        ("huge-integer", 400),
        ("nan", 400),
        ("wrong-types", 422),
        ("missing-required", 422),
        ("ten-thousand-labels", 422),
    ],
)
def test_bad_input_is_a_4xx_naming_the_problem_and_stores_nothing(
    client: TestClient, endpoint: str, case: str, status: int
) -> None:
    headers = {"Content-Type": "application/json"}
    valid = json.dumps(sample(VALID[endpoint])).encode()
    if case == "truncated":
        content = valid[: len(valid) // 2]
    elif case == "invalid-utf8":
        content = valid[:-1] + b"\xff\xfe}"
    elif case == "deep-nesting":
        content = _deep(100_000)
    elif case == "wrong-content-type":
        content, headers = valid, {"Content-Type": "application/x-www-form-urlencoded"}
    elif case == "no-content-type":
        content, headers = valid, {}
    elif case == "huge-integer":
        content = valid[:-1] + b', "big": ' + b"9" * 5000 + b"}"
    elif case == "nan":
        content = valid[:-1] + b', "ratio": NaN}'
    elif case == "wrong-types":
        content = json.dumps(_wrong_types(endpoint)).encode()
    elif case == "missing-required":
        content = json.dumps(_missing_required(endpoint)).encode()
    else:
        content = json.dumps(_many_labels(endpoint)).encode()
    response = client.post(endpoint, content=content, headers=headers)
    assert response.status_code == status, (case, response.text[:500])
    detail = response.json()["detail"]
    assert isinstance(detail, str) and detail
    assert stored(client) == []
