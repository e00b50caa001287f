"""The Logs page in a real headless Chromium against the real ``holdoff serve``.

An operator opens ``/ui/logs`` and sees how to send logs; lines are posted to ``POST /logs`` and the
one the classifier judges critical (a kernel panic sent at INFO) appears without a reload, with its
reason and score; "Not critical" marks its template, which the API and the database then show, and
the same line posted again is no longer critical. Screenshots go to ``test-artifacts/<test id>/``.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from playwright import sync_api

from holdoff.store import log_marks
from holdoff.store.db import Database
from tests.e2e import Api, service_env
from tests.support.server import HoldoffProcess, StartHoldoff, _safe_dirname, artifacts_root

pytestmark = [pytest.mark.e2e, pytest.mark.slow]

CHROMIUM = Path("/usr/bin/chromium")
WAIT_MS = 10_000
PANIC = "Kernel panic - not syncing: Fatal exception in interrupt"


@pytest.fixture
def database_url(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path / 'holdoff.db'}"


@pytest.fixture
def server(holdoff_process: StartHoldoff, database_url: str, log_model_dir: Path) -> HoldoffProcess:
    env = service_env(database_url, grace=600, HOLDOFF_LOGS__CLASSIFIER__MODEL_DIR=str(log_model_dir))
    return holdoff_process(env)


@pytest.fixture
def page(request: pytest.FixtureRequest) -> Iterator[sync_api.Page]:
    assert CHROMIUM.exists(), "Debian package chromium is not installed (make test installs it)"
    shots = artifacts_root(request.config) / _safe_dirname(request.node.nodeid)
    shots.mkdir(parents=True, exist_ok=True)
    with sync_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), headless=True)
        try:
            context = browser.new_context(viewport={"width": 1280, "height": 900})
            tab = context.new_page()
            errors: list[str] = []
            tab.on("pageerror", lambda exc: errors.append(str(exc)))
            yield tab
            tab.screenshot(path=str(shots / "logs.png"), full_page=True)
            assert errors == [], f"JavaScript errors on the page: {errors}"
        finally:
            browser.close()


def post_logs(api: Api, records: list[dict[str, Any]]) -> None:
    response = api.request("POST", "/logs", json=records)
    assert response.status_code == 202, response.text


def stored_marks(database_url: str) -> dict[str, bool]:
    db = Database(database_url)
    try:
        with db.read() as conn:
            return log_marks.all_marks(conn)
    finally:
        db.dispose()


def test_a_critical_line_appears_with_its_reason_and_is_marked_not_critical(
    page: sync_api.Page, server: HoldoffProcess, database_url: str
) -> None:
    expect = sync_api.expect
    api = Api(server.url)
    page.goto(f"{server.url}/ui/logs")
    expect(page.locator("#empty-state")).to_contain_text("No logs yet — send logs to POST /logs")
    expect(page.locator("#critical-empty")).to_be_visible()
    expect(page.locator("#live-status")).to_contain_text("live")
    page.evaluate("window.holdoffTestMarker = 'same page'")

    routine = [
        {"service": "web", "level": "INFO", "message": f"GET /health 200 {ms}ms"} for ms in range(3, 8)
    ]
    post_logs(api, [*routine, {"service": "node", "host": "n1", "level": "INFO", "message": PANIC}])

    row = page.locator("#critical-table tbody tr", has_text=PANIC)
    expect(row).to_be_visible(timeout=WAIT_MS)  # polled in, no reload
    expect(page.locator("#critical-table tbody tr")).to_have_count(1)  # the routine lines are not critical
    expect(page.locator("#empty-state")).to_be_hidden()
    expect(row.locator(".c-reason")).to_contain_text(re.compile(r"word:panic \+\d\.\d\d"))
    expect(row.locator(".c-verdict")).to_contain_text("critical")
    expect(row.locator(".c-verdict")).to_contain_text(re.compile(r"\d+% sure"))
    expect(row.locator(".c-verdict")).to_contain_text("sent as INFO")
    top = page.locator("#top-table tbody tr").first
    expect(top).to_contain_text("GET <PATH>", timeout=WAIT_MS)  # the template tables follow
    expect(top.locator("svg.spark")).to_have_attribute("aria-label", re.compile(r"^5 lines in the last 1h"))
    expect(page.locator("#new-table tbody tr")).to_have_count(2)
    assert page.evaluate("window.holdoffTestMarker") == "same page", "the page was reloaded"

    template_id = row.get_attribute("data-template")
    assert template_id
    row.get_by_role("button", name="Not critical").click()
    expect(page.locator("#action-message")).to_contain_text("not critical", timeout=WAIT_MS)
    expect(row.locator(".mark")).to_have_text("marked not critical")
    expect(row.get_by_role("button", name="Not critical")).to_have_attribute("aria-pressed", "true")
    # every row of the template shows it, in the new-templates table too
    expect(page.locator(f'#new-table td.c-mark[data-template="{template_id}"] .mark')).to_have_text(
        "marked not critical"
    )
    assert stored_marks(database_url) == {template_id: False}
    detail = api.request("GET", f"/logs/templates/{template_id}").json()
    assert (detail["mark"], detail["marked_by"]) == (False, "api")

    # the feedback applies at once: the same line again is judged noise
    post_logs(api, [{"service": "node", "host": "n1", "level": "INFO", "message": PANIC}])
    lines = api.request("GET", "/logs", params={"template_id": template_id}).json()["items"]
    assert [line["critical"] for line in lines] == [False, True]
    assert len(api.request("GET", "/logs/critical").json()["items"]) == 1

    page.reload()
    expect(page.locator("#critical-table tbody tr", has_text=PANIC).locator(".mark")).to_have_text(
        "marked not critical"
    )
