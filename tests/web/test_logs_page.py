"""The Logs page (``/ui/logs``) through the ASGI app: its empty state says how to send logs, its first
paint carries the API's answers for the script, the service filter narrows them, and what lines carry
stays escaped."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import insert

from holdoff.api.app import create_app
from holdoff.auth.roles import Role
from holdoff.runtime import Runtime
from holdoff.settings import Settings
from holdoff.store import log_lines
from holdoff.store.db import Database
from holdoff.store.log_lines import LogLineRow
from holdoff.store.tables import log_template_minutes, log_templates
from tests.api.access_support import secured_app
from tests.service.helpers import FakeClock

HTML = {"Accept": "text/html,application/xhtml+xml,*/*;q=0.8"}
HOSTILE = '<script>alert("x")</script>'
NOW = FakeClock().now


@pytest.fixture
def client(database_url: str) -> Iterator[TestClient]:
    settings = Settings(database_url=database_url, grace_seconds=600, public_url="https://holdoff.test")
    runtime = Runtime(settings, channels={}, clock=FakeClock(), run_workers=False)
    with TestClient(create_app(runtime), base_url="http://127.0.0.1") as test_client:
        yield test_client


@pytest.fixture
def db(database_url: str) -> Iterator[Database]:
    database = Database(database_url)
    try:
        yield database
    finally:
        database.dispose()


def seed(db: Database, message: str = "Out of memory: Killed process 4242 (java)") -> None:
    with db.transaction() as conn:
        for template_id, service, text, critical in (
            ("aaaa000011112222", "node", "Out of memory: Killed process <*> (java)", True),
            ("bbbb000011112222", "web", "GET <*> 200", False),
        ):
            conn.execute(
                insert(log_templates).values(
                    id=template_id,
                    key=text,
                    template=text,
                    founding=text,
                    count=3,
                    first_seen=NOW,
                    last_seen=NOW,
                )
            )
            conn.execute(
                insert(log_template_minutes).values(
                    template_id=template_id,
                    service=service,
                    minute=NOW - timedelta(minutes=1),
                    count=3,
                    critical=3 if critical else 0,
                )
            )
            log_lines.insert(
                conn,
                [
                    LogLineRow(
                        received_at=NOW,
                        timestamp=NOW,
                        service=service,
                        host=None,
                        level="INFO",
                        severity_number=None,
                        message=message if critical else "GET /health 200",
                        template_id=template_id,
                        attributes={},
                        record_id=None,
                        severity="critical" if critical else "info",
                        critical=critical,
                        score=0.91 if critical else 0.03,
                        reason=[["word:killed", 2.2], ["word:memory", 1.4]] if critical else [],
                        model_version="m1",
                    )
                ],
            )


def page(client: TestClient, path: str = "/ui/logs", status: int = 200) -> str:
    response = client.get(path, headers=HTML)
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("text/html")
    return response.text


def embedded(html: str, name: str) -> Any:
    match = re.search(rf'<script type="application/json" id="initial-{name}">(.*?)</script>', html, re.S)
    assert match is not None, f"no initial-{name} in the page"
    return json.loads(match.group(1))


def test_an_empty_logs_page_says_how_to_send_logs(client: TestClient) -> None:
    html = page(client)
    assert "No logs yet — send logs to POST /logs" in html
    assert "curl -X POST https://holdoff.test/logs -H 'Content-Type: application/json'" in html
    assert '<a href="/ui/logs" aria-current="page">Logs</a>' in html
    assert '<script type="module" src="/static/js/logs.js?v=' in html
    assert embedded(html, "critical") == {"items": [], "last_id": None}
    assert embedded(html, "top")["items"] == [] and embedded(html, "new")["items"] == []
    assert html.count('<th scope="col">Feedback</th>') == 3
    assert "No critical lines. Lines Holdoff judges critical appear here as they arrive." in html


def test_the_first_paint_carries_critical_lines_with_reasons_and_the_templates(
    client: TestClient, db: Database
) -> None:
    seed(db)
    html = page(client)
    assert "No logs yet" not in html
    [line] = embedded(html, "critical")["items"]
    assert line["message"] == "Out of memory: Killed process 4242 (java)"
    assert line["reason"] == [{"name": "word:killed", "weight": 2.2}, {"name": "word:memory", "weight": 1.4}]
    assert line["score"] == 0.91 and line["mark"] is None
    top = embedded(html, "top")
    assert [item["template_id"] for item in top["items"]] == ["aaaa000011112222", "bbbb000011112222"]
    assert len(top["items"][0]["series"]) == 60 and sum(top["items"][0]["series"]) == 3
    assert len(embedded(html, "new")["items"]) == 2
    assert '<option value="node">node</option>' in html and '<option value="web">web</option>' in html


def test_the_service_filter_narrows_every_table(client: TestClient, db: Database) -> None:
    seed(db)
    html = page(client, "/ui/logs?service=web&window=15m")
    assert '<option value="web" selected>web</option>' in html
    assert '<option value="15m" selected>last 15m</option>' in html
    assert 'data-service="web" data-window="15m"' in html
    assert embedded(html, "critical")["items"] == []
    assert "No critical lines from web." in html
    assert [item["template_id"] for item in embedded(html, "top")["items"]] == ["bbbb000011112222"]


def test_a_bad_window_is_a_400_that_says_why(client: TestClient) -> None:
    assert "window: &#39;30d&#39; is outside 1m to 7d" in page(client, "/ui/logs?window=30d", 400)
    assert "Bad filter" in page(client, "/ui/logs?window=soon", 400)


def test_what_a_line_carries_stays_escaped(client: TestClient, db: Database) -> None:
    seed(db, message=f"panic {HOSTILE}")
    html = page(client)
    assert HOSTILE not in html
    assert embedded(html, "critical")["items"][0]["message"] == f"panic {HOSTILE}"


def test_the_page_script_is_served(client: TestClient) -> None:
    script = client.get("/static/js/logs.js")
    assert script.status_code == 200
    assert "/logs/critical" in script.text and "/mark" in script.text


def test_a_viewer_reads_the_page_and_a_stranger_is_sent_to_log_in(database_url: str) -> None:
    with secured_app(database_url) as app:
        away = app.client.get("/ui/logs", headers=HTML, follow_redirects=False)
        assert away.status_code == 303 and away.headers["location"] == "/login?next=%2Fui%2Flogs"
        app.login(Role.VIEWER)
        html = page(app.client)
        assert '<body data-role="viewer">' in html  # logs.js draws the mark buttons for operators only
        assert "Your mark applies" not in html
        app.login(Role.OPERATOR)
        assert "Your mark applies to the line's template" in page(app.client)
