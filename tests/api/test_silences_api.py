"""Silences over HTTP (FastAPI TestClient) on SQLite and PostgreSQL, with a clock the tests move."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient

from holdoff.api.app import create_app
from holdoff.runtime import Runtime
from holdoff.settings import Settings

GRACE = 600


class Clock:
    def __init__(self) -> None:
        self.now = datetime(2026, 1, 14, 3, 0, tzinfo=UTC)

    def __call__(self) -> datetime:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += timedelta(seconds=seconds)


@dataclass
class Api:
    client: TestClient
    runtime: Runtime
    clock: Clock


def _api(settings: Settings, *, channels_from_settings: bool) -> Iterator[Api]:
    clock = Clock()
    runtime = (
        Runtime(settings, clock=clock, run_workers=False)
        if channels_from_settings
        else Runtime(settings, channels={}, clock=clock, run_workers=False)
    )
    with TestClient(create_app(runtime), base_url="http://127.0.0.1") as client:
        yield Api(client, runtime, clock)


@pytest.fixture
def api(database_url: str) -> Iterator[Api]:
    """No channels configured."""
    settings = Settings(database_url=database_url, grace_seconds=GRACE, public_url="https://holdoff.test")
    yield from _api(settings, channels_from_settings=False)


@pytest.fixture
def paging_api(database_url: str) -> Iterator[Api]:
    """Teams and email configured, so escalations are queued in the outbox; the sender never runs."""
    settings = Settings(
        database_url=database_url,
        grace_seconds=GRACE,
        public_url="https://holdoff.test",
        teams_webhook_url="http://127.0.0.1:9/never-called",
        email_from="holdoff@example.test",
        email_to=["oncall@example.test"],
    )
    yield from _api(settings, channels_from_settings=True)


def iso(moment: datetime) -> str:
    return moment.isoformat()


def parse(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00"))


def body(matchers: Any = '{alertname="CPU Spike Test"}', **fields: Any) -> dict[str, Any]:
    values: dict[str, Any] = {"matchers": matchers, "created_by": "alice", "comment": "maintenance"}
    if "ends_at" not in fields:
        values["duration"] = "1h"
    values.update(fields)
    return {key: value for key, value in values.items() if value is not None}


def create(api: Api, **fields: Any) -> dict[str, Any]:
    response = api.client.post("/silences", json=body(**fields))
    assert response.status_code == 201, response.text
    return response.json()  # type: ignore[no-any-return]


def trigger(api: Api, alert_id: str = "cpu", name: str = "CPU Spike Test") -> int:
    response = api.client.post(
        "/coralogix/webhook", json={"alert_id": alert_id, "alert_name": name, "alert_action": "TRIGGERED"}
    )
    assert response.status_code == 202, response.text
    return response.json()["alert_id"]  # type: ignore[no-any-return]


def detail(api: Api, alert_id: int) -> dict[str, Any]:
    response = api.client.get(f"/alerts/{alert_id}")
    assert response.status_code == 200, response.text
    return response.json()  # type: ignore[no-any-return]


def summaries(alert: dict[str, Any]) -> list[str]:
    return [event["summary"] for event in alert["timeline"]]


# --- CRUD ---


def test_create_get_update_list_and_delete_round_trip(api: Api) -> None:
    now = api.clock()
    created = create(api, matchers='{alertname="HighCPU", instance=~"web-.*"}', duration="2h")
    assert created["matchers"] == [
        {"name": "alertname", "type": "=", "value": "HighCPU"},
        {"name": "instance", "type": "=~", "value": "web-.*"},
    ]
    assert created["text"] == '{alertname="HighCPU", instance=~"web-.*"}'
    assert parse(created["starts_at"]) == now
    assert parse(created["ends_at"]) == now + timedelta(hours=2)
    assert (created["created_by"], created["comment"], created["state"]) == ("alice", "maintenance", "active")
    assert parse(created["created_at"]) == parse(created["updated_at"]) == now

    silence_id = created["id"]
    assert api.client.get(f"/silences/{silence_id}").json() == created

    api.clock.advance(60)
    response = api.client.put(
        f"/silences/{silence_id}",
        json=body('{alertname="HighCPU"}', duration="3h", created_by="bob", comment="longer window"),
    )
    assert response.status_code == 200, response.text
    updated = response.json()
    assert updated["text"] == '{alertname="HighCPU"}'
    assert parse(updated["starts_at"]) == now  # an active silence keeps its start
    assert parse(updated["ends_at"]) == api.clock() + timedelta(hours=3)
    assert updated["comment"] == "longer window"
    assert updated["created_by"] == "alice"  # who created it stays on record
    assert parse(updated["updated_at"]) == api.clock()

    assert api.client.get("/silences").json() == {"items": [updated]}

    api.clock.advance(60)
    response = api.client.delete(f"/silences/{silence_id}")
    assert response.status_code == 200, response.text
    deleted = response.json()
    assert deleted["state"] == "expired"
    assert parse(deleted["ends_at"]) == api.clock()
    assert api.client.get(f"/silences/{silence_id}").json()["state"] == "expired"


def test_both_matcher_forms_store_the_same_silence(api: Api) -> None:
    as_text = create(api, matchers='{alertname="HighCPU", instance=~"web-.*", env!="dev", team!~"qa|test"}')
    as_list = create(
        api,
        matchers=[
            {"name": "alertname", "value": "HighCPU"},  # type defaults to "="
            {"name": "instance", "value": "web-.*", "type": "=~"},
            {"name": "env", "value": "dev", "type": "!="},
            {"name": "team", "value": "qa|test", "type": "!~"},
        ],
    )
    assert as_list["matchers"] == as_text["matchers"]
    assert (
        as_list["text"]
        == as_text["text"]
        == ('{alertname="HighCPU", instance=~"web-.*", env!="dev", team!~"qa|test"}')
    )


def test_quotes_and_backslashes_survive_the_text_form(api: Api) -> None:
    created = create(api, matchers=[{"name": "path", "value": 'C:\\d+ "x"', "type": "=~"}])
    assert created["matchers"][0]["value"] == 'C:\\d+ "x"'
    again = create(api, matchers=created["text"])
    assert again["matchers"] == created["matchers"]


@pytest.mark.parametrize(
    ("matchers", "named"),
    [
        ('{instance=~"web-("}', "does not compile"),
        (
            [{"name": "instance", "value": "web-(", "type": "=~"}],
            "matchers.0: regex 'web-(' does not compile",
        ),
        ('{a=~"(x)\\\\1"}', "back-references"),
        ('{alertname="HighCPU" severity="critical"}', "at column 22: expected ',' or '}'"),
        ('{"alert name"="HighCPU"', "is never closed"),
        ("{}", "no matchers"),
        ("", "no matchers"),
        ("alertname", "expected an operator"),
        ([{"name": "", "value": "x"}], "matchers.0.name"),
        ([{"name": "a", "value": "x", "type": "~="}], "matchers.0.type"),
        ([{"name": "a"}], "matchers.0.value: Field required"),
        ([], "at least one matcher"),
        (42, "matchers"),
    ],
)
def test_invalid_matchers_are_a_422_naming_the_problem(api: Api, matchers: Any, named: str) -> None:
    response = api.client.post("/silences", json=body(matchers))
    assert response.status_code == 422, response.text
    assert named in response.json()["detail"]
    assert api.client.get("/silences").json()["items"] == []


def test_matchers_that_match_every_alert_are_refused(api: Api) -> None:
    for matchers in ('{x=~".*"}', '{alertname!="nothing-is-called-this"}', '{env=""}'):
        response = api.client.post("/silences", json=body(matchers))
        assert response.status_code == 422, matchers
        assert "match every alert" in response.json()["detail"]


def test_an_end_is_required_and_only_one(api: Api) -> None:
    missing = {"matchers": '{a="b"}', "created_by": "alice", "comment": "c"}
    response = api.client.post("/silences", json=missing)
    assert response.status_code == 422
    assert "exactly one of ends_at and duration" in response.json()["detail"]
    both = body(duration="1h", ends_at=iso(api.clock() + timedelta(hours=1)))
    response = api.client.post("/silences", json=both)
    assert response.status_code == 422
    assert "exactly one of ends_at and duration" in response.json()["detail"]


def test_an_end_in_the_past_is_refused(api: Api) -> None:
    response = api.client.post("/silences", json=body(ends_at=iso(api.clock() - timedelta(minutes=5))))
    assert response.status_code == 422
    assert "in the past" in response.json()["detail"]
    response = api.client.post(
        "/silences",
        json=body(
            starts_at=iso(api.clock() + timedelta(hours=2)), ends_at=iso(api.clock() + timedelta(hours=1))
        ),
    )
    assert response.status_code == 422
    assert "after starts_at" in response.json()["detail"]


def test_created_by_and_comment_are_required(api: Api) -> None:
    for field, value in (("created_by", None), ("comment", None), ("created_by", "  "), ("comment", "")):
        request = body()
        if value is None:
            del request[field]
        else:
            request[field] = value
        response = api.client.post("/silences", json=request)
        assert response.status_code == 422, (field, value)
        assert field in response.json()["detail"]
    too_long = api.client.post("/silences", json=body(comment="x" * 2001))
    assert too_long.status_code == 422


def test_times_must_carry_a_time_zone(api: Api) -> None:
    response = api.client.post("/silences", json=body(ends_at="2026-01-14T05:00:00"))
    assert response.status_code == 422
    assert "ends_at" in response.json()["detail"]
    offset = create(api, ends_at="2026-01-14T06:00:00+02:00")  # 04:00 UTC
    assert parse(offset["ends_at"]) == datetime(2026, 1, 14, 4, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("duration", "length"),
    [
        ("1h", timedelta(hours=1)),
        ("30m", timedelta(minutes=30)),
        ("2h30m", timedelta(hours=2, minutes=30)),
        ("1d", timedelta(days=1)),
        ("1w", timedelta(weeks=1)),
        ("90s", timedelta(seconds=90)),
        (" 1D12H ", timedelta(days=1, hours=12)),
    ],
)
def test_duration_counts_from_now(api: Api, duration: str, length: timedelta) -> None:
    created = create(api, duration=duration)
    assert parse(created["ends_at"]) - parse(created["starts_at"]) == length
    assert parse(created["starts_at"]) == api.clock()


@pytest.mark.parametrize("duration", ["", "-1h", "h", "1y", "0m", "2h30", "99999999999999d"])
def test_bad_durations_are_a_422_naming_the_duration(api: Api, duration: str) -> None:
    response = api.client.post("/silences", json=body(duration=duration))
    assert response.status_code == 422, response.text
    assert response.json()["detail"].startswith("duration: ")


def test_longer_than_the_service_allows_is_refused(api: Api) -> None:
    response = api.client.post("/silences", json=body(duration="400d"))
    assert response.status_code == 422
    assert "366 days" in response.json()["detail"]


def test_a_future_start_makes_a_pending_silence_and_duration_counts_from_it(api: Api) -> None:
    starts = api.clock() + timedelta(hours=1)
    created = create(api, starts_at=iso(starts), duration="30m")
    assert created["state"] == "pending"
    assert parse(created["starts_at"]) == starts
    assert parse(created["ends_at"]) == starts + timedelta(minutes=30)
    api.clock.advance(3600)
    assert api.client.get(f"/silences/{created['id']}").json()["state"] == "active"
    api.clock.advance(1800)
    assert api.client.get(f"/silences/{created['id']}").json()["state"] == "expired"


def test_state_filter_and_newest_first(api: Api) -> None:
    expired = create(api, duration="10m")
    api.clock.advance(15 * 60)
    active = create(api, duration="1h")
    pending = create(api, starts_at=iso(api.clock() + timedelta(hours=1)), duration="1h")

    def ids(**params: Any) -> list[int]:
        response = api.client.get("/silences", params=params)
        assert response.status_code == 200, response.text
        return [item["id"] for item in response.json()["items"]]

    assert ids() == [pending["id"], active["id"], expired["id"]]
    assert ids(state="active") == [active["id"]]
    assert ids(state="pending") == [pending["id"]]
    assert ids(state="expired") == [expired["id"]]
    assert ids(limit=2) == [pending["id"], active["id"]]
    states = {item["id"]: item["state"] for item in api.client.get("/silences").json()["items"]}
    assert states == {pending["id"]: "pending", active["id"]: "active", expired["id"]: "expired"}


@pytest.mark.parametrize("params", [{"state": "muted"}, {"limit": 0}, {"limit": 501}])
def test_bad_listing_parameters_are_a_422(api: Api, params: dict[str, Any]) -> None:
    response = api.client.get("/silences", params=params)
    assert response.status_code == 422
    assert next(iter(params)) in response.json()["detail"]


def test_updating_a_pending_silence_moves_its_start(api: Api) -> None:
    created = create(api, starts_at=iso(api.clock() + timedelta(hours=1)), duration="1h")
    later = api.clock() + timedelta(hours=2)
    response = api.client.put(f"/silences/{created['id']}", json=body(starts_at=iso(later), duration="1h"))
    assert response.status_code == 200, response.text
    assert parse(response.json()["starts_at"]) == later
    assert response.json()["state"] == "pending"


def test_updating_an_expired_silence_is_a_409(api: Api) -> None:
    created = create(api, duration="10m")
    api.clock.advance(11 * 60)
    response = api.client.put(f"/silences/{created['id']}", json=body(duration="1h"))
    assert response.status_code == 409
    assert "expired" in response.json()["detail"]
    lifted = create(api, duration="1h")
    api.client.delete(f"/silences/{lifted['id']}")
    assert api.client.put(f"/silences/{lifted['id']}", json=body(duration="1h")).status_code == 409


def test_an_update_is_checked_like_a_create(api: Api) -> None:
    created = create(api)
    response = api.client.put(f"/silences/{created['id']}", json=body('{x=~".*"}'))
    assert response.status_code == 422
    assert "match every alert" in response.json()["detail"]
    response = api.client.put(f"/silences/{created['id']}", json=body('{x=~"("}'))
    assert response.status_code == 422
    assert "does not compile" in response.json()["detail"]
    assert api.client.get(f"/silences/{created['id']}").json() == created


def test_delete_twice_answers_200_both_times(api: Api) -> None:
    created = create(api)
    api.clock.advance(60)
    first = api.client.delete(f"/silences/{created['id']}")
    api.clock.advance(60)
    second = api.client.delete(f"/silences/{created['id']}")
    assert (first.status_code, second.status_code) == (200, 200)
    assert first.json()["state"] == second.json()["state"] == "expired"
    assert first.json()["ends_at"] == second.json()["ends_at"]  # the second changes nothing


def test_deleting_a_pending_silence_expires_it_before_it_starts(api: Api) -> None:
    created = create(api, starts_at=iso(api.clock() + timedelta(hours=1)), duration="1h")
    deleted = api.client.delete(f"/silences/{created['id']}").json()
    assert deleted["state"] == "expired"
    assert parse(deleted["starts_at"]) == parse(deleted["ends_at"]) == api.clock()


def test_unknown_silences_are_404(api: Api) -> None:
    for response in (
        api.client.get("/silences/999"),
        api.client.put("/silences/999", json=body()),
        api.client.delete("/silences/999"),
    ):
        assert response.status_code == 404
        assert response.json() == {"detail": "no silence with id 999"}
    assert api.client.get("/silences/0").status_code == 422


def test_openapi_documents_both_matcher_forms(api: Api) -> None:
    spec = api.client.get("/openapi.json").json()
    assert {"post", "get"} <= set(spec["paths"]["/silences"])
    assert {"get", "put", "delete"} <= set(spec["paths"]["/silences/{silence_id}"])
    forms = spec["components"]["schemas"]["SilenceIn"]["properties"]["matchers"]["anyOf"]
    assert [form["type"] for form in forms] == ["array", "string"]


# --- what a silence does to alerts, through the real mediator ---


def test_a_silence_mutes_the_escalation_until_it_is_lifted(paging_api: Api) -> None:
    api = paging_api
    silence = create(api, matchers='{alertname="CPU Spike Test"}', duration="4h", comment="db failover")
    other = trigger(api, "mem", name="Memory High")
    alert_id = trigger(api)
    api.clock.advance(GRACE)
    assert api.runtime.mediator.fire_due() == 2

    muted = detail(api, alert_id)
    assert muted["state"] == "escalated"
    assert summaries(muted)[-1].endswith(f"muted by silence #{silence['id']} (db failover)")
    assert muted["notifications"] == []
    # An alert the silence does not match is escalated as usual.
    assert sorted(n["channel"] for n in detail(api, other)["notifications"]) == ["email", "teams"]

    api.clock.advance(60)
    assert api.client.delete(f"/silences/{silence['id']}").json()["state"] == "expired"
    api.clock.advance(1)
    assert api.runtime.mediator.fire_due() == 1
    escalated = detail(api, alert_id)
    assert escalated["state"] == "escalated"
    assert summaries(escalated)[-1] == (
        f"Silence #{silence['id']} ended while the alert still fires: escalated now"
    )
    assert escalated["timeline"][-1]["action"] == "silence_ended"
    notifications = escalated["notifications"]
    assert sorted((n["kind"], n["channel"]) for n in notifications) == [
        ("escalated", "email"),
        ("escalated", "teams"),
    ]
    assert {n["status"] for n in notifications} == {"pending"}  # queued; the sender is not running

    api.clock.advance(3600)
    assert api.runtime.mediator.fire_due() == 0
    assert len(detail(api, alert_id)["notifications"]) == 2


def test_a_muted_escalation_is_visible_without_channels(api: Api) -> None:
    silence = create(api, matchers=[{"name": "alertname", "value": "CPU Spike Test"}])
    alert_id = trigger(api)
    api.clock.advance(GRACE)
    api.runtime.mediator.fire_due()
    muted = detail(api, alert_id)
    assert muted["state"] == "escalated"
    assert f"muted by silence #{silence['id']}" in summaries(muted)[-1]
    assert muted["notifications"] == []


def test_the_implicit_source_label_can_be_silenced(paging_api: Api) -> None:
    api = paging_api
    create(api, matchers='{source="coralogix", alertname=~"CPU.*"}')
    alert_id = trigger(api)
    api.clock.advance(GRACE)
    api.runtime.mediator.fire_due()
    assert detail(api, alert_id)["notifications"] == []


def test_a_silence_that_ends_while_the_alert_is_pending_does_not_mute_its_escalation(
    paging_api: Api,
) -> None:
    api = paging_api
    silence = create(api, duration="5m")
    alert_id = trigger(api)
    api.clock.advance(6 * 60)
    api.runtime.mediator.fire_due()  # the silence's end is processed: it had muted nothing
    assert api.client.get(f"/silences/{silence['id']}").json()["state"] == "expired"
    api.clock.advance(GRACE - 6 * 60)
    assert api.runtime.mediator.fire_due() == 1
    escalated = detail(api, alert_id)
    assert escalated["state"] == "escalated"
    assert not any("muted" in summary for summary in summaries(escalated))
    assert sorted(n["channel"] for n in escalated["notifications"]) == ["email", "teams"]


def test_a_pending_silence_does_not_mute_before_it_starts(paging_api: Api) -> None:
    api = paging_api
    create(api, starts_at=iso(api.clock() + timedelta(hours=1)), duration="1h")
    alert_id = trigger(api)
    api.clock.advance(GRACE)
    api.runtime.mediator.fire_due()
    assert len(detail(api, alert_id)["notifications"]) == 2


def test_an_alert_resolved_under_the_silence_sends_nothing_when_it_ends(paging_api: Api) -> None:
    api = paging_api
    silence = create(api, duration="2h")
    alert_id = trigger(api)
    api.clock.advance(GRACE)
    api.runtime.mediator.fire_due()
    api.client.post("/coralogix/webhook", json={"alert_id": "cpu", "alert_action": "RESOLVED"})
    api.client.delete(f"/silences/{silence['id']}")
    api.clock.advance(1)
    api.runtime.mediator.fire_due()
    resolved = detail(api, alert_id)
    assert resolved["state"] == "resolved"
    assert resolved["notifications"] == []
