"""Ingest benchmark: Coralogix alerts posted at a running Holdoff server over concurrent connections.

Starts the real service (``python -m holdoff serve``) in a temporary data directory with a local
Microsoft Teams sink, warms it up, then measures:

1. closed loop: ``--connections`` connections sending back to back, ``--requests`` in all
   -> alerts/s and latency under saturation (goal: at least 2,000 alerts/s);
2. open loop: ``--rate`` requests/s for ``--duration`` seconds -> latency percentiles measured from
   each request's intended send time (goal: p99 under 50 ms at 500 alerts/s).

Every request must be answered 2xx; any other answer, or none, fails the run.
"""

from __future__ import annotations

import argparse
import contextlib
import math
import os
import shutil
import signal
import tempfile
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Callable
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Final

from rich.console import Console
from rich.table import Table

from bench import Benchmark, BenchmarkFailed
from bench.common import machine_info, positive_float, positive_int, status_mix, verdict, write_result
from bench.loadgen import RunStats, Target, build_workload, closed_loop, open_loop, run
from bench.server import ServerProcess, http_get, teams_sink

GOAL_ALERTS_PER_S: Final = 2_000.0
GOAL_P99_MS: Final = 50.0
GOAL_P99_RATE: Final = 500.0
KEEP_ALERTS_PER_S: Final = 17.0
"""Keep (keephq/keep) documents roughly 17 alerts/s on 16 vCPU."""

DEFAULT_CONNECTIONS: Final = 64
DEFAULT_REQUESTS: Final = 20_000
QUICK_REQUESTS: Final = 2_000
DEFAULT_DURATION: Final = 10.0
QUICK_DURATION: Final = 3.0
DEFAULT_WARMUP: Final = 500
DEFAULT_WORKERS: Final = 1
REQUEST_TIMEOUT: Final = 30.0


@dataclass(frozen=True)
class Config:
    quick: bool
    connections: int
    requests: int
    rate: float
    duration: float
    warmup: int
    database_url: str | None
    server_url: str | None
    keep_data: bool
    workers: int


def add_arguments(parser: argparse.ArgumentParser) -> None:
    group = parser.add_argument_group("ingest benchmark")
    group.add_argument(
        "--connections",
        type=positive_int,
        default=DEFAULT_CONNECTIONS,
        help=f"concurrent keep-alive connections (default {DEFAULT_CONNECTIONS})",
    )
    group.add_argument(
        "--requests",
        type=positive_int,
        help=f"closed-loop requests (default {DEFAULT_REQUESTS:,}; {QUICK_REQUESTS:,} with --quick)",
    )
    group.add_argument(
        "--rate",
        type=positive_float,
        default=GOAL_P99_RATE,
        help=f"open-loop requests per second (default {GOAL_P99_RATE:g})",
    )
    group.add_argument(
        "--duration",
        type=positive_float,
        help=f"open-loop seconds (default {DEFAULT_DURATION:g}; {QUICK_DURATION:g} with --quick)",
    )
    group.add_argument(
        "--warmup",
        type=int,
        default=DEFAULT_WARMUP,
        help=f"warm-up requests, not measured (default {DEFAULT_WARMUP})",
    )
    group.add_argument(
        "--database-url",
        help="run the server on this database (e.g. postgresql+psycopg://user:pw@127.0.0.1/holdoff_bench) "
        "instead of SQLite in a temporary directory; alert ids are unique per run",
    )
    group.add_argument(
        "--workers",
        type=positive_int,
        default=DEFAULT_WORKERS,
        help=f"worker processes of the server (holdoff serve --workers; default {DEFAULT_WORKERS}, as make run)",
    )
    group.add_argument(
        "--server-url",
        help="benchmark an already running server at this http:// URL instead of starting one",
    )
    group.add_argument(
        "--keep-data", action="store_true", help="keep the server's temporary data directory and log"
    )


def _config(args: argparse.Namespace) -> Config:
    return Config(
        quick=args.quick,
        connections=args.connections,
        requests=args.requests or (QUICK_REQUESTS if args.quick else DEFAULT_REQUESTS),
        rate=args.rate,
        duration=args.duration or (QUICK_DURATION if args.quick else DEFAULT_DURATION),
        warmup=max(0, args.warmup),
        database_url=args.database_url,
        server_url=args.server_url,
        keep_data=args.keep_data,
        workers=args.workers,
    )


# --- the measurement ------------------------------------------------------------------------------


@dataclass
class Measured:
    warmup: RunStats | None
    closed: RunStats
    open: RunStats
    server_cpu_closed: float | None
    server_cpu_open: float | None


async def _measure(
    target: Target, config: Config, run_tag: str, server_cpu: Callable[[], float | None], console: Console
) -> Measured:
    conns = config.connections
    warmup = None
    if config.warmup:
        console.print(f"  warm-up: {config.warmup:,} requests over {min(conns, config.warmup)} connections")
        workload = build_workload(target, f"{run_tag}-w", min(conns, config.warmup), config.warmup, seed=1)
        warmup = await closed_loop(target, workload, REQUEST_TIMEOUT)
        if warmup.errors:
            raise BenchmarkFailed(
                f"{warmup.errors} of {warmup.planned} warm-up requests failed: "
                + "; ".join(warmup.error_samples)
            )

    console.print(f"  closed loop: {config.requests:,} requests over {conns} connections")
    workload = build_workload(target, f"{run_tag}-c", conns, config.requests, seed=2)
    before = server_cpu()
    closed = await closed_loop(target, workload, REQUEST_TIMEOUT)
    after = server_cpu()
    cpu_closed = after - before if after is not None and before is not None else None

    total = max(1, round(config.rate * config.duration))
    console.print(
        f"  open loop: {config.rate:g} requests/s for {config.duration:g} s over {conns} connections"
    )
    workload = build_workload(target, f"{run_tag}-o", min(conns, total), total, seed=3)
    before = server_cpu()
    opened = await open_loop(target, workload, config.rate, REQUEST_TIMEOUT)
    after = server_cpu()
    cpu_open = after - before if after is not None and before is not None else None
    return Measured(warmup, closed, opened, cpu_closed, cpu_open)


def _target_from_url(url: str) -> Target:
    parts = urllib.parse.urlsplit(url)
    if parts.scheme != "http" or not parts.hostname:
        raise BenchmarkFailed(f"--server-url {url!r}: only plain http://host:port URLs are supported")
    return Target(parts.hostname, parts.port or 80)


def run_ingest(args: argparse.Namespace) -> int:
    config = _config(args)
    console = Console(highlight=False)
    if not console.is_terminal:
        console.width = max(console.width, 120)  # logs and pipes: keep the table on one line per row
    run_tag = datetime.now(UTC).strftime("%Y%m%dT%H%M%S") + f"-{os.getpid()}"
    title = "Ingest benchmark" + (" (--quick: a smoke run, figures are indicative)" if config.quick else "")
    console.rule(title)
    info: dict[str, Any] = {"server": "external" if config.server_url else "started by the benchmark"}
    measured: Measured | None = None
    failure: str | None = None
    server: ServerProcess | None = None
    data_dir: Path | None = None
    try:
        with contextlib.ExitStack() as stack:
            if config.server_url:
                target = _target_from_url(config.server_url)
                try:
                    status, _ = http_get(f"{target.base_url}/health")
                except OSError as exc:
                    raise BenchmarkFailed(f"cannot reach {target.base_url}/health: {exc}") from exc
                if status != 200:
                    raise BenchmarkFailed(f"{target.base_url}/health answered {status}")
                measured = run(lambda: _measure(target, config, run_tag, lambda: None, console))
            else:
                sink = stack.enter_context(teams_sink())
                data_dir = Path(tempfile.mkdtemp(prefix="holdoff-bench-"))
                teams_url = f"http://127.0.0.1:{sink.server_address[1]}/teams"
                server = ServerProcess(data_dir, teams_url, config.database_url, config.workers)
                console.print(f"  starting: {' '.join(server.command[1:])} (data dir {data_dir})")
                started_in = server.wait_healthy()
                console.print(f"  healthy after {started_in:.1f} s")
                info.update(
                    database="postgresql" if config.database_url else "sqlite (temporary data dir)",
                    startup_s=round(started_in, 2),
                )
                srv = server
                measured = run(lambda: _measure(srv.target, config, run_tag, srv.cpu_seconds, console))
                if server.process.poll() is not None:
                    raise BenchmarkFailed(
                        f"the server exited with status {server.process.returncode} during the run"
                    )
                time.sleep(1.0)  # let the outbox deliver what the run queued
                info["teams_posts_received"] = sink.received
                code = server.stop()
                info["server_exit_status"] = code
                if code not in (0, -signal.SIGTERM):
                    console.print(f"[yellow]note:[/] the server exited with status {code} when stopped")
    except BenchmarkFailed as exc:
        failure = str(exc)
    except OSError as exc:
        failure = f"{type(exc).__name__}: {exc}"
    finally:
        if measured is not None and failure is None:
            errors = measured.closed.errors + measured.open.errors
            if errors:
                failure = f"{errors} request(s) were not answered 2xx"
        if server is not None:
            server.stop()
            if failure:
                console.print("[red]server log (last lines):[/]")
                console.print(server.log_tail() or "(empty)", markup=False)
        if data_dir is not None:
            if config.keep_data:
                console.print(f"  data dir kept: {data_dir}")
            else:
                shutil.rmtree(data_dir, ignore_errors=True)

    if measured is not None:
        _print_table(console, config, measured, info.get("teams_posts_received"))
        for stats in (measured.closed, measured.open):
            for sample in stats.error_samples:
                console.print(f"  [red]{stats.mode}-loop error:[/] {sample}")
    path = _write_json(config, measured, info, failure, run_tag)
    if failure:
        console.print(f"[bold red]FAILED[/]: {failure}")
    console.print(f"  results: {path}")
    return 1 if failure else 0


# --- reporting ------------------------------------------------------------------------------------


def _goals(config: Config, measured: Measured) -> dict[str, bool | None]:
    p99 = measured.open.latency_ms(0.99)
    at_goal_rate = math.isclose(config.rate, GOAL_P99_RATE)
    return {
        "alerts_per_s": measured.closed.throughput >= GOAL_ALERTS_PER_S,
        "p99_at_500_per_s": (p99 < GOAL_P99_MS) if at_goal_rate else None,
        "no_errors": measured.closed.errors + measured.open.errors == 0,
    }


def _print_table(console: Console, config: Config, measured: Measured, teams_posts: int | None) -> None:
    closed, opened = measured.closed, measured.open
    goals = _goals(config, measured)
    table = Table(title="Holdoff ingest" + (" (quick)" if config.quick else ""), title_justify="left")
    table.add_column("metric")
    table.add_column("measured", justify="right")
    table.add_column("goal", justify="right")
    table.add_column("ratio")
    table.add_column("verdict")
    keep_ratio = closed.throughput / KEEP_ALERTS_PER_S
    goal_ratio = closed.throughput / GOAL_ALERTS_PER_S
    table.add_row(
        f"alerts/s ({closed.connections} conns, closed loop)",
        f"{closed.throughput:,.0f}",
        f"≥ {GOAL_ALERTS_PER_S:,.0f}",
        f"{goal_ratio:.2f}x goal; {keep_ratio:,.0f}x Keep's ~{KEEP_ALERTS_PER_S:g}/s",
        verdict(goals["alerts_per_s"]),
    )
    table.add_row(
        "latency p50 / p99, closed loop",
        f"{closed.latency_ms(0.5):.1f} / {closed.latency_ms(0.99):.1f} ms",
        "",
        "",
        "",
    )
    rate = f"{config.rate:g}/s"
    table.add_row("achieved rate, open loop", f"{opened.throughput:,.1f}/s", rate, "", "")
    for name, fraction in (("p50", 0.5), ("p90", 0.9)):
        table.add_row(f"latency {name} at {rate}", f"{opened.latency_ms(fraction):.1f} ms", "", "", "")
    p99 = opened.latency_ms(0.99)
    p99_goal = f"< {GOAL_P99_MS:g} ms" + (
        "" if goals["p99_at_500_per_s"] is not None else f" at {GOAL_P99_RATE:g}/s"
    )
    table.add_row(
        f"latency p99 at {rate}",
        f"{p99:.1f} ms",
        p99_goal,
        f"{GOAL_P99_MS / p99:.1f}x headroom" if p99 > 0 and goals["p99_at_500_per_s"] else "",
        verdict(goals["p99_at_500_per_s"]),
    )
    table.add_row(f"latency max at {rate}", f"{opened.latency_ms(1.0):.1f} ms", "", "", "")
    sent = closed.planned + opened.planned
    errors = closed.errors + opened.errors
    table.add_row(
        "errors (non-2xx or no answer)",
        f"{errors:,} of {sent:,}",
        "0",
        status_mix(closed, opened),
        "[green]none[/]" if goals["no_errors"] else "[bold red]FAILED[/]",
    )
    if measured.server_cpu_closed is not None and closed.elapsed > 0:
        table.add_row(
            "CPU in closed loop: server / client",
            f"{measured.server_cpu_closed / closed.elapsed:.2f} / "
            f"{closed.client_cpu_seconds / closed.elapsed:.2f} cores",
            f"of {os.cpu_count()}",
            "",
            "",
        )
    if teams_posts is not None:
        resolved = sum(stats.mix.get("resolved", 0) for stats in (measured.warmup, closed, opened) if stats)
        table.add_row(
            "Teams posts received by the sink", f"{teams_posts:,}", "", f"{resolved:,} resolves sent", ""
        )
    console.print(table)


def _write_json(
    config: Config, measured: Measured | None, info: dict[str, Any], failure: str | None, run_tag: str
) -> Path:
    result: dict[str, Any] = {
        "benchmark": "ingest",
        "run": run_tag,
        "timestamp": datetime.now(UTC).isoformat(timespec="seconds"),
        "failed": failure is not None,
        "failure": failure,
        "config": {**asdict(config), "database_url": "set" if config.database_url else None},
        "machine": machine_info(),
        "goals": {
            "alerts_per_s": GOAL_ALERTS_PER_S,
            "p99_ms": GOAL_P99_MS,
            "p99_rate_per_s": GOAL_P99_RATE,
            "keep_reference_alerts_per_s": KEEP_ALERTS_PER_S,
        },
        "server": info,
    }
    if measured is not None:
        result["verdicts"] = _goals(config, measured)
        result["warmup"] = measured.warmup.summary() if measured.warmup else None
        result["closed_loop"] = measured.closed.summary() | {"server_cpu_s": measured.server_cpu_closed}
        result["open_loop"] = measured.open.summary() | {
            "rate_per_s": config.rate,
            "server_cpu_s": measured.server_cpu_open,
        }
    return write_result("ingest", run_tag, result)


BENCHMARK: Final = Benchmark(
    name="ingest",
    summary="Coralogix webhook alerts/s and latency against a running server",
    add_arguments=add_arguments,
    run=run_ingest,
)
