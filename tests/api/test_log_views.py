"""The Logs page's API (``/logs/critical``, ``/logs/templates…``, marks), on SQLite and PostgreSQL:
what it answers, who may ask, and what bad input gets."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import insert

from holdoff.auth.roles import Role
from holdoff.store import log_lines, log_marks
from holdoff.store.db import Database
from holdoff.store.log_lines import LogLineRow
from holdoff.store.tables import log_template_minutes, log_templates
from tests.api.access_support import Secured, secured_app

PANIC = "a1b2c3d4e5f60718"
GET200 = "0f1e2d3c4b5a6978"


@pytest.fixture
def app(database_url: str) -> Iterator[Secured]:
    with secured_app(database_url) as secured:
        yield secured


@pytest.fixture
def db(database_url: str) -> Iterator[Database]:
    database = Database(database_url)
    try:
        yield database
    finally:
        database.dispose()


def seed(db: Database, now: datetime) -> None:
    """Two templates: a busy routine one, and a kernel panic at INFO judged critical."""
    last = now.replace(second=0, microsecond=0)
    with db.transaction() as conn:
        for template_id, text, count, first in (
            (GET200, "GET <*> 200", 40, now - timedelta(days=2)),
            (PANIC, "Kernel panic - not syncing: <*>", 2, now - timedelta(minutes=10)),
        ):
            conn.execute(
                insert(log_templates).values(
                    id=template_id,
                    key=text,
                    template=text,
                    founding=text,
                    count=count,
                    first_seen=first,
                    last_seen=now,
                )
            )
        conn.execute(
            insert(log_template_minutes),
            [
                {
                    "template_id": GET200,
                    "service": "web",
                    "minute": last - timedelta(minutes=1),
                    "count": 30,
                    "critical": 0,
                },
                {"template_id": GET200, "service": "web", "minute": last, "count": 10, "critical": 0},
                {"template_id": PANIC, "service": "node", "minute": last, "count": 2, "critical": 2},
            ],
        )
        log_lines.insert(
            conn,
            [
                line("GET /health 200", GET200, now - timedelta(seconds=30), "web", critical=False),
                line(
                    "Kernel panic - not syncing: Fatal exception",
                    PANIC,
                    now - timedelta(seconds=20),
                    "node",
                    True,
                ),
                line(
                    "Kernel panic - not syncing: Attempted to kill init",
                    PANIC,
                    now - timedelta(seconds=10),
                    "node",
                    True,
                ),
            ],
        )


def line(message: str, template_id: str, at: datetime, service: str, critical: bool) -> LogLineRow:
    return LogLineRow(
        received_at=at,
        timestamp=at,
        service=service,
        host="n1",
        level="INFO",
        severity_number=None,
        message=message,
        template_id=template_id,
        attributes={},
        record_id=None,
        severity="critical" if critical else "info",
        critical=critical,
        score=0.97 if critical else 0.02,
        reason=[["word:panic", 3.1], ["template:new", 0.8], ["level=INFO", -0.5]] if critical else [],
        model_version="2026-01-01.1",
    )


def get(app: Secured, path: str, role: Role | None = Role.VIEWER, status: int = 200, **params: Any) -> Any:
    response = app.client.get(path, params=params, headers=app.auth(role))
    assert response.status_code == status, response.text
    return response.json()


def put_mark(app: Secured, template_id: str, critical: Any, role: Role | None = Role.OPERATOR) -> Any:
    return app.client.put(
        f"/logs/templates/{template_id}/mark", json={"critical": critical}, headers=app.auth(role)
    )


def test_critical_lines_carry_their_reason_score_and_template_newest_first(
    app: Secured, db: Database
) -> None:
    seed(db, app.clock())
    page = get(app, "/logs/critical")
    assert [item["message"] for item in page["items"]] == [
        "Kernel panic - not syncing: Attempted to kill init",
        "Kernel panic - not syncing: Fatal exception",
    ]
    first = page["items"][0]
    assert first["reason"][0] == {"name": "word:panic", "weight": 3.1}
    assert (first["score"], first["severity"], first["level"], first["critical"]) == (
        0.97,
        "critical",
        "INFO",
        True,
    )
    assert (first["template"], first["template_id"], first["mark"]) == (
        "Kernel panic - not syncing: <*>",
        PANIC,
        None,
    )
    assert page["last_id"] == first["id"]
    assert get(app, "/logs/critical", after_id=first["id"]) == {"items": [], "last_id": first["id"]}
    older = get(app, "/logs/critical", after_id=page["items"][1]["id"])
    assert [item["id"] for item in older["items"]] == [first["id"]]
    assert get(app, "/logs/critical", service="web")["items"] == []


def test_top_templates_have_a_series_per_minute_and_the_services_seen(app: Secured, db: Database) -> None:
    seed(db, app.clock())
    page = get(app, "/logs/templates", window="5m")
    assert [(t["template_id"], t["count"], t["critical"]) for t in page["items"]] == [
        (GET200, 40, 0),
        (PANIC, 2, 2),
    ]
    assert page["items"][0]["series"] == [0, 0, 0, 30, 10]
    assert page["services"] == ["node", "web"]
    assert len(get(app, "/logs/templates")["items"][0]["series"]) == 60  # an hour by default
    node = get(app, "/logs/templates", window="5m", service="node")
    assert [t["template_id"] for t in node["items"]] == [PANIC]


def test_new_templates_are_those_first_seen_in_the_window(app: Secured, db: Database) -> None:
    seed(db, app.clock())
    assert [t["template_id"] for t in get(app, "/logs/templates/new")["items"]] == [PANIC]
    assert [t["template_id"] for t in get(app, "/logs/templates/new", window="7d")["items"]] == [
        PANIC,
        GET200,
    ]


def test_one_template_shows_its_counts_and_recent_lines(app: Secured, db: Database) -> None:
    seed(db, app.clock())
    detail = get(app, f"/logs/templates/{PANIC}")
    assert (detail["template"], detail["count"], detail["critical"], detail["mark"]) == (
        "Kernel panic - not syncing: <*>",
        2,
        2,
        None,
    )
    assert [entry["message"] for entry in detail["lines"]] == [
        "Kernel panic - not syncing: Attempted to kill init",
        "Kernel panic - not syncing: Fatal exception",
    ]
    assert get(app, "/logs/templates/ffff0000ffff0000", status=404)["detail"] == (
        "there is no log template 'ffff0000ffff0000'"
    )


def test_an_operator_marks_a_template_not_critical_and_it_is_recorded_and_audited(
    app: Secured, db: Database
) -> None:
    seed(db, app.clock())
    answer = put_mark(app, PANIC, False)
    assert answer.status_code == 200, answer.text
    body = answer.json()
    assert (body["template_id"], body["critical"], body["actor"]) == (PANIC, False, "token operator-bot")
    assert body["example"] == "Kernel panic - not syncing: Attempted to kill init"
    with db.read() as conn:
        assert log_marks.all_marks(conn) == {PANIC: False}
    assert get(app, "/logs/critical")["items"][0]["mark"] is False
    assert get(app, f"/logs/templates/{PANIC}")["marked_by"] == "token operator-bot"
    audit = get(app, "/audit", role=Role.ADMIN, target=f"template:{PANIC}")["items"]
    assert [(entry["method"], entry["status"], entry["who"]) for entry in audit] == [
        ("PUT", 200, "token operator-bot")
    ]

    assert put_mark(app, PANIC, True).json()["critical"] is True  # the latest word wins
    with db.read() as conn:
        assert log_marks.all_marks(conn) == {PANIC: True}
    gone = app.client.delete(f"/logs/templates/{PANIC}/mark", headers=app.auth(Role.OPERATOR))
    assert gone.status_code == 204
    again = app.client.delete(f"/logs/templates/{PANIC}/mark", headers=app.auth(Role.OPERATOR))
    assert again.status_code == 404 and "has no mark" in again.json()["detail"]
    with db.read() as conn:
        assert log_marks.all_marks(conn) == {}


def test_marking_needs_an_operator_and_reading_a_viewer(app: Secured, db: Database) -> None:
    seed(db, app.clock())
    assert put_mark(app, PANIC, False, role=Role.VIEWER).status_code == 403
    assert put_mark(app, PANIC, False, role=None).status_code == 401
    assert (
        app.client.delete(f"/logs/templates/{PANIC}/mark", headers=app.auth(Role.VIEWER)).status_code == 403
    )
    get(app, "/logs/critical", role=None, status=401)
    get(app, "/logs/templates", role=None, status=401)
    with db.read() as conn:
        assert log_marks.all_marks(conn) == {}


def test_a_logged_in_operator_marks_with_the_csrf_token_under_their_name(app: Secured, db: Database) -> None:
    seed(db, app.clock())
    csrf = app.login(Role.OPERATOR)
    refused = app.client.put(f"/logs/templates/{PANIC}/mark", json={"critical": False})
    assert refused.status_code == 403
    done = app.client.put(
        f"/logs/templates/{PANIC}/mark", json={"critical": False}, headers={"X-CSRF-Token": csrf}
    )
    assert done.status_code == 200 and done.json()["actor"] == "otto"


def test_bad_input_gets_a_4xx_that_says_what_is_wrong(app: Secured, db: Database) -> None:
    seed(db, app.clock())
    unknown = put_mark(app, "ffff0000ffff0000", True)
    assert (
        unknown.status_code == 404
        and unknown.json()["detail"] == "there is no log template 'ffff0000ffff0000' to mark"
    )
    assert put_mark(app, PANIC, "maybe").status_code == 422
    extra = app.client.put(
        f"/logs/templates/{PANIC}/mark", json={"critical": True, "why": "x"}, headers=app.auth(Role.OPERATOR)
    )
    assert extra.status_code == 422
    assert "window" in get(app, "/logs/templates", window="soon", status=422)["detail"]
    assert "outside 1m to 7d" in get(app, "/logs/templates/new", window="30d", status=422)["detail"]
    get(app, "/logs/templates/" + "x" * 40, status=422)
    get(app, "/logs/critical", limit=0, status=422)
    get(app, "/logs/critical", after_id=-1, status=422)


def test_the_routes_are_in_the_openapi_document_beside_get_logs(app: Secured) -> None:
    spec = get(app, "/openapi.json")
    paths = spec["paths"]
    for path in (
        "/logs",
        "/logs/critical",
        "/logs/templates",
        "/logs/templates/new",
        "/logs/templates/{template_id}",
    ):
        assert "get" in paths[path], path
    assert {"put", "delete"} <= set(paths["/logs/templates/{template_id}/mark"])
    assert "CriticalPage" in spec["components"]["schemas"]
