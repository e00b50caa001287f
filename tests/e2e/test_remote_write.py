"""A real Prometheus (Debian's ``prometheus``) scrapes a local prometheus_client exporter every second
and remote-writes to a real ``holdoff serve``: the samples arrive through ``POST /api/v1/write`` and
are stored with their series, on SQLite and PostgreSQL; a changed value arrives as the next sample.

Timing: Prometheus hands targets to the scraper after its first service-discovery round (~5 s), and
remote_write sends within ``batch_send_deadline`` (0.5 s) of a scrape, so the first samples arrive ~6-8 s
after Prometheus starts; the test takes ~10-15 s per backend.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import TypeVar

import pytest

from holdoff.store import metric_samples
from holdoff.store.db import Database
from tests.e2e import service_env
from tests.support import prometheus_rw
from tests.support.prometheus_rw import Exporter, RemoteWritingPrometheus
from tests.support.server import HoldoffProcess, StartHoldoff

pytestmark = [pytest.mark.e2e, pytest.mark.slow]

# The fixtures of tests/support/prometheus_rw.py (tests/conftest.py is shared).
exporter = prometheus_rw.exporter
start_remote_writing_prometheus = prometheus_rw.start_remote_writing_prometheus

TOKEN = "remote-write-token-0123456789"
ARRIVAL_TIMEOUT = 40.0
T = TypeVar("T")


def wait(what: str, probe: Callable[[], T | None], timeout: float, describe: Callable[[], str]) -> T:
    deadline = time.monotonic() + timeout
    while True:
        found = probe()
        if found is not None:
            return found
        if time.monotonic() >= deadline:
            raise AssertionError(f"{what}: not within {timeout:g}s\n{describe()}")
        time.sleep(0.2)


def test_prometheus_remote_writes_scraped_samples_into_holdoff(
    database_url: str,
    tmp_path: Path,
    holdoff_process: StartHoldoff,
    exporter: Exporter,
    start_remote_writing_prometheus: Callable[..., RemoteWritingPrometheus],
) -> None:
    config = tmp_path / "holdoff.yaml"
    config.write_text(f"metrics:\n  senders:\n    prometheus: {{token: {TOKEN}}}\n", encoding="utf-8")
    holdoff: HoldoffProcess = holdoff_process(
        service_env(database_url, grace=5), extra_args=["--config", str(config)]
    )
    exporter.set("holdoff_rw_cpu", 42.0, host="web-1")
    prometheus = start_remote_writing_prometheus(
        scrape_targets=[exporter.address], remote_write_url=f"{holdoff.url}/api/v1/write", token=TOKEN
    )
    db = Database(database_url)
    started = datetime.now(UTC) - timedelta(minutes=5)

    def describe() -> str:
        return f"--- prometheus ---\n{prometheus.log_tail(30)}\n--- holdoff ---\n{holdoff.log_tail(30)}"

    def values() -> list[float] | None:
        with db.read() as conn:
            found = metric_samples.series(conn, "holdoff_rw_cpu", {"host": "web-1"})
            if not found:
                return None
            points = metric_samples.samples(
                conn, found[0].id, started, datetime.now(UTC) + timedelta(minutes=1)
            )
        return [value for _, value in points] or None

    try:
        first = wait("the exporter's gauge stored through remote_write", values, ARRIVAL_TIMEOUT, describe)
        assert set(first) == {42.0}
        with db.read() as conn:
            (series,) = metric_samples.series(conn, "holdoff_rw_cpu")
            assert series.labels == {"host": "web-1", "instance": exporter.address, "job": "holdoff-test"}
            assert metric_samples.series(conn, "up", {"instance": exporter.address}), "up is written too"
        exporter.set("holdoff_rw_cpu", 97.0, host="web-1")
        changed = wait(
            "the changed value stored", lambda: (v := values()) and (v if 97.0 in v else None), 15.0, describe
        )
        assert changed[-1] == 97.0 and changed[0] == 42.0
        assert "series skipped" not in holdoff.log_text()
    finally:
        db.dispose()
