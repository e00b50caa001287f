"""``/docs`` and ``/redoc`` in a real headless Chromium against ``holdoff serve``, with every request to
another host refused: both pages render the API from Holdoff's own files, under their own CSP.

Uses Debian's ``chromium``, never a downloaded browser. Screenshots go to ``test-artifacts/<test id>/``.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from playwright import sync_api

from tests.e2e import service_env
from tests.support.server import HoldoffProcess, StartHoldoff, _safe_dirname, artifacts_root

pytestmark = [pytest.mark.e2e, pytest.mark.slow]

CHROMIUM = Path("/usr/bin/chromium")
WAIT_MS = 15_000


@pytest.fixture
def server(holdoff_process: StartHoldoff, tmp_path: Path) -> HoldoffProcess:
    return holdoff_process(service_env(f"sqlite:///{tmp_path / 'holdoff.db'}", grace=600))


class Browser:
    """One tab that may reach the server only: requests elsewhere are aborted and remembered, and so
    are console errors (a CSP refusal is one) and script errors."""

    def __init__(self, page: sync_api.Page, server: HoldoffProcess, shots: Path) -> None:
        self.page = page
        self.origin = urlsplit(server.url).netloc
        self.shots = shots
        self.foreign: list[str] = []
        self.console_errors: list[str] = []
        self.page_errors: list[str] = []
        page.route("**/*", self._only_the_server)
        page.on("console", lambda msg: self.console_errors.append(msg.text) if msg.type == "error" else None)
        page.on("pageerror", lambda exc: self.page_errors.append(str(exc)))

    def _only_the_server(self, route: sync_api.Route) -> None:
        parts = urlsplit(route.request.url)
        if parts.scheme in ("http", "https", "ws", "wss") and parts.netloc != self.origin:
            self.foreign.append(route.request.url)
            route.abort()
        else:
            route.continue_()


@pytest.fixture
def browser(request: pytest.FixtureRequest, server: HoldoffProcess) -> Iterator[Browser]:
    assert CHROMIUM.exists(), "Debian package chromium is not installed (make test installs it)"
    shots = artifacts_root(request.config) / _safe_dirname(request.node.nodeid)
    shots.mkdir(parents=True, exist_ok=True)
    with sync_api.sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=str(CHROMIUM), headless=True)
        try:
            page = chromium.new_context(viewport={"width": 1280, "height": 900}).new_page()
            yield Browser(page, server, shots)
        finally:
            chromium.close()


def test_swagger_ui_lists_the_operations_from_holdoffs_own_files(
    browser: Browser, server: HoldoffProcess
) -> None:
    expect = sync_api.expect
    page = browser.page

    page.goto(server.url + "/docs")

    expect(page.locator(".opblock-tag-section").first).to_be_visible(timeout=WAIT_MS)
    expect(page.locator(".opblock-summary-path", has_text="/alerts/{alert_id}").first).to_be_attached()
    expect(page.locator(".info .title")).to_contain_text("Holdoff")
    page.screenshot(path=str(browser.shots / "01-swagger-ui.png"))
    assert browser.foreign == []
    assert browser.console_errors == [] and browser.page_errors == []


def test_redoc_renders_the_api_from_holdoffs_own_files(browser: Browser, server: HoldoffProcess) -> None:
    expect = sync_api.expect
    page = browser.page

    page.goto(server.url + "/redoc")

    expect(page.locator("h1", has_text="Holdoff")).to_be_visible(timeout=WAIT_MS)
    expect(page.get_by_text("/alerts/{alert_id}").first).to_be_attached()
    page.screenshot(path=str(browser.shots / "01-redoc.png"))
    assert browser.foreign == []
    assert browser.page_errors == []
    # ReDoc's bundle always asks for its "by Redocly" logo on its CDN; the page's CSP refuses it, so
    # not even that request leaves the browser (ReDoc then leaves the logo out).
    [refused] = browser.console_errors
    assert "https://cdn.redoc.ly/redoc/logo-mini.svg" in refused and "Content Security Policy" in refused
