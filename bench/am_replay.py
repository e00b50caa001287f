"""Replay a recorded alert stream into a real Alertmanager and count what it notifies.

The other half of the Holdoff-vs-Alertmanager notification comparison: the same JSON Lines stream that
Holdoff is fed (one event a line: ``at``, ``fingerprint``, ``action`` triggered/resolved, ``labels``,
``annotations`` and the generator's ``truth``) goes, in real time compressed by ``scale``, into Debian's
``prometheus-alertmanager`` (127.0.0.1, gossip off) whose route timers are divided by the same ``scale``.
One webhook receiver with ``send_resolved`` points at a local HTTP server that records every notification
with its arrival time; :func:`score` then maps the notified alerts back to the stream's truth.

Stream time ``t`` (seconds after the origin, by default the first event) is posted at wall time
``t / scale`` after the replay started; a notification that arrives ``w`` wall seconds after the start
stands for stream time ``origin + w * scale``.

Scoring: a notification with status "firing" is a page (it interrupts someone), "resolved" ones are
counted apart. A notified alert is mapped to the stream's truth by its label set (the latest occurrence
of those labels triggered before the notification); a page counts for every real incident
(``truth.kind == "incident"``) one of its *firing* alerts belongs to; a page with none is a noise page.

What the scaling cannot scale (measured with Alertmanager 0.25): Alertmanager removes an aggregation
group that has become empty (all its alerts resolved and notified) only in its dispatcher maintenance,
every 30 s of wall time, hard-coded. At ``scale`` S an empty group so lingers up to 30 x S stream seconds
(30 min at x60) instead of 30 s; an alert of that group firing again meanwhile waits for the group's next
group_interval tick instead of group_wait, and is never notified if it resolves before that tick.
Other behaviour the figures show rather than distort: a new group's first notification waits group_wait,
so an alert that resolves within group_wait of starting a new group is never notified (not even as
resolved); later alerts of a group wait for its next group_interval tick; a resolve is notified on the
group's next tick after it: in a "firing" notification while other alerts of the group still fire (a
page by the rule above, counted also in ``pages_nothing_new``), else in a "resolved" one.

Manual use::

    .venv/bin/python -m bench.am_replay STREAM.jsonl --scale 60 [--from HH:MM --hours 2]
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import shutil
import subprocess
import tempfile
import threading
import time
from collections import defaultdict
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any, Final

import httpx
import yaml
from rich.console import Console
from rich.table import Table

from bench import BenchmarkFailed
from bench.alertmanager import ALERTMANAGER, AlertmanagerProcess
from bench.server import free_port

DEFAULT_GROUP_WAIT: Final = 30.0
DEFAULT_GROUP_INTERVAL: Final = 300.0
DEFAULT_REPEAT_INTERVAL: Final = 14_400.0
"""Alertmanager's own defaults: group_wait 30s, group_interval 5m, repeat_interval 4h."""
SETTLE_MARGIN: Final = 2.0
"""Wall seconds waited, on top of group_interval / scale, after the last event."""
FAR_FUTURE: Final = timedelta(days=365)
"""``endsAt`` of a firing alert: Alertmanager must not resolve it on its own (resolve_timeout)."""
POST_TIMEOUT: Final = 10.0
RECEIVER_PATH: Final = "/notify"
REAL_INCIDENT: Final = "incident"

# --- the stream -----------------------------------------------------------------------------------


def event_time(event: dict[str, Any]) -> datetime:
    """An event's ``at`` as an aware datetime (naive values are taken as UTC)."""
    value = event["at"]
    at = value if isinstance(value, datetime) else datetime.fromisoformat(str(value))
    return at if at.tzinfo else at.replace(tzinfo=UTC)


def read_stream(path: Path) -> list[dict[str, Any]]:
    """The events of a JSON Lines stream (blank lines skipped), sorted by ``at`` (stable)."""
    events: list[dict[str, Any]] = []
    with path.open(encoding="utf-8") as lines:
        for number, line in enumerate(lines, 1):
            if not line.strip():
                continue
            try:
                event = json.loads(line)
            except json.JSONDecodeError as exc:
                raise ValueError(f"{path}:{number}: not JSON: {exc}") from exc
            if not isinstance(event, dict) or event.get("action") not in ("triggered", "resolved"):
                raise ValueError(f"{path}:{number}: not a triggered/resolved event")
            events.append(event)
    return sorted(events, key=event_time)


def alert_labels(event: dict[str, Any]) -> dict[str, str]:
    """The label set posted to Alertmanager: the event's labels as strings, empty values dropped (an
    empty label is no label to Alertmanager), ``alertname`` from the event's ``name`` if missing."""
    labels = {str(k): str(v) for k, v in (event.get("labels") or {}).items() if v is not None and v != ""}
    if "alertname" not in labels and event.get("name"):
        labels["alertname"] = str(event["name"])
    return labels


def identity(labels: dict[str, Any]) -> tuple[tuple[str, str], ...]:
    """Alertmanager's identity of an alert: its sorted label set."""
    return tuple(sorted((str(k), str(v)) for k, v in labels.items() if v is not None and v != ""))


def _occurrences(events: Sequence[dict[str, Any]]) -> list[list[int]]:
    """Indexes of the events of each occurrence (a triggered up to the next resolved of the same
    fingerprint, re-triggers in between included), in order of their first event; an occurrence
    never resolved is returned as it is; a resolved without a trigger is one of its own."""
    open_: dict[str, list[int]] = {}
    done: list[list[int]] = []
    for index, event in enumerate(events):
        fingerprint = str(event["fingerprint"])
        if event["action"] == "triggered":
            open_.setdefault(fingerprint, []).append(index)
        else:
            done.append([*open_.pop(fingerprint, []), index])
    done.extend(open_.values())
    return sorted(done, key=lambda indexes: indexes[0])


def window(events: Sequence[dict[str, Any]], start: datetime, end: datetime) -> list[dict[str, Any]]:
    """The events with ``start <= at <= end``, minus every occurrence the window cuts: only occurrences
    whose trigger and resolve both fall inside are kept, so every triggered has its resolved."""
    inside = [event for event in events if start <= event_time(event) <= end]
    keep: set[int] = set()
    for indexes in _occurrences(inside):
        first, last = inside[indexes[0]], inside[indexes[-1]]
        if first["action"] == "triggered" and last["action"] == "resolved":
            keep.update(indexes)
    return [event for index, event in enumerate(inside) if index in keep]


# --- scoring --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Notification:
    """One webhook payload as the receiver got it."""

    payload: dict[str, Any]
    received: float
    """Wall arrival time (Unix seconds)."""
    stream_at: datetime
    """The stream time this arrival stands for (origin + wall seconds since the start x scale)."""

    @property
    def status(self) -> str:
        return str(self.payload.get("status", ""))


@dataclass(frozen=True)
class IncidentScore:
    incident: str
    first_trigger: datetime
    """Stream time of the incident's first triggered event."""
    pages: int
    """Pages that contained at least one firing alert of this incident."""
    first_page: datetime | None
    """Stream time of its first such page; None: missed."""

    @property
    def seconds_to_page(self) -> float | None:
        return None if self.first_page is None else (self.first_page - self.first_trigger).total_seconds()

    @property
    def missed(self) -> bool:
        return self.first_page is None


@dataclass(frozen=True)
class Score:
    pages_total: int
    """Notifications with status "firing": each one interrupts someone."""
    incident_pages: int
    """Pages with at least one firing real-incident alert."""
    noise_pages: int
    """Pages without any firing real-incident alert (transient, flapping, maintenance, noise, unknown)."""
    resolved_messages: int
    """Notifications with status "resolved" (not pages)."""
    incidents: int
    pages_per_real_incident: float
    """incident_pages / incidents (0 when there are no incidents)."""
    mean_pages_per_incident: float
    """Mean of the per-incident page counts (a page about two incidents counts for both)."""
    missed_incidents: tuple[str, ...]
    per_incident: dict[str, IncidentScore]
    pages_by_kind: dict[str, int]
    """Pages that contained at least one firing alert of each truth kind."""
    unmatched_alerts: int
    """Notified alerts whose labels match no alert of the stream (counted as noise)."""
    pages_nothing_new: int = 0
    """Pages (included in pages_total) whose firing alerts were all firing in the group's previous
    notification: sent because another alert of the group resolved, or because repeat_interval passed."""

    def summary(self) -> dict[str, Any]:
        return {
            "pages_total": self.pages_total,
            "incident_pages": self.incident_pages,
            "noise_pages": self.noise_pages,
            "resolved_messages": self.resolved_messages,
            "incidents": self.incidents,
            "pages_per_real_incident": round(self.pages_per_real_incident, 3),
            "mean_pages_per_incident": round(self.mean_pages_per_incident, 3),
            "missed_incidents": list(self.missed_incidents),
            "pages_by_kind": dict(self.pages_by_kind),
            "unmatched_alerts": self.unmatched_alerts,
            "pages_nothing_new": self.pages_nothing_new,
            "incident_detail": {
                key: {"pages": inc.pages, "seconds_to_page": inc.seconds_to_page}
                for key, inc in self.per_incident.items()
            },
        }


@dataclass(frozen=True)
class _Occurrence:
    triggered: datetime
    truth: dict[str, Any]


class _TruthIndex:
    """Label identity -> the stream's occurrences of that alert, to find the truth of a notified alert."""

    def __init__(self, events: Sequence[dict[str, Any]]) -> None:
        by_fingerprint: dict[str, tuple[tuple[str, str], ...]] = {}
        self.occurrences: dict[tuple[tuple[str, str], ...], list[_Occurrence]] = defaultdict(list)
        for event in events:
            key = by_fingerprint.setdefault(str(event["fingerprint"]), identity(alert_labels(event)))
            if event["action"] == "triggered":
                truth = event.get("truth") or {}
                self.occurrences[key].append(_Occurrence(event_time(event), truth))
        for found in self.occurrences.values():
            found.sort(key=lambda occurrence: occurrence.triggered)

    def truth(self, labels: dict[str, Any], at: datetime) -> dict[str, Any] | None:
        """The truth of the latest occurrence triggered at or before ``at`` (the first one if none is)."""
        found = self.occurrences.get(identity(labels))
        if not found:
            return None
        before = [occurrence for occurrence in found if occurrence.triggered <= at]
        return (before[-1] if before else found[0]).truth


def _incidents(events: Sequence[dict[str, Any]]) -> dict[str, datetime]:
    """Real incident id -> stream time of its first trigger."""
    first: dict[str, datetime] = {}
    for event in events:
        truth = event.get("truth") or {}
        if event["action"] == "triggered" and truth.get("kind") == REAL_INCIDENT and truth.get("incident"):
            at = event_time(event)
            key = str(truth["incident"])
            first[key] = min(first.get(key, at), at)
    return first


def score(events: Sequence[dict[str, Any]], notifications: Sequence[Notification]) -> Score:
    """Pages, noise pages, resolved messages and per-incident figures of what was notified."""
    index = _TruthIndex(events)
    first_trigger = _incidents(events)
    pages: dict[str, list[datetime]] = {key: [] for key in first_trigger}
    by_kind: dict[str, int] = defaultdict(int)
    last_firing: dict[str, set[tuple[tuple[str, str], ...]]] = {}
    pages_total = incident_pages = noise_pages = resolved = unmatched = nothing_new = 0
    for notification in sorted(notifications, key=lambda n: n.received):
        alerts = notification.payload.get("alerts") or []
        firing = [alert for alert in alerts if alert.get("status") == "firing"]
        group = str(notification.payload.get("groupKey", notification.payload.get("groupLabels")))
        firing_ids = {identity(alert.get("labels") or {}) for alert in firing}
        before, last_firing[group] = last_firing.get(group, set()), firing_ids
        if notification.status != "firing":
            resolved += notification.status == "resolved"
            continue
        pages_total += 1
        nothing_new += bool(before) and firing_ids <= before
        incidents: set[str] = set()
        kinds: set[str] = set()
        for alert in firing:
            truth = index.truth(alert.get("labels") or {}, notification.stream_at)
            if truth is None:
                unmatched += 1
                kinds.add("unknown")
                continue
            kinds.add(str(truth.get("kind")))
            if truth.get("kind") == REAL_INCIDENT and truth.get("incident"):
                incidents.add(str(truth["incident"]))
        for kind in kinds:
            by_kind[kind] += 1
        for key in incidents:
            pages[key].append(notification.stream_at)
        if incidents:
            incident_pages += 1
        else:
            noise_pages += 1
    per_incident = {
        key: IncidentScore(key, first_trigger[key], len(at), at[0] if at else None)
        for key, at in sorted(pages.items())
    }
    count = len(per_incident)
    return Score(
        pages_total=pages_total,
        incident_pages=incident_pages,
        noise_pages=noise_pages,
        resolved_messages=resolved,
        incidents=count,
        pages_per_real_incident=incident_pages / count if count else 0.0,
        mean_pages_per_incident=sum(i.pages for i in per_incident.values()) / count if count else 0.0,
        missed_incidents=tuple(key for key, inc in per_incident.items() if inc.missed),
        per_incident=per_incident,
        pages_by_kind=dict(sorted(by_kind.items())),
        unmatched_alerts=unmatched,
        pages_nothing_new=nothing_new,
    )


# --- the webhook receiver -------------------------------------------------------------------------


class _ReceiverServer(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self) -> None:
        super().__init__(("127.0.0.1", 0), _ReceiverHandler)
        self.lock = threading.Lock()
        self.received: list[tuple[float, dict[str, Any]]] = []
        """(time.monotonic() at arrival, payload)."""
        self.bad = 0


class _ReceiverHandler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server: _ReceiverServer

    def do_POST(self) -> None:
        body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        arrived = time.monotonic()
        try:
            payload = json.loads(body)
        except json.JSONDecodeError:
            payload = None
        with self.server.lock:
            if isinstance(payload, dict):
                self.server.received.append((arrived, payload))
            else:
                self.server.bad += 1
        self.send_response(200)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, format: str, *args: Any) -> None:
        pass


@contextlib.contextmanager
def _receiver() -> Iterator[_ReceiverServer]:
    server = _ReceiverServer()
    thread = threading.Thread(target=server.serve_forever, name="am-replay-receiver", daemon=True)
    thread.start()
    try:
        yield server
    finally:
        server.shutdown()
        server.server_close()
        thread.join(5)


# --- Alertmanager ---------------------------------------------------------------------------------


def am_duration(seconds: float) -> str:
    """``seconds`` as an Alertmanager duration, to the millisecond: 0.5 -> ``500ms``, 240 -> ``4m``,
    3.25 -> ``3s250ms`` (Alertmanager takes no fractions, only whole units one after the other)."""
    millis = round(seconds * 1000)
    if millis < 0:
        raise ValueError(f"negative duration: {seconds}")
    if millis == 0:
        return "0s"
    parts: list[str] = []
    for unit, size in (("h", 3_600_000), ("m", 60_000), ("s", 1000), ("ms", 1)):
        count, millis = divmod(millis, size)
        if count:
            parts.append(f"{count}{unit}")
    return "".join(parts)


def am_config(
    receiver_url: str, group_by: Sequence[str], group_wait: str, group_interval: str, repeat_interval: str
) -> dict[str, Any]:
    """One route, one webhook receiver with send_resolved."""
    return {
        "route": {
            "receiver": "replay",
            "group_by": list(group_by),
            "group_wait": group_wait,
            "group_interval": group_interval,
            "repeat_interval": repeat_interval,
        },
        "receivers": [
            {
                "name": "replay",
                "webhook_configs": [{"url": receiver_url, "send_resolved": True, "max_alerts": 0}],
            }
        ],
    }


class ReplayAlertmanager(AlertmanagerProcess):
    """``prometheus-alertmanager`` on 127.0.0.1, gossip off, with the given configuration; readiness,
    log tail and stop (SIGTERM, then SIGKILL) as for the other benchmark processes."""

    def __init__(self, work_dir: Path, config: dict[str, Any]) -> None:  # not super(): another config
        if not ALERTMANAGER.is_file():
            hint = "./scripts/ensure-system-packages.sh installs prometheus-alertmanager"
            raise BenchmarkFailed(f"{ALERTMANAGER} not found: {hint}")
        work_dir.mkdir(parents=True, exist_ok=True)
        self.data_dir, self.port, self.log_path = work_dir, free_port(), work_dir / "alertmanager.log"
        config_path = work_dir / "alertmanager.yml"
        config_path.write_text(yaml.safe_dump(config, sort_keys=False), "utf-8")
        self.command = [
            *(str(ALERTMANAGER), f"--config.file={config_path}", f"--storage.path={work_dir / 'am-data'}"),
            *(f"--web.listen-address=127.0.0.1:{self.port}", "--cluster.listen-address="),
        ]
        local = "127.0.0.1,localhost"
        env = {k: v for k, v in os.environ.items() if not k.lower().endswith("_proxy")}
        env |= {"NO_PROXY": local, "no_proxy": local}
        with self.log_path.open("wb") as log:
            self.process = subprocess.Popen(
                self.command,
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=log,
                env=env,
                start_new_session=True,
            )


# --- the replay -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class AlertmanagerReplay:
    notifications: list[Notification]
    score: Score
    scale: float
    timers: dict[str, str]
    """group_wait, group_interval, repeat_interval as given to Alertmanager (already divided by scale)."""
    group_by: tuple[str, ...]
    origin: datetime
    """Stream time of the replay's start."""
    started: float
    """Wall time (Unix seconds) that stands for ``origin``."""
    posts: int
    """POST /api/v2/alerts requests (one per distinct event time)."""
    alerts_posted: int
    max_lag: float
    """Worst delay (wall seconds) of a post behind its schedule; large values distort the timing."""
    wall_seconds: float
    log_tail: str = field(default="", repr=False)


def _iso(epoch: float) -> str:
    """RFC 3339 with milliseconds, truncated (never after ``epoch``)."""
    moment = datetime.fromtimestamp(int(epoch * 1000) / 1000, UTC)
    return moment.isoformat(timespec="milliseconds").replace("+00:00", "Z")


def _batches(events: Sequence[dict[str, Any]]) -> Iterator[tuple[datetime, list[dict[str, Any]]]]:
    """The events grouped by equal ``at``, in order."""
    batch: list[dict[str, Any]] = []
    for event in events:
        if batch and event_time(event) != event_time(batch[0]):
            yield event_time(batch[0]), batch
            batch = []
        batch.append(event)
    if batch:
        yield event_time(batch[0]), batch


class _Poster:
    """Posts a batch of events as one ``POST /api/v2/alerts``, remembering each active alert's startsAt."""

    def __init__(self, client: httpx.Client, url: str) -> None:
        self.client, self.url = client, url
        self.started: dict[tuple[tuple[str, str], ...], str] = {}
        self.posts = self.alerts = 0

    def post(self, batch: Iterable[dict[str, Any]], now: float) -> None:
        stamp = _iso(now)
        body: list[dict[str, Any]] = []
        for event in batch:
            labels = alert_labels(event)
            key = identity(labels)
            annotations = {str(k): str(v) for k, v in (event.get("annotations") or {}).items()}
            if event["action"] == "triggered":
                starts = self.started.setdefault(key, stamp)
                ends = _iso(now + FAR_FUTURE.total_seconds())
            else:
                starts, ends = self.started.pop(key, stamp), stamp
            entry = {"labels": labels, "annotations": annotations, "startsAt": starts, "endsAt": ends}
            body.append(entry)
        response = self.client.post(self.url, json=body)
        if response.status_code != 200:
            raise BenchmarkFailed(f"POST {self.url} answered {response.status_code}: {response.text[:300]}")
        self.posts += 1
        self.alerts += len(body)


def replay_into_alertmanager(
    events: list[dict[str, Any]],
    *,
    scale: float,
    group_wait: float = DEFAULT_GROUP_WAIT,
    group_interval: float = DEFAULT_GROUP_INTERVAL,
    repeat_interval: float = DEFAULT_REPEAT_INTERVAL,
    group_by: tuple[str, ...] = ("alertname",),
    work_dir: Path,
    origin: datetime | None = None,
    settle: float = SETTLE_MARGIN,
) -> AlertmanagerReplay:
    """Replay ``events`` (sorted by ``at``) into a fresh Alertmanager whose timers (stream seconds) are
    divided by ``scale``; the stream runs ``scale`` times faster than real time from ``origin`` (default:
    the first event). Waits group_interval / scale + ``settle`` wall seconds after the last event, stops
    Alertmanager and the receiver (also on errors), and scores the notifications received."""
    if scale <= 0:
        raise ValueError("scale must be positive")
    if not events:
        raise ValueError("no events to replay")
    timers = {
        "group_wait": am_duration(group_wait / scale),
        "group_interval": am_duration(group_interval / scale),
        "repeat_interval": am_duration(repeat_interval / scale),
    }
    for name in ("group_interval", "repeat_interval"):
        if timers[name] == "0s":
            raise ValueError(f"{name} / scale is below Alertmanager's 1 ms resolution")
    start = origin or event_time(events[0])
    wall_offset = time.time() - time.monotonic()
    with _receiver() as receiver, httpx.Client(trust_env=False, timeout=POST_TIMEOUT) as client:
        url = f"http://127.0.0.1:{receiver.server_address[1]}{RECEIVER_PATH}"
        am = ReplayAlertmanager(work_dir, am_config(url, group_by, **timers))
        try:
            am.wait_healthy()
            poster = _Poster(client, f"{am.target.base_url}/api/v2/alerts")
            began = time.monotonic()
            max_lag = 0.0
            for at, batch in _batches(events):
                due = began + max((at - start).total_seconds(), 0.0) / scale
                if (delay := due - time.monotonic()) > 0:
                    time.sleep(delay)
                max_lag = max(max_lag, time.monotonic() - due)
                poster.post(batch, time.monotonic() + wall_offset)
                if am.process.poll() is not None:
                    raise BenchmarkFailed(f"alertmanager exited with status {am.process.returncode}")
            time.sleep(group_interval / scale + settle)
            ended = time.monotonic()
        finally:
            am.stop()
            log_tail = am.log_tail()
        with receiver.lock:
            received = list(receiver.received)
    notifications = [
        Notification(payload, arrived + wall_offset, start + timedelta(seconds=(arrived - began) * scale))
        for arrived, payload in sorted(received, key=lambda item: item[0])
    ]
    return AlertmanagerReplay(
        notifications=notifications,
        score=score(events, notifications),
        scale=scale,
        timers=timers,
        group_by=tuple(group_by),
        origin=start,
        started=began + wall_offset,
        posts=poster.posts,
        alerts_posted=poster.alerts,
        max_lag=max_lag,
        wall_seconds=ended - began,
        log_tail=log_tail,
    )


# --- command line ---------------------------------------------------------------------------------


def _clock(value: str) -> timedelta:
    try:
        hours, minutes = (int(part) for part in value.split(":"))
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected HH:MM, got {value!r}") from None
    if not (0 <= hours < 24 and 0 <= minutes < 60):
        raise argparse.ArgumentTypeError(f"expected HH:MM, got {value!r}")
    return timedelta(hours=hours, minutes=minutes)


def _positive(value: str) -> float:
    number = float(value)
    if number <= 0:
        raise argparse.ArgumentTypeError(f"must be positive, got {value}")
    return number


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m bench.am_replay",
        description="Replay an alert stream (JSON Lines) into a real Alertmanager, timers scaled, and "
        "score its notifications against the stream's truth.",
    )
    parser.add_argument("stream", type=Path, help="the stream, one JSON event a line")
    parser.add_argument("--scale", type=_positive, default=60.0, help="stream seconds per wall second")
    parser.add_argument("--from", dest="start", type=_clock, help="window start HH:MM (stream's first day)")
    parser.add_argument("--hours", type=_positive, help="window length in hours (default: to the end)")
    parser.add_argument("--group-wait", type=float, default=DEFAULT_GROUP_WAIT, help="stream seconds")
    parser.add_argument("--group-interval", type=float, default=DEFAULT_GROUP_INTERVAL, help="stream s")
    parser.add_argument("--repeat-interval", type=float, default=DEFAULT_REPEAT_INTERVAL, help="stream s")
    parser.add_argument("--group-by", default="alertname", help="comma-separated labels (or '...')")
    parser.add_argument("--work-dir", type=Path, help="keep Alertmanager's files here (default: temp)")
    parser.add_argument("--json", type=Path, help="also write the score as JSON to this file")
    return parser


def select(
    events: list[dict[str, Any]], start: timedelta | None, hours: float | None
) -> list[dict[str, Any]]:
    """The CLI's window: from the first event's day at ``start`` (default 00:00), ``hours`` long
    (default: to the last event); the whole stream when neither is given."""
    if not events or (start is None and hours is None):
        return events
    first = event_time(events[0])
    begin = first.replace(hour=0, minute=0, second=0, microsecond=0) + (start or timedelta())
    end = begin + timedelta(hours=hours) if hours is not None else event_time(events[-1])
    return window(events, begin, end)


def print_replay(console: Console, replay: AlertmanagerReplay, events: int) -> None:
    result = replay.score
    title = (
        f"Alertmanager replay: {events:,} events, scale {replay.scale:g}, group_by {list(replay.group_by)}"
    )
    table = Table(title=title, title_justify="left")
    table.add_column("figure")
    table.add_column("value", justify="right")
    rows = [
        ("pages (firing notifications)", f"{result.pages_total:,}"),
        ("  with a firing real-incident alert", f"{result.incident_pages:,}"),
        ("  noise pages (no real incident)", f"{result.noise_pages:,}"),
        ("resolved notifications", f"{result.resolved_messages:,}"),
        ("real incidents", f"{result.incidents:,}"),
        ("pages per real incident", f"{result.pages_per_real_incident:.2f}"),
        ("mean pages of an incident", f"{result.mean_pages_per_incident:.2f}"),
        ("missed incidents", ", ".join(result.missed_incidents) or "none"),
    ]
    rows += [(f"pages with a firing {kind} alert", f"{n:,}") for kind, n in result.pages_by_kind.items()]
    rows.append(("  pages with nothing newly firing (resolve/repeat)", f"{result.pages_nothing_new:,}"))
    if result.unmatched_alerts:
        rows.append(("notified alerts not in the stream", f"{result.unmatched_alerts:,}"))
    for row in rows:
        table.add_row(*row)
    timers = ", ".join(f"{k} {v}" for k, v in replay.timers.items())
    table.caption = (
        f"timers (wall) {timers}; {replay.posts:,} posts, {replay.alerts_posted:,} alerts, "
        f"worst post lag {replay.max_lag:.3f} s, {replay.wall_seconds:.1f} s wall"
    )
    console.print(table)
    seconds = [i.seconds_to_page for i in result.per_incident.values() if i.seconds_to_page is not None]
    if seconds:
        seconds.sort()
        median = seconds[len(seconds) // 2]
        console.print(f"  time to first page (stream s): median {median:.0f}, worst {seconds[-1]:.0f}")


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    console = Console(highlight=False)
    if not console.is_terminal:
        console.width = max(console.width, 120)
    events = select(read_stream(args.stream), args.start, args.hours)
    if not events:
        console.print("[red]no complete occurrences in the selected window[/]")
        return 1
    group_by = tuple(label.strip() for label in args.group_by.split(",") if label.strip())
    work_dir = args.work_dir or Path(tempfile.mkdtemp(prefix="holdoff-am-replay-"))
    span = (event_time(events[-1]) - event_time(events[0])).total_seconds()
    console.print(
        f"replaying {len(events):,} events ({span / 3600:.2f} h of stream) at x{args.scale:g}: "
        f"~{(span + args.group_interval) / args.scale:.0f} s"
    )
    try:
        replay = replay_into_alertmanager(
            events,
            scale=args.scale,
            group_wait=args.group_wait,
            group_interval=args.group_interval,
            repeat_interval=args.repeat_interval,
            group_by=group_by,
            work_dir=work_dir,
        )
    except BenchmarkFailed as exc:
        console.print(f"[bold red]FAILED[/]: {exc}")
        return 1
    finally:
        if args.work_dir is None:
            shutil.rmtree(work_dir, ignore_errors=True)
    print_replay(console, replay, len(events))
    if args.json:
        args.json.write_text(json.dumps(replay.score.summary(), indent=2) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
