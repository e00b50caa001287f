"""``/channels`` with delivery health, ``/policy`` described, validated and reloaded, and ``/logs``."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from holdoff.api.app import create_app
from holdoff.mediate.model import NotificationKind
from holdoff.notify.channel import DeliveryResult
from holdoff.notify.message import Message
from holdoff.runtime import Runtime
from holdoff.settings import Settings, load_settings
from tests.service.helpers import FakeClock

POLICY = """\
grace_seconds: 300
group_by: [cluster]
routes:
  - name: payments
    match: '{team="payments"}'
    grace: 1m
    routes:
      - name: payments-db
        match: '{service="db"}'
        continue: true
noise_rules:
  - name: drop-debug
    match: '{severity="low"}'
    action: drop
"""


@dataclass
class FakeChannel:
    name: str
    ok: bool = True
    kinds: frozenset[NotificationKind] | None = None
    rate_per_second: float | None = None

    def send(self, message: Message, ref: str | None = None) -> DeliveryResult:
        if self.ok:
            return DeliveryResult(ok=True, retryable=False)
        return DeliveryResult(ok=False, retryable=True, status_code=503, error="HTTP 503: try later")

    def close(self) -> None:
        pass


@dataclass
class Env:
    client: TestClient
    runtime: Runtime
    clock: FakeClock
    channels: dict[str, FakeChannel]
    config: Path


@pytest.fixture
def env(database_url: str, tmp_path: Path) -> Iterator[Env]:
    clock = FakeClock()
    config = tmp_path / "holdoff.yaml"
    config.write_text(POLICY, encoding="utf-8")

    def load() -> Settings:
        return load_settings(config_file=config, database_url=database_url, public_url="https://holdoff.test")

    channels = {
        "teams": FakeChannel("teams", rate_per_second=4.0),
        "email": FakeChannel(
            "email", kinds=frozenset({NotificationKind.ESCALATED, NotificationKind.RESOLVED})
        ),
    }
    runtime = Runtime(load(), channels=channels, clock=clock, run_workers=False, reload_settings=load)  # type: ignore[arg-type]
    with TestClient(create_app(runtime), base_url="http://127.0.0.1") as client:
        yield Env(client, runtime, clock, channels, config)


def escalate(env: Env, fingerprint: str) -> None:
    body = {"alert_id": fingerprint, "alert_name": "Disk", "alert_action": "TRIGGERED"}
    assert env.client.post("/coralogix/webhook", json=body).status_code == 202
    env.clock.advance(301)
    env.runtime.mediator.fire_due()
    env.clock.advance(60)  # past the incident's group_wait
    env.runtime.mediator.fire_due()


def channel(env: Env, name: str) -> dict[str, object]:
    response = env.client.get("/channels")
    assert response.status_code == 200
    found: dict[str, object] = next(item for item in response.json()["items"] if item["name"] == name)
    return found


def test_channels_are_listed_with_type_kinds_and_rate(env: Env) -> None:
    items = env.client.get("/channels").json()["items"]
    assert [item["name"] for item in items] == ["email", "teams"]
    teams, email = channel(env, "teams"), channel(env, "email")
    assert (teams["type"], teams["kinds"], teams["rate_per_second"]) == ("teams", None, 4.0)
    assert (email["type"], email["kinds"]) == ("email", ["escalated", "resolved"])
    assert (teams["health"], teams["last_attempt_at"], teams["queued"]) == ("unknown", None, 0)


def test_channel_health_follows_the_last_delivery_attempts(env: Env) -> None:
    env.channels["email"].ok = False
    escalate(env, "disk-1")
    assert channel(env, "email")["queued"] == 1
    env.runtime.sender.run_once()
    email, teams = channel(env, "email"), channel(env, "teams")
    assert (teams["health"], teams["failures_in_a_row"], teams["last_error"]) == ("ok", 0, None)
    assert teams["last_success_at"] == teams["last_attempt_at"]
    assert (email["health"], email["failures_in_a_row"], email["last_success_at"]) == ("failing", 1, None)
    assert email["last_error"] == "HTTP 503: try later"
    assert email["queued"] == 1  # waiting for its retry

    env.clock.advance(600)
    env.runtime.sender.run_once()
    assert channel(env, "email")["failures_in_a_row"] == 2
    env.channels["email"].ok = True
    env.clock.advance(600)
    env.runtime.sender.run_once()
    email = channel(env, "email")
    assert (email["health"], email["failures_in_a_row"], email["queued"]) == ("ok", 0, 0)
    assert email["last_error"] == "HTTP 503: try later"  # the last failure is still shown
    assert email["last_success_at"] == email["last_attempt_at"]


def test_the_running_policy_is_described(env: Env) -> None:
    response = env.client.get("/policy")
    assert response.status_code == 200
    body = response.json()
    assert body["grace_seconds"] == 300
    assert body["route_count"] == 2
    [payments] = body["routes"]
    assert (payments["name"], payments["match"], payments["grace_seconds"]) == (
        "payments",
        '{team="payments"}',
        60,
    )
    assert payments["routes"][0]["continue_matching"] is True
    assert body["grouping"] == {"by": ["cluster"], "wait_seconds": 30, "interval_seconds": 300}
    assert (body["noise_rules"], body["inhibit_rules"], body["quiet_hours"]) == (1, 0, False)
    assert any(line.startswith("grouping: by cluster") for line in body["lines"])
    assert any("payments-db" in line for line in body["lines"])


def post_yaml(env: Env, text: str, content_type: str = "text/yaml") -> tuple[int, dict[str, object]]:
    response = env.client.post(
        "/policy/validate", content=text.encode(), headers={"Content-Type": content_type}
    )
    return response.status_code, response.json()


def test_a_valid_configuration_is_summarised(env: Env) -> None:
    status, body = post_yaml(env, "grace_seconds: 60\nroutes: []\n", "application/yaml")
    assert status == 200
    assert body["ok"] is True
    summary = body["summary"]
    assert isinstance(summary, dict)
    assert (summary["grace_seconds"], summary["route_count"], summary["grouping"]) == (60, 0, None)
    assert env.client.get("/policy").json()["grace_seconds"] == 300  # nothing applied


def test_an_invalid_configuration_names_each_line(env: Env) -> None:
    text = "grace_seconds: -5\nroutes:\n  - name: a\n    match: '{team=\"x\"}'\n    grace: forever\n"
    status, body = post_yaml(env, text)
    assert status == 422
    assert body["ok"] is False
    errors = body["errors"]
    assert isinstance(errors, list) and len(errors) == 2
    assert any("policy.yaml line 1" in error for error in errors)
    assert any("routes.0.grace (policy.yaml line 5)" in error for error in errors)
    assert "holdoff-validate" not in str(body["detail"])  # the temporary path is not shown


def test_yaml_that_does_not_parse_gives_its_line(env: Env) -> None:
    status, body = post_yaml(env, "grace_seconds: 60\nroutes: [\n  - oops: {\n")
    assert status == 422
    assert "policy.yaml" in str(body["detail"]) and "line" in str(body["detail"])


def test_unknown_settings_are_named(env: Env) -> None:
    status, body = post_yaml(env, "grace_second: 60\n")
    assert status == 422
    assert "grace_second (line 1)" in str(body["detail"])


CANDIDATE_WITH_SECRET = """\
channels:
  - name: ops-slack
    type: slack
    webhook_url: ${VALIDATE_SLACK_HOOK}
routes:
  - name: db
    match: '{team="db"}'
    channels: {escalated: [ops-slack]}
"""


def test_a_candidate_is_read_with_the_env_file_the_service_was_started_with(
    database_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("VALIDATE_SLACK_HOOK", raising=False)
    env_file = tmp_path / "holdoff.env"
    env_file.write_text(
        "VALIDATE_SLACK_HOOK=https://hooks.slack.test/services/T0/B0/secret\n", encoding="utf-8"
    )
    overrides = {"database_url": database_url}
    settings = load_settings(env_file=env_file, **overrides)
    headers = {"Content-Type": "text/yaml"}
    # As `holdoff serve --env-file` starts it: the candidate's ${VAR} comes from that file.
    served = Runtime(
        settings,
        channels={},
        run_workers=False,
        candidate_settings=lambda path: load_settings(env_file=env_file, config_file=path, **overrides),
    )
    with TestClient(create_app(served), base_url="http://127.0.0.1") as client:
        response = client.post("/policy/validate", content=CANDIDATE_WITH_SECRET.encode(), headers=headers)
        assert response.status_code == 200, response.text
        assert response.json()["summary"]["route_count"] == 1
        assert "secret" not in response.text
    # Without it (a process started without --env-file) the same text names the missing variable.
    bare = Runtime(settings, channels={}, run_workers=False)
    with TestClient(create_app(bare), base_url="http://127.0.0.1") as client:
        response = client.post("/policy/validate", content=CANDIDATE_WITH_SECRET.encode(), headers=headers)
        assert response.status_code == 422
        assert "${VALIDATE_SLACK_HOOK} is not set" in response.json()["detail"]


def test_validate_wants_yaml(env: Env) -> None:
    response = env.client.post("/policy/validate", json={"grace_seconds": 60})
    assert response.status_code == 415
    assert "text/yaml" in response.json()["detail"]
    response = env.client.post("/policy/validate", content=b"\xff\xfe", headers={"Content-Type": "text/yaml"})
    assert response.status_code == 400


def test_reload_applies_the_changed_file(env: Env) -> None:
    env.config.write_text(POLICY.replace("grace_seconds: 300", "grace_seconds: 120"), encoding="utf-8")
    response = env.client.post("/policy/reload")
    assert response.status_code == 200
    assert response.json()["reloaded"] is True
    assert env.client.get("/policy").json()["grace_seconds"] == 120
    env.config.write_text("grace_seconds: nope\n", encoding="utf-8")
    response = env.client.post("/policy/reload")
    assert response.status_code == 422
    assert env.client.get("/policy").json()["grace_seconds"] == 120


def test_logs_list_is_empty_before_any_ingest(env: Env) -> None:
    response = env.client.get("/logs")
    assert response.status_code == 200
    assert response.json() == {"items": []}
