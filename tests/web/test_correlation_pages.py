"""The dashboard's correlation: the incident page's panel (members, why each joined, the probable root)
with Split and Merge forms for operators, the forms posting with the session's CSRF token, and
``/ui/correlation`` listing learned pairs and feedback."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import pytest
from fastapi.testclient import TestClient

from holdoff.api.app import create_app
from holdoff.auth.access import AccessControl
from holdoff.auth.roles import Role
from holdoff.correlate.model import Learned, LearnedDependency
from holdoff.runtime import Runtime
from holdoff.settings import Settings
from holdoff.store import correlation as correlation_store
from tests.api.access_support import PASSWORD, USERS, Secured
from tests.api.correlation_support import DEPENDS, TOPOLOGY, add_member, open_incident
from tests.auth.conftest import FAST_HASHER
from tests.service.helpers import FakeClock

PUBLIC_URL = "https://holdoff.test"
HTML = {"Accept": "text/html"}


@dataclass
class Site:
    secured: Secured
    runtime: Runtime
    db_incident: int
    checkout: int
    never: int

    @property
    def client(self) -> TestClient:
        return self.secured.client

    def page(self, path: str) -> str:
        response = self.client.get(path, headers=HTML)
        assert response.status_code == 200, response.text
        return response.text


@pytest.fixture
def site(database_url: str) -> Iterator[Site]:
    """A protected Holdoff with a user per role, payments-db leading a correlated incident that checkout
    joined, and an incident that never paged."""
    clock = FakeClock()
    settings = Settings(
        database_url=database_url,
        grace_seconds=600,
        public_url=PUBLIC_URL,
        group_by=["service"],  # type: ignore[arg-type]
        correlation={"topology": TOPOLOGY},  # type: ignore[arg-type]
    )
    runtime = Runtime(settings, channels={}, clock=clock, run_workers=False)
    app = create_app(runtime)
    with TestClient(app, base_url=PUBLIC_URL) as client:
        access: AccessControl = app.state.access
        access.users.hasher = FAST_HASHER
        _, token = access.tokens.create("ops-bot", Role.ADMIN)
        for role in Role:
            access.users.create(USERS[role], role, PASSWORD)
        access.forget()
        auth = {"headers": {"Authorization": f"Bearer {token}"}}
        db = open_incident(client, "PostgresDown", "payments-db", clock(), **auth)
        add_member(runtime.db, db, db, "PostgresDown", "payments-db", clock())
        clock.advance(40)
        checkout = open_incident(client, "CheckoutErrors", "checkout", clock(), **auth)
        add_member(runtime.db, checkout, db, "CheckoutErrors", "checkout", clock(), DEPENDS)
        never = open_incident(client, "DiskFull", "batch", clock(), **auth)
        yield Site(Secured(client, access, clock), runtime, db, checkout, never)


def test_the_incident_page_shows_members_why_they_joined_and_the_probable_root(site: Site) -> None:
    site.secured.login(Role.VIEWER)
    html = site.page(f"/ui/incidents/{site.checkout}")
    assert 'id="correlation-members"' in html
    assert (
        f'<tr data-incident="{site.db_incident}">' in html and f'<tr data-incident="{site.checkout}">' in html
    )
    assert "checkout depends on payments-db (topology)" in html
    root = html.split('id="probable-root"', 1)[1]
    assert root.index(f'data-incident="{site.db_incident}"') < root.index(f'data-incident="{site.checkout}"')
    assert "infrastructure (postgres)" in root and "started 40s after payments-db" in root
    assert 'action="/ui/incidents/' not in html  # a viewer is offered no Split or Merge
    never = site.page(f"/ui/incidents/{site.never}")
    assert "Not part of a correlated incident" in never


def test_an_operator_splits_with_the_form_and_sees_the_incident_alone(site: Site) -> None:
    csrf = site.secured.login(Role.OPERATOR)
    html = site.page(f"/ui/incidents/{site.checkout}")
    assert f'action="/ui/incidents/{site.checkout}/split"' in html
    assert f'name="csrf_token" value="{csrf}"' in html
    refused = site.client.post(f"/ui/incidents/{site.checkout}/split", data={}, follow_redirects=False)
    assert refused.status_code == 403 and "CSRF" in refused.text
    response = site.client.post(
        f"/ui/incidents/{site.checkout}/split", data={"csrf_token": csrf}, follow_redirects=False
    )
    assert response.status_code == 303
    assert response.headers["location"] == f"/ui/incidents/{site.checkout}?done=split"
    after = site.page(response.headers["location"])
    assert 'id="done-message"' in after and "Split: this incident is now an incident of its own" in after
    assert f'<tr data-incident="{site.db_incident}">' not in after
    assert "nothing joined it" in after and 'id="split-button"' not in after
    with site.runtime.db.read() as conn:
        assert correlation_store.lead_of(conn, site.checkout) == site.checkout
        assert len(correlation_store.feedback(conn).splits) == 1


def test_the_merge_form_merges_and_a_refused_merge_says_why(site: Site) -> None:
    csrf = site.secured.login(Role.OPERATOR)
    split = {"csrf_token": csrf}
    assert site.client.post(f"/ui/incidents/{site.checkout}/split", data=split).status_code == 200
    itself = site.client.post(
        f"/ui/incidents/{site.checkout}/merge", data={"csrf_token": csrf, "into": site.checkout}
    )
    assert itself.status_code == 422 and "cannot be merged into itself" in itself.text
    unpaged = site.client.post(
        f"/ui/incidents/{site.never}/merge", data={"csrf_token": csrf, "into": site.db_incident}
    )
    assert unpaged.status_code == 409 and "never paged" in unpaged.text
    response = site.client.post(
        f"/ui/incidents/{site.checkout}/merge",
        data={"csrf_token": csrf, "into": site.db_incident},
        follow_redirects=False,
    )
    assert response.status_code == 303
    after = site.page(response.headers["location"])
    assert "Merged: correlation joins these incidents" in after
    assert (
        f'<tr data-incident="{site.db_incident}">' in after
        and f"merged into incident #{site.db_incident} by otto" in after
    )


def test_a_viewer_cannot_split_with_a_form(site: Site) -> None:
    csrf = site.secured.login(Role.VIEWER)
    response = site.client.post(f"/ui/incidents/{site.checkout}/split", data={"csrf_token": csrf})
    assert response.status_code == 403 and "needs the operator role" in response.text
    with site.runtime.db.read() as conn:
        assert correlation_store.lead_of(conn, site.checkout) == site.db_incident


def test_the_correlation_page_lists_learned_pairs_and_feedback(site: Site) -> None:
    site.secured.login(Role.OPERATOR)
    empty = site.page("/ui/correlation")
    assert "Nothing learned yet" in empty and "No splits or merges yet" in empty
    assert "<strong>checkout</strong> depends on payments-db" in empty
    pair = LearnedDependency("checkout", "payments-db", 12, 0.96, 12.5, 1, 11)
    with site.runtime.db.transaction() as conn:
        correlation_store.save_learned(
            conn, Learned({("checkout", "payments-db"): pair}), site.secured.clock()
        )
    csrf = site.secured.login(Role.OPERATOR)
    site.client.post(f"/ui/incidents/{site.checkout}/split", data={"csrf_token": csrf})
    html = site.page("/ui/correlation")
    assert 'data-pair="checkout|payments-db"' in html and "12.5\u00d7" in html and "0.96" in html
    assert "checkout 1, payments-db 11" in html
    row = html.split('id="feedback-table"', 1)[1]
    assert '<tr data-kind="split">' in row and "otto" in row
    assert (
        f'href="/ui/incidents/{site.checkout}"' in row and f'href="/ui/incidents/{site.db_incident}"' in row
    )
