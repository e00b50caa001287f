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
import random
import shutil
import tempfile
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, Final

import httpx
from rich.console import Console
from rich.table import Table
from sqlalchemy import func, select

from bench import Benchmark, BenchmarkFailed
from bench.common import machine_info, positive_int, verdict, write_result
from bench.server import ServerProcess, _children, teams_sink
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
RETRY_EVERY: Final = 40
"""Every this many NDJSON batches with record ids, one is posted a second time (a sender's retry)."""
REQUEST_TIMEOUT: Final = 60.0

# --- traffic --------------------------------------------------------------------------------------

USERS: Final = ("alice", "bob", "carol", "dave", "erin", "admin", "root", "oracle", "test", "deploy", "git")
JOBS: Final = ("invoice-export", "nightly-rollup", "cache-warm", "email-digest", "thumbnailer", "gc-sweep")
PATHS: Final = ("/api/v1/orders", "/api/v1/users", "/api/v1/cart", "/static/app.js", "/health", "/login")
COMPONENTS: Final = ("cart", "catalog", "pricing", "session", "inventory", "shipping", "search", "tax")
ACTIONS: Final = ("refreshed", "loaded", "evicted", "synced", "validated", "rebuilt")
ERRORS: Final = (
    "connection refused",
    "deadline exceeded",
    "broken pipe",
    "too many open files",
    "certificate has expired",
)


class Traffic:
    """A seeded stream of log lines and records from several services."""

    def __init__(self, seed: int, start: datetime) -> None:
        self.r = random.Random(seed)
        self.now = start
        self.serial = 0

    def _tick(self) -> datetime:
        self.now += timedelta(microseconds=self.r.randrange(50, 400))
        return self.now

    def ip(self) -> str:
        r = self.r
        return f"10.{r.randrange(4)}.{r.randrange(256)}.{r.randrange(1, 255)}"

    def hexid(self, digits: int = 16) -> str:
        return f"{self.r.getrandbits(digits * 4):0{digits}x}"

    def error(self) -> bool:
        return self.r.random() < 0.03

    # Each service: a list of lines (a stack trace is several).
    def nginx(self) -> list[str]:
        r, t = self.r, self._tick()
        status = r.choice((500, 502, 503)) if self.error() else r.choice((200, 200, 200, 201, 204, 304, 404))
        path = f"{r.choice(PATHS)}/{r.randrange(100_000)}" if r.random() < 0.6 else r.choice(PATHS)
        method = r.choice(("GET", "GET", "GET", "POST", "PUT", "DELETE"))
        return [
            f'{self.ip()} - - [{t:%d/%b/%Y:%H:%M:%S} +0000] "{method} {path} HTTP/1.1" {status} '
            f'{r.randrange(80, 90_000)} "-" "Mozilla/5.0 (X11; Linux x86_64) Chrome/{r.randrange(110, 125)}.0"'
        ]

    def sshd(self) -> list[str]:
        r, t = self.r, self._tick()
        head = f"{t:%b %e %H:%M:%S} bastion-{r.randrange(1, 4)} sshd[{r.randrange(1000, 65000)}]:"
        user, ip, port = r.choice(USERS), self.ip(), r.randrange(1024, 65535)
        body = r.choice(
            (
                f"Accepted publickey for {user} from {ip} port {port} ssh2: ED25519 SHA256:{self.hexid(22)}",
                f"Failed password for invalid user {user} from {ip} port {port} ssh2",
                f"pam_unix(sshd:session): session opened for user {user}(uid={r.randrange(1000, 1100)}) by (uid=0)",
                f"pam_unix(sshd:session): session closed for user {user}",
                f"Connection closed by authenticating user {user} {ip} port {port} [preauth]",
                f"Received disconnect from {ip} port {port}:11: disconnected by user",
            )
        )
        return [f"{head} {body}"]

    def kernel(self) -> list[str]:
        r, t = self.r, self._tick()
        up = f"[{r.randrange(1, 900_000)}.{r.randrange(1_000_000):06d}]"
        if self.error():
            body = (
                f"Out of memory: Killed process {r.randrange(300, 90_000)} (java) total-vm:{r.randrange(10**6, 10**7)}kB, "
                f"anon-rss:{r.randrange(10**5, 10**6)}kB, file-rss:0kB, shmem-rss:0kB, UID:{r.randrange(1000, 1010)}"
            )
        else:
            body = r.choice(
                (
                    f"eth{r.randrange(2)}: Link is Up - 10Gbps/Full - flow control rx/tx",
                    f"EXT4-fs (nvme0n1p{r.randrange(1, 4)}): mounted filesystem with ordered data mode",
                    f"TCP: request_sock_TCP: Possible SYN flooding on port {r.randrange(80, 9000)}. Sending cookies.",
                    f'audit: type=1400 audit({t.timestamp():.3f}:{r.randrange(10**5)}): apparmor="DENIED" '
                    f'operation="open" profile="snap.{r.choice(JOBS)}" pid={r.randrange(10**5)}',
                )
            )
        return [f"{t:%b %e %H:%M:%S} node-{r.randrange(1, 9)} kernel: {up} {body}"]

    def python_app(self) -> list[str]:
        r, t = self.r, self._tick()
        stamp = f"{t:%Y-%m-%d %H:%M:%S},{t.microsecond // 1000:03d}"
        comp = r.choice(COMPONENTS)
        if self.error():
            lines = [
                f"{stamp} ERROR [checkout.{comp}] Payment provider call failed for order {r.randrange(10**7)}: "
                f"{r.choice(ERRORS)}"
            ]
            if r.random() < 0.5:
                lines += [
                    "Traceback (most recent call last):",
                    f'  File "/srv/checkout/{comp}.py", line {r.randrange(20, 900)}, in charge',
                    "    response = client.post(url, json=body, timeout=3)",
                    f"ConnectionError: {r.choice(ERRORS)}",
                ]
            return lines
        level = r.choice(("INFO", "INFO", "INFO", "DEBUG", "WARNING"))
        body = r.choice(
            (
                f"{comp.capitalize()} cache {r.choice(ACTIONS)} in {r.randrange(1, 900)}ms ({r.randrange(10, 5000)} entries)",
                f"Cart {self.r.getrandbits(32):08x}-{r.randrange(10**4):04d} updated with {r.randrange(1, 30)} items",
                f"User {r.choice(USERS)} checked out order {r.randrange(10**7)} total={r.randrange(1, 900)}.{r.randrange(100):02d} EUR",
                f"Job {r.choice(JOBS)} finished batch {r.randrange(1, 500)} of {r.randrange(500, 900)}",
            )
        )
        return [f"{stamp} {level} [checkout.{comp}] {body}"]

    def java_app(self) -> list[str]:
        r, t = self.r, self._tick()
        head = f"{t:%Y-%m-%d %H:%M:%S}.{t.microsecond // 1000:03d}"
        thread = f"[nio-8080-exec-{r.randrange(1, 200)}]"
        if self.error():
            return [
                f"{head} ERROR 1 --- {thread} c.e.payments.LedgerService : Posting transaction "
                f"{self.hexid(12)} failed",
                f"java.sql.SQLTransientConnectionException: HikariPool-1 - Connection is not available, "
                f"request timed out after {r.randrange(1000, 30000)}ms.",
                "\tat com.zaxxer.hikari.pool.HikariPool.createTimeoutException(HikariPool.java:696)",
                "\tat com.example.payments.LedgerService.post(LedgerService.java:88)",
                "\tat java.base/java.lang.Thread.run(Thread.java:833)",
            ]
        comp = r.choice(("LedgerService", "FxRates", "Settlement", "WebhookRelay", "FraudCheck"))
        body = r.choice(
            (
                f"Posted transaction {self.hexid(12)} amount={r.randrange(1, 9999)}.{r.randrange(100):02d} currency={r.choice(('EUR', 'USD', 'GBP'))}",
                f"Refreshed {r.randrange(10, 200)} rates from provider in {r.randrange(5, 900)} ms",
                f"Settled batch {r.randrange(10**6)} with {r.randrange(1, 400)} transfers",
                f"Delivered webhook to https://hooks.example.com/{self.hexid(8)} status={r.choice((200, 202))}",
            )
        )
        return [f"{head}  {r.choice(('INFO', 'INFO', 'WARN'))} 1 --- {thread} c.e.payments.{comp} : {body}"]

    def klog(self) -> list[str]:
        r, t = self.r, self._tick()
        letter = "E" if self.error() else r.choice("IIIIW")
        body = r.choice(
            (
                f'Reconciled deployment "{r.choice(COMPONENTS)}/{r.choice(JOBS)}" in {r.randrange(1, 900)}ms',
                f"Successfully assigned default/{r.choice(JOBS)}-{self.hexid(5)} to node-{r.randrange(1, 9)}",
                f"Evicting pod {r.choice(JOBS)}-{self.hexid(5)}: node has memory pressure",
                f'Error syncing pod {self.hexid(8)}-{self.hexid(4)}: failed to "StartContainer" with CrashLoopBackOff',
            )
        )
        return [
            f"{letter}{t:%m%d %H:%M:%S}.{t.microsecond:06d}    {r.randrange(1, 99)} controller.go:{r.randrange(100, 999)}] {body}"
        ]

    def json_app(self) -> dict[str, Any]:
        r, t = self.r, self._tick()
        failed = self.error()
        method, path = r.choice(("GET", "POST", "PATCH")), f"{r.choice(PATHS)}/{r.randrange(10**5)}"
        status = r.choice((500, 503)) if failed else r.choice((200, 200, 201, 400, 404))
        message = (
            f"upstream {r.choice(COMPONENTS)} failed: {r.choice(ERRORS)}"
            if failed
            else f"{method} {path} completed with {status} in {r.randrange(1, 2000)}ms"
        )
        return {
            "timestamp": t.isoformat().replace("+00:00", "Z"),
            "level": "error" if failed else r.choice(("info", "info", "debug", "warn")),
            "service": "api",
            "host": f"api-{r.randrange(1, 6)}",
            "message": message,
            "trace_id": self.hexid(32),
            "http.status_code": status,
        }

    TEXT_SERVICES: Final = {
        "web": "nginx",
        "auth": "sshd",
        "kernel": "kernel",
        "checkout": "python_app",
        "payments": "java_app",
        "scheduler": "klog",
    }

    def text_batch(self, lines: int) -> tuple[str, list[str]]:
        """One service's ``lines`` text lines (whole records: a trace may run a few lines over)."""
        service = self.r.choice(list(self.TEXT_SERVICES))
        make = getattr(self, self.TEXT_SERVICES[service])
        out: list[str] = []
        while len(out) < lines:
            out += make()
        return service, out

    def json_batch(self, records: int, ids: bool, tag: str) -> list[dict[str, Any]]:
        """``records`` NDJSON records: half the API's JSON lines, half other services' lines as Fluent
        Bit sends them (``{"log": line, "service": ...}``); a stack trace is one record."""
        out: list[dict[str, Any]] = []
        services = list(self.TEXT_SERVICES.items())
        while len(out) < records:
            if self.r.random() < 0.5:
                item = self.json_app()
            else:
                service, method = self.r.choice(services)
                item = {"log": "\n".join(getattr(self, method)()), "service": service}
            if ids:
                self.serial += 1
                item["id"] = f"{tag}-{self.serial}"
            out.append(item)
        return out


@dataclass(frozen=True)
class Body:
    """One request: its query, content type, bytes, and how many lines/records it holds."""

    params: dict[str, str]
    media: str
    content: bytes
    lines: int
    records: int
    retry: bool = False


def make_bodies(total_lines: int, batch: int, seed: int, tag: str) -> list[Body]:
    """Request bodies of ``batch`` lines each, ``total_lines`` in all (plus the retried batches)."""
    traffic = Traffic(seed, datetime.now(UTC) - timedelta(minutes=10))
    bodies: list[Body] = []
    retries: list[tuple[int, Body]] = []
    lines = with_ids = 0
    while lines < total_lines:
        if len(bodies) % 2:
            service, text = traffic.text_batch(batch)
            records = len(parse_lines(text, service=service, host=None, received=traffic.now))
            content = ("\n".join(text) + "\n").encode()
            bodies.append(Body({"service": service}, "text/plain", content, len(text), records))
        else:
            ids = (len(bodies) // 2) % 2 == 0
            items = traffic.json_batch(batch, ids, tag)
            content = "".join(json.dumps(item, separators=(",", ":")) + "\n" for item in items).encode()
            body = Body(
                {},
                "application/x-ndjson",
                content,
                sum(1 + str(i.get("log", "")).count("\n") for i in items),
                len(items),
            )
            bodies.append(body)
            with_ids += ids
            if ids and with_ids % RETRY_EVERY == 0:
                retry = Body({}, body.media, body.content, body.lines, body.records, retry=True)
                retries.append((len(bodies), retry))
        lines += bodies[-1].lines
    for after, retry in reversed(retries):  # some batches after its original, as a sender retries
        bodies.insert(after + 8, retry)
    return bodies


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
    records: int
    parse_s: float
    mine_s: float

    @property
    def records_per_s(self) -> float:
        return self.records / (self.parse_s + self.mine_s)


def reference(bodies: list[Body]) -> Reference:
    """Parse and mine every (first-sent) body in this process, timed apart."""
    miner = TemplateMiner()
    received = datetime.now(UTC)
    parse_s = mine_s = 0.0
    records = 0
    for body in bodies:
        if body.retry:
            continue
        started = time.perf_counter()
        parsed = parse_body(body, received)
        mid = time.perf_counter()
        for record in parsed:
            miner.match(record.message, record.timestamp)
        parse_s += mid - started
        mine_s += time.perf_counter() - mid
        records += len(parsed)
    return Reference(records, parse_s, mine_s)


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


def measure_server(
    config: Config, bodies: list[Body], warmup: list[Body], console: Console
) -> dict[str, Any]:
    """Start the server, warm it up, post ``bodies``; the figures (raises BenchmarkFailed)."""
    data_dir = Path(tempfile.mkdtemp(prefix="holdoff-bench-logs-"))
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
            server.stop()
            if posted.errors:
                raise BenchmarkFailed(f"{len(posted.errors)} request(s) failed: {posted.errors[0]}")
            url = config.database_url or f"sqlite:///{data_dir / 'holdoff.db'}"
            rows = stored_rows(url) if not config.database_url else None
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
                "server_cpu_cores": cpu / posted.elapsed if cpu is not None else None,
                "rss_mb": {"idle_peak": rss_idle, "peak": rss_peak},
            }
    finally:
        if server is not None:
            server.stop()
            if server.process.returncode not in (0, None, -15):
                console.print(server.log_tail() or "(empty server log)", markup=False)
        if config.keep_data:
            console.print(f"  data dir kept: {data_dir}")
        else:
            shutil.rmtree(data_dir, ignore_errors=True)


def run_logs_ingest(args: argparse.Namespace) -> int:
    config = _config(args)
    console = Console(highlight=False)
    if not console.is_terminal:
        console.width = max(console.width, 120)
    run_tag = datetime.now(UTC).strftime("%Y%m%dT%H%M%S") + f"-{os.getpid()}"
    console.rule("Log ingest benchmark" + (" (--quick: indicative figures)" if config.quick else ""))
    bodies = make_bodies(config.lines, config.batch, seed=13, tag=f"run-{run_tag}")
    warmup = make_bodies(WARMUP_BATCHES * config.batch, config.batch, seed=7, tag=f"warm-{run_tag}")
    ref = reference(bodies)
    console.print(
        f"  reference: {ref.records:,} records parsed and mined in process, {ref.records_per_s:,.0f}/s"
    )
    failure: str | None = None
    measured: dict[str, Any] | None = None
    try:
        measured = measure_server(config, bodies, warmup, console)
    except (BenchmarkFailed, OSError) as exc:
        failure = f"{type(exc).__name__}: {exc}" if isinstance(exc, OSError) else str(exc)
    if measured is not None:
        _print_table(console, config, ref, measured)
    result: dict[str, Any] = {
        "benchmark": "logs-ingest",
        "run": run_tag,
        "timestamp": datetime.now(UTC).isoformat(timespec="seconds"),
        "failed": failure is not None,
        "failure": failure,
        "config": {**config.__dict__, "database_url": "set" if config.database_url else None},
        "machine": machine_info(),
        "goal_lines_per_s": GOAL_LINES_PER_S,
        "goal_met": measured["stored_per_s"] >= GOAL_LINES_PER_S if measured else None,
        "reference_in_process": {
            "records": ref.records,
            "parse_s": ref.parse_s,
            "mine_s": ref.mine_s,
            "records_per_s": ref.records_per_s,
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
    for name, justify in (("metric", "left"), ("measured", "right"), ("goal", "right"), ("ratio", "left")):
        table.add_column(name, justify=justify)  # type: ignore[arg-type]
    table.add_column("verdict")
    rate = m["stored_per_s"]
    table.add_row(
        f"lines stored/s, POST /logs ({config.clients} clients, {config.batch:,}/request)",
        f"{rate:,.0f}",
        f"≥ {GOAL_LINES_PER_S:,.0f}",
        f"{rate / GOAL_LINES_PER_S:.2f}x goal",
        verdict(rate >= GOAL_LINES_PER_S),
    )
    table.add_row(
        "lines posted/s (trace lines, retries included)", f"{m['lines_posted_per_s']:,.0f}", "", "", ""
    )
    share = rate / ref.records_per_s
    table.add_row(
        "reference: parse + mine in process (1 core)",
        f"{ref.records_per_s:,.0f}",
        "",
        f"end to end is {share:.2f}x of it: HTTP + storage take {1 - share:.0%} of the time",
        "",
    )
    parse_share = ref.parse_s / (ref.parse_s + ref.mine_s)
    table.add_row("  of which parsing / mining", f"{parse_share:.0%} / {1 - parse_share:.0%}", "", "", "")
    lat = m["latency_ms"]
    table.add_row(
        "request latency p50 / p99 / max",
        f"{lat['p50']:.0f} / {lat['p99']:.0f} / {lat['max']:.0f} ms",
        "",
        f"{config.batch:,} lines per request",
        "",
    )
    table.add_row(
        "stored (checked in log_lines) / duplicates",
        f"{m['stored']:,} / {m['duplicates']:,}",
        "",
        "rows counted" if m["rows_counted"] is not None else "not counted on PostgreSQL",
        "",
    )
    if m["server_cpu_cores"] is not None:
        table.add_row("server CPU", f"{m['server_cpu_cores']:.2f} cores", f"of {os.cpu_count()}", "", "")
    rss = m["rss_mb"]
    if rss["peak"] is not None:
        table.add_row(
            "server peak RSS (VmHWM)",
            f"{rss['peak']:.0f} MB",
            "",
            f"{rss['idle_peak']:.0f} MB before posting",
            "",
        )
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
