"""Live-feed benchmark: WebSocket fan-out under load, and the alert list with 100,000 alerts stored.

1. fan-out: starts ``holdoff serve``, connects ``--ws-clients`` clients to ``/ws/alerts``, posts
   Coralogix alerts at ``--ws-rate``/s for ``--ws-duration`` s and measures, per client and alert, the
   time from the POST being answered to that client receiving the delta carrying the alert;
2. list page: stores ``--list-alerts`` alerts directly (bulk insert), starts the server on them and
   times ``GET /alerts?limit=50`` and the dashboard's first page (``GET /`` as a browser asks for it,
   when the dashboard is there) over 50 requests each.
"""

from __future__ import annotations

import argparse
import asyncio
import multiprocessing
import os
import re
import shutil
import tempfile
import time
import urllib.request
from datetime import UTC, datetime
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any, Final
from urllib.parse import urlsplit

from rich.console import Console
from rich.table import Table
from websockets.asyncio.client import connect

from bench import Benchmark, BenchmarkFailed
from bench.common import machine_info, positive_float, positive_int, write_result
from bench.loadgen import Connection as HttpConnection
from bench.loadgen import ProtocolError, Target, encode_request
from bench.server import ServerProcess, teams_sink
from holdoff.mediate.model import AlertRecord, AlertState, Severity
from holdoff.store import alerts as alert_store
from holdoff.store import migrate
from holdoff.store.db import Database

DEFAULT_CLIENTS: Final = 200
DEFAULT_RATE: Final = 500.0
DEFAULT_DURATION: Final = 20.0
DEFAULT_LIST_ALERTS: Final = 100_000
POSTER_CONNECTIONS: Final = 32
QUICK_CLIENTS, QUICK_DURATION, QUICK_LIST_ALERTS = 50, 5.0, 10_000
PAGE_REQUESTS: Final = 50
DRAIN_SECONDS: Final = 5.0
_FINGERPRINT = re.compile(rb'"fingerprint":"([^"]+)"')


def add_arguments(parser: argparse.ArgumentParser) -> None:
    group = parser.add_argument_group("websocket benchmark")
    group.add_argument("--ws-clients", type=positive_int, help=f"clients (default {DEFAULT_CLIENTS})")
    group.add_argument(
        "--ws-rate", type=positive_float, default=DEFAULT_RATE, help=f"alerts/s (default {DEFAULT_RATE:g})"
    )
    group.add_argument("--ws-duration", type=positive_float, help=f"seconds (default {DEFAULT_DURATION:g})")
    group.add_argument(
        "--list-alerts",
        type=positive_int,
        help=f"alerts stored for the list page (default {DEFAULT_LIST_ALERTS:,})",
    )


def _percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return (
        ordered[min(len(ordered) - 1, max(0, round(q / 100 * len(ordered)) - 1))] if ordered else float("nan")
    )


# --- 1. fan-out -----------------------------------------------------------------------------------


CLIENT_PROCESSES: Final = 4
"""The clients are spread over this many processes, so reading frames is not one core's work."""


async def _listen(
    url: str, received: dict[str, float], stop: asyncio.Event, connected: asyncio.Queue[None]
) -> int:
    frames = 0
    async with connect(url, max_size=None, compression=None, proxy=None, open_timeout=60) as socket:
        await socket.recv(decode=False)  # the snapshot
        connected.put_nowait(None)
        stop_waiting = asyncio.create_task(stop.wait())
        while not stop.is_set():
            reading = asyncio.create_task(socket.recv(decode=False))
            await asyncio.wait({reading, stop_waiting}, return_when=asyncio.FIRST_COMPLETED)
            if not reading.done():
                reading.cancel()
                break
            now = time.monotonic()
            frames += 1
            for fingerprint in _FINGERPRINT.findall(reading.result()):
                received.setdefault(fingerprint.decode(), now)
    return frames


def _client_process(url: str, clients: int, pipe: Connection) -> None:
    """One process of clients: connect, say ready, read until told to stop, send back what arrived when."""

    async def main() -> tuple[list[dict[str, float]], int]:
        stop = asyncio.Event()
        connected: asyncio.Queue[None] = asyncio.Queue()
        received: list[dict[str, float]] = [{} for _ in range(clients)]
        tasks = [asyncio.create_task(_listen(url, mine, stop, connected)) for mine in received]
        for _ in range(clients):
            await connected.get()  # each has its snapshot
        pipe.send("ready")
        await asyncio.get_running_loop().run_in_executor(None, pipe.recv)
        stop.set()
        frames = await asyncio.gather(*tasks, return_exceptions=True)
        return received, sum(f for f in frames if isinstance(f, int))

    pipe.send(asyncio.run(main()))


async def _post(
    base: str, rate: float, duration: float, tag: str
) -> tuple[dict[str, float], dict[str, float], int]:
    """Post at ``rate``; when each alert's POST was sent and when it was answered, and the errors.

    Requests are pre-encoded and sent on raw keep-alive connections (bench.loadgen), as in the ingest
    benchmark: an httpx client spends more CPU per request than the server does, and on a shared
    2-core machine it, not Holdoff, set the pace at 500/s.
    """
    parts = urlsplit(base)
    target = Target(parts.hostname or "127.0.0.1", parts.port or 80)
    sent: dict[str, float] = {}
    answered: dict[str, float] = {}
    errors = 0
    total = round(rate * duration)
    connections = [HttpConnection(target) for _ in range(POSTER_CONNECTIONS)]
    await asyncio.gather(*(connection.open() for connection in connections))
    requests = [
        (
            f"{tag}-{n}",
            encode_request(
                target, {"alert_id": f"{tag}-{n}", "alert_name": "WsBench", "alert_action": "TRIGGERED"}
            ),
        )
        for n in range(total)
    ]
    start = time.monotonic() + 0.05

    async def worker(index: int, connection: HttpConnection) -> None:
        nonlocal errors
        for n in range(index, total, len(connections)):
            fingerprint, raw = requests[n]
            delay = start + n / rate - time.monotonic()
            if delay > 0:
                await asyncio.sleep(delay)
            sent[fingerprint] = time.monotonic()
            try:
                status, _ = await asyncio.wait_for(connection.request(raw), timeout=30)
            except (OSError, TimeoutError, ProtocolError):
                connection.close()
                errors += 1
                continue
            if status != 202:
                errors += 1
            answered[fingerprint] = time.monotonic()

    try:
        await asyncio.gather(*(worker(i, c) for i, c in enumerate(connections)))
    finally:
        for connection in connections:
            connection.close()
    return sent, answered, errors


def _fan_out(base: str, clients: int, rate: float, duration: float, tag: str) -> dict[str, Any]:
    url = base.replace("http://", "ws://") + "/ws/alerts"
    context = multiprocessing.get_context("spawn")
    processes, pipes = [], []
    for index in range(CLIENT_PROCESSES):
        share = clients // CLIENT_PROCESSES + (1 if index < clients % CLIENT_PROCESSES else 0)
        ours, theirs = context.Pipe()
        process = context.Process(target=_client_process, args=(url, share, theirs), daemon=True)
        process.start()
        processes.append(process)
        pipes.append(ours)
    try:
        for pipe in pipes:
            if not pipe.poll(120) or pipe.recv() != "ready":
                raise BenchmarkFailed("the WebSocket clients did not connect within 120 s")
        sent, answered, errors = asyncio.run(_post(base, rate, duration, tag))
        time.sleep(DRAIN_SECONDS)
        for pipe in pipes:
            pipe.send("stop")
        results = [pipe.recv() for pipe in pipes]
    finally:
        for process in processes:
            process.join(30)
            if process.is_alive():
                process.kill()
    received = [mine for per_process, _ in results for mine in per_process]
    latencies: list[float] = []
    from_sent: list[float] = []
    worst: list[float] = []
    missing = 0
    for mine in received:
        delays = []
        for fingerprint, at in answered.items():
            got = mine.get(fingerprint)
            if got is None:
                missing += 1
            else:
                delays.append(max(0.0, got - at) * 1000)  # the delta can beat the answer to the poster
                from_sent.append((got - sent[fingerprint]) * 1000)
        latencies += delays
        if delays:
            worst.append(_percentile(delays, 99))
    return {
        "clients": len(received),
        "client_processes": CLIENT_PROCESSES,
        "rate": rate,
        "duration_s": duration,
        "alerts_posted": len(answered),
        "post_errors": errors,
        "deliveries_missing": missing,
        "p50_ms": _percentile(latencies, 50),
        "p99_ms": _percentile(latencies, 99),
        "worst_client_p99_ms": max(worst) if worst else float("nan"),
        "from_sent_p50_ms": _percentile(from_sent, 50),
        "from_sent_p99_ms": _percentile(from_sent, 99),
        "frames_per_client": sum(frames for _, frames in results) / max(1, len(received)),
    }


# --- 2. the list page with many alerts stored ------------------------------------------------------


def _store_alerts(database_url: str, count: int) -> None:
    db = Database(database_url)
    try:
        migrate.upgrade(db)
        now = datetime.now(UTC)
        states = (AlertState.PENDING, AlertState.RESOLVED, AlertState.ESCALATED, AlertState.RESOLVED)
        for start in range(0, count, 2000):
            records = [
                AlertRecord(
                    source="coralogix",
                    fingerprint=f"bulk-{n}",
                    name=f"Bulk alert {n % 500}",
                    state=states[n % 4],
                    occurrence=1,
                    severity=Severity.WARNING,
                    labels={"cluster": f"c{n % 20}", "service": f"svc-{n % 300}"},
                    opened_at=now,
                    last_seen_at=now,
                )
                for n in range(start, min(count, start + 2000))
            ]
            with db.transaction() as conn:
                alert_store.insert_many(conn, records, now)
    finally:
        db.dispose()


def _time_get(url: str, accept: str) -> tuple[list[float], str]:
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
    times, content_type = [], ""
    for _ in range(PAGE_REQUESTS):
        request = urllib.request.Request(url, headers={"Accept": accept})
        started = time.perf_counter()
        with opener.open(request, timeout=30) as response:
            response.read()
            content_type = response.headers.get("Content-Type", "")
            if response.status != 200:
                raise BenchmarkFailed(f"GET {url} answered {response.status}")
        times.append((time.perf_counter() - started) * 1000)
    return times, content_type


def _list_page(base: str, stored: int) -> dict[str, Any]:
    api, _ = _time_get(f"{base}/alerts?limit=50", "application/json")
    result: dict[str, Any] = {
        "alerts_stored": stored,
        "api_p50_ms": _percentile(api, 50),
        "api_p99_ms": _percentile(api, 99),
    }
    page, content_type = _time_get(f"{base}/", "text/html,application/xhtml+xml")
    if content_type.startswith("text/html"):
        result |= {"dashboard_p50_ms": _percentile(page, 50), "dashboard_p99_ms": _percentile(page, 99)}
    return result


# --- the run ----------------------------------------------------------------------------------------


def _start(data_dir: Path, teams_url: str) -> ServerProcess:
    server = ServerProcess(data_dir, teams_url, None, 1)
    try:
        server.wait_healthy()
    except BenchmarkFailed as exc:
        server.stop()
        raise BenchmarkFailed(f"{exc}\n{server.log_tail()}") from exc
    return server


def run_websocket(args: argparse.Namespace) -> int:
    console = Console(highlight=False)
    clients = args.ws_clients or (QUICK_CLIENTS if args.quick else DEFAULT_CLIENTS)
    duration = args.ws_duration or (QUICK_DURATION if args.quick else DEFAULT_DURATION)
    stored = args.list_alerts or (QUICK_LIST_ALERTS if args.quick else DEFAULT_LIST_ALERTS)
    run_tag = datetime.now(UTC).strftime("%Y%m%dT%H%M%S") + f"-{os.getpid()}"
    console.rule("WebSocket fan-out and list page benchmark" + (" (--quick)" if args.quick else ""))
    result: dict[str, Any] = {"benchmark": "websocket", "run": run_tag, "machine": machine_info()}
    directories: list[Path] = []
    try:
        with teams_sink() as sink:
            teams_url = f"http://127.0.0.1:{sink.server_address[1]}/teams"
            data_dir = Path(tempfile.mkdtemp(prefix="holdoff-bench-ws-"))
            directories.append(data_dir)
            server = _start(data_dir, teams_url)
            try:
                console.print(f"  fan-out: {clients} clients, {args.ws_rate:g} alerts/s for {duration:g} s")
                result["fan_out"] = _fan_out(server.target.base_url, clients, args.ws_rate, duration, run_tag)
            finally:
                server.stop()
            data_dir = Path(tempfile.mkdtemp(prefix="holdoff-bench-list-"))
            directories.append(data_dir)
            console.print(f"  list page: storing {stored:,} alerts")
            _store_alerts(f"sqlite:///{data_dir / 'holdoff.db'}", stored)
            server = _start(data_dir, teams_url)
            try:
                result["list_page"] = _list_page(server.target.base_url, stored)
            finally:
                server.stop()
    except BenchmarkFailed as exc:
        console.print(f"[bold red]websocket benchmark failed:[/] {exc}")
        return 1
    finally:
        for directory in directories:
            shutil.rmtree(directory, ignore_errors=True)
    _print(console, result)
    console.print(f"  result: {write_result('websocket', run_tag, result)}")
    return 0


def _print(console: Console, result: dict[str, Any]) -> None:
    table = Table(title="live feed")
    table.add_column("measure")
    table.add_column("value", justify="right")
    fan = result["fan_out"]
    table.add_row(
        f"delta after the POST answer p50 ({fan['clients']} clients, {fan['rate']:g}/s)",
        f"{fan['p50_ms']:.1f} ms",
    )
    table.add_row("delta after the POST answer p99", f"{fan['p99_ms']:.1f} ms")
    table.add_row("worst client's p99", f"{fan['worst_client_p99_ms']:.1f} ms")
    table.add_row(
        "from the POST being sent: p50 / p99",
        f"{fan['from_sent_p50_ms']:.1f} / {fan['from_sent_p99_ms']:.1f} ms",
    )
    table.add_row("alerts posted / post errors", f"{fan['alerts_posted']:,} / {fan['post_errors']}")
    table.add_row("deliveries missing", f"{fan['deliveries_missing']:,}")
    page = result["list_page"]
    table.add_row(
        f"GET /alerts?limit=50 p50 / p99 ({page['alerts_stored']:,} stored)",
        f"{page['api_p50_ms']:.1f} / {page['api_p99_ms']:.1f} ms",
    )
    if "dashboard_p50_ms" in page:
        table.add_row(
            "dashboard GET / p50 / p99", f"{page['dashboard_p50_ms']:.1f} / {page['dashboard_p99_ms']:.1f} ms"
        )
    else:
        table.add_row("dashboard GET /", "not served (no dashboard yet)")
    console.print(table)


BENCHMARK: Final = Benchmark(
    name="websocket",
    summary="WebSocket delta latency for 200 clients at 500 alerts/s; list page with 100,000 alerts",
    add_arguments=add_arguments,
    run=run_websocket,
)
