"""Reloading the policy: new alerts follow it at once, held alerts keep their deadline, bad files change nothing."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from holdoff.api.app import create_app
from holdoff.mediate.model import Action, AlertEvent
from holdoff.runtime import Runtime
from holdoff.settings import load_settings
from tests.service.helpers import FakeClock

SLOW = "grace_seconds: 600\n"
FAST_DB = SLOW + "routes:\n  - name: db\n    match: '{team=\"db\"}'\n    grace: 1m\n"


def db_alert(name: str) -> AlertEvent:
    return AlertEvent("coralogix", name, Action.TRIGGERED, name=name, labels={"team": "db"})


@pytest.fixture
def config(tmp_path: Path) -> Path:
    path = tmp_path / "holdoff.yaml"
    path.write_text(SLOW)
    return path


@pytest.fixture
def client(database_url: str, config: Path) -> Iterator[TestClient]:
    clock = FakeClock()

    def read() -> object:
        return load_settings(config_file=config, database_url=database_url)

    runtime = Runtime(read(), clock=clock, channels={}, run_workers=False, reload_settings=read)  # type: ignore[arg-type]
    with TestClient(create_app(runtime), base_url="http://127.0.0.1") as test_client:
        yield test_client


def runtime_of(client: TestClient) -> Runtime:
    runtime: Runtime = client.app.state.runtime  # type: ignore[attr-defined]
    return runtime


def test_reload_applies_new_routes_to_new_alerts_and_keeps_held_deadlines(
    client: TestClient, config: Path
) -> None:
    runtime = runtime_of(client)
    clock: FakeClock = runtime.clock  # type: ignore[assignment]
    runtime.mediator.apply(db_alert("held-before"))
    config.write_text(FAST_DB)
    answer = client.post("/admin/reload")
    assert answer.status_code == 200, answer.text
    assert answer.json() == {"reloaded": True, "routes": 1, "noise_rules": 0, "restart_needed": []}
    runtime.mediator.apply(db_alert("held-after"))
    clock.advance(60)
    runtime.mediator.fire_due()
    states = {a["fingerprint"]: a["state"] for a in client.get("/alerts").json()["items"]}
    assert states == {"held-before": "pending", "held-after": "escalated"}


def test_a_configuration_that_does_not_validate_changes_nothing(client: TestClient, config: Path) -> None:
    runtime = runtime_of(client)
    policy = runtime.mediator.policy
    config.write_text(SLOW + "routes:\n  - name: db\n    match: 'team=~\"(\"'\n")
    answer = client.post("/admin/reload")
    assert answer.status_code == 422
    assert "routes.0.match" in answer.json()["detail"] and "unchanged" in answer.json()["detail"]
    assert runtime.mediator.policy is policy


def test_reload_names_settings_that_need_a_restart(client: TestClient, config: Path) -> None:
    config.write_text(SLOW + "server: {port: 5001}\nsns_verify_signatures: false\n")
    restart = client.post("/admin/reload").json()["restart_needed"]
    assert restart == ["server.port", "sources.cloudwatch"]


def test_reload_without_a_configuration_source_is_refused(database_url: str) -> None:
    from holdoff.settings import Settings

    runtime = Runtime(Settings(database_url=database_url), channels={}, run_workers=False)
    with TestClient(create_app(runtime), base_url="http://127.0.0.1") as test_client:
        answer = test_client.post("/admin/reload")
    assert answer.status_code == 422
