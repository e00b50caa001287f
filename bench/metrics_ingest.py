"""Metric input benchmark (issue 14): what Prometheus ``remote_write`` costs Holdoff per sample,
reading and storing, each beside a reference measured in the same run.

- **decode**: the bodies a Prometheus sends (500 series of one sample each, 6 labels, snappy), read by
  :func:`holdoff.metrics.remote_write.decode` (the wire reader written here, and a validated
  :class:`~holdoff.metrics.model.Sample` per point). Reference: the protobuf library's own parser
  (``upb``, C) on the same bodies, snappy included, building nothing further.
- **store**: a fleet of series, one point each per tick, stored through
  :class:`~holdoff.service.metric_ingest.MetricIngest` on SQLite (series upserted with their last
  time, duplicates skipped), in batches of 500. Reference: the driver's bare ``executemany`` of the same
  rows into a table of the same shape, in the same directory.

Goal: a fleet of 10,000 series at one point every 10 s (1,000 samples/s) read and stored in real time
with at most a tenth of one core. One JSON result: ``bench/results/metrics-ingest-<UTC timestamp>.json``.
"""

from __future__ import annotations

import argparse
import sqlite3
import statistics
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, Final

import cramjam
from google.protobuf import descriptor_pb2, descriptor_pool, message_factory
from rich.console import Console
from rich.table import Table

from bench import Benchmark
from bench.common import machine_info, positive_int, verdict, write_result
from holdoff.metrics.model import Sample
from holdoff.metrics.remote_write import decode, encode
from holdoff.service.metric_ingest import MetricIngest
from holdoff.store import migrate
from holdoff.store.db import Database

PER_SEND: Final = 500
"""Series per remote_write body (Prometheus' max_samples_per_send of 2.x)."""
FLEET_RATE: Final = 1_000.0
"""Samples/s of the goal's fleet: 10,000 series, one point every 10 s."""
GOAL_CORE_SHARE: Final = 0.10
T0: Final = datetime(2026, 1, 1, tzinfo=UTC)


def add_arguments(parser: argparse.ArgumentParser) -> None:
    group = parser.add_argument_group("metrics-ingest")
    group.add_argument(
        "--metrics-ingest-series", type=positive_int, default=10_000, help="series of the fleet (10000)"
    )
    group.add_argument("--metrics-ingest-ticks", type=positive_int, default=5, help="points per series (5)")


def _labels(n: int) -> dict[str, str]:
    return {
        "__name__": "node_cpu_usage",
        "instance": f"host-{n:05d}:9100",
        "job": "node",
        "region": "eu-west-1",
        "service": f"svc-{n % 40}",
        "mode": "user",
    }


def bodies(series: int, tick: int) -> list[bytes]:
    """One tick of the fleet as remote_write bodies of :data:`PER_SEND` series each."""
    millis = int((T0 + timedelta(seconds=10 * tick)).timestamp() * 1000)
    return [
        encode(
            [
                (_labels(n), [(float(n % 100) + tick, millis)])
                for n in range(first, min(first + PER_SEND, series))
            ]
        )
        for first in range(0, series, PER_SEND)
    ]


def _write_request() -> Any:
    file = descriptor_pb2.FileDescriptorProto(name="bench_remote.proto", package="benchrw", syntax="proto3")
    label = file.message_type.add(name="Label")
    label.field.add(name="name", number=1, type=9, label=1)
    label.field.add(name="value", number=2, type=9, label=1)
    sample = file.message_type.add(name="Sample")
    sample.field.add(name="value", number=1, type=1, label=1)
    sample.field.add(name="timestamp", number=2, type=3, label=1)
    series = file.message_type.add(name="TimeSeries")
    series.field.add(name="labels", number=1, type=11, label=3, type_name=".benchrw.Label")
    series.field.add(name="samples", number=2, type=11, label=3, type_name=".benchrw.Sample")
    request = file.message_type.add(name="WriteRequest")
    request.field.add(name="timeseries", number=1, type=11, label=3, type_name=".benchrw.TimeSeries")
    pool = descriptor_pool.DescriptorPool()
    pool.Add(file)
    return message_factory.GetMessageClass(pool.FindMessageTypeByName("benchrw.WriteRequest"))


def decoding(series: int, runs: int) -> dict[str, float]:
    """Samples/s of :func:`decode` and of the protobuf library, median of ``runs`` paired runs."""
    sent = bodies(series, 0)
    request_class = _write_request()
    ours: list[float] = []
    theirs: list[float] = []
    for _ in range(runs):
        started = time.perf_counter()
        count = sum(len(decode(body).samples) for body in sent)
        ours.append(count / (time.perf_counter() - started))
        started = time.perf_counter()
        for body in sent:
            request = request_class()
            request.ParseFromString(bytes(cramjam.snappy.decompress_raw(body)))
        theirs.append(series / (time.perf_counter() - started))
    return {"decode_per_s": statistics.median(ours), "protobuf_per_s": statistics.median(theirs)}


def storing(series: int, ticks: int, folder: Path) -> dict[str, float]:
    """Samples/s stored through :class:`MetricIngest`, and by a bare executemany of the same rows."""
    db = Database(f"sqlite:///{folder / 'metrics.db'}")
    migrate.upgrade(db)
    now = T0 + timedelta(seconds=10 * ticks)
    ingest = MetricIngest(db, clock=lambda: now, max_series=series * 2)
    busy = 0.0
    rows: list[tuple[str, str, float]] = []
    for tick in range(ticks):
        at = T0 + timedelta(seconds=10 * tick)
        samples = [
            Sample(
                name="node_cpu_usage",
                labels={k: v for k, v in _labels(n).items() if k != "__name__"},
                timestamp=at,
                value=float(n),
            )
            for n in range(series)
        ]
        rows += [(s.series_id, at.isoformat(" "), s.value) for s in samples]
        for first in range(0, series, PER_SEND):
            started = time.perf_counter()
            ingest.store(samples[first : first + PER_SEND])
            busy += time.perf_counter() - started
    db.dispose()
    bare = sqlite3.connect(folder / "bare.db", isolation_level=None)
    bare.execute("PRAGMA journal_mode=WAL")
    bare.execute("PRAGMA synchronous=NORMAL")
    bare.execute("CREATE TABLE s (series_id TEXT, ts TEXT, value REAL, PRIMARY KEY (series_id, ts))")
    bare.execute("CREATE INDEX s_ts ON s (ts)")
    started = time.perf_counter()
    for first in range(0, len(rows), PER_SEND):
        bare.execute("BEGIN IMMEDIATE")
        bare.executemany(
            "INSERT INTO s VALUES (?, ?, ?) ON CONFLICT DO NOTHING", rows[first : first + PER_SEND]
        )
        bare.execute("COMMIT")
    reference = time.perf_counter() - started
    bare.close()
    points = series * ticks
    return {"store_per_s": points / busy, "bare_per_s": points / reference}


def run(args: argparse.Namespace) -> int:
    series = 1_000 if args.quick else args.metrics_ingest_series
    ticks = 2 if args.quick else args.metrics_ingest_ticks
    decoded = decoding(series, 3 if args.quick else 7)
    with tempfile.TemporaryDirectory(prefix="holdoff-metrics-ingest-") as folder:
        stored = storing(series, ticks, Path(folder))
    per_sample = 1 / decoded["decode_per_s"] + 1 / stored["store_per_s"]
    core_share = FLEET_RATE * per_sample
    table = Table(title=f"metrics-ingest: {series} series, remote_write bodies of {PER_SEND}, SQLite")
    for column in ("step", "Holdoff (samples/s)", "reference (samples/s)", "ratio"):
        table.add_column(column)
    table.add_row(
        "decode (snappy + protobuf)",
        f"{decoded['decode_per_s']:,.0f}",
        f"{decoded['protobuf_per_s']:,.0f} (protobuf upb)",
        f"{decoded['protobuf_per_s'] / decoded['decode_per_s']:.1f}x slower",
    )
    table.add_row(
        "store (series + samples)",
        f"{stored['store_per_s']:,.0f}",
        f"{stored['bare_per_s']:,.0f} (bare executemany)",
        f"{stored['bare_per_s'] / stored['store_per_s']:.1f}x slower",
    )
    Console().print(table)
    met = core_share <= GOAL_CORE_SHARE
    print(
        f"10,000 series every 10 s (1,000 samples/s) take {core_share:.1%} of one core "
        f"(goal <= {GOAL_CORE_SHARE:.0%}): {verdict(met)}"
    )
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    write_result(
        "metrics-ingest",
        stamp,
        {
            "benchmark": "metrics-ingest",
            "at": stamp,
            "series": series,
            "ticks": ticks,
            **decoded,
            **stored,
            "fleet_core_share": core_share,
            "goal_core_share": GOAL_CORE_SHARE,
            "goal_met": met,
            "machine": machine_info(),
        },
    )
    return 0


BENCHMARK = Benchmark(
    name="metrics-ingest",
    summary="remote_write read and stored per sample, beside protobuf's parser and a bare SQLite insert",
    add_arguments=add_arguments,
    run=run,
)
