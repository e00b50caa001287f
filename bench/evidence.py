"""Root-cause evidence benchmark (issue 14): what evidence costs the webhook path, and how many alerts'
evidence one process computes per second.

1. **Hold path**: ``--evidence-alerts`` new alerts (50 per webhook group, as the ingest queue batches
   them) through the real mediation shell on SQLite, with evidence on (each held alert's row scheduled
   in the same transaction) and, as the reference in the same run, with ``evidence: {enabled: false}``.
   Reported: alerts/s of each and their ratio.
2. **Computations**: the evidence loop computes every held alert's evidence from a stand-in log store
   answering ``--evidence-lines`` lines per alert (about a fifth errors; mined with Holdoff's miner, as
   lines from Loki or OpenSearch are), other alerts and change events from the database. Reported:
   evidence per second, beside mining the same lines alone (the reference: the least a template-based
   summary does).

One JSON result: ``bench/results/evidence-<UTC timestamp>.json``.
"""

from __future__ import annotations

import argparse
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.table import Table

from bench import Benchmark
from bench.common import machine_info, positive_int, write_result
from holdoff.evidence.compute import mine
from holdoff.evidence.model import LogLine
from holdoff.logs.lookup.query import FoundLine, LookupQuery
from holdoff.mediate.model import Action, AlertEvent
from holdoff.runtime import Runtime
from holdoff.settings import Settings

GROUP = 50


def add_arguments(parser: argparse.ArgumentParser) -> None:
    group = parser.add_argument_group("evidence")
    group.add_argument("--evidence-alerts", type=positive_int, default=2_000, help="alerts held")
    group.add_argument("--evidence-lines", type=positive_int, default=500, help="log lines per alert")


class StandInStore:
    """A log store answering the same lines for every alert's window, without a network."""

    name = "stand-in"

    def __init__(self, lines: list[FoundLine]) -> None:
        self.found = lines

    def lines(self, query: LookupQuery) -> list[FoundLine]:
        return self.found

    def describe(self) -> str:
        return "stand-in"

    def close(self) -> None:
        return None


def _lines(count: int, start: datetime) -> list[FoundLine]:
    found = []
    for index in range(count):
        at = start + timedelta(seconds=index * 600 / count)
        if index % 5 == 0:
            level, message = "error", f"connection refused to db-{index % 7}.internal:5432 after {index} ms"
        elif index % 11 == 0:
            level, message = "error", f"payment {index} declined: card issuer timeout"
        else:
            level, message = "info", f"GET /api/cart/{index} 200 in {index % 40} ms user={index % 97}"
        found.append(
            FoundLine(
                timestamp=at,
                service="web",
                host="web-1",
                level=level,
                message=message,
                source_name="stand-in",
            )
        )
    return found


def _events(count: int, tag: str) -> list[list[AlertEvent]]:
    events = [
        AlertEvent(
            source="generic",
            fingerprint=f"{tag}-{index}",
            action=Action.TRIGGERED,
            name=f"CPU anomaly on web-{index % 40}",
            labels={"service": f"svc-{index % 20}", "host": f"web-{index % 40}", "cluster": "eu-1"},
        )
        for index in range(count)
    ]
    return [events[i : i + GROUP] for i in range(0, count, GROUP)]


def _runtime(folder: Path, name: str, enabled: bool) -> Runtime:
    settings = Settings.model_validate(
        {
            "database": {"url": f"sqlite:///{folder / name}.db"},
            "server": {"data_dir": str(folder)},
            "evidence": {"enabled": enabled},
        }
    )
    frozen = datetime.now(UTC)
    # A clock that stands still: no evidence falls due for its refresh while the bench computes.
    runtime = Runtime(settings, clock=lambda: frozen, channels={}, run_workers=False)
    runtime.start()
    return runtime


def hold(runtime: Runtime, alerts: int, tag: str) -> float:
    """Alerts/s through the mediation shell."""
    groups = _events(alerts, tag)
    began = time.perf_counter()
    for answer in runtime.mediator.apply_groups(groups):
        if isinstance(answer, Exception):
            raise answer
    return alerts / (time.perf_counter() - began)


def compute(runtime: Runtime, alerts: int, lines: list[FoundLine]) -> float:
    """Evidence computations/s of the evidence loop (one process)."""
    runtime.evidence.lookup = StandInStore(lines)
    began = time.perf_counter()
    done = 0
    while claimed := runtime.evidence.run_once():
        done += claimed
    if done != alerts:
        raise RuntimeError(f"computed {done} of {alerts} alerts' evidence")
    return done / (time.perf_counter() - began)


def mining(lines: list[FoundLine], rounds: int) -> float:
    plain = [LogLine(timestamp=f.timestamp, message=f.message, level=f.level) for f in lines]
    began = time.perf_counter()
    for _ in range(rounds):
        mine(plain)
    return rounds / (time.perf_counter() - began)


def run(args: argparse.Namespace) -> int:
    console = Console()
    quick = bool(getattr(args, "quick", False))
    alerts = min(args.evidence_alerts, 300) if quick else args.evidence_alerts
    per_alert = args.evidence_lines
    console.rule("[bold]evidence[/]")
    with tempfile.TemporaryDirectory(prefix="holdoff-bench-") as name:
        folder = Path(name)
        off = _runtime(folder, "off", enabled=False)
        on = _runtime(folder, "on", enabled=True)
        try:
            hold(off, GROUP, "warm")
            hold(on, GROUP, "warm")
            reference_rate = hold(off, alerts, "a")
            evidence_rate = hold(on, alerts, "a")
            lines = _lines(per_alert, datetime.now(UTC) - timedelta(minutes=5))
            compute(on, alerts + GROUP, lines)  # the warm-up alerts too
            on.mediator.apply_groups(_events(alerts, "b"))
            computed = compute(on, alerts, lines)
        finally:
            off.stop()
            on.stop()
    mined = mining(_lines(per_alert, datetime.now(UTC)), rounds=max(20, min(alerts, 200)))
    table = Table(title=f"evidence: {alerts:,} held alerts, {per_alert} log lines each (SQLite)")
    for column in ("measure", "rate", "reference", "ratio"):
        table.add_column(column)
    table.add_row(
        "hold path (alerts/s)",
        f"{evidence_rate:,.0f} with evidence",
        f"{reference_rate:,.0f} without",
        f"{evidence_rate / reference_rate:.2f}",
    )
    table.add_row(
        "evidence computed (alerts/s)",
        f"{computed:,.1f}",
        f"{mined:,.1f} minings/s",
        f"{computed / mined:.2f}",
    )
    console.print(table)
    result: dict[str, Any] = {
        "machine": machine_info(),
        "alerts": alerts,
        "lines_per_alert": per_alert,
        "hold_alerts_per_second": {"with_evidence": evidence_rate, "without": reference_rate},
        "hold_ratio": evidence_rate / reference_rate,
        "evidence_per_second": computed,
        "mining_per_second": mined,
        "evidence_to_mining_ratio": computed / mined,
    }
    path = write_result("evidence", datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ") + "-1", result)
    console.print(f"result: {path}")
    return 0


BENCHMARK = Benchmark(
    name="evidence",
    summary="what root-cause evidence costs the hold path, and evidence computed per second",
    add_arguments=add_arguments,
    run=run,
)
