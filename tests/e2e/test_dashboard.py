"""The dashboard in a real headless Chromium against the real ``holdoff serve``.

An operator opens ``/``, sees the honest empty state, a webhook arrives and its alert appears without a
reload, Ack changes the row and the summary cards, a reload shows the same state, and the alert's page
shows the timeline. Screenshots go to ``test-artifacts/<test id>/``.

Uses Debian's ``chromium`` (``scripts/ensure-system-packages.sh`` installs it), never a downloaded
browser. Login and role steps go in :class:`Dashboard` once access control is in place.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright import sync_api

from tests.e2e import Api, service_env
from tests.support.server import HoldoffProcess, StartHoldoff, _safe_dirname, artifacts_root

pytestmark = [pytest.mark.e2e, pytest.mark.slow]

CHROMIUM = Path("/usr/bin/chromium")
WAIT_MS = 10_000


class Dashboard:
    """One browser tab on one Holdoff process, with numbered screenshots."""

    def __init__(self, page: sync_api.Page, server: HoldoffProcess, shots: Path) -> None:
        self.page = page
        self.server = server
        self.shots = shots
        self.taken = 0

    def open(self, path: str = "/") -> None:
        self.page.goto(self.server.url + path)

    def shot(self, name: str) -> Path:
        self.taken += 1
        path = self.shots / f"{self.taken:02d}-{name}.png"
        self.page.screenshot(path=str(path), full_page=True)
        return path

    def card(self, state: str) -> sync_api.Locator:
        return self.page.locator(f'[data-count="{state}"]')

    def row(self, name: str) -> sync_api.Locator:
        return self.page.locator("#alert-table tbody tr", has_text=name)


@pytest.fixture
def server(holdoff_process: StartHoldoff, tmp_path: Path) -> HoldoffProcess:
    return holdoff_process(service_env(f"sqlite:///{tmp_path / 'holdoff.db'}", grace=600))


@pytest.fixture
def dashboard(request: pytest.FixtureRequest, server: HoldoffProcess) -> Iterator[Dashboard]:
    assert CHROMIUM.exists(), "Debian package chromium is not installed (make test installs it)"
    shots = artifacts_root(request.config) / _safe_dirname(request.node.nodeid)
    shots.mkdir(parents=True, exist_ok=True)
    for stale in shots.glob("*.png"):
        stale.unlink()
    with sync_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), headless=True)
        try:
            context = browser.new_context(viewport={"width": 1280, "height": 900})
            page = context.new_page()
            errors: list[str] = []
            page.on("pageerror", lambda exc: errors.append(str(exc)))
            yield Dashboard(page, server, shots)
            assert errors == [], f"JavaScript errors on the page: {errors}"
        finally:
            browser.close()


def test_an_alert_appears_live_is_acked_and_stays_acked(dashboard: Dashboard, server: HoldoffProcess) -> None:
    expect = sync_api.expect
    page = dashboard.page
    dashboard.open()
    empty = page.locator("#empty-state")
    expect(empty).to_contain_text("No alerts — Holdoff is listening on POST /coralogix/webhook")
    expect(empty.locator("pre code")).to_contain_text(f"curl -X POST {server.url}/coralogix/webhook")
    expect(dashboard.card("pending")).to_have_text("0")
    expect(page.locator("#today-in")).to_have_text("0")  # alerts in → pages out today, on the first paint
    expect(page.locator("#today-out")).to_have_text("0")
    dashboard.shot("empty")
    page.evaluate("window.holdoffTestMarker = 'same page'")

    Api(server.url).webhook("dash-1", "TRIGGERED", "CPU Spike Test")

    row = dashboard.row("CPU Spike Test")
    expect(row).to_be_visible(timeout=WAIT_MS)
    expect(row.locator(".state")).to_have_text("pending")
    expect(dashboard.card("pending")).to_have_text("1", timeout=WAIT_MS)
    expect(page.locator("#today-in")).to_have_text("1", timeout=WAIT_MS)  # the card follows live
    expect(page.locator("#today-out")).to_have_text("0")
    chart = page.locator("#noise-chart svg")
    expect(chart).to_have_attribute("aria-label", re.compile(r": 1 alerts in, 0 pages out$"), timeout=WAIT_MS)
    expect(empty).to_be_hidden()
    assert page.evaluate("window.holdoffTestMarker") == "same page", "the page was reloaded"
    dashboard.shot("alert-arrived")

    row.get_by_role("button", name="Ack").click()
    expect(row.locator(".state")).to_have_text("acknowledged", timeout=WAIT_MS)
    expect(dashboard.card("pending")).to_have_text("0", timeout=WAIT_MS)
    expect(dashboard.card("acknowledged")).to_have_text("1", timeout=WAIT_MS)
    expect(row.get_by_role("button", name="Ack")).to_have_count(0)
    assert page.evaluate("window.holdoffTestMarker") == "same page", "the page was reloaded"
    dashboard.shot("acked")

    page.reload()
    expect(row.locator(".state")).to_have_text("acknowledged")
    expect(dashboard.card("acknowledged")).to_have_text("1")
    expect(page.locator("#today-in")).to_have_text("1")  # acknowledged, still an alert that came in today
    expect(dashboard.card("pending")).to_have_text("0")
    dashboard.shot("after-reload")

    row.get_by_role("link", name="CPU Spike Test").click()
    expect(page).to_have_url(re.compile(r"/ui/alerts/\d+$"))
    timeline = page.locator("#timeline")
    expect(timeline).to_contain_text("triggered")
    expect(timeline).to_contain_text("acknowledged")
    expect(page.locator("#root-cause")).to_have_text("No root-cause analysis yet.")
    dashboard.shot("detail")


def test_keyboard_and_phone_width(dashboard: Dashboard, server: HoldoffProcess) -> None:
    expect = sync_api.expect
    page = dashboard.page
    api = Api(server.url)
    api.webhook("kb-1", "TRIGGERED", "Disk Full")
    node_down = api.webhook("kb-2", "TRIGGERED", "Node Down")
    page.set_viewport_size({"width": 390, "height": 844})
    dashboard.open()
    expect(page.locator("#alert-table tbody tr")).to_have_count(2)
    expect(page.locator("#live-status")).to_have_text("live", timeout=WAIT_MS)
    page.keyboard.press("j")
    selected = page.locator("#alert-table tbody tr.current")
    expect(selected).to_have_attribute("data-state", "pending")
    expect(selected).to_contain_text("Node Down")  # the newest alert is on top
    # Acknowledged elsewhere: the live feed redraws its row, and the selection stays on it.
    assert api.request("POST", f"/alerts/{node_down['alert_id']}/acknowledge", json={"by": "bob"}).is_success
    expect(selected).to_have_attribute("data-state", "acknowledged", timeout=WAIT_MS)
    expect(selected).to_contain_text("Node Down")
    page.keyboard.press("j")
    expect(selected).to_contain_text("Disk Full")
    page.keyboard.press("a")  # acknowledges the current row
    expect(dashboard.card("acknowledged")).to_have_text("2", timeout=WAIT_MS)
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 390, f"the page scrolls sideways on a phone ({width}px wide)"
    dashboard.shot("phone")


def test_silence_like_this_and_the_channels_page(dashboard: Dashboard, server: HoldoffProcess) -> None:
    expect = sync_api.expect
    page = dashboard.page
    answer = Api(server.url).webhook("sil-1", "TRIGGERED", "Noisy Check")
    dashboard.open(f"/ui/alerts/{answer['alert_id']}")
    page.get_by_role("link", name="Silence like this").click()
    expect(page.locator("#s-matchers")).to_have_value(re.compile(r'alertname="Noisy Check"'))
    page.fill("#s-created-by", "alice")
    page.fill("#s-comment", "known flaky check")
    dashboard.shot("silence-form")
    page.get_by_role("button", name="Create silence").click()
    row = page.locator("#silence-table tbody tr").first
    expect(row).to_contain_text("active", timeout=WAIT_MS)
    expect(row).to_contain_text("alice: known flaky check")
    row.get_by_role("button", name="Expire").click()
    expect(row).to_contain_text("expired", timeout=WAIT_MS)
    expect(row.get_by_role("button", name="Expire")).to_have_count(0)
    dashboard.shot("silence-expired")

    page.fill("#s-matchers", "{not valid")
    page.fill("#s-created-by", "alice")
    page.fill("#s-comment", "x")
    page.get_by_role("button", name="Create silence").click()
    expect(page.locator("#action-message")).to_contain_text("The silence was not created", timeout=WAIT_MS)

    dashboard.open("/ui/channels")
    expect(page.locator("h1")).to_have_text("Channels and policy")
    page.get_by_role("button", name="Reload configuration").click()
    expect(page.locator("#action-message")).to_be_visible(timeout=WAIT_MS)
    dashboard.shot("channels")


def _create_user(database_url: str, name: str, role: str, password: str) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("HOLDOFF_")}
    env["HOLDOFF_DATABASE_URL"] = database_url
    result = subprocess.run(
        [sys.executable, "-m", "holdoff", "user", "create", name, "--role", role, "--password-stdin"],
        input=password + "\n",
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr


def click_until(button: sync_api.Locator, shown: sync_api.Locator, text: str) -> None:
    """Click ``button`` until ``shown`` reads ``text``: the live feed's first snapshot may redraw the
    row between the first paint and the click, and a click on the replaced row is lost."""
    deadline = time.monotonic() + WAIT_MS / 1000
    while True:
        if button.count():
            button.click()
        try:
            sync_api.expect(shown).to_have_text(text, timeout=1_000)
            return
        except AssertionError:
            if time.monotonic() > deadline:
                raise


def _log_in(dashboard: Dashboard, name: str, password: str) -> None:
    page = dashboard.page
    dashboard.open()
    sync_api.expect(page).to_have_url(re.compile(r"/login\?next="))
    page.fill("#username", name)
    page.fill("#password", password)
    page.get_by_role("button", name=re.compile("log in", re.IGNORECASE)).click()
    sync_api.expect(page.locator("#user-slot")).to_contain_text(name, timeout=WAIT_MS)


def test_log_in_and_out_an_operator_acks_a_viewer_sees_no_actions(
    dashboard: Dashboard, server: HoldoffProcess, tmp_path: Path
) -> None:
    expect = sync_api.expect
    page = dashboard.page
    database_url = f"sqlite:///{tmp_path / 'holdoff.db'}"
    _create_user(database_url, "alice", "operator", "correct horse battery")
    _create_user(database_url, "bob", "viewer", "another staple")
    api = Api(server.url)
    api.webhook("role-1", "TRIGGERED", "Disk Full Test")

    page.goto(server.url + "/")  # no longer open: the dashboard asks who you are
    expect(page).to_have_url(re.compile(r"/login\?next="), timeout=WAIT_MS)
    dashboard.shot("login-page")

    _log_in(dashboard, "alice", "correct horse battery")
    row = dashboard.row("Disk Full Test")
    click_until(row.get_by_role("button", name="Ack"), row.locator(".state"), "acknowledged")
    dashboard.shot("operator-acked")

    page.locator("#user-slot").get_by_role("button", name="Log out").click()
    expect(page).to_have_url(re.compile(r"/login"), timeout=WAIT_MS)
    dashboard.open()
    expect(page).to_have_url(re.compile(r"/login\?next="))  # logged out for real

    api.webhook("role-2", "TRIGGERED", "Queue Backlog Test")
    _log_in(dashboard, "bob", "another staple")
    expect(page.locator("body")).to_have_attribute("data-role", "viewer")
    row = dashboard.row("Queue Backlog Test")
    expect(row).to_be_visible(timeout=WAIT_MS)
    expect(row.locator(".state")).to_have_text("pending")
    table_buttons = page.locator("#alert-table button")
    expect(table_buttons).to_have_count(0)  # the first paint offers a viewer no action
    expect(page.locator("#live-status")).to_have_text("live", timeout=WAIT_MS)
    api.webhook("role-3", "TRIGGERED", "Arrives Live Test")  # drawn by the browser (alert-row.js)
    expect(dashboard.row("Arrives Live Test")).to_be_visible(timeout=WAIT_MS)
    expect(table_buttons).to_have_count(0)
    expect(page.locator(".hint")).not_to_contain_text("acks")
    dashboard.shot("viewer-no-actions")

    row = dashboard.row("Queue Backlog Test")
    row.get_by_role("link", name="Queue Backlog Test").click()
    expect(page).to_have_url(re.compile(r"/ui/alerts/\d+$"))
    expect(page.locator("#timeline")).to_contain_text("triggered")
    expect(page.locator("#alert-actions")).to_have_count(0)
    expect(page.get_by_role("link", name="Silence like this")).to_have_count(0)
    expect(page.locator("#audit-note")).to_contain_text("Only admins see the audit entries")
    dashboard.shot("viewer-alert-page")
    # The API still refuses a viewer's action (tests/api/test_login.py checks the answer in detail).
    csrf = page.locator('meta[name="csrf-token"]').get_attribute("content")
    alert_id = page.url.rsplit("/", 1)[1]
    status = page.evaluate(
        """async ([id, csrf]) => (await fetch(`/alerts/${id}/acknowledge`,
               {method: "POST", headers: {"X-CSRF-Token": csrf}})).status""",
        [alert_id, csrf],
    )
    assert status == 403
