"""A bounded soak: steady ingest (log lines, metric samples, alerts that fire and resolve) with a
retention of a few seconds keeps the database size and the server's memory flat. ``make bench`` runs
the same soak for minutes and reports both curves (bench/soak.py)."""

from __future__ import annotations

import pytest
from bench.soak import DB_TOLERANCE, RSS_TOLERANCE, WARMUP_SECONDS, database_size, prime, soak, write_config

from tests.e2e import service_env
from tests.support.server import StartHoldoff

pytestmark = pytest.mark.e2e

SECONDS = 36.0
"""15 s to fill the retention window (left out), then 21 s of curves, a sample a second."""


def test_steady_ingest_with_short_retention_keeps_database_size_and_memory_flat(
    tmp_path_factory: pytest.TempPathFactory, holdoff_process: StartHoldoff, log_model_dir: object
) -> None:
    directory = tmp_path_factory.mktemp("soak")
    database_url = f"sqlite:///{directory / 'holdoff.db'}"
    config = write_config(directory)
    env = service_env(
        database_url,
        grace=600,
        HOLDOFF_LOG_LEVEL="WARNING",
        HOLDOFF_LOGS__CLASSIFIER__MODEL_DIR=str(log_model_dir),
    )
    server = holdoff_process(env, extra_args=["--config", str(config)])
    assert server.pid is not None
    prime(server.url, database_url, timeout=30)

    curve = soak(server.url, SECONDS, database_size(database_url), server.pid)

    assert curve.failures == []
    assert (
        curve.sent["log_lines"] >= 25_000 and curve.sent["samples"] >= 10_000 and curve.sent["alerts"] >= 50
    )
    measured = curve.measured()
    assert len(measured) >= 18
    db_change, rss_change = curve.change("db_bytes"), curve.change("rss_bytes")
    table = "\n".join(
        f"{s.at:6.1f} s  db {s.db_bytes / 1e6:6.2f} MB  rss {s.rss_bytes / 1e6:6.1f} MB"
        for s in curve.samples
    )
    print(
        f"\nsoak ({SECONDS:g} s, first {WARMUP_SECONDS:g} s left out): db {db_change:+.1%}, rss {rss_change:+.1%}\n{table}"
    )
    assert abs(db_change) <= DB_TOLERANCE, table
    assert abs(rss_change) <= RSS_TOLERANCE, table
    # The retention held: the database is a window of the stream, far below what was sent.
    assert max(s.db_bytes for s in measured) < 40e6, table
