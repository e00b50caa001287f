"""Alertmanager benchmark: Holdoff's ``POST /webhooks/alertmanager``, and Holdoff against a real Alertmanager.

Starts the real service (as ``bench/ingest.py`` does) and Debian's ``prometheus-alertmanager`` on 127.0.0.1
(gossip off; a null receiver and a one-hour group_wait, so it stores and groups alerts but never notifies
during the run), then measures, each phase a closed loop over ``--am-connections`` connections:

1. one alert per request, side by side: the same alert stream (new, re-sent firing, resolved) to Holdoff
   as one-alert webhooks and to Alertmanager's ``POST /api/v2/alerts`` as one-element arrays, as
   Prometheus posts them -> alerts/s of each and the ratio Holdoff / Alertmanager (goal: at least 1);
2. batch: Alertmanager webhooks of 100 alerts each (all new firing alerts with distinct labels; ~30% of
   them resolved by later webhooks) posted to Holdoff -> alerts/s.

Holdoff commits every state change (and queues its Teams messages) before it answers; Alertmanager keeps
alerts in memory. Every request must be answered 2xx, else the run fails.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import random
import shutil
import subprocess
import tempfile
import time
from collections import Counter
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, Final

import httpx
import yaml
from rich.console import Console
from rich.table import Table

from bench import Benchmark, BenchmarkFailed
from bench.common import machine_info, positive_int, status_mix, verdict, write_result
from bench.loadgen import RunStats, Target, Workload, alert_events, closed_loop, run
from bench.server import ServerProcess, free_port, http_get, teams_sink

ALERTMANAGER: Final = Path("/usr/bin/prometheus-alertmanager")
HOLDOFF_PATH: Final = "/webhooks/alertmanager"
ALERTMANAGER_PATH: Final = "/api/v2/alerts"
GOAL_RATIO: Final = 1.0
BATCH: Final = 100
RESOLVE_SHARE: Final = 0.3
DEFAULT_CONNECTIONS: Final = 32
DEFAULT_WEBHOOKS: Final = 300
QUICK_WEBHOOKS: Final = 30
DEFAULT_SINGLES: Final = 15_000
QUICK_SINGLES: Final = 2_000
WARMUP: Final = 300
REQUEST_TIMEOUT: Final = 30.0
ZERO_TIME: Final = "0001-01-01T00:00:00Z"
NAMES: Final = ("HighCPU", "ErrorRate", "LatencyP99", "DiskFull", "PodRestarts", "Http5xx", "QueueBacklog")
PHASE_TITLES: Final = {
    "batch": f"Holdoff, webhooks of {BATCH} alerts",
    "single holdoff": "Holdoff, 1 alert per webhook",
    "single alertmanager": "Alertmanager /api/v2/alerts, 1 per request",
}

# --- payloads -------------------------------------------------------------------------------------


def fingerprint(labels: dict[str, str]) -> str:
    """Alertmanager's fingerprint of a label set (FNV-1a 64 over the sorted names and values)."""
    value = 0xCBF29CE484222325
    for name in sorted(labels):
        for byte in name.encode() + b"\xff" + labels[name].encode() + b"\xff":
            value = ((value ^ byte) * 0x100000001B3) & 0xFFFFFFFFFFFFFFFF
    return f"{value:016x}"


def _labels(tag: str, serial: str) -> dict[str, str]:
    n = int(serial.rsplit("-", 1)[-1])
    return {
        "alertname": NAMES[n % len(NAMES)],
        "instance": f"node-{n % 211}:9100",
        "job": "node",
        "severity": ("critical", "warning", "info")[n % 3],
        "bench_run": tag,
        "bench_alert": serial,
    }


@dataclass(frozen=True)
class Alert:
    labels: dict[str, str]
    resolved: bool

    def entry(self, starts: str, ends: str, *, webhook: bool) -> dict[str, Any]:
        """The alert in a webhook's ``alerts[]``, or (``webhook=False``) as posted to ``/api/v2/alerts``."""
        entry: dict[str, Any] = {
            "labels": self.labels,
            "annotations": {"summary": f"{self.labels['alertname']} on {self.labels['instance']}"},
            "startsAt": starts,
            "generatorURL": "http://127.0.0.1:9090/graph?g0.expr=up",
        }
        if self.resolved or webhook:
            entry["endsAt"] = ends if self.resolved else ZERO_TIME
        if webhook:
            entry |= {
                "status": "resolved" if self.resolved else "firing",
                "fingerprint": fingerprint(self.labels),
            }
        return entry


def _webhook(alerts: list[Alert], starts: str, ends: str) -> dict[str, Any]:
    return {
        "version": "4",
        "groupKey": '{}:{job="node"}',
        "truncatedAlerts": 0,
        "status": "firing" if any(not alert.resolved for alert in alerts) else "resolved",
        "receiver": "holdoff",
        "groupLabels": {"job": "node"},
        "commonLabels": {"job": "node", "bench_run": alerts[0].labels["bench_run"]},
        "commonAnnotations": {},
        "externalURL": "http://127.0.0.1:9093",
        "alerts": [alert.entry(starts, ends, webhook=True) for alert in alerts],
    }


def _request(target: Target, path: str, payload: Any) -> bytes:
    body = json.dumps(payload, separators=(",", ":")).encode()
    head = f"POST {path} HTTP/1.1\r\nHost: {target.host}:{target.port}\r\nContent-Type: application/json\r\n"
    return f"{head}Content-Length: {len(body)}\r\n\r\n".encode("ascii") + body


def _times() -> tuple[str, str]:
    """``startsAt`` (a minute ago) and ``endsAt`` (now: already past when a resolve is sent)."""
    now = datetime.now(UTC)
    starts, ends = (t.isoformat(timespec="milliseconds") for t in (now - timedelta(minutes=1), now))
    return starts.replace("+00:00", "Z"), ends.replace("+00:00", "Z")


def _share(total: int, parts: int, index: int) -> int:
    return total // parts + (1 if index < total % parts else 0)


def batch_workload(target: Target, tag: str, connections: int, webhooks: int, seed: int) -> Workload:
    """``webhooks`` webhooks of 100 new firing alerts dealt over the connections; each connection also
    sends ~30% of its alerts resolved, in webhooks of up to 100, after the webhooks that fired them."""
    rng, (starts, ends) = random.Random(seed), _times()
    streams: list[list[bytes]] = []
    mix: Counter[str] = Counter()
    for conn in range(connections):
        stream: list[bytes] = []
        to_resolve: list[Alert] = []
        count = _share(webhooks, connections, conn)
        for k in range(count):
            batch = [Alert(_labels(tag, f"c{conn}-{k * BATCH + i}"), False) for i in range(BATCH)]
            stream.append(_request(target, HOLDOFF_PATH, _webhook(batch, starts, ends)))
            mix["firing"] += len(batch)
            to_resolve += [Alert(alert.labels, True) for alert in batch if rng.random() < RESOLVE_SHARE]
            while len(to_resolve) >= BATCH or (k == count - 1 and to_resolve):
                done, to_resolve = to_resolve[:BATCH], to_resolve[BATCH:]
                stream.append(_request(target, HOLDOFF_PATH, _webhook(done, starts, ends)))
                mix["resolved"] += len(done)
        streams.append(stream)
    return Workload(streams, mix)


def single_workloads(
    holdoff: Target, alertmanager: Target, tag: str, connections: int, total: int, seed: int
) -> tuple[Workload, Workload]:
    """One alert per request, the same stream for both (bench.loadgen's mix of new, re-sent and resolved)."""
    rng, (starts, ends) = random.Random(seed), _times()
    to_holdoff: list[list[bytes]] = []
    to_alertmanager: list[list[bytes]] = []
    mix: Counter[str] = Counter()
    for conn in range(connections):
        events = alert_events(f"c{conn}", _share(total, connections, conn), rng)
        alerts = [Alert(_labels(tag, e["alert_id"]), e["alert_action"] == "RESOLVED") for e in events]
        mix.update("resolved" if alert.resolved else "firing" for alert in alerts)
        to_holdoff.append([_request(holdoff, HOLDOFF_PATH, _webhook([a], starts, ends)) for a in alerts])
        entries = ([a.entry(starts, ends, webhook=False)] for a in alerts)
        to_alertmanager.append([_request(alertmanager, ALERTMANAGER_PATH, entry) for entry in entries])
    return Workload(to_holdoff, mix), Workload(to_alertmanager, Counter(mix))


# --- Alertmanager ---------------------------------------------------------------------------------


class AlertmanagerProcess(ServerProcess):
    """``prometheus-alertmanager`` on 127.0.0.1 (gossip off), null receiver, group_wait 1 h; log, CPU and
    stop as for the Holdoff server."""

    def __init__(self, data_dir: Path) -> None:  # not super().__init__: that starts holdoff
        if not ALERTMANAGER.is_file():
            hint = "sudo ./scripts/ensure-system-packages.sh installs prometheus-alertmanager"
            raise BenchmarkFailed(f"{ALERTMANAGER} not found: {hint}")
        self.data_dir, self.port, self.log_path = data_dir, free_port(), data_dir / "alertmanager.log"
        route = {"receiver": "null", "group_by": ["alertname"], "group_wait": "1h", "group_interval": "1h"}
        config_path = data_dir / "alertmanager.yml"
        config_path.write_text(yaml.safe_dump({"route": route, "receivers": [{"name": "null"}]}), "utf-8")
        self.command = [
            *(str(ALERTMANAGER), f"--config.file={config_path}", f"--storage.path={data_dir / 'am'}"),
            *(f"--web.listen-address=127.0.0.1:{self.port}", "--cluster.listen-address="),
        ]
        with self.log_path.open("wb") as log:
            self.process = subprocess.Popen(self.command, stdout=log, stderr=log, start_new_session=True)

    def wait_healthy(self, timeout: float = 30.0) -> float:
        """Seconds until ``GET /-/ready`` answered 200."""
        started = time.monotonic()
        while time.monotonic() - started < timeout:
            if self.process.poll() is not None:
                raise BenchmarkFailed(f"alertmanager exited with status {self.process.returncode}")
            with contextlib.suppress(OSError):
                if http_get(f"{self.target.base_url}/-/ready", timeout=1.0)[0] == 200:
                    return time.monotonic() - started
            time.sleep(0.1)
        raise BenchmarkFailed(f"alertmanager's /-/ready did not answer 200 within {timeout:g}s")


# --- the measurement ------------------------------------------------------------------------------


@dataclass
class Phase:
    name: str
    stats: RunStats
    alerts: int
    cpu: dict[str, float | None]
    """CPU seconds used during the phase by holdoff, alertmanager and the client."""

    @property
    def alerts_per_s(self) -> float:
        return self.alerts / self.stats.elapsed if self.stats.elapsed > 0 and not self.stats.errors else 0.0

    def cores(self, who: str) -> str:
        seconds = self.cpu.get(who)
        return "?" if seconds is None or self.stats.elapsed <= 0 else f"{seconds / self.stats.elapsed:.2f}"

    def summary(self) -> dict[str, Any]:
        extra = {"alerts": self.alerts, "alerts_per_s": round(self.alerts_per_s, 1), "cpu_s": self.cpu}
        return self.stats.summary() | extra


def _check_contract(holdoff: Target, tag: str) -> None:
    """One 3-alert webhook first: the answer must be 202 with one entry per alert, each pending."""
    alerts = [Alert(_labels(tag, f"check-{n}"), False) for n in range(3)]
    payload = _webhook(alerts, *_times())
    response = httpx.post(f"{holdoff.base_url}{HOLDOFF_PATH}", json=payload, trust_env=False)
    answer = response.json() if response.status_code == 202 else {}
    if answer.get("received") != 3 or [a.get("state") for a in answer.get("alerts", [])] != ["pending"] * 3:
        raise BenchmarkFailed(f"{HOLDOFF_PATH} answered {response.status_code}: {response.text[:300]}")


def _used(before: float | None, after: float | None) -> float | None:
    return None if before is None or after is None else after - before


async def _settle(server: ServerProcess, console: Console, timeout: float = 120.0) -> None:
    """Wait until Holdoff is idle (its outbox has delivered what the last phase queued), so a backlog
    does not take CPU from the next phase."""
    started, last = time.monotonic(), server.cpu_seconds()
    while last is not None and time.monotonic() - started < timeout:
        await asyncio.sleep(0.5)
        now = server.cpu_seconds()
        if now is None or now - last < 0.05:
            break
        last = now
    if (waited := time.monotonic() - started) > 1:
        console.print(f"  (waited {waited:.1f} s for Holdoff to go idle: its outbox was delivering)")


async def _measure(
    server: ServerProcess, am: AlertmanagerProcess, config: dict[str, Any], tag: str, console: Console
) -> list[Phase]:
    conns, webhooks, singles = config["connections"], config["webhooks"], config["single_alerts"]

    async def phase(name: str, target: Target, workload: Workload) -> Phase:
        await _settle(server, console)
        before = {"holdoff": server.cpu_seconds(), "alertmanager": am.cpu_seconds()}
        stats = await closed_loop(target, workload, REQUEST_TIMEOUT)
        after = {"holdoff": server.cpu_seconds(), "alertmanager": am.cpu_seconds()}
        cpu = {k: _used(v, after[k]) for k, v in before.items()}
        if stats.errors:
            samples = "; ".join(stats.error_samples)
            raise BenchmarkFailed(f"{name}: {stats.errors} of {stats.planned} requests failed: {samples}")
        return Phase(name, stats, sum(workload.mix.values()), cpu | {"client": stats.client_cpu_seconds})

    console.print(f"  warm-up: {WARMUP} single alerts to each, not measured")
    warm = single_workloads(server.target, am.target, f"{tag}-w", min(conns, WARMUP), WARMUP, seed=1)
    await phase("warm-up", server.target, warm[0])
    await phase("warm-up", am.target, warm[1])
    console.print(f"  one alert per request: {singles:,} to Holdoff, then the same to Alertmanager")
    to_holdoff, to_am = single_workloads(server.target, am.target, f"{tag}-s", conns, singles, seed=2)
    single = await phase("single holdoff", server.target, to_holdoff)
    single_am = await phase("single alertmanager", am.target, to_am)
    console.print(f"  batch: {webhooks:,} webhooks of {BATCH} new alerts, then resolves, {conns} connections")
    batch = await phase("batch", server.target, batch_workload(server.target, f"{tag}-b", conns, webhooks, 3))
    return [single, single_am, batch]


def _config(args: argparse.Namespace) -> dict[str, Any]:
    """This benchmark's options, plus the server options it shares with ``ingest``."""
    return {
        "quick": args.quick,
        "connections": args.am_connections,
        "webhooks": args.am_webhooks or (QUICK_WEBHOOKS if args.quick else DEFAULT_WEBHOOKS),
        "alerts_per_webhook": BATCH,
        "single_alerts": args.am_alerts or (QUICK_SINGLES if args.quick else DEFAULT_SINGLES),
        "database_url": getattr(args, "database_url", None),
        "workers": getattr(args, "workers", 1),
    }


def run_alertmanager(args: argparse.Namespace) -> int:
    config = _config(args)
    console = Console(highlight=False)
    if not console.is_terminal:
        console.width = max(console.width, 120)
    tag = datetime.now(UTC).strftime("%Y%m%dT%H%M%S") + f"-{os.getpid()}"
    console.rule("Alertmanager benchmark" + " (--quick: a smoke run, figures are indicative)" * args.quick)
    info: dict[str, Any] = {"database": "postgresql" if config["database_url"] else "sqlite (temporary dir)"}
    phases: list[Phase] = []
    failure: str | None = None
    processes: list[ServerProcess] = []
    data_dir = Path(tempfile.mkdtemp(prefix="holdoff-bench-am-"))
    try:
        with teams_sink() as sink:
            teams_url = f"http://127.0.0.1:{sink.server_address[1]}/teams"
            server = ServerProcess(data_dir, teams_url, config["database_url"], config["workers"])
            processes.append(server)
            am = AlertmanagerProcess(data_dir)
            processes.append(am)
            info["holdoff_startup_s"] = round(server.wait_healthy(), 2)
            info["alertmanager_startup_s"] = round(am.wait_healthy(), 2)
            _check_contract(server.target, tag)
            phases = run(lambda: _measure(server, am, config, tag, console))
            if server.process.poll() is not None:
                raise BenchmarkFailed(f"the server exited with status {server.process.returncode}")
            time.sleep(1.0)  # let the outbox deliver what the run queued
            info["teams_posts_received"] = sink.received
    except BenchmarkFailed as exc:
        failure = str(exc)
    except (OSError, httpx.HTTPError) as exc:
        failure = f"{type(exc).__name__}: {exc}"
    finally:
        for process in processes:
            process.stop()
            if failure:
                console.print(f"[red]{type(process).__name__} log (last lines):[/]")
                console.print(process.log_tail() or "(empty)", markup=False)
        if getattr(args, "keep_data", False):
            console.print(f"  data dir kept: {data_dir}")
        else:
            shutil.rmtree(data_dir, ignore_errors=True)

    if phases:
        _print_table(console, phases, config, info.get("teams_posts_received"))
    path = _write_json(config, phases, info, failure, tag)
    if failure:
        console.print(f"[bold red]FAILED[/]: {failure}")
    console.print(f"  results: {path}")
    return 1 if failure else 0


# --- reporting ------------------------------------------------------------------------------------


def _ratio(phases: list[Phase]) -> float | None:
    by_name = {phase.name: phase for phase in phases}
    holdoff, am = by_name.get("single holdoff"), by_name.get("single alertmanager")
    return holdoff.alerts_per_s / am.alerts_per_s if holdoff and am and am.alerts_per_s else None


def _print_table(console: Console, phases: list[Phase], config: dict[str, Any], teams: int | None) -> None:
    table = Table(title="Holdoff vs Alertmanager" + " (quick)" * config["quick"], title_justify="left")
    for column in ("metric", "measured", "goal", "note", "verdict"):
        table.add_column(column, justify="right" if column in ("measured", "goal") else "left")
    for phase in phases:
        stats = phase.stats
        note = f"{phase.alerts:,} alerts in {stats.ok:,} requests, {stats.elapsed:.2f} s"
        table.add_row(f"{PHASE_TITLES[phase.name]}: alerts/s", f"{phase.alerts_per_s:,.0f}", "", note, "")
        cores = ", ".join(f"{who} {phase.cores(who)}" for who in ("holdoff", "alertmanager", "client"))
        latency = f"{stats.latency_ms(0.5):.1f} / {stats.latency_ms(0.99):.1f} ms"
        table.add_row("  latency p50 / p99 per request", latency, "", f"CPU cores: {cores}", "")
    if (ratio := _ratio(phases)) is not None:
        why = "Holdoff commits every change; Alertmanager keeps alerts in memory"
        outcome = verdict(ratio >= GOAL_RATIO)
        table.add_row("ratio Holdoff / Alertmanager, 1 per request", f"{ratio:.2f}x", "≥ 1x", why, outcome)
    errors, sent = sum(p.stats.errors for p in phases), sum(p.stats.planned for p in phases)
    mix, outcome = (
        status_mix(*(p.stats for p in phases)),
        "[bold red]FAILED[/]" if errors else "[green]none[/]",
    )
    table.add_row("errors (non-2xx or no answer)", f"{errors:,} of {sent:,}", "0", mix, outcome)
    if teams is not None:
        table.add_row("Teams posts received by the sink", f"{teams:,}", "", "transient resolves", "")
    table.caption = f"{config['connections']} connections in every phase; load generator on the same machine"
    console.print(table)


def _write_json(
    config: dict[str, Any], phases: list[Phase], info: dict[str, Any], failure: str | None, tag: str
) -> Path:
    ratio = _ratio(phases)
    result: dict[str, Any] = {
        "benchmark": "alertmanager",
        "run": tag,
        "timestamp": datetime.now(UTC).isoformat(timespec="seconds"),
        "failed": failure is not None,
        "failure": failure,
        "config": config | {"database_url": "set" if config["database_url"] else None},
        "machine": machine_info(),
        "goals": {"holdoff_over_alertmanager_ratio": GOAL_RATIO},
        "ratio_holdoff_over_alertmanager": None if ratio is None else round(ratio, 3),
        "servers": info,
        "phases": {phase.name: phase.summary() for phase in phases},
    }
    return write_result("alertmanager", tag, result)


def add_arguments(parser: argparse.ArgumentParser) -> None:
    group = parser.add_argument_group(
        "alertmanager benchmark (also uses --database-url, --workers, --keep-data)"
    )
    group.add_argument(
        "--am-connections",
        type=positive_int,
        default=DEFAULT_CONNECTIONS,
        help=f"concurrent keep-alive connections in every phase (default {DEFAULT_CONNECTIONS})",
    )
    group.add_argument(
        "--am-webhooks",
        type=positive_int,
        help=f"webhooks of {BATCH} new alerts (default {DEFAULT_WEBHOOKS}; {QUICK_WEBHOOKS} with --quick)",
    )
    group.add_argument(
        "--am-alerts",
        type=positive_int,
        help=f"single alerts to each of Holdoff and Alertmanager (default {DEFAULT_SINGLES:,}; "
        f"{QUICK_SINGLES:,} with --quick)",
    )


BENCHMARK: Final = Benchmark(
    name="alertmanager",
    summary="Alertmanager webhooks (100 alerts each) to Holdoff, and Holdoff vs a real Alertmanager",
    add_arguments=add_arguments,
    run=run_alertmanager,
)
