"""Soak: steady ingest with a short retention keeps the database size and the process memory flat.

One ``holdoff serve`` takes a steady stream for a few minutes: batches of log lines (``POST /logs``),
metric samples (``POST /metrics/ingest``) and alerts that fire and resolve (``POST /coralogix/webhook``).
Raw lines, their per-minute counts, samples, resolved alerts and sent messages are kept a few seconds
(``logs.retention``, ``metrics.retention``, ``retention:``, each swept every second), so after the first
retention period the database holds a constant window. Every few seconds the run samples the database size (the SQLite file and its WAL, or
``pg_database_size``) and the server's resident memory, and calls a curve flat when the mean of its
second half is within a tolerance of the mean of its first half (the warm-up is left out).

``tests/e2e/test_soak.py`` runs the same soak for ~35 s; ``make bench`` for 3 minutes (``--soak-seconds``).
"""

from __future__ import annotations

import argparse
import contextlib
import os
import random
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Final

import httpx
from rich.console import Console
from rich.table import Table
from sqlalchemy import create_engine, text

from bench import Benchmark, BenchmarkFailed
from bench.common import machine_info, positive_float, verdict, write_result
from bench.server import free_port, http_get

CONFIG: Final = """\
logs:
  open: true
  retention: {{hours: {hours:.6f}, max_rows: 1000000, counts_days: {counts_days:.8f}, sweep_seconds: 1}}
metrics:
  open: true
  retention: {{days: {days:.8f}, sweep: 1s}}
retention:
  alerts: {seconds:g}
  notifications: {seconds:g}
  every: 1
"""
KEEP_SECONDS: Final = 5.0
"""How long raw lines, their per-minute counts, samples, resolved alerts and sent messages are kept."""
DEFAULT_SECONDS: Final = 180.0
WARMUP_SECONDS: Final = 15.0
"""Left out of the curves' comparison: caches, and the database filling its retention window (a few
sweeps behind the stream) before pruning frees as much as the stream adds."""
DB_TOLERANCE: Final = 0.20
RSS_TOLERANCE: Final = 0.10
SERVICES: Final = ("checkout", "payments", "search", "auth")
MESSAGES: Final = (
    "GET /api/orders/{n} 200 in {ms}ms",
    "user {n} logged in from 10.0.{a}.{b}",
    "cache miss for key session:{n}",
    "payment {n} authorised in {ms}ms",
    "ERROR connection to db-{a} timed out after {ms}ms",
    "retrying job {n} (attempt {a})",
)


@dataclass(frozen=True)
class Rates:
    """What the stream sends per second."""

    log_lines: int = 1000
    samples: int = 400
    alerts: int = 2
    """Alerts per second, each triggered then resolved a moment later."""
    batch: int = 100


@dataclass(frozen=True)
class Sample:
    at: float
    """Seconds since the stream started."""
    db_bytes: int
    rss_bytes: int


@dataclass
class Curve:
    """The samples of one soak and what they say."""

    samples: list[Sample] = field(default_factory=list)
    sent: dict[str, int] = field(default_factory=dict)
    failures: list[str] = field(default_factory=list)

    def measured(self, warmup: float = WARMUP_SECONDS) -> list[Sample]:
        return [sample for sample in self.samples if sample.at >= warmup]

    def change(self, what: str, warmup: float = WARMUP_SECONDS) -> float:
        """Second half's mean over first half's, minus one (``db_bytes`` or ``rss_bytes``)."""
        values = [float(getattr(sample, what)) for sample in self.measured(warmup)]
        if len(values) < 4:
            raise BenchmarkFailed(f"too few samples after the warm-up to compare halves ({len(values)})")
        half = len(values) // 2
        first, second = values[:half], values[half:]
        return (sum(second) / len(second)) / (sum(first) / len(first)) - 1


# --- the server -----------------------------------------------------------------------------------


def write_config(directory: Path, keep_seconds: float = KEEP_SECONDS) -> Path:
    path = directory / "soak.yaml"
    path.write_text(
        CONFIG.format(
            hours=keep_seconds / 3600,
            counts_days=keep_seconds / 86400,
            days=keep_seconds / 86400,
            seconds=keep_seconds,
        ),
        encoding="utf-8",
    )
    return path


@contextlib.contextmanager
def holdoff_serve(
    data_dir: Path, database_url: str, *, args: tuple[str, ...] = (), env: dict[str, str] | None = None
) -> Iterator[tuple[subprocess.Popen[bytes], str]]:
    """``holdoff serve`` on a free port with ``args``, until the block ends (SIGTERM, then SIGKILL)."""
    port = free_port()
    settings = {"HOLDOFF_DATA_DIR": str(data_dir), "HOLDOFF_DATABASE_URL": database_url, **(env or {})}
    clean = {key: value for key, value in os.environ.items() if not key.upper().startswith("HOLDOFF_")}
    clean.update(settings, NO_PROXY="127.0.0.1,localhost", no_proxy="127.0.0.1,localhost")
    clean.pop("TEAMS_WEBHOOK_URL", None)
    env_file = data_dir / "empty.env"
    env_file.write_text("# settings come from the environment\n", encoding="utf-8")
    command = [sys.executable, "-m", "holdoff", "serve", "--host", "127.0.0.1", "--port", str(port)]
    command += ["--env-file", str(env_file), *args]
    with (data_dir / f"server-{port}.log").open("wb") as log:
        process = subprocess.Popen(
            command, cwd=data_dir, env=clean, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
        )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            if process.poll() is not None:
                raise BenchmarkFailed(f"holdoff serve exited with status {process.returncode} at start")
            with contextlib.suppress(OSError):
                if http_get(f"{url}/health", timeout=1.0)[0] == 200:
                    break
            if time.monotonic() > deadline:
                raise BenchmarkFailed("holdoff serve was not healthy within 60 s")
            time.sleep(0.1)
        yield process, url
    finally:
        if process.poll() is None:
            process.terminate()
            try:
                process.wait(20)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


# --- measuring ------------------------------------------------------------------------------------


def database_size(database_url: str) -> Callable[[], int]:
    """A function giving the database's size in bytes now (SQLite: the file and its WAL)."""
    if database_url.startswith("sqlite"):
        path = Path(database_url.split(":///", 1)[1])
        return lambda: sum(
            candidate.stat().st_size
            for candidate in (path, path.with_name(path.name + "-wal"))
            if candidate.exists()
        )
    engine = create_engine(database_url, pool_size=1)

    def size() -> int:
        with engine.connect() as conn:
            return int(conn.execute(text("SELECT pg_database_size(current_database())")).scalar_one())

    return size


def resident_bytes(pid: int) -> int:
    """The process's resident memory (``VmRSS``), in bytes."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) * 1024
    raise BenchmarkFailed(f"no VmRSS for process {pid}")


# --- the stream -----------------------------------------------------------------------------------


def _log_batch(rng: random.Random, count: int) -> list[dict[str, Any]]:
    now = datetime.now(UTC).isoformat()
    lines = []
    for _ in range(count):
        message = rng.choice(MESSAGES).format(
            n=rng.randint(1, 10**6), ms=rng.randint(1, 900), a=rng.randint(1, 9), b=rng.randint(1, 250)
        )
        level = "ERROR" if message.startswith("ERROR") else "INFO"
        lines.append({"timestamp": now, "service": rng.choice(SERVICES), "level": level, "message": message})
    return lines


def _sample_batch(rng: random.Random, count: int) -> dict[str, Any]:
    now = time.time()
    return {
        "samples": [
            {
                "name": "soak_requests_per_second",
                "labels": {"service": SERVICES[n % len(SERVICES)], "instance": f"web-{n % 25}"},
                "timestamp": now,
                "value": 100 + rng.random() * 10,
            }
            for n in range(count)
        ]
    }


def prime(url: str, database_url: str, timeout: float = 180.0) -> float:
    """Post a batch of lines and of samples and wait until both are stored (a fresh data directory
    first trains the log classifier, which takes a while); seconds it took."""
    started = time.monotonic()
    rng = random.Random(0)
    engine = create_engine(database_url)
    try:
        with httpx.Client(base_url=url, timeout=timeout, trust_env=False) as client:
            _check(client.post("/logs", json=_log_batch(rng, 10)), "logs")
            _check(client.post("/metrics/ingest", json=_sample_batch(rng, 10)), "samples")
        stored = text("SELECT (SELECT count(*) FROM log_lines) * (SELECT count(*) FROM metric_samples)")
        while True:
            with engine.connect() as conn:
                if conn.execute(stored).scalar_one():
                    return time.monotonic() - started
            if time.monotonic() - started > timeout:
                raise BenchmarkFailed(f"posted lines and samples were not stored within {timeout:g} s")
            time.sleep(0.2)
    finally:
        engine.dispose()


def soak(
    url: str,
    seconds: float,
    size: Callable[[], int],
    pid: int,
    *,
    rates: Rates = Rates(),
    every: float = 1.0,
    on_sample: Callable[[Sample], None] | None = None,
) -> Curve:
    """Send the stream to ``url`` for ``seconds``, sampling size and memory every ``every`` seconds."""
    curve = Curve(sent={"log_lines": 0, "samples": 0, "alerts": 0})
    stop = threading.Event()
    lock = threading.Lock()
    start = time.monotonic()

    def paced(what: str, per_second: float, send: Callable[[httpx.Client, int], int]) -> None:
        rng_tick = 0
        with httpx.Client(base_url=url, timeout=30, trust_env=False) as client:
            while not stop.is_set():
                due = start + rng_tick / per_second
                rng_tick += 1
                delay = due - time.monotonic()
                if delay > 0 and stop.wait(delay):
                    return
                try:
                    count = send(client, rng_tick)
                except httpx.HTTPError as exc:
                    with lock:
                        curve.failures.append(f"{what}: {exc!r}")
                    continue
                with lock:
                    curve.sent[what] += count

    rng = random.Random(16)

    def logs(client: httpx.Client, _: int) -> int:
        batch = _log_batch(rng, rates.batch)
        _check(client.post("/logs", json=batch), "logs")
        return len(batch)

    def samples(client: httpx.Client, _: int) -> int:
        batch = _sample_batch(rng, rates.batch)
        _check(client.post("/metrics/ingest", json=batch), "samples")
        return rates.batch

    def alerts(client: httpx.Client, tick: int) -> int:
        for action in ("TRIGGERED", "RESOLVED"):
            body = {"alert_id": f"soak-{tick}", "alert_name": "Soak", "alert_action": action}
            _check(client.post("/coralogix/webhook", json=body), "alerts")
        return 1

    threads = [
        threading.Thread(target=paced, args=("log_lines", rates.log_lines / rates.batch, logs)),
        threading.Thread(target=paced, args=("samples", rates.samples / rates.batch, samples)),
        threading.Thread(target=paced, args=("alerts", rates.alerts, alerts)),
    ]
    for thread in threads:
        thread.start()
    try:
        next_at = start
        while (now := time.monotonic()) - start < seconds:
            if now >= next_at:
                sample = Sample(round(now - start, 2), size(), resident_bytes(pid))
                curve.samples.append(sample)
                if on_sample is not None:
                    on_sample(sample)
                next_at += every
            time.sleep(max(0.0, min(next_at - time.monotonic(), 0.2)))
    finally:
        stop.set()
        for thread in threads:
            thread.join(30)
    return curve


def _check(response: httpx.Response, what: str) -> None:
    if response.status_code >= 300:
        raise httpx.HTTPStatusError(
            f"{what}: {response.status_code} {response.text[:200]}",
            request=response.request,
            response=response,
        )


# --- the benchmark --------------------------------------------------------------------------------


def add_arguments(parser: argparse.ArgumentParser) -> None:
    group = parser.add_argument_group("soak")
    group.add_argument(
        "--soak-seconds",
        type=positive_float,
        default=DEFAULT_SECONDS,
        help=f"how long the soak runs (default {DEFAULT_SECONDS:g} s; --quick: 30 s)",
    )
    group.add_argument(
        "--soak-database-url",
        help="soak this database (PostgreSQL, say) instead of a temporary SQLite file",
    )


def run_soak(args: argparse.Namespace) -> int:
    console = Console(highlight=False)
    if not console.is_terminal:
        console.width = max(console.width, 120)
    seconds = 30.0 if args.quick and args.soak_seconds == DEFAULT_SECONDS else args.soak_seconds
    console.rule(f"Soak: {seconds:g} s of steady ingest, retention {KEEP_SECONDS:g} s")
    data_dir = Path(tempfile.mkdtemp(prefix="holdoff-soak-"))
    database_url = args.soak_database_url or f"sqlite:///{data_dir / 'holdoff.db'}"
    curve: Curve | None = None
    failure: str | None = None
    try:
        config = write_config(data_dir)
        with holdoff_serve(data_dir, database_url, args=("--config", str(config))) as (process, url):
            console.print(f"  {url}, database {'postgresql' if args.soak_database_url else 'sqlite'}")
            console.print(f"  first lines and samples stored after {prime(url, database_url):.1f} s")
            curve = soak(
                url,
                seconds,
                database_size(database_url),
                process.pid,
                every=max(1.0, seconds / 60),
                on_sample=lambda s: console.print(
                    f"  {s.at:6.1f} s  db {s.db_bytes / 1e6:7.2f} MB  rss {s.rss_bytes / 1e6:7.1f} MB"
                ),
            )
        if curve.failures:
            failure = f"{len(curve.failures)} request(s) failed, e.g. {curve.failures[0]}"
    except BenchmarkFailed as exc:
        failure = str(exc)
    finally:
        shutil.rmtree(data_dir, ignore_errors=True)

    result: dict[str, Any] = {"benchmark": "soak", "machine": machine_info(), "seconds": seconds}
    if curve is not None:
        db_change, rss_change = curve.change("db_bytes"), curve.change("rss_bytes")
        result |= {
            "keep_seconds": KEEP_SECONDS,
            "rates_per_second": asdict(Rates()),
            "sent": curve.sent,
            "warmup_seconds": WARMUP_SECONDS,
            "db_change": round(db_change, 4),
            "rss_change": round(rss_change, 4),
            "db_flat": abs(db_change) <= DB_TOLERANCE,
            "rss_flat": abs(rss_change) <= RSS_TOLERANCE,
            "curves": [asdict(sample) for sample in curve.samples],
        }
        table = Table(title="soak: second half's mean against the first half's (after the warm-up)")
        for column in ("curve", "first half", "second half", "change", "goal", "verdict"):
            table.add_column(column)
        for what, tolerance, scale, unit in (
            ("db_bytes", DB_TOLERANCE, 1e6, "MB"),
            ("rss_bytes", RSS_TOLERANCE, 1e6, "MB"),
        ):
            values = [getattr(s, what) for s in curve.measured()]
            half = len(values) // 2
            change = curve.change(what)
            table.add_row(
                "database size" if what == "db_bytes" else "server RSS",
                f"{sum(values[:half]) / half / scale:.2f} {unit}",
                f"{sum(values[half:]) / (len(values) - half) / scale:.2f} {unit}",
                f"{change:+.1%}",
                f"within {tolerance:.0%}",
                verdict(abs(change) <= tolerance),
            )
        console.print(table)
        console.print(f"  sent: {curve.sent}")
    if failure:
        result["failure"] = failure
        console.print(f"[bold red]FAILED[/]: {failure}")
    run_tag = datetime.now(UTC).strftime("%Y%m%dT%H%M%S") + f"-{os.getpid()}"
    console.print(f"  results: {write_result('soak', run_tag, result)}")
    return 1 if failure else 0


BENCHMARK = Benchmark(
    name="soak",
    summary="database size and server memory under steady ingest with short retention",
    add_arguments=add_arguments,
    run=run_soak,
)
