"""A real Prometheus that scrapes a local exporter and remote-writes to Holdoff.

* :class:`Exporter`: a ``prometheus_client`` exporter on 127.0.0.1 (its own registry) whose gauges the
  test sets: ``exporter.set("cpu_usage", 97.0, host="web-1")``.
* :class:`RemoteWritingPrometheus`: :class:`tests.support.prometheus.PrometheusProcess` (Debian's
  ``prometheus``) scraping every second, its ``remote_write`` aimed at a URL (Holdoff's
  ``POST /api/v1/write``) with a bearer token, sending within about a second of a scrape.

Fixtures: ``exporter`` (one started exporter, stopped at teardown) and ``start_remote_writing_prometheus``
(a factory: ``start(scrape_targets=[...], remote_write_url=..., token=...)``, ready and scraping;
stopped at teardown; its log under ``test-artifacts/<test id>/``). A test module takes them by
assigning them to module names (tests/conftest.py is shared): ``exporter = prometheus_rw.exporter``.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import Any

import pytest
import yaml
from prometheus_client import CollectorRegistry, Gauge, start_http_server

from tests.support.prometheus import AlertRule, PrometheusProcess, _test_dir
from tests.support.server import LOOPBACK, free_port


class Exporter:
    """Gauges served at ``http://127.0.0.1:<port>/metrics`` by prometheus_client."""

    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        self.port = free_port()
        self._gauges: dict[str, Gauge] = {}
        self._lock = threading.Lock()
        self._server: Any = None
        self._thread: threading.Thread | None = None

    @property
    def address(self) -> str:
        return f"{LOOPBACK}:{self.port}"

    def start(self) -> Exporter:
        self._server, self._thread = start_http_server(self.port, addr=LOOPBACK, registry=self.registry)
        return self

    def set(self, name: str, value: float, **labels: str) -> None:
        """Set gauge ``name`` with ``labels`` (the label names of a gauge are fixed by its first use)."""
        with self._lock:
            gauge = self._gauges.get(name)
            if gauge is None:
                gauge = self._gauges[name] = Gauge(
                    name, f"{name} (set by the test)", sorted(labels), registry=self.registry
                )
        (gauge.labels(**labels) if labels else gauge).set(value)

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None
        if self._thread is not None:
            self._thread.join(5)
            self._thread = None


class RemoteWritingPrometheus(PrometheusProcess):
    """Prometheus scraping ``scrape_targets`` and remote-writing everything to ``remote_write_url``."""

    def __init__(
        self,
        *,
        scrape_targets: Sequence[str],
        remote_write_url: str,
        token: str | None,
        work_dir: Path,
        log_dir: Path,
        interval: str = "1s",
        rules: Sequence[AlertRule] = (),
        alertmanagers: Sequence[str] = (),
        name: str = "prometheus",
    ) -> None:
        super().__init__(
            scrape_targets=scrape_targets,
            alertmanagers=alertmanagers,
            rules=rules,
            work_dir=work_dir,
            log_dir=log_dir,
            interval=interval,
            name=name,
        )
        config = yaml.safe_load(self.config_path.read_text(encoding="utf-8"))
        target: dict[str, Any] = {
            "url": remote_write_url,
            "remote_timeout": "5s",
            "queue_config": {
                "batch_send_deadline": "500ms",
                "min_backoff": "100ms",
                "max_backoff": "1s",
                "max_samples_per_send": 500,
            },
        }
        if token is not None:
            target["authorization"] = {"type": "Bearer", "credentials": token}
        config["remote_write"] = [target]
        self.config_path.write_text(yaml.safe_dump(config, sort_keys=False), encoding="utf-8")


@pytest.fixture
def exporter() -> Iterator[Exporter]:
    """A started :class:`Exporter`; stopped at teardown."""
    started = Exporter().start()
    try:
        yield started
    finally:
        started.stop()


@pytest.fixture
def start_remote_writing_prometheus(
    request: pytest.FixtureRequest, tmp_path: Path
) -> Iterator[Callable[..., RemoteWritingPrometheus]]:
    """``start(scrape_targets=[...], remote_write_url=..., token=...) -> RemoteWritingPrometheus``, ready
    and scraping; stopped at teardown."""
    started: list[RemoteWritingPrometheus] = []

    def start(**kw: Any) -> RemoteWritingPrometheus:
        name = f"prometheus-rw-{len(started) + 1}"
        process = RemoteWritingPrometheus(
            work_dir=tmp_path / name, log_dir=_test_dir(request), name=name, **kw
        )
        started.append(process)
        process.start()
        process.wait_targets_up()
        return process

    try:
        yield start
    finally:
        for process in reversed(started):
            process.stop()
