"""Scale-out: single-alert webhook throughput with 1, 2 and 4 processes on PostgreSQL, against SQLite,
and the deadline-to-notification lag (p99) under load.

Each configuration is ``holdoff serve --workers N`` (N processes sharing one socket, each with its own
scheduler and sender, coordinating only through the database). Two phases per configuration:

* throughput: the load generator of ``bench/ingest.py`` (:mod:`bench.loadgen`), closed loop, every
  change committed before the 202;
* lag: an open-loop stream at ``--scale-rate`` with a 2 s grace window; every alert still open at its
  deadline escalates to a local webhook sink, and the lag is the sink's arrival time minus the deadline
  (the alert's ``opened_at`` plus the grace window).

PostgreSQL needs ``--database-url`` (the ingest benchmark's option); without it only SQLite runs.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import tempfile
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any, Final

from rich.console import Console
from rich.table import Table
from sqlalchemy import create_engine, func, make_url, select, text
from sqlalchemy.exc import SQLAlchemyError

from bench import Benchmark, BenchmarkFailed
from bench.common import machine_info, positive_float, positive_int, write_result
from bench.loadgen import Target, build_workload, closed_loop, open_loop, percentile, run
from bench.soak import holdoff_serve
from holdoff.store.tables import alerts, notifications

GRACE: Final = 2.0
CONNECTIONS: Final = 32
CONFIG: Final = """\
channels:
  - name: sink
    type: webhook
    url: {url}
policy:
  routes:
    - name: escalations-to-the-sink
      match: '{{source="coralogix"}}'
      channels: {{escalated: [sink], resolved: [], transient_resolved: []}}
"""


class _Sink(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self) -> None:
        super().__init__(("127.0.0.1", 0), _SinkHandler)
        self.arrivals: list[tuple[float, int]] = []
        """(wall time, alert id) of every escalation received."""
        self.lock = threading.Lock()


class _SinkHandler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server: _Sink

    def do_POST(self) -> None:
        body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        at = time.time()
        if self.headers.get("X-Holdoff-Kind") == "escalated":
            with self.server.lock:
                self.server.arrivals.append((at, int(json.loads(body)["alert_id"])))
        self.send_response(200)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, format: str, *args: Any) -> None:
        pass


@contextmanager
def _sink() -> Iterator[_Sink]:
    sink = _Sink()
    thread = threading.Thread(target=sink.serve_forever, name="scale-sink", daemon=True)
    thread.start()
    try:
        yield sink
    finally:
        sink.shutdown()
        sink.server_close()


@dataclass(frozen=True)
class Figures:
    database: str
    processes: int
    alerts_per_second: float
    p99_ms: float
    errors: int
    lag_p50_ms: float | None
    lag_p99_ms: float | None
    escalations: int
    rate: float


def _measure(
    database: str, database_url: str, processes: int, requests: int, rate: float, lag_seconds: float, tag: str
) -> Figures:
    data_dir = Path(tempfile.mkdtemp(prefix="holdoff-scale-"))
    try:
        with _sink() as sink:
            config = data_dir / "scale.yaml"
            config.write_text(
                CONFIG.format(url=f"http://127.0.0.1:{sink.server_address[1]}/hook"), encoding="utf-8"
            )
            args = ("--config", str(config), "--workers", str(processes))
            env = {"HOLDOFF_GRACE_SECONDS": str(GRACE), "HOLDOFF_LOG_LEVEL": "WARNING"}
            with holdoff_serve(data_dir, database_url, args=args, env=env) as (_, url):
                target = Target("127.0.0.1", int(url.rsplit(":", 1)[1]))
                # The lag first, on a fresh server, so no backlog of earlier escalations is in front.
                total = max(1, round(rate * lag_seconds))
                stream = build_workload(target, f"{tag}-o", CONNECTIONS, total, seed=3)
                opened = run(lambda: open_loop(target, stream, rate))
                time.sleep(GRACE)
                _wait_drained(database_url)
                with sink.lock:
                    arrivals = list(sink.arrivals)
                lags = _lags(database_url, arrivals)
                warm = build_workload(target, f"{tag}-w", CONNECTIONS, min(requests, 1000), seed=1)
                run(lambda: closed_loop(target, warm))
                workload = build_workload(target, f"{tag}-c", CONNECTIONS, requests, seed=2)
                closed = run(lambda: closed_loop(target, workload))
        return Figures(
            database=database,
            processes=processes,
            alerts_per_second=closed.throughput,
            p99_ms=closed.latency_ms(0.99),
            errors=closed.errors + opened.errors,
            lag_p50_ms=percentile(lags, 0.5) * 1000 if lags else None,
            lag_p99_ms=percentile(lags, 0.99) * 1000 if lags else None,
            escalations=len(arrivals),
            rate=rate,
        )
    finally:
        shutil.rmtree(data_dir, ignore_errors=True)


def _fresh_database(url: str, name: str, console: Console) -> str:
    """A new empty database beside ``url``'s, so no deadline or message of an earlier configuration is
    in the way (``url`` itself when its user may not create one)."""
    engine = create_engine(url, isolation_level="AUTOCOMMIT")
    try:
        with engine.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{name}"'))
    except SQLAlchemyError as exc:
        console.print(
            f"  [yellow]cannot create a database per configuration, reusing the one given: {exc}[/]"
        )
        return url
    finally:
        engine.dispose()
    return make_url(url).set(database=name).render_as_string(hide_password=False)


def _wait_drained(database_url: str, timeout: float = 120.0) -> None:
    """Until every deadline has fired and every queued message has been sent (the lag counts the last
    escalation too)."""
    engine = create_engine(database_url)
    pending = select(func.count()).where(notifications.c.status == "pending")
    armed = select(func.count()).where(alerts.c.deadline_at.is_not(None))
    try:
        deadline = time.monotonic() + timeout
        while True:
            with engine.connect() as conn:
                if not conn.execute(armed).scalar_one() and not conn.execute(pending).scalar_one():
                    return
            if time.monotonic() > deadline:
                raise BenchmarkFailed(f"messages were still queued {timeout:g} s after the stream")
            time.sleep(0.2)
    finally:
        engine.dispose()


def _lags(database_url: str, arrivals: list[tuple[float, int]]) -> list[float]:
    """Arrival minus deadline (``opened_at`` + grace), seconds, sorted."""
    if not arrivals:
        return []
    engine = create_engine(database_url)
    try:
        with engine.connect() as conn:
            ids = [alert_id for _, alert_id in arrivals]
            opened = {
                row.id: row.opened_at
                for row in conn.execute(select(alerts.c.id, alerts.c.opened_at).where(alerts.c.id.in_(ids)))
            }
    finally:
        engine.dispose()
    lags = []
    for at, alert_id in arrivals:
        start = opened.get(alert_id)
        if start is not None:
            if start.tzinfo is None:
                start = start.replace(tzinfo=UTC)
            lags.append(at - start.timestamp() - GRACE)
    return sorted(lags)


def add_arguments(parser: argparse.ArgumentParser) -> None:
    group = parser.add_argument_group("scale")
    group.add_argument(
        "--scale-processes",
        type=positive_int,
        action="append",
        help="process counts to measure on PostgreSQL (repeatable; default 1, 2, 4)",
    )
    group.add_argument(
        "--scale-requests", type=positive_int, default=8000, help="closed-loop requests per configuration"
    )
    group.add_argument(
        "--scale-rate",
        type=positive_float,
        default=150.0,
        help="open-loop alerts/s while the lag is measured",
    )


def run_scale(args: argparse.Namespace) -> int:
    console = Console(highlight=False)
    if not console.is_terminal:
        console.width = max(console.width, 120)  # logs and pipes: keep the table on one line per row
    console.rule("Scale-out: throughput by process count, PostgreSQL against SQLite; deadline lag under load")
    requests = 2000 if args.quick else args.scale_requests
    lag_seconds = 5.0 if args.quick else 10.0
    counts = args.scale_processes or [1, 2, 4]
    postgres_url = getattr(args, "database_url", None)
    tag = datetime.now(UTC).strftime("%Y%m%dT%H%M%S")
    plans: list[tuple[str, str | None, int]] = [("sqlite", None, 1)]
    if postgres_url:
        plans += [("postgresql", postgres_url, n) for n in counts]
    else:
        console.print("  [yellow]no --database-url: PostgreSQL is not measured[/]")
    figures: list[Figures] = []
    failure: str | None = None
    try:
        for database, url, processes in plans:
            sqlite_dir = Path(tempfile.mkdtemp(prefix="holdoff-scale-db-")) if url is None else None
            database_url = url or f"sqlite:///{sqlite_dir / 'holdoff.db'}"
            if url is not None:
                database_url = _fresh_database(url, f"holdoff_scale_{tag.lower()}_{processes}", console)
            console.print(
                f"  {database}, {processes} process(es): {requests:,} requests, then {args.scale_rate:g}/s"
            )
            try:
                figures.append(
                    _measure(
                        database,
                        database_url,
                        processes,
                        requests,
                        args.scale_rate,
                        lag_seconds,
                        f"{tag}-{database}-{processes}",
                    )
                )
            finally:
                if sqlite_dir is not None:
                    shutil.rmtree(sqlite_dir, ignore_errors=True)
    except BenchmarkFailed as exc:
        failure = str(exc)

    table = Table(title="single-alert webhooks, every change committed before the 202")
    for column in (
        "database",
        "processes",
        "alerts/s",
        "p99 ms",
        "errors",
        "lag p50 ms",
        "lag p99 ms",
        "escalations",
    ):
        table.add_column(column, justify="right")
    for f in figures:
        table.add_row(
            f.database,
            str(f.processes),
            f"{f.alerts_per_second:,.0f}",
            f"{f.p99_ms:.1f}",
            str(f.errors),
            "n/a" if f.lag_p50_ms is None else f"{f.lag_p50_ms:.0f}",
            "n/a" if f.lag_p99_ms is None else f"{f.lag_p99_ms:.0f}",
            str(f.escalations),
        )
    console.print(table)
    console.print(
        f"  lag: open loop at {args.scale_rate:g} alerts/s for {lag_seconds:g} s, grace {GRACE:g} s"
    )
    if any(f.errors for f in figures) and failure is None:
        failure = "some requests were not answered 2xx"
    result: dict[str, Any] = {
        "benchmark": "scale",
        "machine": machine_info(),
        "requests": requests,
        "grace_seconds": GRACE,
        "figures": [vars(f) for f in figures],
    }
    if failure:
        result["failure"] = failure
        console.print(f"[bold red]FAILED[/]: {failure}")
    console.print(f"  results: {write_result('scale', f'{tag}-{os.getpid()}', result)}")
    return 1 if failure else 0


BENCHMARK = Benchmark(
    name="scale",
    summary="throughput with 1, 2 and 4 processes on PostgreSQL against SQLite; deadline lag p99",
    add_arguments=add_arguments,
    run=run_scale,
)
