"""End-to-end log ingest benchmark (issue 13): ``POST /logs`` with storage, lines/s, latency, memory.

1. **Traffic.** Generated here (no Loghub data): seven services writing nginx access logs, sshd and
   kernel syslog, Python and Java application logs with stack traces, klog, and JSON lines, with
   variable parts (addresses, ids, durations, user and job names) over many templates, about 3% errors.
   Bodies of ``--logs-batch`` lines (1,000): half NDJSON records of mixed services (half of those with
   a record id), half ``text/plain`` lines of one service (``?service=``). A few NDJSON batches are
   posted twice (a sender's retry): their records must come back as ``duplicates``.
2. **Reference, same run, in process:** the same bodies through the parsers and the template miner
   (decode, ``parse_lines`` / ``parse_json_records``, ``TemplateMiner.match``): no HTTP, no database.
   The share of the end-to-end time it is shows what HTTP and storage cost.
3. **End to end.** The real server (``python -m holdoff serve``, SQLite in a fresh data directory, as
   the ``ingest`` benchmark starts it), warmed up, then ``--logs-clients`` httpx clients post the
   bodies back to back. Lines/s stored (``accepted - duplicates`` of the answers, checked against a
   count of ``log_lines`` at the end), p50/p99/max request latency, the server's CPU and its peak RSS
   (``VmHWM`` of /proc, server and worker processes).

Goal: at least 50,000 lines/s stored. Every request must be answered 202 and the stored count must
match, or the run fails. One JSON result: ``bench/results/logs-ingest-<UTC timestamp>.json``.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import shutil
import signal
import tempfile
import time
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Final

import httpx
from rich.console import Console
from rich.table import Table
from sqlalchemy import func, select

from bench import Benchmark, BenchmarkFailed
from bench.common import machine_info, positive_int, verdict, write_result
from bench.logs_traffic import Body, make_bodies
from bench.server import ServerProcess, _children, teams_sink
from holdoff.logs import training
from holdoff.logs.classify.stream import Histories
from holdoff.logs.classify.verdict import Classifier
from holdoff.logs.miner import TemplateMiner
from holdoff.logs.model import LogRecord
from holdoff.logs.parse import parse_json_records, parse_lines
from holdoff.store.db import Database
from holdoff.store.tables import log_lines

GOAL_LINES_PER_S: Final = 50_000.0
DEFAULT_LINES: Final = 300_000
QUICK_LINES: Final = 30_000
DEFAULT_BATCH: Final = 1_000
DEFAULT_CLIENTS: Final = 4
WARMUP_BATCHES: Final = 10
REQUEST_TIMEOUT: Final = 60.0

# --- reference: parse and mine in process ---------------------------------------------------------


def parse_body(body: Body, received: datetime) -> list[LogRecord]:
    """The records of a body, read as ``POST /logs`` reads them (without the HTTP layer)."""
    text = body.content.decode("utf-8")
    if body.media == "text/plain":
        return parse_lines(text.split("\n"), service=body.params["service"], host=None, received=received)
    items: list[Any] = []
    for line in text.split("\n"):
        if line.strip():
            try:
                items.append(json.loads(line))
            except json.JSONDecodeError:
                items.append(line)
    return parse_json_records(items, service=None, host=None, received=received)


@dataclass(frozen=True)
class Reference:
    """CPU seconds of each step over ``records`` records, in this process (one core)."""

    records: int
    parse_s: float
    mine_s: float
    classify_s: float | None
    """None: no classifier could be loaded (the reason is printed)."""

    def per_s(self, *, classify: bool) -> float | None:
        seconds = self.parse_s + self.mine_s
        if classify:
            if self.classify_s is None:
                return None
            seconds += self.classify_s
        return self.records / seconds if seconds else None


def reference(bodies: list[Body], classifier: Classifier | None) -> Reference:
    """Parse, mine and (with a classifier) classify every first-sent body in this process, each step
    timed apart: what the server does for each line before HTTP, counting and storage."""
    histories = Histories(TemplateMiner(), {})
    received = datetime.now(UTC)
    parse_s = mine_s = classify_s = 0.0
    records = 0
    for body in bodies:
        if body.retry:
            continue
        started = time.process_time()
        parsed = parse_body(body, received)
        mid = time.process_time()
        mined = [histories(record) for record in parsed]
        end = time.process_time()
        if classifier is not None:
            for record, history in zip(parsed, mined, strict=True):
                classifier.classify(record, history)
        classify_s += time.process_time() - end
        parse_s += mid - started
        mine_s += end - mid
        records += len(parsed)
    return Reference(records, parse_s, mine_s, classify_s if classifier is not None else None)


# --- end to end -----------------------------------------------------------------------------------


@dataclass
class Posted:
    latencies: list[float] = field(default_factory=list)
    statuses: dict[int, int] = field(default_factory=dict)
    errors: list[str] = field(default_factory=list)
    accepted: int = 0
    duplicates: int = 0
    lines: int = 0
    elapsed: float = 0.0

    @property
    def stored(self) -> int:
        return self.accepted - self.duplicates

    def latency_ms(self, q: float) -> float:
        if not self.latencies:
            return 0.0
        ordered = sorted(self.latencies)
        return 1000 * ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


async def post_all(base_url: str, bodies: list[Body], clients: int) -> Posted:
    """Post ``bodies`` from ``clients`` concurrent clients, each sending back to back."""
    posted = Posted()
    queue = iter(bodies)

    async def client(http: httpx.AsyncClient) -> None:
        for body in queue:
            started = time.perf_counter()
            try:
                answer = await http.post(
                    "/logs", params=body.params, content=body.content, headers={"content-type": body.media}
                )
            except httpx.HTTPError as exc:
                posted.errors.append(f"{type(exc).__name__}: {exc}")
                continue
            posted.latencies.append(time.perf_counter() - started)
            posted.statuses[answer.status_code] = posted.statuses.get(answer.status_code, 0) + 1
            if answer.status_code != 202:
                posted.errors.append(f"HTTP {answer.status_code}: {answer.text[:200]}")
                continue
            done = answer.json()
            posted.accepted += done["accepted"]
            posted.duplicates += done["duplicates"]
            posted.lines += body.lines

    limits = httpx.Limits(max_connections=clients, max_keepalive_connections=clients)
    async with httpx.AsyncClient(
        base_url=base_url, limits=limits, timeout=REQUEST_TIMEOUT, trust_env=False
    ) as http:
        started = time.perf_counter()
        await asyncio.gather(*(client(http) for _ in range(clients)))
        posted.elapsed = time.perf_counter() - started
    return posted


def peak_rss_mb(pid: int) -> float | None:
    """The largest peak resident set (``VmHWM``) of the server and its worker processes, in MB."""
    peaks = []
    for each in (pid, *_children(pid)):
        with contextlib.suppress(OSError):
            for line in Path(f"/proc/{each}/status").read_text().splitlines():
                if line.startswith("VmHWM:"):
                    peaks.append(int(line.split()[1]) / 1024)
    return max(peaks) if peaks else None


def stored_rows(url: str) -> int:
    db = Database(url)
    try:
        with db.read() as conn:
            return int(conn.execute(select(func.count()).select_from(log_lines)).scalar_one())
    finally:
        db.dispose()


@dataclass(frozen=True)
class Config:
    quick: bool
    lines: int
    batch: int
    clients: int
    database_url: str | None
    workers: int
    keep_data: bool


def add_arguments(parser: argparse.ArgumentParser) -> None:
    group = parser.add_argument_group("logs-ingest")
    group.add_argument(
        "--logs-lines",
        type=positive_int,
        help=f"lines posted (default {DEFAULT_LINES:,}; {QUICK_LINES:,} with --quick)",
    )
    group.add_argument(
        "--logs-batch",
        type=positive_int,
        default=DEFAULT_BATCH,
        help=f"lines per request ({DEFAULT_BATCH:,})",
    )
    group.add_argument(
        "--logs-clients",
        type=positive_int,
        default=DEFAULT_CLIENTS,
        help=f"concurrent httpx clients ({DEFAULT_CLIENTS})",
    )


def _config(args: argparse.Namespace) -> Config:
    return Config(
        quick=args.quick,
        lines=args.logs_lines or (QUICK_LINES if args.quick else DEFAULT_LINES),
        batch=args.logs_batch,
        clients=args.logs_clients,
        database_url=getattr(args, "database_url", None),
        workers=getattr(args, "workers", 1) or 1,
        keep_data=getattr(args, "keep_data", False),
    )


def prepare_model(data_dir: Path, console: Console) -> Classifier | None:
    """Train the default log model into the data directory before the server starts, as the server
    would at its first post (in the background, which would be measured); also the reference's."""
    started = time.monotonic()
    try:
        classifier = training.load(data_dir / "models" / "logs")
    except Exception as exc:  # the reference goes without; the server trains its own
        console.print(f"  [yellow]no log model[/] ({type(exc).__name__}: {exc}): reference without classify")
        return None
    console.print(f"  log model {classifier.version} ready in {time.monotonic() - started:.1f} s")
    return classifier


def measure_server(
    config: Config, data_dir: Path, bodies: list[Body], warmup: list[Body], console: Console
) -> dict[str, Any]:
    """Start the server, warm it up, post ``bodies``; the figures (raises BenchmarkFailed)."""
    server: ServerProcess | None = None
    try:
        with teams_sink() as sink:
            teams_url = f"http://127.0.0.1:{sink.server_address[1]}/teams"
            server = ServerProcess(data_dir, teams_url, config.database_url, config.workers)
            console.print(f"  starting: {' '.join(server.command[1:])} (data dir {data_dir})")
            console.print(f"  healthy after {server.wait_healthy():.1f} s")
            base = server.target.base_url
            rss_idle = peak_rss_mb(server.process.pid)
            warm = asyncio.run(post_all(base, warmup, config.clients))
            if warm.errors:
                raise BenchmarkFailed(f"{len(warm.errors)} warm-up request(s) failed: {warm.errors[0]}")
            console.print(f"  warm-up: {len(warmup)} requests, {warm.stored:,} lines stored")
            console.print(f"  measuring: {len(bodies)} requests from {config.clients} clients")
            cpu_before = server.cpu_seconds()
            posted = asyncio.run(post_all(base, bodies, config.clients))
            cpu_after = server.cpu_seconds()
            if server.process.poll() is not None:
                raise BenchmarkFailed(f"the server exited with status {server.process.returncode}")
            rss_peak = peak_rss_mb(server.process.pid)
            newest = httpx.get(f"{base}/logs", params={"limit": 1}, timeout=REQUEST_TIMEOUT, trust_env=False)
            items = newest.json().get("items", []) if newest.status_code == 200 else []
            model = items[0].get("model_version") if items else None
            server.stop()
            if posted.errors:
                raise BenchmarkFailed(f"{len(posted.errors)} request(s) failed: {posted.errors[0]}")
            rows = None if config.database_url else stored_rows(f"sqlite:///{data_dir / 'holdoff.db'}")
            if rows is not None and rows != warm.stored + posted.stored:
                raise BenchmarkFailed(
                    f"log_lines holds {rows:,} rows, the answers said {warm.stored + posted.stored:,} were stored"
                )
            cpu = cpu_after - cpu_before if cpu_after is not None and cpu_before is not None else None
            return {
                "requests": len(bodies),
                "elapsed_s": posted.elapsed,
                "lines_posted": posted.lines,
                "records_accepted": posted.accepted,
                "duplicates": posted.duplicates,
                "stored": posted.stored,
                "rows_counted": rows,
                "stored_per_s": posted.stored / posted.elapsed,
                "lines_posted_per_s": posted.lines / posted.elapsed,
                "latency_ms": {
                    q: posted.latency_ms(v) for q, v in (("p50", 0.5), ("p99", 0.99), ("max", 1.0))
                },
                "statuses": posted.statuses,
                "server_cpu_s": cpu,
                "server_cpu_cores": cpu / posted.elapsed if cpu is not None else None,
                "rss_mb": {"idle_peak": rss_idle, "peak": rss_peak},
                "model_version_stored": model,
            }
    finally:
        if server is not None:
            server.stop()
            if server.process.returncode not in (0, None, -signal.SIGTERM):
                console.print(server.log_tail() or "(empty server log)", markup=False)


def run_logs_ingest(args: argparse.Namespace) -> int:
    config = _config(args)
    console = Console(highlight=False)
    if not console.is_terminal:
        console.width = max(console.width, 120)
    run_tag = datetime.now(UTC).strftime("%Y%m%dT%H%M%S") + f"-{os.getpid()}"
    console.rule("Log ingest benchmark" + (" (--quick: indicative figures)" if config.quick else ""))
    bodies = make_bodies(config.lines, config.batch, seed=13, tag=f"run-{run_tag}")
    warmup = make_bodies(WARMUP_BATCHES * config.batch, config.batch, seed=7, tag=f"warm-{run_tag}")
    data_dir = Path(tempfile.mkdtemp(prefix="holdoff-bench-logs-"))
    failure: str | None = None
    measured: dict[str, Any] | None = None
    ref: Reference | None = None
    try:
        ref = reference(bodies, prepare_model(data_dir, console))
        console.print(f"  reference: {ref.records:,} records parsed, mined and classified in process")
        measured = measure_server(config, data_dir, bodies, warmup, console)
    except (BenchmarkFailed, OSError) as exc:
        failure = f"{type(exc).__name__}: {exc}" if isinstance(exc, OSError) else str(exc)
    finally:
        if config.keep_data:
            console.print(f"  data dir kept: {data_dir}")
        else:
            shutil.rmtree(data_dir, ignore_errors=True)
    if measured is not None and ref is not None:
        _print_table(console, config, ref, measured)
    result: dict[str, Any] = {
        "benchmark": "logs-ingest",
        "run": run_tag,
        "timestamp": datetime.now(UTC).isoformat(timespec="seconds"),
        "failed": failure is not None,
        "failure": failure,
        "config": {**asdict(config), "database_url": "set" if config.database_url else None},
        "machine": machine_info(),
        "goal_lines_per_s": GOAL_LINES_PER_S,
        "goal_met": measured["stored_per_s"] >= GOAL_LINES_PER_S if measured else None,
        "reference_in_process": None
        if ref is None
        else asdict(ref)
        | {
            "parse_mine_per_s": ref.per_s(classify=False),
            "parse_mine_classify_per_s": ref.per_s(classify=True),
        },
        "end_to_end": measured,
    }
    path = write_result("logs-ingest", run_tag, result)
    if failure:
        console.print(f"[bold red]FAILED[/]: {failure}")
    console.print(f"  results: {path}")
    return 1 if failure else 0


def _print_table(console: Console, config: Config, ref: Reference, m: dict[str, Any]) -> None:
    table = Table(title="Holdoff log ingest" + (" (quick)" if config.quick else ""), title_justify="left")
    table.add_column("metric")
    table.add_column("measured", justify="right")
    table.add_column("goal", justify="right")
    table.add_column("ratio")
    table.add_column("verdict")
    rate = m["stored_per_s"]
    table.add_row(
        f"lines stored/s, POST /logs ({config.clients} clients, {config.batch:,} lines/request)",
        f"{rate:,.0f}",
        f"≥ {GOAL_LINES_PER_S:,.0f}",
        f"{rate / GOAL_LINES_PER_S:.2f}x goal",
        verdict(rate >= GOAL_LINES_PER_S),
    )
    table.add_row(
        "lines posted/s (trace lines, retries included)", f"{m['lines_posted_per_s']:,.0f}", "", "", ""
    )
    for label, classify in (("parse + mine", False), ("parse + mine + classify", True)):
        per_s = ref.per_s(classify=classify)
        if per_s is not None:
            table.add_row(
                f"reference: {label}, in process (1 core)",
                f"{per_s:,.0f}",
                "",
                f"end to end is {rate / per_s:.2f}x of it",
                "",
            )
    if m["server_cpu_s"]:
        steps = [("parse", ref.parse_s), ("mine", ref.mine_s), ("classify", ref.classify_s or 0.0)]
        share = "; ".join(
            f"{name} {seconds / ref.records * m['stored'] / m['server_cpu_s']:.0%}" for name, seconds in steps
        )
        table.add_row(
            "server CPU by step (reference per line x lines)",
            share,
            "",
            "the rest: HTTP, counts, detectors, SQL",
            "",
        )
    lat = m["latency_ms"]
    table.add_row(
        "request latency p50 / p99 / max",
        f"{lat['p50']:,.0f} / {lat['p99']:,.0f} / {lat['max']:,.0f} ms",
        "",
        f"{config.batch:,} lines per request, {config.clients} in flight",
        "",
    )
    table.add_row(
        "stored / duplicates (retried posts)",
        f"{m['stored']:,} / {m['duplicates']:,}",
        "",
        "matches the rows in log_lines" if m["rows_counted"] is not None else "rows not counted (PostgreSQL)",
        "",
    )
    if m["server_cpu_cores"] is not None:
        table.add_row("server CPU", f"{m['server_cpu_cores']:.2f} cores", f"of {os.cpu_count()}", "", "")
    rss = m["rss_mb"]
    if rss["peak"] is not None:
        table.add_row(
            "server peak RSS (VmHWM)",
            f"{rss['peak']:,.0f} MB",
            "",
            f"{rss['idle_peak']:,.0f} MB before posting",
            "",
        )
    table.add_row("model version of the newest line", str(m["model_version_stored"]), "", "", "")
    console.print(table)


BENCHMARK: Final = Benchmark(
    name="logs-ingest",
    summary="POST /logs end to end: lines/s stored, latency, peak RSS, beside parse+mine in process",
    add_arguments=add_arguments,
    run=run_logs_ingest,
)


def main(argv: list[str] | None = None) -> int:
    """Standalone: ``python -m bench.logs_ingest [--quick] [--logs-lines N] ...``."""
    parser = argparse.ArgumentParser(prog="python -m bench.logs_ingest", description=BENCHMARK.summary)
    parser.add_argument("--quick", action="store_true", help="short smoke run")
    parser.add_argument("--database-url", help="run the server on this database instead of SQLite")
    parser.add_argument("--workers", type=positive_int, default=1, help="server worker processes (1)")
    parser.add_argument("--keep-data", action="store_true", help="keep the server's data directory")
    add_arguments(parser)
    return run_logs_ingest(parser.parse_args(argv))


if __name__ == "__main__":
    raise SystemExit(main())
