"""The Logs page in a real headless Chromium against the real ``holdoff serve``.

An operator opens ``/ui/logs`` and sees how to send logs; a critical line (an OOM kill at INFO)
arrives and appears without a reload with its reason and score; "Not critical" marks its template,
which the API and the database then show. The lines are written straight into the database with
their verdicts, as the ingest stores them. Screenshots go to ``test-artifacts/<test id>/``.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from playwright import sync_api
from sqlalchemy import insert

from holdoff.store import log_marks
from holdoff.store.db import Database
from holdoff.store.tables import log_lines, log_template_minutes, log_templates
from tests.e2e import Api, service_env
from tests.support.server import HoldoffProcess, StartHoldoff, _safe_dirname, artifacts_root

pytestmark = [pytest.mark.e2e, pytest.mark.slow]

CHROMIUM = Path("/usr/bin/chromium")
WAIT_MS = 10_000
OOM = "a0b1c2d3e4f50617"
ROUTINE = "1726354453627180"
OOM_LINE = "Out of memory: Killed process 4242 (java) total-vm:8123456kB"


@pytest.fixture
def database_url(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path / 'holdoff.db'}"


@pytest.fixture
def server(holdoff_process: StartHoldoff, database_url: str) -> HoldoffProcess:
    return holdoff_process(service_env(database_url, grace=600))


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


def store_lines(database_url: str) -> None:
    """An OOM kill at INFO judged critical, and a routine line, with their templates and minutes."""
    now = datetime.now(UTC)
    db = Database(database_url)
    try:
        with db.transaction() as conn:
            for template_id, text in (
                (OOM, "Out of memory: Killed process <*> (java) total-vm:<*>"),
                (ROUTINE, "GET <*> 200"),
            ):
                conn.execute(
                    insert(log_templates).values(
                        id=template_id,
                        key=text,
                        template=text,
                        founding=text,
                        count=1,
                        first_seen=now,
                        last_seen=now,
                    )
                )
            conn.execute(
                insert(log_template_minutes),
                [
                    {
                        "template_id": OOM,
                        "service": "node",
                        "minute": now.replace(second=0, microsecond=0),
                        "count": 1,
                        "critical": 1,
                    },
                    {
                        "template_id": ROUTINE,
                        "service": "web",
                        "minute": now.replace(second=0, microsecond=0),
                        "count": 5,
                        "critical": 0,
                    },
                ],
            )
            common = {"received_at": now, "timestamp": now, "host": "n1", "level": "INFO", "attributes": {}}
            conn.execute(
                insert(log_lines),
                [
                    {
                        **common,
                        "service": "web",
                        "message": "GET /health 200",
                        "template_id": ROUTINE,
                        "severity": "info",
                        "critical": False,
                        "score": 0.02,
                        "reason": [],
                        "model_version": "e2e",
                    },
                    {
                        **common,
                        "service": "node",
                        "message": OOM_LINE,
                        "template_id": OOM,
                        "severity": "critical",
                        "critical": True,
                        "score": 0.96,
                        "reason": [["word:killed", 2.4], ["phrase:out of memory", 1.9], ["level=INFO", -0.6]],
                        "model_version": "e2e",
                    },
                ],
            )
    finally:
        db.dispose()


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
    page.goto(f"{server.url}/ui/logs")
    expect(page.locator("#empty-state")).to_contain_text("No logs yet — send logs to POST /logs")
    expect(page.locator("#critical-empty")).to_be_visible()
    expect(page.locator("#live-status")).to_contain_text("live")
    page.evaluate("window.holdoffTestMarker = 'same page'")

    store_lines(database_url)

    row = page.locator("#critical-table tbody tr", has_text=OOM_LINE)
    expect(row).to_be_visible(timeout=WAIT_MS)  # polled in, no reload
    expect(page.locator("#empty-state")).to_be_hidden()
    expect(row.locator(".c-reason")).to_contain_text("word:killed +2.40")
    expect(row.locator(".c-reason")).to_contain_text("level=INFO \u22120.60")
    expect(row.locator(".c-verdict")).to_contain_text("critical")
    expect(row.locator(".c-verdict")).to_contain_text("96% sure")
    expect(row).not_to_contain_text("GET /health 200")
    top = page.locator("#top-table tbody tr", has_text="GET <*> 200")
    expect(top).to_be_visible(timeout=WAIT_MS)  # the template tables refresh too
    expect(top.locator("svg.spark")).to_have_attribute("aria-label", re.compile(r"^5 lines in the last 1h"))
    expect(page.locator("#new-table tbody tr")).to_have_count(2)
    assert page.evaluate("window.holdoffTestMarker") == "same page", "the page was reloaded"

    row.get_by_role("button", name="Not critical").click()
    expect(page.locator("#action-message")).to_contain_text("not critical", timeout=WAIT_MS)
    expect(row.locator(".mark")).to_have_text("marked not critical")
    expect(row.get_by_role("button", name="Not critical")).to_have_attribute("aria-pressed", "true")
    # every row of the template shows it: the new-templates table too
    expect(page.locator(f'#new-table td.c-mark[data-template="{OOM}"] .mark')).to_have_text(
        "marked not critical"
    )

    assert stored_marks(database_url) == {OOM: False}
    detail = Api(server.url).request("GET", f"/logs/templates/{OOM}").json()
    assert (detail["mark"], detail["marked_by"]) == (False, "api")

    page.reload()
    expect(page.locator("#critical-table tbody tr", has_text=OOM_LINE).locator(".mark")).to_have_text(
        "marked not critical"
    )
