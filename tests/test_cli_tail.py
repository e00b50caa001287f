"""``holdoff tail`` against a real Holdoff app: the in-process app behind a local HTTP receiver that
answers 429 and 500 first (the command's own retries), records stored once however often they are
sent, stack traces whole, and ``--follow``'s steps across a rotation."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from holdoff.api.app import create_app
from holdoff.cli import app as cli
from holdoff.logs.ship import FileFollower, Sender, Shipper
from holdoff.runtime import Runtime
from holdoff.settings import Settings

TOKEN = "tail-source-token-0123456789"
LINES = [
    "2026-03-01 09:00:00,000 INFO worker started",
    "2026-03-01 09:00:01,000 ERROR job 7 failed",
    "Traceback (most recent call last):",
    '  File "job.py", line 3, in run',
    "ValueError: bad input",
    '{"level": "warn", "msg": "queue 91% full"}',
    "Mar  1 09:00:02 w1 sshd[811]: Accepted publickey for deploy",
]


@pytest.fixture
def app_client(tmp_path: Path) -> Iterator[TestClient]:
    settings = Settings(
        database_url=f"sqlite:///{tmp_path / 'holdoff.db'}", grace_seconds=600, sources={"token": TOKEN}
    )
    with TestClient(
        create_app(Runtime(settings, channels={}, run_workers=False)), base_url="http://127.0.0.1"
    ) as c:
        yield c


class Front:
    """A real HTTP endpoint on 127.0.0.1: answers the scripted statuses first, then forwards to the app."""

    def __init__(self, app: TestClient, script: list[tuple[int, dict[str, str], str]]) -> None:
        self.script, self.seen = list(script), []
        front = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
                front.seen.append((self.path, dict(self.headers), body))
                if front.script:
                    status, headers, text = front.script.pop(0)
                else:
                    answer = app.post(self.path, content=body, headers=dict(self.headers))
                    status, headers, text = answer.status_code, {}, answer.text
                data = text.encode()
                self.send_response(status)
                for name, value in {"Content-Type": "application/json", **headers}.items():
                    self.send_header(name, value)
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, format: str, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self) -> Front:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.shutdown()
        self.server.server_close()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}"


def stored(client: TestClient) -> list[dict[str, Any]]:
    response = client.get("/logs", params={"service": "worker"})
    assert response.status_code == 200, response.text
    items: list[dict[str, Any]] = response.json()["items"]
    return items


def run_tail(path: Path, url: str, *extra: str) -> Any:
    args = ["tail", str(path), "--service", "worker", "--url", url, "--host", "w1", "--token", TOKEN, *extra]
    return CliRunner().invoke(cli, args)


def test_tail_retries_429_and_500_then_ships_each_record_once(app_client: TestClient, tmp_path: Path) -> None:
    log = tmp_path / "app.log"
    log.write_text("\n".join(LINES) + "\n", encoding="utf-8")
    busy = (429, {"Retry-After": "0"}, '{"detail": "the log writer is behind"}')
    broken = (500, {"Retry-After": "0"}, '{"detail": "boom"}')
    with Front(app_client, [busy, broken]) as front:
        result = run_tail(log, front.url)
        assert result.exit_code == 0, result.output
        assert (
            "7 lines, 4 records sent in 1 posts: 4 accepted, 0 duplicates (already stored), 2 retries"
            in result.output
        )
        path, headers, body = front.seen[-1]
        assert path.startswith("/logs?") and "service=worker" in path and "host=w1" in path
        assert headers["Content-Type"] == "application/x-ndjson"
        assert headers["Authorization"] == f"Bearer {TOKEN}"
        assert len(front.seen) == 3 and front.seen[0][2] == body  # the same batch, retried

        again = run_tail(log, front.url)  # the whole file again: nothing stored twice
        assert again.exit_code == 0, again.output
        assert "4 accepted, 4 duplicates" in again.output

    records = {item["message"].split("\n")[0]: item for item in stored(app_client)}
    assert len(records) == 4
    trace = records["2026-03-01 09:00:01,000 ERROR job 7 failed"]
    assert trace["message"] == "\n".join(LINES[1:5])
    assert (trace["level"], trace["timestamp"], trace["host"]) == ("ERROR", "2026-03-01T09:00:01Z", "w1")
    assert records["queue 91% full"]["level"] == "warn"
    sshd = records["Accepted publickey for deploy"]
    assert (sshd["host"], sshd["attributes"]) == ("w1", {"program": "sshd", "pid": "811"})
    assert len({item["record_id"] for item in records.values()}) == 4
    assert records["worker started"]["record_id"].endswith(":0")


def test_a_refusal_is_an_error_that_says_what_the_server_said(app_client: TestClient, tmp_path: Path) -> None:
    log = tmp_path / "app.log"
    log.write_text("one line\n", encoding="utf-8")
    refused = (403, {}, '{"detail": "sender checkout-collector may not post lines of service worker"}')
    with Front(app_client, [refused]) as front:
        result = run_tail(log, front.url)
    assert result.exit_code == 1
    assert (
        "refused a batch: 403 sender checkout-collector may not post lines of service worker" in result.output
    )
    assert "app.log from byte 0" in result.output
    assert stored(app_client) == []


def test_a_missing_file_without_follow_is_a_usage_error(tmp_path: Path) -> None:
    result = run_tail(tmp_path / "nope.log", "http://127.0.0.1:9")
    assert result.exit_code == 2
    assert "is not a readable file" in result.output


def test_follow_steps_ship_appended_lines_and_follow_a_rotation(
    app_client: TestClient, tmp_path: Path
) -> None:
    log = tmp_path / "app.log"
    log.write_text(LINES[0] + "\n" + LINES[1] + "\n", encoding="utf-8")
    now = [0.0]
    sender = Sender(app_client, "/logs", "worker", "w1", TOKEN, lambda s: None, lambda: datetime.now(UTC))
    shipper = Shipper(FileFollower(log, from_start=True), sender, host_tag="w1", monotonic=lambda: now[0])
    shipper.step()
    assert shipper.totals.posts == 0  # the error line may begin a trace: it waits for the next line or quiet
    with log.open("a", encoding="utf-8") as handle:
        handle.write("\n".join(LINES[2:5]) + "\n")
    log.rename(tmp_path / "app.log.1")  # logrotate: the file moved away, a new one in its place
    log.write_text("2026-03-01 09:10:00,000 INFO after rotation\n", encoding="utf-8")
    shipper.step()
    now[0] += 1.0
    shipper.step()
    shipper.follower.close()
    messages = sorted(item["message"] for item in stored(app_client))
    assert messages == ["\n".join(LINES[1:5]), "after rotation", "worker started"]
    assert shipper.follower.rotations == 1
    assert (shipper.totals.accepted, shipper.totals.duplicates, shipper.totals.posts) == (3, 0, 1)


def test_the_ndjson_body_is_what_the_server_reads(app_client: TestClient, tmp_path: Path) -> None:
    log = tmp_path / "app.log"
    log.write_text('{"event": "deploy", "version": "1.2.3"}\n', encoding="utf-8")
    with Front(app_client, []) as front:
        assert run_tail(log, front.url).exit_code == 0
        (_, _, body) = front.seen[0]
    (sent,) = [json.loads(row) for row in body.decode().splitlines()]
    assert sent["event"] == "deploy" and sent["record_id"].startswith("w1:")
    (item,) = stored(app_client)
    assert json.loads(item["message"]) == {"event": "deploy", "version": "1.2.3"}
    assert item["record_id"] == sent["record_id"]
