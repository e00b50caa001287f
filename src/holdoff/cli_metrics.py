"""The metric commands: ``holdoff detect``, ``holdoff train metrics`` and ``holdoff backtest``
(docs/metrics-detectors.md, docs/backtest.md). Registered on the ``holdoff`` command by :func:`register`."""

from __future__ import annotations

import csv
import json
import sys
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, NoReturn, TextIO

import typer

from holdoff.settings import Settings

if TYPE_CHECKING:
    from holdoff.detectors.config import DetectorEntry
    from holdoff.service.metric_backtest import BacktestReport, SeriesPoints
    from holdoff.store.db import Database

Load = Callable[[Path | None, Path | None], Settings]
EnvFile = Annotated[
    Path | None,
    typer.Option("--env-file", help="KEY=value file (default /etc/holdoff.env when present)."),
]
ConfigFile = Annotated[Path | None, typer.Option("--config", help="YAML configuration file.")]
SeriesOption = Annotated[
    str | None,
    typer.Option("--series", help='The series the rows are, as name{label="value"}: picks its entry.'),
]


class RowError(ValueError):
    """A CSV row that is not ``timestamp,value``."""


def parse_time(text: str) -> float:
    """Epoch seconds (milliseconds when above 1e11) or ISO 8601 (no zone: UTC) -> epoch seconds."""
    text = text.strip()
    try:
        number = float(text)
    except ValueError:
        pass
    else:
        return number / 1000.0 if number > 1e11 else number
    try:
        moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        raise RowError(f"{text!r} is not a timestamp (ISO 8601 or epoch seconds)") from None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.timestamp()


def read_rows(handle: TextIO) -> Iterator[tuple[str, str, float, float]]:
    """``(timestamp text, value text, epoch seconds, value)`` per row; a first row that does not parse
    is a header and skipped; any later one raises :class:`RowError` with its line number."""
    for number, fields in enumerate(csv.reader(handle), 1):
        if not fields or not "".join(fields).strip():
            continue
        try:
            if len(fields) < 2:
                raise RowError("expected timestamp,value")
            t, value = parse_time(fields[0]), float(fields[1])
        except (RowError, ValueError) as exc:
            if number == 1:
                continue
            raise RowError(f"line {number}: {exc}") from None
        yield fields[0], fields[1].strip(), t, value


def _entry_for(settings: Settings, series: str | None) -> tuple[DetectorEntry, str]:
    from holdoff.detectors.config import entry_for
    from holdoff.detectors.selector import SelectorError, parse_series
    from holdoff.metrics.model import series_id

    entries = settings.detectors
    if series is not None:
        try:
            name, labels = parse_series(series)
        except SelectorError as exc:
            _fail(f"--series: {exc}")
        found = entry_for(entries, name, labels)
        if found is None:
            _fail(f"no detectors: entry selects {series}")
        return found, series_id(name, labels)
    default = next((e for e in entries if not e.match.strip()), entries[0] if entries else None)
    if default is None:
        _fail("the detectors: section has no entry")
    return default, "cli"


def _fail(message: str, code: int = 2) -> NoReturn:
    typer.echo(f"holdoff: {message}", err=True)
    raise typer.Exit(code)


def _models_dir(settings: Settings) -> Path:
    return settings.server.data_dir / "models" / "metrics"


def _database(settings: Settings) -> Database:
    from holdoff.store import migrate
    from holdoff.store.db import Database

    db = Database(settings.resolved_database_url)
    migrate.upgrade(db)
    return db


def register(app: typer.Typer, train: typer.Typer, load: Load) -> None:
    """Add ``detect``, ``backtest`` and ``train metrics``."""

    @app.command()
    def detect(
        file: Annotated[
            str, typer.Argument(help="A CSV file of timestamp,value rows, or - for standard input.")
        ],
        series: SeriesOption = None,
        env_file: EnvFile = None,
        config: ConfigFile = None,
    ) -> None:
        """Print timestamp,value,anomaly_score for each row of FILE, in input order, in one pass, scored
        by the detectors the server uses for one series (the entry selecting --series; default: the
        entry that matches every series)."""
        from holdoff.detectors.iforest_store import ModelStore
        from holdoff.detectors.pipeline import EntryRunner

        settings = load(env_file, config)
        entry, sid = _entry_for(settings, series)
        runner = EntryRunner(entry, ModelStore(_models_dir(settings)))
        state = runner.new_state(sid)
        handle = sys.stdin if file == "-" else open(file, encoding="utf-8", newline="")  # noqa: SIM115
        out = sys.stdout
        out.write("timestamp,value,anomaly_score\n")
        try:
            with handle:
                for t_text, v_text, t, value in read_rows(handle):
                    point = runner.score(state, t, value)
                    out.write(f"{t_text},{v_text},{'' if point is None else f'{point.score:.4f}'}\n")
        except RowError as exc:
            _fail(f"{file}: {exc}")
        except FileNotFoundError:
            _fail(f"{file}: no such file")

    @train.command("metrics")
    def train_metrics(
        since: Annotated[
            str | None,
            typer.Option("--since", help="History to train on (default: each detector's history)."),
        ] = None,
        env_file: EnvFile = None,
        config: ConfigFile = None,
    ) -> None:
        """Train the Isolation Forests of the detectors: section from stored samples (a new version per
        series; the previous ones are kept)."""
        from rich.progress import Progress

        from holdoff.clock import system_clock
        from holdoff.detectors.iforest_store import ModelStore
        from holdoff.service.metric_train import MetricTraining, Trained

        settings = load(env_file, config)
        window = _duration(since) if since else None
        db = _database(settings)
        try:
            training = MetricTraining(
                db, settings.detectors, ModelStore(_models_dir(settings)), clock=system_clock
            )
            jobs = training.jobs()
            if not jobs:
                typer.echo(
                    "no series to train: no detectors: entry with an isolation_forest selects a stored series"
                )
                return
            with Progress(transient=True, disable=not sys.stderr.isatty()) as bar:
                task = bar.add_task("training", total=len(jobs))

                def advanced(_: Trained) -> None:
                    bar.advance(task)

                done = training.run(since=window, progress=advanced)
        finally:
            db.dispose()
        for item in done:
            where = f"{item.entry}/{item.detector} {item.series}"
            if item.info is None:
                typer.echo(f"{where}: skipped: {item.skipped}")
            else:
                info = item.info
                typer.echo(
                    f"{where}: v{info.version} trained on {info.trained_from} .. {info.trained_to} "
                    f"({info.samples} points)"
                )
        trained = sum(item.info is not None for item in done)
        typer.echo(f"{trained} model(s) trained, {len(done) - trained} series skipped")

    @app.command()
    def backtest(
        since: Annotated[str, typer.Option("--since", help="How far back to start (e.g. 30d).")] = "30d",
        prometheus: Annotated[
            str | None,
            typer.Option("--prometheus", help="Read a Prometheus range instead of stored samples."),
        ] = None,
        query: Annotated[
            list[str] | None,
            typer.Option("--query", help="PromQL expression (with --prometheus; repeatable)."),
        ] = None,
        step: Annotated[str, typer.Option("--step", help="Prometheus resolution.")] = "1m",
        as_json: Annotated[bool, typer.Option("--json", help="Print the report as JSON.")] = False,
        env_file: EnvFile = None,
        config: ConfigFile = None,
    ) -> None:
        """Run the detectors: configuration over past samples and its alerts through the policy: how many
        alerts and pages it would have produced, when, and on which series (docs/backtest.md)."""
        from holdoff.clock import system_clock
        from holdoff.detectors.iforest_store import ModelStore
        from holdoff.policy.section import build_policy
        from holdoff.service.metric_backtest import backtest as run_backtest

        settings = load(env_file, config)
        end = system_clock()
        start = end - _duration(since)
        if prometheus is not None:
            if query is None or not query:
                _fail("--prometheus needs at least one --query")
            series = _from_prometheus(prometheus, query, start, end, _duration(step))
        else:
            series = _from_store(settings, start, end)
        policy = build_policy(settings.policy, settings.delivery.fallback_channel)
        report = run_backtest(settings.detectors, policy, series, models=ModelStore(_models_dir(settings)))
        if as_json:
            typer.echo(
                json.dumps(
                    {"since": start.isoformat(), "until": end.isoformat(), **report.as_dict()}, indent=1
                )
            )
            return
        _print_report(report, start, end)


def _duration(text: str) -> timedelta:
    from holdoff.mediate.durations import parse_duration

    try:
        return parse_duration(text)
    except ValueError as exc:
        _fail(str(exc))


def _from_store(settings: Settings, start: datetime, end: datetime) -> list[SeriesPoints]:
    from holdoff.detectors.alerting import SeriesInfo
    from holdoff.store import metric_samples

    db = _database(settings)
    try:
        with db.read() as conn:
            return [
                (
                    SeriesInfo(row.id, row.name, row.labels),
                    [(ts.timestamp(), v) for ts, v in metric_samples.samples(conn, row.id, start, end)],
                )
                for row in metric_samples.series(conn)
            ]
    finally:
        db.dispose()


def _from_prometheus(
    url: str, queries: list[str], start: datetime, end: datetime, step: timedelta
) -> list[SeriesPoints]:
    from holdoff.metrics.pull.base import PullFailed
    from holdoff.metrics.pull.prometheus import MAX_POINTS, PrometheusPullConfig
    from holdoff.service.metric_backtest import group_samples

    config = PrometheusPullConfig.model_validate(
        {
            "type": "prometheus",
            "name": "backtest",
            "url": url,
            "queries": queries,
            "step": step,
            "max_series": 10_000,
        }
    )
    pull = config.build()
    samples = []
    chunk = step * (MAX_POINTS - 1)
    try:
        at = start
        while at < end:
            upto = min(end, at + chunk)
            samples += pull.pull(at, upto).samples
            at = upto
    except PullFailed as exc:
        _fail(str(exc), 1)
    finally:
        pull.close()
    return group_samples(samples)


def _print_report(report: BacktestReport, start: datetime, end: datetime) -> None:
    from rich.console import Console
    from rich.table import Table

    console = Console(width=160)
    console.print(
        f"{start:%Y-%m-%d %H:%M} .. {end:%Y-%m-%d %H:%M} UTC: {report.series} series, {report.scored} scored, "
        f"{report.points} points; {len(report.alerts)} alert(s), {report.paged_alerts} paged, "
        f"{len(report.pages)} page(s)"
    )
    if report.alerts:
        table = Table("series", "entry", "anomalous from", "resolved", "peak", "learning", "paged at")
        for alert in report.alerts:
            table.add_row(
                alert["series"],
                alert["entry"],
                alert["starts_at"][:19],
                (alert["ends_at"] or "-")[:19],
                f"{alert['peak_score']:.2f}",
                alert["learning_state"],
                (alert["first_page_at"] or "not paged")[:19],
            )
        console.print(table)
