"""A lean asyncio HTTP/1.1 keep-alive load generator for the Coralogix webhook.

Built on ``asyncio.open_connection`` with requests encoded to bytes before the clock starts, so the
client costs little CPU: on a 2-core machine every cycle it burns is taken from the server it measures.

Two modes:

* closed loop (:func:`closed_loop`): each connection sends its requests back to back, one in flight
  per connection; gives throughput and latency under saturation;
* open loop (:func:`open_loop`): requests are due at a fixed overall rate, spread round robin over the
  connections; latency is measured from the *intended* send time, so a stalled server is charged for
  the requests it delayed (no coordinated omission).

Each connection carries its own stream of alert events (see :func:`alert_events`), so the events of
one alert id are always sent in order, one after the other completed.
"""

from __future__ import annotations

import asyncio
import heapq
import itertools
import json
import math
import random
import time
from collections import Counter
from collections.abc import Callable, Coroutine, Sequence
from dataclasses import dataclass, field
from typing import Any, Final, TypeVar

WEBHOOK_PATH: Final = "/coralogix/webhook"

RESOLVE_SHARE: Final = 0.5
"""Share of alert ids that are resolved later in the same stream."""
REPEAT_SHARE: Final = 0.1
"""Share of alert ids triggered a second time (before any resolve) later in the stream."""
REPEAT_GAP: Final = (1, 4)
RESOLVE_GAP: Final = (5, 30)
"""How many events of the same connection later a repeat / resolve follows its trigger."""

ALERT_NAMES: Final = (
    "High CPU on api",
    "Error rate above 5% on checkout",
    "p99 latency above 2s on search",
    "Disk usage above 90% on db",
    "Pod restarts in payments",
    "5xx spike on gateway",
    "Queue backlog growing on orders",
    "Memory pressure on workers",
    "TLS certificate expires soon",
    "No logs from ingest for 10 minutes",
)

_MAX_SAMPLES: Final = 5

T = TypeVar("T")


class ProtocolError(Exception):
    """The server's answer is not HTTP/1.x this client understands."""


@dataclass(frozen=True)
class Target:
    host: str
    port: int

    @property
    def base_url(self) -> str:
        return f"http://{self.host}:{self.port}"


# --- payloads -------------------------------------------------------------------------------------


def alert_events(prefix: str, count: int, rng: random.Random) -> list[dict[str, str]]:
    """A realistic stream of ``count`` webhook payloads for one connection, ids unique under ``prefix``.

    Mostly new ids triggered; about half of the ids are resolved some events later (inside the grace
    window, so they resolve as transient), about one in ten is triggered again before that.
    """
    events: list[dict[str, str]] = []
    later: list[tuple[int, int, dict[str, str]]] = []  # (due position, tie-breaker, payload)
    tie = itertools.count()
    serial = 0
    while len(events) < count:
        position = len(events)
        if later and later[0][0] <= position:
            events.append(heapq.heappop(later)[2])
            continue
        alert_id = f"{prefix}-{serial}"
        name = f"{rng.choice(ALERT_NAMES)} ({serial % 97})"
        serial += 1
        events.append({"alert_id": alert_id, "alert_name": name, "alert_action": "TRIGGERED"})
        if rng.random() < REPEAT_SHARE:
            repeat = {"alert_id": alert_id, "alert_name": name, "alert_action": "TRIGGERED"}
            heapq.heappush(later, (position + rng.randint(*REPEAT_GAP), next(tie), repeat))
        if rng.random() < RESOLVE_SHARE:
            resolve = {"alert_id": alert_id, "alert_name": name, "alert_action": "RESOLVED"}
            heapq.heappush(later, (position + rng.randint(*RESOLVE_GAP), next(tie), resolve))
    return events


def encode_request(target: Target, payload: dict[str, str]) -> bytes:
    body = json.dumps(payload, separators=(",", ":")).encode()
    head = (
        f"POST {WEBHOOK_PATH} HTTP/1.1\r\n"
        f"Host: {target.host}:{target.port}\r\n"
        "Content-Type: application/json\r\n"
        f"Content-Length: {len(body)}\r\n"
        "\r\n"
    )
    return head.encode("ascii") + body


@dataclass
class Workload:
    """Pre-encoded requests, one stream per connection, and what kinds of events they carry."""

    streams: list[list[bytes]]
    mix: Counter[str]

    @property
    def total(self) -> int:
        return sum(len(stream) for stream in self.streams)


def build_workload(target: Target, prefix: str, connections: int, total: int, seed: int) -> Workload:
    """``total`` requests dealt over ``connections`` streams (stream ``c`` gets requests c, c+C, ...)."""
    rng = random.Random(seed)
    streams: list[list[bytes]] = []
    mix: Counter[str] = Counter()
    for conn in range(connections):
        count = total // connections + (1 if conn < total % connections else 0)
        payloads = alert_events(f"{prefix}-c{conn}", count, rng)
        seen: set[str] = set()
        for payload in payloads:
            if payload["alert_action"] == "RESOLVED":
                mix["resolved"] += 1
            elif payload["alert_id"] in seen:
                mix["repeat_triggered"] += 1
            else:
                mix["new_triggered"] += 1
            seen.add(payload["alert_id"])
        streams.append([encode_request(target, payload) for payload in payloads])
    return Workload(streams, mix)


# --- HTTP/1.1 client ------------------------------------------------------------------------------


class Connection:
    """One keep-alive connection; one request in flight at a time."""

    def __init__(self, target: Target) -> None:
        self.target = target
        self._reader: asyncio.StreamReader | None = None
        self._writer: asyncio.StreamWriter | None = None

    async def open(self) -> None:
        self._reader, self._writer = await asyncio.open_connection(self.target.host, self.target.port)

    @property
    def is_open(self) -> bool:
        return self._writer is not None

    def close(self) -> None:
        if self._writer is not None:
            self._writer.close()
        self._reader = self._writer = None

    async def request(self, raw: bytes) -> tuple[int, bytes]:
        """Send one encoded request; the response's status and body. Reconnects when needed."""
        if self._writer is None or self._reader is None:
            await self.open()
        assert self._writer is not None and self._reader is not None
        self._writer.write(raw)
        status, body, keep_alive = await _read_response(self._reader)
        if not keep_alive:
            self.close()
        return status, body


async def _read_response(reader: asyncio.StreamReader) -> tuple[int, bytes, bool]:
    while True:
        head = await reader.readuntil(b"\r\n\r\n")
        lines = head[:-4].split(b"\r\n")
        version, _, rest = lines[0].partition(b" ")
        if not version.startswith(b"HTTP/1.") or len(rest) < 3 or not rest[:3].isdigit():
            raise ProtocolError(f"bad status line {lines[0][:80]!r}")
        status = int(rest[:3])
        if 100 <= status < 200:
            continue  # interim response; the real one follows
        break
    length: int | None = None
    chunked = False
    keep_alive = version != b"HTTP/1.0"
    for line in lines[1:]:
        name, _, value = line.partition(b":")
        name = name.strip().lower()
        if name == b"content-length":
            length = int(value)
        elif name == b"transfer-encoding":
            chunked = b"chunked" in value.lower()
        elif name == b"connection":
            token = value.strip().lower()
            keep_alive = token == b"keep-alive" if version == b"HTTP/1.0" else token != b"close"
    if chunked:
        body = await _read_chunked(reader)
    elif length is not None:
        body = await reader.readexactly(length)
    elif status in (204, 304):
        body = b""
    else:
        body = await reader.read()  # delimited by the server closing the connection
        keep_alive = False
    return status, body, keep_alive


async def _read_chunked(reader: asyncio.StreamReader) -> bytes:
    parts: list[bytes] = []
    while True:
        size_line = await reader.readuntil(b"\r\n")
        size = int(size_line.split(b";", 1)[0].strip(), 16)
        if size == 0:
            while await reader.readuntil(b"\r\n") != b"\r\n":
                pass  # trailers
            return b"".join(parts)
        parts.append(await reader.readexactly(size))
        await reader.readexactly(2)


_TRANSPORT_ERRORS: Final = (
    OSError,
    TimeoutError,
    asyncio.IncompleteReadError,
    asyncio.LimitOverrunError,
    ProtocolError,
    ValueError,
)


# --- measurement ----------------------------------------------------------------------------------


def percentile(sorted_values: Sequence[float], fraction: float) -> float:
    """Nearest-rank percentile of already sorted values (``fraction`` in 0..1); NaN when empty."""
    if not sorted_values:
        return float("nan")
    rank = max(1, min(len(sorted_values), math.ceil(fraction * len(sorted_values))))
    return sorted_values[rank - 1]


@dataclass
class RunStats:
    """What one run measured. Latencies are in seconds, for every answered request."""

    mode: str
    connections: int
    planned: int
    started: float = 0.0
    finished: float = 0.0
    latencies: list[float] = field(default_factory=list)
    statuses: Counter[int] = field(default_factory=Counter)
    transport_errors: int = 0
    error_samples: list[str] = field(default_factory=list)
    client_cpu_seconds: float = 0.0
    mix: dict[str, int] = field(default_factory=dict)
    """Kinds of events sent: new_triggered, repeat_triggered, resolved."""
    max_send_lag: float = 0.0
    """Open loop: how late the client sent a request after its intended time (a busy connection)."""

    def record(self, status: int, latency: float, body: bytes) -> None:
        self.latencies.append(latency)
        self.statuses[status] += 1
        if not 200 <= status < 300:
            self._sample(f"HTTP {status}: {body[:300].decode('utf-8', 'replace')}")

    def record_failure(self, exc: BaseException) -> None:
        self.transport_errors += 1
        self._sample(f"{type(exc).__name__}: {exc}" if str(exc) else type(exc).__name__)

    def _sample(self, text: str) -> None:
        """Keep the first few distinct error descriptions."""
        if len(self.error_samples) < _MAX_SAMPLES and text not in self.error_samples:
            self.error_samples.append(text)

    @property
    def answered(self) -> int:
        return len(self.latencies)

    @property
    def ok(self) -> int:
        return sum(count for status, count in self.statuses.items() if 200 <= status < 300)

    @property
    def errors(self) -> int:
        """Non-2xx answers plus requests that got no answer at all."""
        return self.answered - self.ok + self.transport_errors

    @property
    def elapsed(self) -> float:
        return self.finished - self.started

    @property
    def throughput(self) -> float:
        """2xx answers per second of wall time."""
        return self.ok / self.elapsed if self.elapsed > 0 else 0.0

    def latency_ms(self, fraction: float) -> float:
        return percentile(sorted(self.latencies), fraction) * 1000.0

    def summary(self) -> dict[str, Any]:
        ordered = sorted(self.latencies)
        return {
            "mode": self.mode,
            "connections": self.connections,
            "planned": self.planned,
            "answered": self.answered,
            "ok": self.ok,
            "errors": self.errors,
            "transport_errors": self.transport_errors,
            "statuses": {str(status): count for status, count in sorted(self.statuses.items())},
            "elapsed_s": round(self.elapsed, 4),
            "throughput_per_s": round(self.throughput, 1),
            "latency_ms": {
                name: round(percentile(ordered, fraction) * 1000.0, 3)
                for name, fraction in (("p50", 0.5), ("p90", 0.9), ("p99", 0.99), ("max", 1.0))
            },
            "mix": self.mix,
            "client_cpu_s": round(self.client_cpu_seconds, 3),
            "max_send_lag_ms": round(self.max_send_lag * 1000.0, 3),
            "error_samples": self.error_samples,
        }


async def _open_all(target: Target, count: int) -> list[Connection]:
    connections = [Connection(target) for _ in range(count)]
    await asyncio.gather(*(connection.open() for connection in connections))
    return connections


async def _one(connection: Connection, raw: bytes, timeout: float, stats: RunStats, since: float) -> None:
    try:
        async with asyncio.timeout(timeout):
            status, body = await connection.request(raw)
    except _TRANSPORT_ERRORS as exc:
        connection.close()
        stats.record_failure(exc)
        return
    stats.record(status, time.perf_counter() - since, body)


async def closed_loop(target: Target, workload: Workload, timeout: float = 30.0) -> RunStats:
    """Every connection sends its stream back to back; throughput is 2xx answers per wall second."""
    stats = RunStats("closed", len(workload.streams), workload.total, mix=dict(workload.mix))
    connections = await _open_all(target, len(workload.streams))

    async def worker(connection: Connection, stream: list[bytes]) -> None:
        for raw in stream:
            await _one(connection, raw, timeout, stats, time.perf_counter())

    cpu = time.process_time()
    stats.started = time.perf_counter()
    await asyncio.gather(*(worker(c, s) for c, s in zip(connections, workload.streams, strict=True)))
    stats.finished = time.perf_counter()
    stats.client_cpu_seconds = time.process_time() - cpu
    for connection in connections:
        connection.close()
    return stats


async def open_loop(target: Target, workload: Workload, rate: float, timeout: float = 30.0) -> RunStats:
    """Request ``i`` is due at ``i / rate`` s; it goes on connection ``i % C`` (its stream's ``i // C``).

    Latency runs from the due time, so time a request waited for a busy connection counts against it.
    """
    count = len(workload.streams)
    stats = RunStats("open", count, workload.total, mix=dict(workload.mix))
    connections = await _open_all(target, count)
    cpu = time.process_time()
    start = stats.started = time.perf_counter() + 0.05

    async def worker(index: int, connection: Connection, stream: list[bytes]) -> None:
        for k, raw in enumerate(stream):
            due = start + (index + k * count) / rate
            delay = due - time.perf_counter()
            if delay > 0:
                await asyncio.sleep(delay)
            stats.max_send_lag = max(stats.max_send_lag, time.perf_counter() - due)
            await _one(connection, raw, timeout, stats, due)

    await asyncio.gather(
        *(worker(i, c, s) for i, (c, s) in enumerate(zip(connections, workload.streams, strict=True)))
    )
    stats.finished = time.perf_counter()
    stats.client_cpu_seconds = time.process_time() - cpu
    for connection in connections:
        connection.close()
    return stats


def run(main: Callable[[], Coroutine[Any, Any, T]]) -> T:
    """Run a coroutine on uvloop when available (a cheaper client), else on the default loop."""
    try:
        import uvloop
    except ImportError:  # pragma: no cover - uvloop ships with uvicorn[standard]
        return asyncio.run(main())
    with asyncio.Runner(loop_factory=uvloop.new_event_loop) as runner:
        return runner.run(main())
