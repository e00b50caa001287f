"""Another site's page against the real ``holdoff serve`` in open mode, in a real headless Chromium.

A page served from another origin on 127.0.0.1 (a small HTTP server on another port) tries what any
page the operator visits could try: suppress an alert with a cross-site POST, read the live WebSocket,
and create a silence. Holdoff refuses all three, and its own dashboard keeps working. The same page
against a Holdoff that lists its origin in ``allowed_origins`` gets through, which shows the page's
attempts are real ones. An action link from a Teams card still works in the browser (its page is
sent with no-referrer, so its button's POST carries ``Origin: null``). Then curl: the default host
works, ``Host: evil.example`` is refused.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
from playwright import sync_api

from tests.e2e import Api, card, service_env
from tests.support.server import LOOPBACK, HoldoffProcess, StartHoldoff
from tests.support.teams_receiver import TeamsReceiver

pytestmark = pytest.mark.e2e

CHROMIUM = Path("/usr/bin/chromium")
WAIT_MS = 10_000

ATTACK = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Cute cats</title></head><body>
<p>Nothing to see here.</p>
<script>
const holdoff = %(holdoff)s;
const alertId = %(alert_id)d;
const silence = JSON.stringify({
  matchers: '{alertname="CPU Spike"}', duration: "1h", created_by: "mallory", comment: "shh",
});
window.outcome = {frames: [], socket: "not opened", done: false};

function readTheFeed() {
  return new Promise((resolve) => {
    const socket = new WebSocket(holdoff.replace(/^http/, "ws") + "/ws/alerts");
    socket.onopen = () => { window.outcome.socket = "open"; };
    socket.onmessage = (event) => { window.outcome.frames.push(event.data); socket.close(); };
    socket.onclose = (event) => { window.outcome.socket += ` closed ${event.code}`; resolve(); };
  });
}

async function attack() {
  const quietly = (request) => request.then((r) => r.type, (e) => String(e));
  // (a) A "simple" cross-site POST: sent without a preflight; the page cannot read the answer.
  await quietly(fetch(`${holdoff}/alerts/${alertId}/suppress`, {method: "POST", mode: "no-cors"}));
  // (c) A silence: JSON sent as text/plain (no preflight), then as JSON (needs a preflight).
  await quietly(fetch(`${holdoff}/silences`, {
    method: "POST", mode: "no-cors", headers: {"Content-Type": "text/plain"}, body: silence,
  }));
  await quietly(fetch(`${holdoff}/silences`, {
    method: "POST", headers: {"Content-Type": "application/json"}, body: silence,
  }));
  // (b) The live feed: WebSockets are not covered by the same-origin policy.
  await readTheFeed();
  window.outcome.done = true;
}
attack();
</script></body></html>
"""


class OtherSite:
    """A page of another origin (127.0.0.1, another port) that attacks one Holdoff."""

    def __init__(self) -> None:
        self.page = b""
        site = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                self.send_response(200)
                self.send_header("Content-Type", "text/html; charset=utf-8")
                self.send_header("Content-Length", str(len(site.page)))
                self.end_headers()
                self.wfile.write(site.page)

            def log_message(self, format: str, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer((LOOPBACK, 0), Handler)
        self.url = f"http://{LOOPBACK}:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def aim_at(self, holdoff: HoldoffProcess, alert_id: int) -> str:
        """Serve the attack on ``alert_id`` of ``holdoff``; the page's URL."""
        self.page = (ATTACK % {"holdoff": json.dumps(holdoff.url), "alert_id": alert_id}).encode()
        return self.url + "/cats.html"

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()
        self.thread.join(timeout=10)


@pytest.fixture
def other_site() -> Iterator[OtherSite]:
    site = OtherSite()
    try:
        yield site
    finally:
        site.close()


@pytest.fixture
def browser_page() -> Iterator[sync_api.Page]:
    assert CHROMIUM.exists(), "Debian package chromium is not installed (make test installs it)"
    with sync_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), headless=True)
        try:
            yield browser.new_context(viewport={"width": 1280, "height": 900}).new_page()
        finally:
            browser.close()


def start_open_holdoff(holdoff_process: StartHoldoff, tmp_path: Path, **env: str) -> HoldoffProcess:
    """Open mode, as ``make run`` gives: loopback, no credentials."""
    return holdoff_process(service_env(f"sqlite:///{tmp_path / 'holdoff.db'}", grace=600, **env))


def run_attack(page: sync_api.Page, site: OtherSite, server: HoldoffProcess, alert_id: int) -> dict[str, Any]:
    page.goto(site.aim_at(server, alert_id))
    page.wait_for_function("window.outcome && window.outcome.done", timeout=WAIT_MS)
    outcome: dict[str, Any] = page.evaluate("window.outcome")
    return outcome


@pytest.mark.slow
def test_a_page_of_another_origin_can_neither_suppress_nor_read_the_feed_nor_silence(
    holdoff_process: StartHoldoff, tmp_path: Path, other_site: OtherSite, browser_page: sync_api.Page
) -> None:
    server = start_open_holdoff(holdoff_process, tmp_path)
    api = Api(server.url)
    alert_id = int(api.trigger("cross-1", "CPU Spike")["alert_id"])

    outcome = run_attack(browser_page, other_site, server, alert_id)

    assert outcome["frames"] == [], "the other site read the live feed"
    assert outcome["socket"] == "not opened closed 1006", outcome  # refused during the handshake
    assert api.alert(alert_id)["state"] == "pending", "the other site suppressed the alert"
    silences = api.request("GET", "/silences").json()["items"]
    assert silences == [], f"the other site created a silence: {silences}"

    # Holdoff's own dashboard, same origin, still acts and gets the live feed.
    expect = sync_api.expect
    page = browser_page
    page.goto(server.url + "/")
    expect(page.locator("#live-status")).to_have_text("live", timeout=WAIT_MS)
    row = page.locator("#alert-table tbody tr", has_text="CPU Spike")
    row.get_by_role("button", name="Ack").click()
    expect(row.locator(".state")).to_have_text("acknowledged", timeout=WAIT_MS)
    assert api.alert(alert_id)["state"] == "acknowledged"


@pytest.mark.slow
def test_the_same_page_gets_through_once_its_origin_is_allowed(
    holdoff_process: StartHoldoff, tmp_path: Path, other_site: OtherSite, browser_page: sync_api.Page
) -> None:
    """The control: what the first test sees refused is the Origin check, not the page failing."""
    server = start_open_holdoff(holdoff_process, tmp_path, HOLDOFF_ALLOWED_ORIGINS=other_site.url)
    api = Api(server.url)
    alert_id = int(api.trigger("cross-2", "CPU Spike")["alert_id"])

    outcome = run_attack(browser_page, other_site, server, alert_id)

    assert outcome["socket"] == "open closed 1005", outcome
    [frame] = [json.loads(text) for text in outcome["frames"]]
    assert frame["type"] == "snapshot" and [a["id"] for a in frame["alerts"]] == [alert_id]
    assert api.alert(alert_id)["state"] == "suppressed"


@pytest.mark.slow
def test_an_action_link_still_works_in_the_browser(
    holdoff_process: StartHoldoff, tmp_path: Path, teams_receiver: TeamsReceiver, browser_page: sync_api.Page
) -> None:
    server = holdoff_process(
        service_env(f"sqlite:///{tmp_path / 'holdoff.db'}", grace=1, teams=teams_receiver)
    )
    api = Api(server.url)
    alert_id = int(api.trigger("link-1", "Disk Full")["alert_id"])
    [message] = teams_receiver.wait_for(1, timeout=15)
    [link] = [a["url"] for a in card(message)["actions"] if a["title"] == "Acknowledge"]
    assert link.startswith(server.url + "/actions/"), link

    page = browser_page
    page.goto(link)
    page.fill("input[name=by]", "alice")
    page.get_by_role("button", name="Acknowledge").click()
    sync_api.expect(page.locator("h1")).to_have_text("Done", timeout=WAIT_MS)
    assert api.alert(alert_id)["acknowledged_by"] == "alice (action link)"


def curl(server: HoldoffProcess, path: str, *args: str) -> tuple[int, Any]:
    """The real curl; (status, JSON body)."""
    binary = shutil.which("curl")
    assert binary is not None, "the real curl binary is needed"
    done = subprocess.run(
        [
            binary,
            "-sS",
            "--noproxy",
            "*",
            "--max-time",
            "15",
            "-w",
            "\n%{http_code}",
            *args,
            server.url + path,
        ],
        capture_output=True,
        text=True,
        timeout=30,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    body, _, status = done.stdout.rpartition("\n")
    return int(status), json.loads(body)


def test_curl_with_the_default_host_works_and_a_foreign_host_is_refused(
    holdoff_process: StartHoldoff, tmp_path: Path
) -> None:
    server = start_open_holdoff(holdoff_process, tmp_path)
    trigger = json.dumps({"alert_id": "curl-1", "alert_name": "Disk Full", "alert_action": "TRIGGERED"})
    status, answer = curl(
        server, "/coralogix/webhook", "-X", "POST", "-H", "Content-Type: application/json", "-d", trigger
    )
    assert status == 202, answer
    status, suppressed = curl(server, f"/alerts/{answer['alert_id']}/suppress", "-X", "POST")
    assert (status, suppressed["state"]) == (200, "suppressed")
    assert curl(server, "/alerts", "-H", f"Host: localhost:{server.port}")[0] == 200

    status, refused = curl(server, "/alerts", "-H", "Host: evil.example")
    assert status == 400 and "HOLDOFF_ALLOWED_HOSTS" in refused["detail"], refused
    status, refused = curl(
        server,
        f"/alerts/{answer['alert_id']}/acknowledge",
        "-X",
        "POST",
        "-H",
        f"Host: evil.example:{server.port}",
    )
    assert status == 400, refused
    assert Api(server.url).alert(int(answer["alert_id"]))["state"] == "suppressed"
    status, cross = curl(
        server, "/silences", "-X", "POST", "-H", "Origin: http://evil.example", "--json", "{}"
    )
    assert status == 403 and "HOLDOFF_ALLOWED_ORIGINS" in cross["detail"], cross
