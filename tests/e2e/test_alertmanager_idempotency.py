"""Alertmanager re-sends a notification (retries after a timeout, HA peers, repeat_interval): the same
webhook posted again must not open, repeat or re-time the alert it already holds."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from tests.e2e import Api, service_env
from tests.support.server import StartHoldoff
from tests.support.teams_receiver import TeamsReceiver

pytestmark = pytest.mark.e2e

PAYLOADS = Path(__file__).resolve().parents[1] / "fixtures" / "payloads"
SAMPLE = PAYLOADS / "alertmanager-webhook-firing.json"
"""Captured from a real Alertmanager 0.25: one firing alert, HighCPU on web-01."""
POSTS = 10


def test_the_same_alertmanager_webhook_posted_ten_times_is_one_alert_occurrence(
    database_url: str, holdoff_process: StartHoldoff, teams_receiver: TeamsReceiver
) -> None:
    payload: dict[str, Any] = json.loads(SAMPLE.read_text(encoding="utf-8"))
    [sent] = payload["alerts"]
    server = holdoff_process(service_env(database_url, grace=600, teams=teams_receiver))
    api = Api(server.url)

    answers = []
    for _ in range(POSTS):
        response = api.request("POST", "/webhooks/alertmanager", json=payload)
        assert response.status_code == 202, f"{response.status_code} {response.text}"
        answers.append(response.json())

    assert all(answer["received"] == 1 for answer in answers), answers
    entries = [answer["alerts"][0] for answer in answers]
    alert_id = entries[0]["alert_id"]
    assert {(e["alert_id"], e["state"], e["occurrence"], e["resolution"]) for e in entries} == {
        (alert_id, "pending", 1, None)
    }
    assert entries[0]["url"].endswith(f"/alerts/{alert_id}")

    [listed] = api.alerts()
    assert listed["id"] == alert_id
    detail = api.alert(alert_id)
    assert (detail["source"], detail["fingerprint"], detail["name"]) == (
        "alertmanager",
        sent["fingerprint"],
        "HighCPU",
    )
    assert detail["labels"] == sent["labels"]
    assert detail["annotations"] == sent["annotations"]
    assert (detail["state"], detail["occurrence"], detail["repeat_count"], detail["flap_count"]) == (
        "pending",
        1,
        0,
        0,
    )
    assert [(e["action"], e["occurrence"]) for e in detail["timeline"]] == [("triggered", 1)], detail[
        "timeline"
    ]
    assert detail["notifications"] == []
    assert teams_receiver.requests == []
