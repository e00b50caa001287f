"""Correlation in the API: ``GET /incidents/{id}`` shows the correlated incident with why each member
joined and the probable root; operators split and merge (stored as feedback, audited); the learned pairs
and the feedback are listed. Group incidents come from real webhooks; the memberships the paging path
would write are written through the store, so these tests need no paging."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import timedelta

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from holdoff.api.app import create_app
from holdoff.correlate.model import Learned, LearnedDependency, Reason
from holdoff.runtime import Runtime
from holdoff.settings import Settings
from holdoff.store import audit
from holdoff.store import correlation as correlation_store
from holdoff.store.tables import notifications
from tests.api.correlation_support import DEPENDS, TOPOLOGY, add_member, alertmanager, open_incident
from tests.service.helpers import FakeClock


@dataclass
class App:
    client: TestClient
    runtime: Runtime
    clock: FakeClock

    def incident(self, name: str, service: str) -> int:
        """A group incident of ``service`` opened by an Alertmanager webhook; its id."""
        return open_incident(self.client, name, service, self.clock())

    def member(self, incident_id: int, lead_id: int, name: str, service: str, *reasons: Reason) -> None:
        """Record what the paging path records when ``incident_id`` pages (and leads or joins)."""
        add_member(self.runtime.db, incident_id, lead_id, name, service, self.clock(), *reasons)


@pytest.fixture
def app(database_url: str) -> Iterator[App]:
    clock = FakeClock()
    settings = Settings(
        database_url=database_url,
        grace_seconds=600,
        public_url="https://holdoff.test",
        group_by=["service"],  # type: ignore[arg-type]
        correlation={"topology": TOPOLOGY},  # type: ignore[arg-type]
    )
    runtime = Runtime(settings, channels={}, clock=clock, run_workers=False)
    with TestClient(create_app(runtime), base_url="http://127.0.0.1") as client:
        yield App(client, runtime, clock)


def cascade(app: App) -> tuple[int, int]:
    """payments-db pages and leads; checkout starts 40 s later and joins it. Their ids."""
    db = app.incident("PostgresDown", "payments-db")
    app.member(db, db, "PostgresDown", "payments-db")
    app.clock.advance(40)
    checkout = app.incident("CheckoutErrors", "checkout")
    app.member(checkout, db, "CheckoutErrors", "checkout", DEPENDS)
    return db, checkout


def test_an_incident_shows_its_correlated_incident_why_each_joined_and_the_probable_root(app: App) -> None:
    db, checkout = cascade(app)
    for incident_id in (db, checkout):
        correlation = app.client.get(f"/incidents/{incident_id}").json()["correlation"]
        assert correlation["id"] == db and correlation["open"] is True
        members = correlation["members"]
        assert [(m["incident_id"], m["service"], m["lead"], m["open"]) for m in members] == [
            (db, "payments-db", True, True),
            (checkout, "checkout", False, True),
        ]
        assert members[1]["reasons"] == [
            {"kind": "topology", "text": "checkout depends on payments-db (topology)", "weight": 1.0}
        ]
        assert members[1]["score"] == 1.0 and members[1]["joined_by"] is None
        assert members[1]["url"] == f"https://holdoff.test/incidents/{checkout}"
        assert members[0]["name"] == "PostgresDown" and members[0]["source"] == "alertmanager"
    root = app.client.get(f"/incidents/{checkout}").json()["correlation"]["probable_root"]
    assert [r["incident_id"] for r in root] == [db, checkout]
    texts = [reason["text"] for reason in root[0]["reasons"]]
    assert texts == [
        "started first",
        "infrastructure (postgres)",
        "checkout depends on payments-db (topology)",
    ]
    assert root[0]["score"] == pytest.approx(1.0 + 0.8 + 0.7)
    assert [reason["text"] for reason in root[1]["reasons"]] == ["started 40s after payments-db", "a symptom"]


def test_an_incident_that_never_paged_has_no_correlation(app: App) -> None:
    alone = app.incident("DiskFull", "batch")
    body = app.client.get(f"/incidents/{alone}").json()
    assert body["correlation"] is None and body["id"] == alone


def test_a_split_detaches_the_incident_is_stored_by_group_key_and_audited(app: App) -> None:
    db, checkout = cascade(app)
    app.clock.advance(60)
    response = app.client.post(f"/incidents/{checkout}/split")
    assert response.status_code == 200, response.text
    after = response.json()
    assert after["id"] == checkout
    [member] = after["members"]
    assert member["incident_id"] == checkout and member["lead"] is True and member["joined_by"] == "api"
    assert member["reasons"][0]["kind"] == "split"
    left = app.client.get(f"/incidents/{db}").json()["correlation"]
    assert [m["incident_id"] for m in left["members"]] == [db]
    [split] = app.client.get("/correlation/feedback").json()["items"]
    with app.runtime.db.read() as conn:
        keys = {m.incident_id: m.key for m in correlation_store.members(conn, checkout)}
        keys.update({m.incident_id: m.key for m in correlation_store.members(conn, db)})
        entries = audit.listing(conn, limit=5, target=f"incident:{checkout}")
        assert correlation_store.feedback(conn).split(keys[db], keys[checkout])
    assert (split["kind"], split["a_incident"], split["b_incident"]) == ("split", checkout, db)
    assert (split["a_key"], split["b_key"]) == (keys[checkout], keys[db])
    assert split["by"] == "api" and split["at"] == app.clock().isoformat().replace("+00:00", "Z")
    assert [(e.method, e.path, e.status) for e in entries] == [("POST", f"/incidents/{checkout}/split", 200)]


def test_splits_that_cannot_be_done_say_why(app: App) -> None:
    db, _ = cascade(app)
    never = app.incident("DiskFull", "batch")
    alone = app.incident("Slow", "search")
    app.member(alone, alone, "Slow", "search")
    missing = app.client.post("/incidents/999/split")
    assert (missing.status_code, missing.json()["detail"]) == (404, "no incident with id 999")
    unpaged = app.client.post(f"/incidents/{never}/split")
    assert unpaged.status_code == 409 and "never paged" in unpaged.json()["detail"]
    lonely = app.client.post(f"/incidents/{alone}/split")
    assert lonely.status_code == 409 and "alone in its correlated incident" in lonely.json()["detail"]
    assert app.client.get("/correlation/feedback").json()["items"] == []
    assert [
        m["incident_id"] for m in app.client.get(f"/incidents/{db}").json()["correlation"]["members"]
    ] == [
        db,
        db + 1,
    ]


def test_a_merge_moves_the_incident_under_the_other_and_is_kept(app: App) -> None:
    db, checkout = cascade(app)
    cart = app.incident("CartLatency", "cart")
    app.member(cart, cart, "CartLatency", "cart")
    response = app.client.post(f"/incidents/{cart}/merge", json={"into": checkout, "by": "alice"})
    assert response.status_code == 200, response.text
    merged = response.json()
    assert merged["id"] == db
    assert [(m["incident_id"], m["joined_by"]) for m in merged["members"]] == [
        (db, None),
        (checkout, None),
        (cart, "alice"),
    ]
    assert merged["members"][2]["reasons"][-1]["kind"] == "merge"
    assert merged["probable_root"][0]["incident_id"] == db
    [kept] = app.client.get("/correlation/feedback").json()["items"]
    assert (kept["kind"], kept["a_incident"], kept["b_incident"], kept["by"]) == (
        "merge",
        checkout,
        cart,
        "alice",
    )


def test_merges_that_cannot_be_done_say_why(app: App) -> None:
    db, checkout = cascade(app)
    never = app.incident("DiskFull", "batch")
    post = app.client.post
    unknown_into = post(f"/incidents/{checkout}/merge", json={"into": 999})
    assert (unknown_into.status_code, unknown_into.json()["detail"]) == (404, "no incident with id 999")
    assert post("/incidents/999/merge", json={"into": db}).status_code == 404
    itself = post(f"/incidents/{db}/merge", json={"into": db})
    assert itself.status_code == 422 and "into itself" in itself.json()["detail"]
    unpaged = post(f"/incidents/{never}/merge", json={"into": db})
    assert unpaged.status_code == 409 and f"incident {never} is not part" in unpaged.json()["detail"]
    together = post(f"/incidents/{checkout}/merge", json={"into": db})
    assert together.status_code == 409 and "already one correlated incident" in together.json()["detail"]
    assert post(f"/incidents/{checkout}/merge", json={}).status_code == 422
    assert post(f"/incidents/{checkout}/merge", json={"into": 0}).status_code == 422
    assert app.client.get("/correlation/feedback").json()["items"] == []


def test_learned_pairs_are_listed_with_their_evidence(app: App) -> None:
    assert app.client.get("/correlation/learned").json() == {"items": []}
    pairs = {
        ("checkout", "payments-db"): LearnedDependency("checkout", "payments-db", 12, 0.96, 12.5, 1, 11),
        ("cart", "search"): LearnedDependency("cart", "search", 6, 0.2, 30.0, 3, 3),
    }
    with app.runtime.db.transaction() as conn:
        correlation_store.save_learned(conn, Learned(pairs), app.clock())
    items = app.client.get("/correlation/learned").json()["items"]
    assert [(i["a"], i["b"], i["together"], i["lift"]) for i in items] == [
        ("cart", "search", 6, 30.0),
        ("checkout", "payments-db", 12, 12.5),
    ]
    checkout = items[1]
    assert (checkout["expected"], checkout["a_first"], checkout["b_first"]) == (0.96, 1, 11)
    assert checkout["text"].startswith("learned: checkout and payments-db start together 12x")
    assert checkout["learned_at"] == app.clock().isoformat().replace("+00:00", "Z")


def test_feedback_is_listed_newest_first(app: App) -> None:
    db, checkout = cascade(app)
    assert app.client.post(f"/incidents/{checkout}/split").status_code == 200
    app.clock.advance(timedelta(minutes=5).total_seconds())
    assert app.client.post(f"/incidents/{checkout}/merge", json={"into": db}).status_code == 200
    kinds = [item["kind"] for item in app.client.get("/correlation/feedback").json()["items"]]
    assert kinds == ["merge", "split"]
    assert [
        i["kind"] for i in app.client.get("/correlation/feedback", params={"limit": 1}).json()["items"]
    ] == ["merge"]


PAGER = {"name": "pager", "type": "pagerduty", "routing_key": "r" * 32, "events_url": "http://127.0.0.1:9/"}
ROUTE = {"name": "services", "match": '{service=~".+"}', "channels": {"escalated": ["pager"]}}


@pytest.fixture
def paging(database_url: str) -> Iterator[App]:
    """Alerts escalate after 60 s and page; correlation decides on the real paging path."""
    clock = FakeClock()
    settings = Settings(
        database_url=database_url,
        grace_seconds=60,
        public_url="https://holdoff.test",
        group_by=["service"],  # type: ignore[arg-type]
        group_wait="0s",  # type: ignore[arg-type]
        channels=[PAGER],  # type: ignore[arg-type]
        routes=[ROUTE],  # type: ignore[arg-type]
        correlation={"topology": TOPOLOGY},  # type: ignore[arg-type]
    )
    runtime = Runtime(settings, clock=clock, run_workers=False)
    with TestClient(create_app(runtime), base_url="http://127.0.0.1") as client:
        yield App(client, runtime, clock)


def _after(app: App, seconds: float) -> None:
    app.clock.advance(seconds)
    app.runtime.mediator.fire_due()


def _pages(app: App) -> list[int]:
    with app.runtime.db.read() as conn:
        rows = conn.execute(select(notifications).order_by(notifications.c.id)).mappings()
        return [row["incident_id"] for row in rows if row["kind"] == "escalated"]


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_a_join_decided_on_the_paging_path_is_shown_and_an_api_split_holds(paging: App) -> None:
    db = paging.incident("PostgresDown", "payments-db")
    paging.clock.advance(40)
    checkout = paging.incident("CheckoutErrors", "checkout")
    _after(paging, 20)  # PostgresDown escalates and pages
    _after(paging, 40)  # checkout escalates: it joins, no page
    assert _pages(paging) == [db]
    correlation = paging.client.get(f"/incidents/{checkout}").json()["correlation"]
    assert correlation["id"] == db
    joined = correlation["members"][1]
    assert (joined["incident_id"], joined["joined_by"], joined["score"]) == (checkout, None, 1.0)
    assert [reason["text"] for reason in joined["reasons"]] == [
        "started 40s after payments-db",
        "checkout depends on payments-db (topology)",
    ]
    assert correlation["probable_root"][0]["incident_id"] == db

    assert paging.client.post(f"/incidents/{checkout}/split").status_code == 200
    resolved = alertmanager("CheckoutErrors", "checkout", paging.clock())
    resolved["status"] = resolved["alerts"][0]["status"] = "resolved"
    resolved["alerts"][0]["endsAt"] = paging.clock().isoformat()
    assert paging.client.post("/webhooks/alertmanager", json=resolved).status_code == 202
    _after(paging, 300)  # its resolution goes out and the group incident closes
    again = paging.incident("CheckoutErrors", "checkout")
    _after(paging, 61)
    assert again != checkout and _pages(paging) == [db, again]  # the split holds: it pages on its own
    came_back = paging.client.get(f"/incidents/{again}").json()["correlation"]
    assert came_back["id"] == again
    assert [reason["kind"] for reason in came_back["members"][0]["reasons"]] == ["split"]
