"""Correlation benchmark (issue 15): pages per real incident on cascading multi-source days.

For each seed (``--correlation-seeds``, default 1 2 3), :mod:`bench.streamgen_cascade` generates a 24 h,
60-service day of Alertmanager and Coralogix webhooks with ground truth; the day is parsed by Holdoff's
replay stream reader (Coralogix's webhooks carry the service only as their ``subsystem``: the default
``sources.naming`` gives them their ``service`` label) and replayed through Holdoff's core
(:func:`holdoff.replay.report.replay`, what ``holdoff replay`` runs) with the policy a new user writes:
``grace_seconds: 600`` and ``group_by: [service]``, the documented defaults otherwise, twice: with
correlation off, and on (the documented ``correlation:`` defaults plus the day's topology as
``correlation.topology``). Per seed and mode it reports:

- real incidents, pages (messages that interrupt someone), pages per real incident (pages naming a real
  incident, over real incidents) and pages about no real incident;
- incidents missed or late (Holdoff's own scoring: never paged, or first paged later than the policy
  allows);
- **wrongly joined**: real incidents that share a Holdoff incident with another real incident;
- **split**: real incidents paged more than once;
- the slowest first page (seconds from an incident's first alert to its first page).

Acceptance with correlation on: at most 1.3 pages per real incident, at most 5% wrongly joined, none
missed or late. Then the replay speed with correlation off and on (:mod:`bench.correlation_speed`, goal
>= 40,000 events/s on). One JSON result: ``bench/results/correlation-<UTC timestamp>.json``.
"""

from __future__ import annotations

import argparse
import json
import tempfile
import time
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Final

from rich.console import Console
from rich.table import Table

from bench import Benchmark, BenchmarkFailed, correlation_speed, streamgen_cascade
from bench.common import machine_info, write_result
from bench.replay import day_settings
from holdoff.correlate.config import CorrelationConfig
from holdoff.mediate.model import Action
from holdoff.policy.section import build_policy
from holdoff.replay.report import Report, replay
from holdoff.replay.stream import StreamError, StreamEvent, parse_lines
from holdoff.settings import Settings

POLICY_YAML: Final = "grace_seconds: 600\ngroup_by: [service]\n"
"""The policy a new user writes; everything else is the documented default."""
DEFAULT_SEEDS: Final = (1, 2, 3)
GOAL_PAGES_PER_INCIDENT: Final = 1.3
GOAL_WRONGLY_JOINED: Final = 0.05
REAL: Final = "incident"


# --- scoring (pure) -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Sent:
    """One message Holdoff sent, with the real incidents its alerts belonged to when it was sent."""

    at: datetime
    page: bool
    incident: int | None
    """Holdoff's incident number (grouped messages), ``None`` for a message about no incident."""
    real: frozenset[str]


@dataclass(frozen=True)
class Figures:
    real_incidents: int
    pages: int
    real_pages: int
    """Pages naming at least one real incident."""
    noise_pages: int
    pages_per_real_incident: float
    wrongly_joined: tuple[str, ...]
    """Real incidents that share a Holdoff incident with another real incident."""
    split: tuple[str, ...]
    """Real incidents paged more than once."""
    with_noise: tuple[str, ...]
    """Real incidents that share a Holdoff incident with a page about no real incident."""
    never_paged: tuple[str, ...]
    slowest_first_page_s: float | None
    slowest_incident: str | None

    @property
    def wrongly_joined_share(self) -> float:
        return len(self.wrongly_joined) / self.real_incidents if self.real_incidents else 0.0


def score(sent: Sequence[Sent], starts: Mapping[str, datetime]) -> Figures:
    """Score the messages of a replay against the real incidents and their first alerts' times."""
    members: dict[int, set[str]] = {}
    noisy: set[int] = set()
    pages: dict[str, int] = dict.fromkeys(starts, 0)
    first: dict[str, datetime] = {}
    real_pages = noise_pages = total = 0
    for message in sent:
        if message.incident is not None and message.real:
            members.setdefault(message.incident, set()).update(message.real)
        if message.incident is not None and message.page and not message.real:
            noisy.add(message.incident)
        if not message.page:
            continue
        total += 1
        if not message.real:
            noise_pages += 1
            continue
        real_pages += 1
        for name in message.real:
            pages[name] = pages.get(name, 0) + 1
            first.setdefault(name, message.at)
    joined = sorted({name for names in members.values() if len(names) > 1 for name in names})
    delays = {name: (at - starts[name]).total_seconds() for name, at in first.items() if name in starts}
    slowest = max(delays, key=lambda name: (delays[name], name)) if delays else None
    count = len(starts)
    return Figures(
        real_incidents=count,
        pages=total,
        real_pages=real_pages,
        noise_pages=noise_pages,
        pages_per_real_incident=round(real_pages / count, 2) if count else 0.0,
        wrongly_joined=tuple(joined),
        split=tuple(sorted(name for name, number in pages.items() if number > 1)),
        with_noise=tuple(sorted({name for number in noisy for name in members.get(number, ())})),
        never_paged=tuple(sorted(name for name in starts if name not in first)),
        slowest_first_page_s=delays[slowest] if slowest is not None else None,
        slowest_incident=slowest,
    )


# --- one day through today's core -----------------------------------------------------------------


@dataclass(frozen=True)
class Correlated:
    """A day replayed with correlation on."""

    figures: Figures
    missed_or_late: tuple[dict[str, Any], ...]
    seconds: float
    joins: int
    """Incident groups joined to an incident that had paged."""

    def as_dict(self) -> dict[str, Any]:
        return {
            "figures": _figures_dict(self.figures),
            "missed_or_late": list(self.missed_or_late),
            "seconds": round(self.seconds, 3),
            "joins": self.joins,
        }


@dataclass(frozen=True)
class DayResult:
    seed: int
    webhooks: int
    events: int
    figures: Figures
    missed_or_late: tuple[dict[str, Any], ...]
    """Holdoff's own verdict (:func:`holdoff.replay.report.replay`): never paged or paged late."""
    seconds: float
    on: Correlated | None = None
    """The same day with correlation on."""

    def as_dict(self) -> dict[str, Any]:
        return {
            "seed": self.seed,
            "webhooks": self.webhooks,
            "events": self.events,
            "figures": _figures_dict(self.figures),
            "missed_or_late": list(self.missed_or_late),
            "seconds": round(self.seconds, 3),
            "correlation_on": self.on.as_dict() if self.on else None,
        }


def _figures_dict(figures: Figures) -> dict[str, Any]:
    return asdict(figures) | {"wrongly_joined_share": round(figures.wrongly_joined_share, 4)}


@dataclass(frozen=True)
class Alert:
    key: str
    source: str
    name: str
    labels: dict[str, str]
    started: datetime


class _Tracker:
    """Follows the truth of every alert as the stream goes by, and turns the replay's messages into Sent."""

    def __init__(self) -> None:
        self.current: dict[str, str | None] = {}
        self.starts: dict[str, datetime] = {}
        self.sent: list[Sent] = []
        self.alerts: dict[str, Alert] = {}
        """Each alert's latest trigger: what a correlation member is made of."""
        self.groups: dict[int, list[Alert]] = {}
        """Holdoff's incidents: the alerts of their messages, as they were when first named."""

    def follow(self, items: Iterable[StreamEvent]) -> Iterator[StreamEvent]:
        for item in items:
            truth = item.truth
            if truth is not None and item.event.action is Action.TRIGGERED:
                key = f"{item.event.source}/{item.event.fingerprint}"
                event = item.event
                self.alerts[key] = Alert(key, event.source, event.name, dict(event.labels), item.at)
                incident = truth.incident if truth.kind == REAL else None
                self.current[key] = incident
                if incident is not None:
                    self.starts.setdefault(incident, item.at)
            yield item

    def decision(self, record: dict[str, Any]) -> None:
        if record.get("type") != "message":
            return
        real = frozenset(name for key in record["alerts"] if (name := self.current.get(key)) is not None)
        at = datetime.fromisoformat(record["at"]).astimezone(UTC)
        number = record["correlated"] if record.get("correlated") is not None else record["incident"]
        self.sent.append(Sent(at, bool(record["page"]), number, real))
        if record["incident"] is not None:
            group = self.groups.setdefault(record["incident"], [])
            named = {alert.key for alert in group}
            group.extend(
                self.alerts[key] for key in record["alerts"] if key not in named and key in self.alerts
            )


def _replay_day(
    items: Sequence[StreamEvent], settings: Settings, correlation: CorrelationConfig | None
) -> tuple[Report, _Tracker, float]:
    tracker = _Tracker()
    policy = build_policy(settings.policy)
    began = time.perf_counter()
    report = replay(policy, tracker.follow(items), decisions=tracker.decision, correlation=correlation)
    return report, tracker, time.perf_counter() - began


def run_day(
    lines: Sequence[dict[str, Any]],
    settings: Settings,
    seed: int = 0,
    topology: Mapping[str, Sequence[str]] | None = None,
) -> DayResult:
    """Replay the webhook ``lines`` of a day through Holdoff's core with correlation off, and (given the
    day's ``topology``) with correlation on as ``holdoff replay`` runs it; score both."""
    try:
        items = list(parse_lines([json.dumps(line) for line in lines], settings, name=f"seed {seed}"))
    except StreamError as exc:
        raise BenchmarkFailed(f"the generated day does not parse: {exc}") from exc
    report, tracker, seconds = _replay_day(items, settings, None)
    missed = tuple((report.truth or {}).get("missed", []))
    on = None
    if topology is not None:
        config = settings.correlation.model_copy(
            update={"topology": {name: tuple(targets) for name, targets in topology.items()}}
        )
        report_on, tracker_on, seconds_on = _replay_day(items, settings, config)
        on = Correlated(
            score(tracker_on.sent, tracker_on.starts),
            tuple((report_on.truth or {}).get("missed", [])),
            seconds_on,
            report_on.correlated,
        )
    return DayResult(seed, len(lines), len(items), score(tracker.sent, tracker.starts), missed, seconds, on)


def bench_settings(work_dir: Path) -> Settings:
    policy = work_dir / "correlation-off.yaml"
    policy.write_text(POLICY_YAML, encoding="utf-8")
    return day_settings(work_dir, policy)


# --- the benchmark --------------------------------------------------------------------------------


def add_arguments(parser: argparse.ArgumentParser) -> None:
    group = parser.add_argument_group("correlation")
    group.add_argument(
        "--correlation-seeds",
        type=int,
        nargs="+",
        default=list(DEFAULT_SEEDS),
        metavar="SEED",
        help="seeds of the generated days (default 1 2 3)",
    )
    group.add_argument(
        "--correlation-speed-runs",
        type=int,
        default=3,
        metavar="N",
        help="replays of the replay day each way (correlation off and on) for the speed figure (default 3)",
    )


def _table(results: Sequence[DayResult]) -> Table:
    table = Table(title="grace_seconds 600, group_by \\[service]; correlation off and on (holdoff replay)")
    for column in (
        "seed",
        "correlation",
        "real incidents",
        "pages",
        "pages / real incident",
        "never paged",
        "noise pages",
        "missed or late",
        "wrongly joined",
        "with noise",
        "split",
        "slowest first page",
    ):
        table.add_column(column, justify="right")
    for result in results:
        rows = [("off", result.figures, str(len(result.missed_or_late)))]
        if result.on is not None:
            rows.append(("on", result.on.figures, str(len(result.on.missed_or_late))))
        for mode, figures, missed in rows:
            slowest = "-" if figures.slowest_first_page_s is None else f"{figures.slowest_first_page_s:.0f} s"
            table.add_row(
                str(result.seed),
                mode,
                str(figures.real_incidents),
                str(figures.pages),
                f"{figures.pages_per_real_incident:.2f}",
                str(len(figures.never_paged)),
                str(figures.noise_pages),
                missed,
                f"{len(figures.wrongly_joined)} ({figures.wrongly_joined_share:.0%})",
                str(len(figures.with_noise)),
                str(len(figures.split)),
                slowest,
            )
    return table


def run(args: argparse.Namespace) -> int:
    console = Console()
    console.rule("[bold]correlation[/]")
    seeds: list[int] = list(getattr(args, "correlation_seeds", DEFAULT_SEEDS))
    results: list[DayResult] = []
    with tempfile.TemporaryDirectory(prefix="holdoff-bench-") as name:
        settings = bench_settings(Path(name))
        for seed in seeds:
            # Coralogix's webhooks name the service only as their subsystem: sources.naming gives them the
            # same service label Alertmanager's alerts carry.
            day = streamgen_cascade.generate(seed=seed, service_field=False)
            results.append(run_day(day.lines, settings, seed, day.topology))
        runs = getattr(args, "correlation_speed_runs", 3)
        speeds = [speed.as_dict() for speed in correlation_speed.measure(Path(name), settings, runs)]
    console.print(_table(results))
    for figures in speeds:
        stream = figures["stream"]
        console.print(
            f"replay speed, {stream['name']} ({figures['events']:,} events, {stream['services']} services, "
            f"{figures['decisions']:,} correlation decisions, {figures['joins']} joins): correlation off "
            f"{figures['median_off']:,} events/CPU s, on {figures['median_on']:,} events/CPU s (on/off "
            f"{figures['on_over_off']:.2f}); goal on >= {correlation_speed.GOAL_EVENTS_PER_S:,}",
            markup=False,
        )
    on = [result.on for result in results if result.on is not None]
    worst = max(day.figures.pages_per_real_incident for day in on)
    worst_joined = max(day.figures.wrongly_joined_share for day in on)
    missed = sum(len(day.missed_or_late) for day in on)
    met = worst <= GOAL_PAGES_PER_INCIDENT and worst_joined <= GOAL_WRONGLY_JOINED and not missed
    console.print(
        f"correlation on, worst seed: {worst:.2f} pages per real incident (goal <= {GOAL_PAGES_PER_INCIDENT}), "
        f"{worst_joined:.0%} wrongly joined (goal <= {GOAL_WRONGLY_JOINED:.0%}), {missed} missed or late "
        f"(goal 0): {'met' if met else 'NOT met'}"
    )
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    path = write_result(
        "correlation",
        stamp,
        {
            "benchmark": "correlation",
            "policy": POLICY_YAML,
            "correlation": "each day replayed twice through holdoff.replay.report.replay: correlation off, and "
            "on with the documented defaults plus the day's topology (correlation_on)",
            "days": [result.as_dict() for result in results],
            "replay_speed": speeds,
            "machine": machine_info(),
        },
    )
    console.print(f"result: {path}")
    return 0


BENCHMARK = Benchmark(
    name="correlation",
    summary="pages per real incident, wrong joins and splits on cascading multi-source days (several seeds)",
    add_arguments=add_arguments,
    run=run,
)
