"""Correlation across real processes: two ``holdoff serve`` on one PostgreSQL each take one alert of a
cascade at the same moment; the cascade pages once, and the other group is a correlated update."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from pathlib import Path

import httpx
import pytest
from sqlalchemy import create_engine, select

from holdoff.store.correlation_tables import incident_members
from tests.e2e import Api, mail_subject, service_env
from tests.support.server import StartHoldoff
from tests.support.settle import wait_until_settled
from tests.support.smtp_sink import SmtpSink

pytestmark = pytest.mark.e2e

GRACE = 2.0
CONFIG = """\
policy:
  group_by: [service]
  group_wait: 0s
correlation:
  topology:
    checkout: [payments-db]
"""


def _post_root(api: Api) -> None:
    now = datetime.now(UTC).isoformat()
    alert = {
        "status": "firing",
        "labels": {
            "alertname": "PostgresDown",
            "service": "payments-db",
            "cluster": "eu-1",
            "severity": "critical",
        },
        "annotations": {},
        "startsAt": now,
    }
    body = {"version": "4", "status": "firing", "receiver": "holdoff", "alerts": [alert]}
    response = api.request("POST", "/webhooks/alertmanager", json=body)
    assert response.status_code == 202, response.text


def _post_symptom(api: Api) -> None:
    body = {
        "alert_id": "cx-checkout",
        "name": "Checkout error logs",
        "alert_action": "TRIGGERED",
        "fields": [{"key": "subsystem", "value": "checkout"}, {"key": "severity", "value": "error"}],
    }
    response = api.request("POST", "/coralogix/webhook", json=body)
    assert response.status_code == 202, response.text


@pytest.mark.parametrize("database_url", ["postgresql"], indirect=True)
def test_a_cascade_taken_by_two_processes_pages_once(
    database_url: str, holdoff_process: StartHoldoff, smtp_sink: SmtpSink, tmp_path: Path
) -> None:
    config = tmp_path / "holdoff.yaml"
    config.write_text(CONFIG, encoding="utf-8")
    env = service_env(database_url, grace=GRACE, smtp=smtp_sink)
    first = holdoff_process(env, wait=False, extra_args=["--config", str(config)])
    second = holdoff_process(env, wait=False, extra_args=["--config", str(config)])
    first.wait_healthy()
    second.wait_healthy()
    apis = (Api(first.url), Api(second.url))

    with ThreadPoolExecutor(max_workers=2) as pool:  # both groups open, and come due, together
        for done in [pool.submit(_post_root, apis[0]), pool.submit(_post_symptom, apis[1])]:
            done.result()

    smtp_sink.wait_for(2, timeout=GRACE + 20)
    wait_until_settled(database_url)
    subjects = sorted(mail_subject(mail) for mail in smtp_sink.messages)
    assert len(subjects) == 2, subjects
    correlated = [subject for subject in subjects if "Correlated" in subject]
    assert len(correlated) == 1, subjects  # one page, one update: never two pages, never two updates

    engine = create_engine(database_url)
    try:
        with engine.connect() as conn:
            rows = conn.execute(select(incident_members.c.incident_id, incident_members.c.lead_id)).all()
    finally:
        engine.dispose()
    leads = {lead for _, lead in rows}
    assert len(rows) == 2 and len(leads) == 1, rows  # one correlated incident of two groups

    for api in apis:  # both processes show it
        lead = next(iter(leads))
        detail = httpx.get(f"{api.base_url}/incidents/{lead}", timeout=10, trust_env=False).json()
        assert len(detail["correlation"]["members"]) == 2
