"""The incident page's correlation panel in a real headless Chromium against the real ``holdoff serve``:
an operator opens a symptom's incident, sees the database incident it joined and the probable root,
clicks Split, and the page then shows the incident on its own; the Correlation page lists the split.

The group incidents come from real webhooks; the memberships the paging path writes when they page are
written through the store into the server's SQLite file. Uses Debian's ``chromium``; screenshots go to
``test-artifacts/<test id>/``.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import pytest
from playwright import sync_api

from holdoff.store.db import Database
from tests.api.correlation_support import DEPENDS, add_member, open_incident
from tests.e2e import service_env
from tests.support.server import HoldoffProcess, StartHoldoff, _safe_dirname, artifacts_root

pytestmark = [pytest.mark.e2e, pytest.mark.slow]

CHROMIUM = Path("/usr/bin/chromium")
WAIT_MS = 10_000
CONFIG = """\
policy:
  group_by: [service]
correlation:
  topology:
    checkout: [payments-db]
"""


@pytest.fixture
def server(holdoff_process: StartHoldoff, tmp_path: Path) -> HoldoffProcess:
    config = tmp_path / "holdoff.yaml"
    config.write_text(CONFIG, encoding="utf-8")
    env = service_env(f"sqlite:///{tmp_path / 'holdoff.db'}", grace=600)
    return holdoff_process(env, extra_args=["--config", str(config)])


@pytest.fixture
def page(request: pytest.FixtureRequest) -> Iterator[tuple[sync_api.Page, Path]]:
    assert CHROMIUM.exists(), "Debian package chromium is not installed (make test installs it)"
    shots = artifacts_root(request.config) / _safe_dirname(request.node.nodeid)
    shots.mkdir(parents=True, exist_ok=True)
    with sync_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), headless=True)
        try:
            tab = browser.new_context(viewport={"width": 1280, "height": 1000}).new_page()
            errors: list[str] = []
            tab.on("pageerror", lambda exc: errors.append(str(exc)))
            yield tab, shots
            assert errors == [], f"JavaScript errors on the page: {errors}"
        finally:
            browser.close()


def test_an_operator_splits_a_wrong_join_from_the_incident_page(
    server: HoldoffProcess, page: tuple[sync_api.Page, Path], tmp_path: Path
) -> None:
    expect = sync_api.expect
    tab, shots = page
    started = datetime.now(UTC) - timedelta(minutes=2)
    db = Database(f"sqlite:///{tmp_path / 'holdoff.db'}")
    try:
        with httpx.Client(base_url=server.url, timeout=15, trust_env=False) as client:
            lead = open_incident(client, "PostgresDown", "payments-db", started)
            symptom = open_incident(client, "CheckoutErrors", "checkout", started + timedelta(seconds=40))
        add_member(db, lead, lead, "PostgresDown", "payments-db", started)
        add_member(db, symptom, lead, "CheckoutErrors", "checkout", started + timedelta(seconds=40), DEPENDS)
    finally:
        db.dispose()

    tab.goto(f"{server.url}/ui/incidents/{symptom}")
    members = tab.locator("#correlation-members tbody tr")
    expect(members).to_have_count(2)
    expect(members.nth(0)).to_contain_text("payments-db")
    expect(members.nth(1)).to_contain_text("checkout depends on payments-db (topology)")
    root = tab.locator("#probable-root > li")
    expect(root.first).to_contain_text("payments-db")
    expect(root.first).to_contain_text("infrastructure (postgres)")
    tab.screenshot(path=str(shots / "01-joined.png"), full_page=True)

    tab.get_by_role("button", name="Split this incident out").click()
    expect(tab.locator("#done-message")).to_contain_text("Split: this incident is now an incident of its own")
    assert tab.url.endswith(f"/ui/incidents/{symptom}?done=split")
    expect(members).to_have_count(1)
    expect(members.first).to_contain_text("checkout")
    expect(members.first).to_contain_text(f"split from incident #{lead}")
    expect(tab.locator("#correlation")).to_contain_text("nothing joined it")
    expect(tab.get_by_role("button", name="Split this incident out")).to_have_count(0)
    tab.screenshot(path=str(shots / "02-split.png"), full_page=True)

    tab.goto(f"{server.url}/ui/incidents/{lead}")
    expect(members).to_have_count(1)
    tab.goto(f"{server.url}/ui/correlation")
    split = tab.locator('#feedback-table tr[data-kind="split"]')
    expect(split).to_have_count(1)
    expect(split).to_contain_text(f"#{symptom}")
    expect(split).to_contain_text(f"#{lead}")
    tab.screenshot(path=str(shots / "03-feedback.png"), full_page=True)
