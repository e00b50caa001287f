"""The incident page's correlation panel in a real headless Chromium against the real ``holdoff serve``:
a database alert and a checkout symptom 1 s later outlive a 2 s grace window, the database pages and
the symptom joins its incident on the server's paging path; an operator opens the symptom's incident,
sees the database incident it joined and the probable root, clicks Split, and the page then shows the
incident on its own; the Correlation page lists the split.

Uses Debian's ``chromium``; screenshots go to ``test-artifacts/<test id>/``.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import pytest
from playwright import sync_api

from tests.api.correlation_support import open_incident
from tests.e2e import service_env
from tests.support.net import poll
from tests.support.server import HoldoffProcess, StartHoldoff, _safe_dirname, artifacts_root

pytestmark = [pytest.mark.e2e, pytest.mark.slow]

CHROMIUM = Path("/usr/bin/chromium")
WAIT_MS = 10_000
GRACE = 2
CONFIG = """\
channels:
  - name: ops-hook
    type: webhook
    url: http://127.0.0.1:9/never-answers
policy:
  group_by: [service]
  group_wait: 0s
correlation:
  topology:
    checkout: [payments-db]
"""


@pytest.fixture
def server(holdoff_process: StartHoldoff, tmp_path: Path) -> HoldoffProcess:
    config = tmp_path / "holdoff.yaml"
    config.write_text(CONFIG, encoding="utf-8")
    env = service_env(f"sqlite:///{tmp_path / 'holdoff.db'}", grace=GRACE)
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


def _correlation(client: httpx.Client, incident_id: int, *, members: int) -> dict[str, Any] | None:
    """The incident's correlation once it has ``members`` members, else None."""
    found: dict[str, Any] | None = client.get(f"/incidents/{incident_id}").json()["correlation"]
    return found if found is not None and len(found["members"]) == members else None


def test_an_operator_splits_a_wrong_join_from_the_incident_page(
    server: HoldoffProcess, page: tuple[sync_api.Page, Path]
) -> None:
    expect = sync_api.expect
    tab, shots = page
    with httpx.Client(base_url=server.url, timeout=15, trust_env=False) as client:
        lead = open_incident(client, "PostgresDown", "payments-db", datetime.now(UTC))
        assert poll(lambda: _correlation(client, lead, members=1) is not None, GRACE + 15), "never paged"
        symptom = open_incident(client, "CheckoutErrors", "checkout", datetime.now(UTC))
        assert poll(lambda: _correlation(client, symptom, members=2) is not None, GRACE + 15), "never joined"
        joined = _correlation(client, symptom, members=2)
    assert joined is not None and joined["id"] == lead
    assert [m["incident_id"] for m in joined["members"]] == [lead, symptom]

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
