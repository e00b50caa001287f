"""A metrics endpoint for Prometheus to scrape, whose values the test controls.

:class:`MetricsEndpoint` is a threaded ``http.server`` on 127.0.0.1. It serves ``/metrics`` in the text
exposition format, and the test sets the gauge values (``set("holdoff_test_value", {"case": "x"}, 1)``).
A rule such as ``holdoff_test_value{case="x"} > 0`` then fires, and it stops firing once the value is
back to 0.

The ``metrics_endpoint`` fixture starts an endpoint for one test and stops it afterwards.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator, Mapping
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Self

import pytest

from tests.support.server import LOOPBACK


class MetricsEndpoint:
    """Gauges served at ``http://127.0.0.1:<port>/metrics`` for Prometheus to scrape."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._values: dict[tuple[str, tuple[tuple[str, str], ...]], float] = {}
        self._scrapes = 0
        self._server: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None

    def start(self) -> Self:
        if self._server is not None:
            return self
        endpoint = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                if self.path.split("?", 1)[0] != "/metrics":
                    self.send_error(404)
                    return
                body = endpoint.exposition().encode()
                self.send_response(200)
                self.send_header("Content-Type", "text/plain; version=0.0.4; charset=utf-8")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, format: str, *args: Any) -> None:
                pass

        self._server = ThreadingHTTPServer((LOOPBACK, 0), Handler)
        self._server.daemon_threads = True
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, name="metrics", daemon=True
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5)
        self._server = self._thread = None

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(self, *exc_info: object) -> None:
        self.stop()

    @property
    def target(self) -> str:
        """``host:port``, as a Prometheus ``static_configs`` target (and the series' ``instance`` label)."""
        if self._server is None:
            raise RuntimeError("the metrics endpoint is not started")
        return f"{LOOPBACK}:{self._server.server_address[1]}"

    @property
    def scrapes(self) -> int:
        """How many times ``/metrics`` was served."""
        with self._lock:
            return self._scrapes

    def set(self, name: str, labels: Mapping[str, str], value: float) -> None:
        key = (name, tuple(sorted(labels.items())))
        with self._lock:
            self._values[key] = value

    def exposition(self) -> str:
        """The current values in Prometheus' text format (one gauge family per metric name)."""
        with self._lock:
            self._scrapes += 1
            values = sorted(self._values.items())
        lines: list[str] = []
        for (name, labels), value in values:
            if f"# TYPE {name} gauge" not in lines:
                lines.append(f"# TYPE {name} gauge")
            rendered = ",".join(f'{key}="{_escape(val)}"' for key, val in labels)
            lines.append(f"{name}{{{rendered}}} {value:g}")
        return "\n".join(lines) + "\n"


def _escape(value: str) -> str:
    return value.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")


@pytest.fixture
def metrics_endpoint() -> Iterator[MetricsEndpoint]:
    with MetricsEndpoint() as endpoint:
        yield endpoint
