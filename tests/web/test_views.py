"""The helpers behind the pages: filters, durations, links, silence matchers."""

from __future__ import annotations

import pytest

from holdoff.api.schemas import AlertOut
from holdoff.mediate.matchers import parse_matchers
from holdoff.mediate.model import AlertRecord, AlertState, Severity
from holdoff.web import views


def alert(**changes: object) -> AlertOut:
    values: dict[str, object] = {
        "id": 1,
        "source": "coralogix",
        "fingerprint": "cpu-1",
        "name": "CPU Spike",
        "state": "pending",
        "severity": "high",
        "occurrence": 1,
        "repeat_count": 0,
        "flap_count": 0,
        "resolution": None,
        "labels": {"team": "Payments"},
        "annotations": {},
        "links": {},
        "opened_at": None,
        "deadline_at": None,
        "escalated_at": None,
        "acknowledged_at": None,
        "acknowledged_by": None,
        "suppressed_at": None,
        "resolved_at": None,
        "last_seen_at": None,
        "updated_at": "2026-01-14T03:00:00Z",
        "open_seconds": 0,
        "url": "https://h.test/alerts/1",
    }
    values.update(changes)
    return AlertOut.model_validate(values)


def test_filters_parse_and_match() -> None:
    filters = views.AlertFilters.parse({"status": "Pending, escalated", "severity": "high", "q": "pay"})
    assert filters.status == (AlertState.PENDING, AlertState.ESCALATED)
    assert filters.severity == (Severity.HIGH,)
    assert filters.active
    assert filters.matches(alert())
    assert not filters.matches(alert(state="acknowledged"))
    assert not filters.matches(alert(severity=None))
    assert not filters.matches(alert(labels={"team": "db"}))
    assert views.AlertFilters.parse({"source": "Coralogix"}).matches(alert())
    assert not views.AlertFilters.parse({"source": "grafana"}).matches(alert())
    assert not views.AlertFilters.parse({}).active
    assert views.AlertFilters.parse({"status": "pending,pending"}).as_query()["status"] == "pending"


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ({"status": "open"}, "status: unknown value 'open'"),
        ({"severity": "P1"}, "severity: unknown value 'P1'"),
        ({"q": "x" * 201}, "q: longer than 200 characters"),
    ],
)
def test_bad_filters_are_named(query: dict[str, str], message: str) -> None:
    with pytest.raises(views.FilterError, match=message):
        views.AlertFilters.parse(query)


@pytest.mark.parametrize(
    ("seconds", "text"),
    [(0, "0s"), (59.9, "59s"), (61, "1m 01s"), (3725, "1h 02m"), (90000, "1d 1h"), (-5, "0s")],
)
def test_duration_text(seconds: float, text: str) -> None:
    assert views.duration_text(seconds) == text


def test_only_web_links_are_followed() -> None:
    assert views.web_link(" https://x.test/a ") == "https://x.test/a"
    assert views.web_link("HTTP://x.test") == "HTTP://x.test"
    for bad in ("javascript:alert(1)", "data:text/html,x", "//evil.test", "ftp://x", "http://[::1"):
        assert views.web_link(bad) is None, bad


def test_silence_matchers_round_trip() -> None:
    record = AlertRecord(
        source="grafana",
        fingerprint="f",
        name='Disk "full"',
        state=AlertState.PENDING,
        occurrence=1,
        labels={"path": "C:\\data", "9bad": "x", "with space": "y"},
    )
    text = views.silence_matchers(record)
    # Every label name can be written now (UTF-8 names; quoted when they need it, as Alertmanager does).
    assert {(m.name, m.value) for m in parse_matchers(text)} == {
        ("alertname", 'Disk "full"'),
        ("source", "grafana"),
        ("path", "C:\\data"),
        ("9bad", "x"),
        ("with space", "y"),
    }


def test_webhook_curl_names_the_public_url() -> None:
    line = views.webhook_curl("https://holdoff.example/")
    assert line.startswith("curl -X POST https://holdoff.example/coralogix/webhook -H")
    assert '"alert_action": "TRIGGERED"' in line
