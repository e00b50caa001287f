"""Replay benchmark (issue 4): a generated day of alerts through Holdoff's pure core, and Holdoff against a
real Alertmanager on the same stream.

1. **Throughput of the core.** ``bench/streamgen.py`` generates a day (24 h, 40 services, seed
   ``--replay-seed``) with its ground truth; the file is parsed once (not timed), then
   ``holdoff.replay.report.replay(build_policy(settings.policy), items)`` runs ``--replay-runs`` times with the
   policy ``bench/policies/day.yaml`` (a fresh policy per run: it caches per label set). Each event of
   the stream, a trigger or a resolve, counts as one alert, as in the ingest benchmarks; goal: at least
   50,000 alerts/s (median of the runs). A bigger stream (24 h, 200 services) is measured the same way
   (not with ``--quick``). The replay's own report of the day is printed too (page reduction, incidents
   missed, pages per real incident, late escalations).
2. **Holdoff vs Alertmanager, same stream.** The window of the day (``--am-window-hours``, starting on
   the hour) with the most real incidents, cut with :func:`bench.am_replay.window` so no occurrence is
   cut, is replayed (a) into Holdoff's core (simulated clock, real timers, the same policy) and (b) into
   Debian's ``prometheus-alertmanager`` with a default-like route (group_by [alertname], group_wait 30s,
   group_interval 5m, repeat_interval 4h) in real time compressed ``--am-scale`` times, its timers
   divided by the same factor (:func:`bench.am_replay.replay_into_alertmanager`). Both sides are scored
   by the same rules (:func:`bench.am_replay.score`): a page is a message that interrupts someone
   (Holdoff: escalated or reminder; Alertmanager: a firing notification), mapped to the stream's truth.

One JSON result (``bench/results/replay-<UTC timestamp>.json``) holds both phases, the configuration
(scale and timers included) and the machine.
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import shutil
import statistics
import tempfile
import time
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, Final

import httpx
from rich.console import Console
from rich.table import Table

from bench import Benchmark, BenchmarkFailed, streamgen
from bench.am_replay import (
    DEFAULT_GROUP_INTERVAL,
    DEFAULT_GROUP_WAIT,
    DEFAULT_REPEAT_INTERVAL,
    REAL_INCIDENT,
    AlertmanagerReplay,
    Notification,
    Score,
    alert_labels,
    am_duration,
    event_time,
    replay_into_alertmanager,
    score,
    window,
)
from bench.common import ROOT, machine_info, positive_float, positive_int, verdict, write_result
from holdoff.policy.section import build_policy
from holdoff.replay import stream as stream_file
from holdoff.replay.report import Report, replay
from holdoff.replay.stream import StreamEvent
from holdoff.settings import Settings, load_settings
from holdoff.settings.file import ConfigError

POLICY: Final = Path(__file__).resolve().parent / "policies" / "day.yaml"
GOAL_ALERTS_PER_S: Final = 50_000
HOURS: Final = 24.0
DAY_SERVICES: Final = 40
BIG_SERVICES: Final = 200
DEFAULT_RUNS: Final = 5
QUICK_RUNS: Final = 2
DEFAULT_WINDOW_HOURS: Final = 3.0
QUICK_WINDOW_HOURS: Final = 1.0
DEFAULT_SCALE: Final = 60.0
QUICK_SCALE: Final = 120.0
AM_GROUP_BY: Final = ("alertname",)
AM_CLEANUP_WALL_S: Final = 30.0
"""Alertmanager's dispatcher maintenance (removal of empty groups): every 30 s of wall time, hard-coded."""
OTHER_KINDS: Final = ("transient_resolved", "flapping", "digest")
"""Holdoff's messages that neither page nor say resolved."""


# --- settings -------------------------------------------------------------------------------------


def day_settings(work_dir: Path, policy: Path = POLICY) -> Settings:
    """The settings of ``policy``, with an empty env file so a host's ``/etc/holdoff.env`` is never read."""
    env_file = work_dir / "empty.env"
    env_file.touch()
    try:
        return load_settings(env_file=env_file, config_file=policy)
    except ConfigError as exc:
        raise BenchmarkFailed(f"{policy}: {exc}") from exc


def _inherited_env() -> list[str]:
    """``HOLDOFF_*`` variables of this process: they override the policy file's settings."""
    return sorted(name for name in os.environ if name.upper().startswith("HOLDOFF_"))


# --- phase 1: throughput of the core --------------------------------------------------------------


@dataclass(frozen=True)
class Throughput:
    name: str
    seed: int
    hours: float
    services: int
    events: list[dict[str, Any]]
    """The generated stream, as dicts (the comparison phase cuts its window from the day's)."""
    parse_seconds: float
    seconds: list[float]
    """Wall seconds of each run of ``replay(build_policy(settings.policy), items)``."""
    cpu_seconds: list[float]
    """CPU seconds of this process in each run: well below the wall seconds, something else took the core."""
    report: Report
    """The first run's report (every run must report the same figures)."""

    @property
    def alerts_per_s(self) -> list[float]:
        return [self.report.events / s if s > 0 else 0.0 for s in self.seconds]

    @property
    def median(self) -> float:
        return statistics.median(self.alerts_per_s)

    @property
    def best(self) -> float:
        return max(self.alerts_per_s)

    @property
    def occurrences_per_s(self) -> float:
        """Alert occurrences (a trigger and its resolve) per second, at the median speed."""
        return self.median * self.report.occurrences / self.report.events if self.report.events else 0.0

    @property
    def cpu_share(self) -> float:
        """CPU seconds over wall seconds of all runs (1.0: the replay had its core to itself)."""
        return sum(self.cpu_seconds) / sum(self.seconds) if sum(self.seconds) > 0 else 0.0

    @property
    def goal_met(self) -> bool:
        return self.median >= GOAL_ALERTS_PER_S

    def summary(self) -> dict[str, Any]:
        report = self.report.as_dict()
        late = report.pop("late_escalations")
        for key in ("seconds", "events_per_second"):
            report.pop(key)
        return {
            "stream": {"seed": self.seed, "hours": self.hours, "services": self.services},
            "correlation": "on (the default correlation: section, as holdoff replay runs it)",
            "events": self.report.events,
            "occurrences": self.report.occurrences,
            "runs": len(self.seconds),
            "parse_seconds": round(self.parse_seconds, 3),
            "run_seconds": [round(s, 4) for s in self.seconds],
            "run_cpu_seconds": [round(s, 4) for s in self.cpu_seconds],
            "cpu_share": round(self.cpu_share, 3),
            "alerts_per_s": {
                "median": round(self.median, 1),
                "best": round(self.best, 1),
                "each": [round(rate, 1) for rate in self.alerts_per_s],
            },
            "occurrences_per_s_median": round(self.occurrences_per_s, 1),
            "goal_alerts_per_s": GOAL_ALERTS_PER_S,
            "goal_met": self.goal_met,
            "report": report | {"late_escalations": len(late), "late_first": late[:10]},
        }


def _figures(report: Report) -> dict[str, Any]:
    """A report without its timing: what every run of the same stream must reproduce."""
    figures = report.as_dict()
    for key in ("seconds", "events_per_second"):
        figures.pop(key)
    return figures


def measure_throughput(
    name: str, *, seed: int, hours: float, services: int, runs: int, work_dir: Path, settings: Settings
) -> Throughput:
    """Generate a stream, write and parse it once (not timed), then time ``runs`` replays through the core."""
    events = streamgen.generate(seed=seed, hours=hours, services=services)
    if not events:
        raise BenchmarkFailed(f"{name}: the generator produced no events")
    path = work_dir / f"{name}.jsonl"
    streamgen.write(events, path)
    began = time.perf_counter()
    try:
        items: list[StreamEvent] = list(stream_file.read(path, settings))
    except stream_file.StreamError as exc:
        raise BenchmarkFailed(f"{name}: the generated stream does not parse: {exc}") from exc
    parse_seconds = time.perf_counter() - began
    seconds: list[float] = []
    cpu_seconds: list[float] = []
    first: Report | None = None
    for _ in range(runs):
        gc.collect()
        began, cpu = time.perf_counter(), time.process_time()
        report = replay(build_policy(settings.policy), items, correlation=settings.correlation)
        seconds.append(time.perf_counter() - began)
        cpu_seconds.append(time.process_time() - cpu)
        if report.events != len(items):
            raise BenchmarkFailed(f"{name}: replay counted {report.events:,} events of {len(items):,}")
        if first is None:
            first = report
        elif _figures(report) != _figures(first):
            raise BenchmarkFailed(f"{name}: two runs of the same stream reported different figures")
    assert first is not None
    return Throughput(name, seed, hours, services, events, parse_seconds, seconds, cpu_seconds, first)


# --- phase 2: the window and the two replays -------------------------------------------------------


def incidents_in(events: Sequence[dict[str, Any]]) -> set[str]:
    """The real incidents (``truth.kind == "incident"``) that have at least one event in ``events``."""
    found: set[str] = set()
    for event in events:
        truth = event.get("truth") or {}
        if truth.get("kind") == REAL_INCIDENT and truth.get("incident"):
            found.add(str(truth["incident"]))
    return found


@dataclass(frozen=True)
class Window:
    start: datetime
    end: datetime
    events: list[dict[str, Any]]
    """The stream's events inside, minus every occurrence the window cuts (:func:`bench.am_replay.window`)."""
    incidents: tuple[str, ...]

    @property
    def occurrences(self) -> int:
        return sum(1 for event in self.events if event["action"] == "triggered")

    def label(self) -> str:
        return f"{self.start:%Y-%m-%d %H:%M}-{self.end:%H:%M} UTC"


def choose_window(events: Sequence[dict[str, Any]], hours: float) -> Window:
    """The ``hours``-long window starting on the hour, inside the stream's span (rounded out to whole
    hours), that holds the most real incidents; the earliest one on a tie."""
    if not events:
        raise ValueError("no events")
    first, last = event_time(events[0]), event_time(events[-1])
    begin = first.replace(minute=0, second=0, microsecond=0)
    finish = last.replace(minute=0, second=0, microsecond=0)
    if finish < last:
        finish += timedelta(hours=1)
    length = timedelta(hours=hours)
    best: Window | None = None
    start = begin
    while best is None or start + length <= finish:
        inside = window(events, start, start + length)
        incidents = tuple(sorted(incidents_in(inside)))
        if best is None or len(incidents) > len(best.incidents):
            best = Window(start, start + length, inside, incidents)
        start += timedelta(hours=1)
    return best


@dataclass(frozen=True)
class HoldoffWindow:
    report: Report
    score: Score
    kinds: dict[str, int]
    """Messages by kind (one message to several channels counts once)."""
    seconds: float


def _stamp(value: str) -> datetime:
    at = datetime.fromisoformat(value)
    return at if at.tzinfo else at.replace(tzinfo=UTC)


def holdoff_notifications(
    events: Sequence[dict[str, Any]], messages: Sequence[dict[str, Any]]
) -> list[Notification]:
    """Holdoff's messages (the replay's decision log) as webhook-like notifications, so
    :func:`bench.am_replay.score` scores them by the same rules as Alertmanager's: a paging message is
    "firing" with its alerts firing, a resolved one "resolved", the rest carry their own kind."""
    labels: dict[str, dict[str, str]] = {}
    for event in events:
        labels.setdefault(f"{event['source']}/{event['fingerprint']}", alert_labels(event))
    notifications: list[Notification] = []
    for message in messages:
        at = _stamp(str(message["at"]))
        status = "firing" if message["page"] else str(message["kind"])
        group = message["incident"] if message["incident"] is not None else ",".join(message["alerts"])
        payload = {
            "status": status,
            "groupKey": f"holdoff:{group}",
            "alerts": [
                {"status": "firing" if message["page"] else "resolved", "labels": labels.get(key, {})}
                for key in message["alerts"]
            ],
        }
        notifications.append(Notification(payload, at.timestamp(), at))
    return notifications


def replay_holdoff_window(events: Sequence[dict[str, Any]], settings: Settings) -> HoldoffWindow:
    """The window through Holdoff's core (simulated clock, its timers run out after the last event)."""
    items = list(stream_file.parse_lines([json.dumps(event) for event in events], settings, name="window"))
    messages: list[dict[str, Any]] = []

    def sink(entry: dict[str, Any]) -> None:
        if entry["type"] == "message":
            messages.append(entry)

    began = time.perf_counter()
    report = replay(build_policy(settings.policy), items, decisions=sink)
    seconds = time.perf_counter() - began
    kinds = Counter(str(message["kind"]) for message in messages)
    scored = score(events, holdoff_notifications(events, messages))
    if scored.pages_total != report.pages:
        raise BenchmarkFailed(f"holdoff: {scored.pages_total} pages scored, the report says {report.pages}")
    return HoldoffWindow(report, scored, dict(sorted(kinds.items())), seconds)


def _delays(result: Score) -> tuple[float | None, float | None]:
    """Median and max seconds from an incident's first trigger to its first page (stream time)."""
    seconds = sorted(i.seconds_to_page for i in result.per_incident.values() if i.seconds_to_page is not None)
    if not seconds:
        return None, None
    return statistics.median(seconds), seconds[-1]


def _stream_timers() -> dict[str, str]:
    return {
        "group_wait": am_duration(DEFAULT_GROUP_WAIT),
        "group_interval": am_duration(DEFAULT_GROUP_INTERVAL),
        "repeat_interval": am_duration(DEFAULT_REPEAT_INTERVAL),
    }


# --- the benchmark --------------------------------------------------------------------------------


def _config(args: argparse.Namespace) -> dict[str, Any]:
    quick = bool(args.quick)
    streams = [{"name": "day", "hours": HOURS, "services": DAY_SERVICES}]
    if not quick:
        streams.append({"name": "big", "hours": HOURS, "services": BIG_SERVICES})
    return {
        "quick": quick,
        "policy": str(POLICY.relative_to(ROOT)),
        "seed": args.replay_seed,
        "runs": args.replay_runs or (QUICK_RUNS if quick else DEFAULT_RUNS),
        "streams": streams,
        "am_window_hours": args.am_window_hours or (QUICK_WINDOW_HOURS if quick else DEFAULT_WINDOW_HOURS),
        "am_scale": args.am_scale or (QUICK_SCALE if quick else DEFAULT_SCALE),
        "am_group_by": list(AM_GROUP_BY),
        "am_timers_stream": _stream_timers(),
    }


def _console() -> Console:
    console = Console(highlight=False)
    if not console.is_terminal:
        console.width = max(console.width, 120)
    return console


def run_replay(args: argparse.Namespace) -> int:
    config = _config(args)
    console = _console()
    tag = datetime.now(UTC).strftime("%Y%m%dT%H%M%S") + f"-{os.getpid()}"
    console.rule("Replay benchmark" + " (--quick: a smoke run, figures are indicative)" * config["quick"])
    if inherited := _inherited_env():
        console.print(f"[yellow]note:[/] {', '.join(inherited)} set: they override {config['policy']}")
    work_dir = Path(tempfile.mkdtemp(prefix="holdoff-bench-replay-"))
    throughputs: list[Throughput] = []
    chosen: Window | None = None
    holdoff: HoldoffWindow | None = None
    am: AlertmanagerReplay | None = None
    failure: str | None = None
    try:
        settings = day_settings(work_dir)
        for stream in config["streams"]:
            console.print(
                f"  {stream['name']}: generating {stream['hours']:g} h of {stream['services']} services "
                f"(seed {config['seed']}), then {config['runs']} timed replays through the core"
            )
            throughputs.append(
                measure_throughput(
                    stream["name"],
                    seed=config["seed"],
                    hours=stream["hours"],
                    services=stream["services"],
                    runs=config["runs"],
                    work_dir=work_dir,
                    settings=settings,
                )
            )
        _print_throughput(console, throughputs, config)
        _print_day_report(console, throughputs[0])
        for tp in throughputs[1:]:
            truth = tp.report.truth or {}
            console.print(
                f"  {tp.name}: {tp.report.pages:,} pages of {tp.report.baseline_pages:,} occurrences "
                f"(reduction {tp.report.reduction:.1%}), {truth.get('real_incidents', 0)} real incidents, "
                f"{len(truth.get('missed') or [])} missed or late, {truth.get('pages_per_real_incident')} "
                f"pages per real incident, {truth.get('noise_pages', 0)} noise pages, "
                f"{len(tp.report.late)} late escalations"
            )

        chosen = choose_window(throughputs[0].events, config["am_window_hours"])
        if not chosen.events:
            raise BenchmarkFailed(f"the window {chosen.label()} holds no complete occurrence")
        span = (event_time(chosen.events[-1]) - event_time(chosen.events[0])).total_seconds()
        wall = (span + DEFAULT_GROUP_INTERVAL) / config["am_scale"]
        console.print(
            f"  window {chosen.label()}: real incidents {len(chosen.incidents)}, {chosen.occurrences:,} "
            f"occurrences, {len(chosen.events):,} events; into Holdoff's core, then into Alertmanager "
            f"at x{config['am_scale']:g} (about {wall:.0f} s of wall time)"
        )
        holdoff = replay_holdoff_window(chosen.events, settings)
        am = replay_into_alertmanager(
            chosen.events,
            scale=config["am_scale"],
            group_by=AM_GROUP_BY,
            work_dir=work_dir / "alertmanager",
        )
        _print_comparison(console, chosen, holdoff, am, config)
    except BenchmarkFailed as exc:
        failure = str(exc)
    except (OSError, ValueError, httpx.HTTPError) as exc:
        failure = f"{type(exc).__name__}: {exc}"
    finally:
        log = work_dir / "alertmanager" / "alertmanager.log"
        if failure and log.is_file():
            console.print("[red]alertmanager log (last lines):[/]")
            console.print("\n".join(log.read_text("utf-8", "replace").splitlines()[-20:]), markup=False)
        if getattr(args, "keep_data", False):
            console.print(f"  data dir kept: {work_dir}")
        else:
            shutil.rmtree(work_dir, ignore_errors=True)

    path = write_result("replay", tag, _result(config, tag, failure, throughputs, chosen, holdoff, am))
    if failure:
        console.print(f"[bold red]FAILED[/]: {failure}")
    console.print(f"  results: {path}")
    return 1 if failure else 0


# --- reporting ------------------------------------------------------------------------------------


def _print_throughput(console: Console, throughputs: list[Throughput], config: dict[str, Any]) -> None:
    table = Table(title="Replay through the pure core" + " (quick)" * config["quick"], title_justify="left")
    for column in ("stream", "events", "occurrences", "alerts/s median", "best", "occurrences/s"):
        table.add_column(column, justify="left" if column == "stream" else "right")
    table.add_column("goal", justify="right")
    table.add_column("verdict")
    for tp in throughputs:
        table.add_row(
            f"{tp.name}: {tp.hours:g} h, {tp.services} services",
            f"{tp.report.events:,}",
            f"{tp.report.occurrences:,}",
            f"{tp.median:,.0f}",
            f"{tp.best:,.0f}",
            f"{tp.occurrences_per_s:,.0f}",
            f"≥ {GOAL_ALERTS_PER_S:,}",
            verdict(tp.goal_met),
        )
    parse = ", ".join(f"{tp.name} {tp.parse_seconds:.2f} s" for tp in throughputs)
    share = ", ".join(f"{tp.name} {tp.cpu_share:.2f}" for tp in throughputs)
    table.caption = (
        f"{config['runs']} runs each of replay(build_policy(settings.policy), items), {config['policy']}, seed "
        f"{config['seed']}; an alert is one event (trigger or resolve); parsing not timed ({parse}); "
        f"one process, simulated clock; CPU/wall of the runs {share} (below 1: another process took the core)"
    )
    console.print(table)


def _print_day_report(console: Console, tp: Throughput) -> None:
    report, truth = tp.report, tp.report.truth or {}
    table = Table(title=f"Holdoff's replay report of the {tp.name}", title_justify="left")
    table.add_column("figure")
    table.add_column("value", justify="right")
    missed = truth.get("missed") or []
    slowest = truth.get("max_first_page_delay_s")
    rows = [
        ("pages sent", f"{report.pages:,}"),
        ("pages if every alert paged (occurrences)", f"{report.baseline_pages:,}"),
        ("page reduction", f"{report.reduction:.1%}"),
        ("real incidents", f"{truth.get('real_incidents', 0):,}"),
        ("missed or late (goal 0)", f"{len(missed)}  {verdict(not missed)}"),
        ("pages naming a real incident", f"{truth.get('pages_with_real_incident', 0):,}"),
        ("pages per real incident", str(truth.get("pages_per_real_incident"))),
        ("mean pages naming each incident", str(truth.get("mean_pages_naming_each_incident"))),
        ("pages about no real incident", f"{truth.get('noise_pages', 0):,}"),
        ("slowest first page", "n/a" if slowest is None else f"{slowest:.0f} s"),
        ("late escalations", f"{len(report.late):,}"),
        ("transients held (nobody paged)", f"{report.transients_held:,}"),
    ]
    rows += [(f"held back: {reason}", f"{count:,}") for reason, count in report.held.items()]
    for row in rows:
        table.add_row(*row)
    console.print(table)
    for item in missed[:10]:
        console.print(f"  [red]missed:[/] {item['incident']}: {item['why']}")


def _seconds(value: float | None) -> str:
    return "n/a" if value is None else f"{value:,.0f}"


def _print_comparison(
    console: Console,
    chosen: Window,
    holdoff: HoldoffWindow,
    am: AlertmanagerReplay,
    config: dict[str, Any],
) -> None:
    ho, al = holdoff.score, am.score
    truth = holdoff.report.truth or {}
    late = truth.get("missed") or []
    title = f"Holdoff vs Alertmanager, same stream: {chosen.label()}" + " (quick)" * config["quick"]
    table = Table(title=title, title_justify="left")
    table.add_column("figure")
    table.add_column("Holdoff", justify="right")
    table.add_column("Alertmanager", justify="right")
    table.add_column("note")
    kinds = sorted(set(ho.pages_by_kind) | set(al.pages_by_kind))
    h_median, h_max = _delays(ho)
    a_median, a_max = _delays(al)
    other = sum(holdoff.kinds.get(kind, 0) for kind in OTHER_KINDS)
    other_note = ", ".join(f"{kind} {holdoff.kinds.get(kind, 0):,}" for kind in OTHER_KINDS)
    rows = [
        ("real incidents in the window", f"{ho.incidents}", f"{al.incidents}", ", ".join(chosen.incidents)),
        ("pages", f"{ho.pages_total:,}", f"{al.pages_total:,}", "Holdoff escalated/reminder; AM firing"),
        ("  naming a real incident", f"{ho.incident_pages:,}", f"{al.incident_pages:,}", ""),
        ("  with no real incident (noise)", f"{ho.noise_pages:,}", f"{al.noise_pages:,}", ""),
    ]
    rows += [
        (
            f"  with a firing {kind} alert",
            f"{ho.pages_by_kind.get(kind, 0):,}",
            f"{al.pages_by_kind.get(kind, 0):,}",
            "",
        )
        for kind in kinds
    ]
    rows += [
        (
            "  nothing newly firing",
            f"{ho.pages_nothing_new:,}",
            f"{al.pages_nothing_new:,}",
            "AM: a resolve or repeat re-sent the group",
        ),
        (
            "pages per real incident",
            f"{ho.pages_per_real_incident:.2f}",
            f"{al.pages_per_real_incident:.2f}",
            "pages naming one / incidents",
        ),
        (
            "mean pages naming each incident",
            f"{ho.mean_pages_per_incident:.2f}",
            f"{al.mean_pages_per_incident:.2f}",
            "",
        ),
        (
            "incidents missed (never paged)",
            f"{len(ho.missed_incidents)}",
            f"{len(al.missed_incidents)}",
            ", ".join(al.missed_incidents) and f"AM missed {', '.join(al.missed_incidents)}",
        ),
        (
            "missed or late by Holdoff's policy (goal 0)",
            f"{len(late)}  {verdict(not late and not ho.missed_incidents)}",
            "",
            "; ".join(f"{item['incident']}: {item['why']}" for item in late[:3]),
        ),
        (
            "first page, median (stream s)",
            _seconds(h_median),
            _seconds(a_median),
            "after the incident's first trigger",
        ),
        ("first page, max (stream s)", _seconds(h_max), _seconds(a_max), ""),
        ("resolved messages", f"{holdoff.kinds.get('resolved', 0):,}", f"{al.resolved_messages:,}", ""),
        ("other messages", f"{other:,}", "0", f"Holdoff: {other_note}"),
        (
            "replay time",
            f"{holdoff.seconds:.2f} s",
            f"{am.wall_seconds:.0f} s",
            f"AM: x{am.scale:g} real time, worst post lag {am.max_lag:.3f} s",
        ),
    ]
    for row in rows:
        table.add_row(*row)
    wall = ", ".join(f"{name} {value}" for name, value in am.timers.items())
    stream = ", ".join(f"{name} {value}" for name, value in config["am_timers_stream"].items())
    table.caption = (
        f"{len(chosen.events):,} events, {chosen.occurrences:,} occurrences (none cut by the window); "
        f"Holdoff: {config['policy']}; Alertmanager: group_by {list(am.group_by)}, {stream}"
    )
    console.print(table)
    lingering = AM_CLEANUP_WALL_S * am.scale / 60
    console.print(
        f"  Alertmanager ran in real time compressed x{am.scale:g}, its timers divided by the scale "
        f"({wall} of wall time). Its clean-up of empty groups runs every {AM_CLEANUP_WALL_S:g} s of wall "
        f"time, hard-coded (= {lingering:g} min of stream time here): an alert firing again in a group "
        "awaiting clean-up waits for the group's next group_interval tick and is not notified at all if it "
        "resolves before it, so at high scale Alertmanager under-counts pages (see bench/am_replay.py)."
    )


def _result(
    config: dict[str, Any],
    tag: str,
    failure: str | None,
    throughputs: list[Throughput],
    chosen: Window | None,
    holdoff: HoldoffWindow | None,
    am: AlertmanagerReplay | None,
) -> dict[str, Any]:
    comparison: dict[str, Any] = {}
    if chosen is not None:
        comparison["window"] = {
            "start": chosen.start.isoformat(),
            "end": chosen.end.isoformat(),
            "hours": config["am_window_hours"],
            "events": len(chosen.events),
            "occurrences": chosen.occurrences,
            "incidents": list(chosen.incidents),
        }
    if holdoff is not None:
        median, worst = _delays(holdoff.score)
        comparison["holdoff"] = {
            "score": holdoff.score.summary(),
            "messages_by_kind": holdoff.kinds,
            "first_page_delay_s": {"median": median, "max": worst},
            "report": _figures(holdoff.report),
            "replay_seconds": round(holdoff.seconds, 3),
        }
    if am is not None:
        median, worst = _delays(am.score)
        comparison["alertmanager"] = {
            "score": am.score.summary(),
            "first_page_delay_s": {"median": median, "max": worst},
            "scale": am.scale,
            "group_by": list(am.group_by),
            "timers_stream": config["am_timers_stream"],
            "timers_wall": am.timers,
            "group_cleanup_wall_s": AM_CLEANUP_WALL_S,
            "posts": am.posts,
            "alerts_posted": am.alerts_posted,
            "max_post_lag_s": round(am.max_lag, 4),
            "wall_seconds": round(am.wall_seconds, 2),
        }
    day = throughputs[0] if throughputs else None
    return {
        "benchmark": "replay",
        "run": tag,
        "timestamp": datetime.now(UTC).isoformat(timespec="seconds"),
        "failed": failure is not None,
        "failure": failure,
        "config": config,
        "machine": machine_info(),
        "inherited_env": _inherited_env(),
        "goals": {"alerts_per_s": GOAL_ALERTS_PER_S, "holdoff_missed_incidents": 0},
        "goal_met": {
            "alerts_per_s": None if day is None else day.goal_met,
            "holdoff_missed_incidents": None
            if holdoff is None
            else not holdoff.score.missed_incidents and not (holdoff.report.truth or {}).get("missed"),
        },
        "throughput": {tp.name: tp.summary() for tp in throughputs},
        "comparison": comparison,
    }


def add_arguments(parser: argparse.ArgumentParser) -> None:
    group = parser.add_argument_group("replay benchmark (also uses --keep-data)")
    group.add_argument("--replay-seed", type=int, default=1, help="seed of the generated streams (default 1)")
    group.add_argument(
        "--replay-runs",
        type=positive_int,
        help=f"timed replays of each stream (default {DEFAULT_RUNS}; {QUICK_RUNS} with --quick)",
    )
    group.add_argument(
        "--am-window-hours",
        type=positive_float,
        help="hours of the day replayed into Holdoff and Alertmanager side by side (default "
        f"{DEFAULT_WINDOW_HOURS:g}; {QUICK_WINDOW_HOURS:g} with --quick)",
    )
    group.add_argument(
        "--am-scale",
        type=positive_float,
        help="stream seconds per wall second of the Alertmanager replay, its timers divided by it "
        f"(default {DEFAULT_SCALE:g}; {QUICK_SCALE:g} with --quick)",
    )


BENCHMARK: Final = Benchmark(
    name="replay",
    summary="a generated day through Holdoff's pure core (alerts/s), and Holdoff vs a real Alertmanager "
    "on the same stream (pages per real incident)",
    add_arguments=add_arguments,
    run=run_replay,
)
