"""The service under test, run as an operator would, and a local stand-in for Microsoft Teams.

Shared by the benchmarks: ``ServerProcess`` starts ``python -m holdoff serve`` in a temporary data
directory with a clean environment; ``teams_sink`` answers 202 to every post and counts them.
"""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any, Final

from bench import BenchmarkFailed
from bench.loadgen import Target

STARTUP_TIMEOUT: Final = 60.0
STOP_TIMEOUT: Final = 20.0
_SCRUBBED_ENV: Final = ("TEAMS_WEBHOOK_URL", "EMAIL_FROM", "EMAIL_TO")
"""Variables of the caller's environment that must not reach the server under test."""

# --- local Teams sink -----------------------------------------------------------------------------


class _SinkServer(ThreadingHTTPServer):
    daemon_threads = True
    received = 0
    lock = threading.Lock()


class _SinkHandler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server: _SinkServer

    def do_POST(self) -> None:
        self.rfile.read(int(self.headers.get("Content-Length") or 0))
        with self.server.lock:
            self.server.received += 1
        self.send_response(202)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, format: str, *args: Any) -> None:
        pass


@contextlib.contextmanager
def teams_sink() -> Iterator[_SinkServer]:
    """A Teams stand-in on 127.0.0.1 answering 202 to every post, counting them."""
    server = _SinkServer(("127.0.0.1", 0), _SinkHandler)
    thread = threading.Thread(target=server.serve_forever, name="teams-sink", daemon=True)
    thread.start()
    try:
        yield server
    finally:
        server.shutdown()
        server.server_close()


# --- the server under test ------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


_NO_PROXY: Final = urllib.request.build_opener(urllib.request.ProxyHandler({}))


def http_get(url: str, timeout: float = 2.0) -> tuple[int, bytes]:
    try:
        with _NO_PROXY.open(url, timeout=timeout) as response:
            return int(response.status), response.read()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read()


def _children(pid: int) -> list[int]:
    try:
        text = Path(f"/proc/{pid}/task/{pid}/children").read_text()
    except OSError:
        return []
    return [int(child) for child in text.split()]


class ServerProcess:
    """``python -m holdoff serve`` in its own session, output to a log file in the data directory."""

    def __init__(self, data_dir: Path, teams_url: str, database_url: str | None, workers: int) -> None:
        self.data_dir = data_dir
        self.port = free_port()
        self.log_path = data_dir / "server.log"
        env = {
            key: value
            for key, value in os.environ.items()
            if not key.upper().startswith("HOLDOFF_") and key.upper() not in _SCRUBBED_ENV
        }
        env.update(
            HOLDOFF_DATA_DIR=str(data_dir),
            HOLDOFF_GRACE_SECONDS="600",
            HOLDOFF_LOG_LEVEL="WARNING",
            TEAMS_WEBHOOK_URL=teams_url,
            NO_PROXY=",".join(filter(None, [env.get("NO_PROXY"), "127.0.0.1", "localhost"])),
            no_proxy=",".join(filter(None, [env.get("no_proxy"), "127.0.0.1", "localhost"])),
        )
        if database_url:
            env["HOLDOFF_DATABASE_URL"] = database_url
        # An empty env file, so a host's /etc/holdoff.env (real channels, database) is never read.
        env_file = data_dir / "bench.env"
        env_file.write_text("# holdoff bench: settings come from the environment\n", encoding="utf-8")
        self.command = [
            *(sys.executable, "-m", "holdoff", "serve"),
            *("--host", "127.0.0.1", "--port", str(self.port), "--env-file", str(env_file)),
            *("--workers", str(workers)),
        ]
        with self.log_path.open("wb") as log:
            self.process = subprocess.Popen(
                self.command,
                cwd=data_dir,
                env=env,
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )

    @property
    def target(self) -> Target:
        return Target("127.0.0.1", self.port)

    def log_tail(self, lines: int = 30) -> str:
        try:
            text = self.log_path.read_text(encoding="utf-8", errors="replace")
        except OSError:
            return ""
        return "\n".join(text.splitlines()[-lines:])

    def wait_healthy(self, timeout: float = STARTUP_TIMEOUT) -> float:
        """Seconds until ``GET /health`` answered 200; raises if the server exits or never gets there."""
        started = time.monotonic()
        last = "no answer"
        while time.monotonic() - started < timeout:
            code = self.process.poll()
            if code is not None:
                raise BenchmarkFailed(f"the server exited with status {code} before it was healthy")
            try:
                status, body = http_get(f"{self.target.base_url}/health", timeout=1.0)
            except OSError as exc:
                last = str(exc)
            else:
                if status == 200:
                    return time.monotonic() - started
                last = f"HTTP {status}: {body[:200].decode('utf-8', 'replace')}"
            time.sleep(0.1)
        raise BenchmarkFailed(f"GET /health did not answer 200 within {timeout:g}s (last: {last})")

    def cpu_seconds(self) -> float | None:
        """User + system CPU the server and its worker processes have used so far (Linux), else None."""
        total = 0.0
        try:
            for pid in (self.process.pid, *_children(self.process.pid)):
                fields = Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()
                total += (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
        except (OSError, ValueError, IndexError):
            return None
        return total

    def stop(self) -> int | None:
        """Stop gracefully (SIGTERM), killing it after a while; its exit status."""
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(STOP_TIMEOUT)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        return self.process.returncode
