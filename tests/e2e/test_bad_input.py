"""Bad webhook input against the real process: a clear 4xx, and nothing stored or half-written.

Each rejected request is one that would change what Holdoff stores if it were (even partly) taken:
it names a new alert, or the alert that already exists. After it, the API must show exactly what it
showed before.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import pytest

from tests.e2e import Api, service_env
from tests.support.server import HoldoffProcess, StartHoldoff
from tests.support.settle import wait_until_settled
from tests.support.smtp_sink import SmtpSink
from tests.support.teams_receiver import TeamsReceiver

pytestmark = pytest.mark.e2e

WEBHOOK = "/coralogix/webhook"
ONE_MIB = 1024 * 1024
EXISTING = "existing-1"


@dataclass
class Service:
    process: HoldoffProcess
    api: Api
    existing_id: int
    teams: TeamsReceiver
    smtp: SmtpSink

    def post_raw(self, body: bytes | str, content_type: str = "application/json") -> Any:
        return self.api.request("POST", WEBHOOK, content=body, headers={"Content-Type": content_type})

    def everything(self) -> list[dict[str, Any]]:
        """Every stored alert with its timeline and notifications (minus the ever-growing open_seconds)."""
        snapshot = []
        for alert in self.api.alerts():
            detail = self.api.alert(alert["id"])
            detail.pop("open_seconds")
            snapshot.append(detail)
        return snapshot


@pytest.fixture
def service(
    database_url: str, holdoff_process: StartHoldoff, teams_receiver: TeamsReceiver, smtp_sink: SmtpSink
) -> Iterator[Service]:
    """A running Holdoff (long grace window) that already holds one pending alert."""
    process = holdoff_process(service_env(database_url, grace=600, teams=teams_receiver, smtp=smtp_sink))
    api = Api(process.url)
    existing = api.trigger(EXISTING, "Existing Alert")
    assert existing["state"] == "pending"
    yield Service(process, api, existing["alert_id"], teams_receiver, smtp_sink)


def _assert_nothing_changed(service: Service, before: list[dict[str, Any]]) -> None:
    after = service.everything()
    assert after == before
    [alert] = after
    assert (alert["id"], alert["fingerprint"], alert["state"]) == (service.existing_id, EXISTING, "pending")
    assert len(alert["timeline"]) == 1
    assert alert["repeat_count"] == 0


def test_malformed_json_is_refused_with_400_and_stores_nothing(service: Service) -> None:
    before = service.everything()

    response = service.post_raw('{"alert_id": "half-1", "alert_name": "Half", "alert_action": "TRIGGERED"')

    assert response.status_code == 400
    assert "malformed JSON" in response.json()["detail"]
    _assert_nothing_changed(service, before)


def test_payload_without_alert_id_is_refused_with_422_naming_alert_id_and_stores_nothing(
    service: Service,
) -> None:
    before = service.everything()

    response = service.post_raw(json.dumps({"alert_name": "No Id Alert", "alert_action": "TRIGGERED"}))

    assert response.status_code == 422
    answer = response.json()
    assert "alert_id" in answer["detail"]
    assert any(problem["loc"][-1] == "alert_id" for problem in answer["errors"])
    _assert_nothing_changed(service, before)


def test_unknown_action_is_refused_with_422_naming_the_action_and_leaves_the_alert_as_it_was(
    service: Service,
) -> None:
    before = service.everything()

    response = service.post_raw(
        json.dumps({"alert_id": EXISTING, "alert_name": "Existing Alert", "alert_action": "ESCALATE"})
    )

    assert response.status_code == 422
    detail = response.json()["detail"]
    assert "alert_action" in detail
    assert "'ESCALATE'" in detail
    _assert_nothing_changed(service, before)


@pytest.mark.parametrize("framing", ["content-length", "chunked"])
def test_body_over_one_mebibyte_is_refused_with_413_and_stores_nothing(
    service: Service, framing: str
) -> None:
    before = service.everything()
    body = json.dumps(
        {"alert_id": EXISTING, "alert_action": "RESOLVED", "description": "x" * ONE_MIB}
    ).encode()
    assert len(body) > ONE_MIB

    if framing == "content-length":
        response = service.post_raw(body)
    else:
        # No Content-Length: the limit must hold while the body streams in.
        chunks = (body[offset : offset + 65_536] for offset in range(0, len(body), 65_536))
        response = service.api.request(
            "POST", WEBHOOK, content=chunks, headers={"Content-Type": "application/json"}
        )

    assert response.status_code == 413
    assert "1 MiB" in response.json()["detail"]
    _assert_nothing_changed(service, before)


def test_wrong_content_type_is_refused_with_415_and_stores_nothing(service: Service) -> None:
    before = service.everything()

    response = service.post_raw(
        json.dumps({"alert_id": EXISTING, "alert_name": "Existing Alert", "alert_action": "RESOLVED"}),
        content_type="text/plain",
    )

    assert response.status_code == 415
    assert "text/plain" in response.json()["detail"]
    _assert_nothing_changed(service, before)


def test_resolve_for_an_unknown_alert_is_accepted_and_recorded_as_unmatched_without_any_message(
    service: Service, database_url: str
) -> None:
    response = service.post_raw(
        json.dumps({"alert_id": "never-seen-1", "alert_name": "Never Seen", "alert_action": "RESOLVED"})
    )

    assert response.status_code == 202
    answer = response.json()
    assert (answer["state"], answer["resolution"], answer["occurrence"]) == ("resolved", "unmatched", 0)
    unmatched_id = answer["alert_id"]
    assert unmatched_id != service.existing_id

    [listed] = service.api.alerts(status="resolved")
    assert listed["id"] == unmatched_id
    assert (listed["fingerprint"], listed["name"]) == ("never-seen-1", "Never Seen")
    assert (listed["state"], listed["resolution"]) == ("resolved", "unmatched")
    assert sorted(alert["id"] for alert in service.api.alerts()) == sorted(
        [service.existing_id, unmatched_id]
    )
    detail = service.api.alert(unmatched_id)
    assert [(e["action"], e["state_after"]) for e in detail["timeline"]] == [("resolved", "resolved")]
    assert detail["notifications"] == []

    # Nothing queued and nothing due (the existing alert's deadline is ten minutes away).
    wait_until_settled(database_url, timers_due_by=datetime.now(UTC))
    assert service.teams.requests == []
    assert service.smtp.messages == []
