"""The ``holdoff`` command."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from holdoff import __version__, cli_correlation, cli_metrics
from holdoff.auth import commands as access_commands
from holdoff.settings import Settings, load_settings
from holdoff.settings.file import ConfigError

app = typer.Typer(add_completion=False, no_args_is_help=True, help="Holdoff alert mediation service.")

EnvFile = Annotated[
    Path | None,
    typer.Option("--env-file", help="KEY=value file (default /etc/holdoff.env when present)."),
]
ConfigFile = Annotated[Path | None, typer.Option("--config", help="YAML configuration file.")]


def _load(env_file: Path | None, config: Path | None, **overrides: object) -> Settings:
    try:
        return load_settings(env_file=env_file, config_file=config, **overrides)
    except ConfigError as exc:
        typer.echo(f"holdoff: {exc}", err=True)
        raise typer.Exit(2) from None


_tokens, _users = access_commands.build(_load)
app.add_typer(_tokens, name="token")
app.add_typer(_users, name="user")


@app.command()
def serve(
    host: Annotated[str | None, typer.Option(help="Address to bind (default 127.0.0.1).")] = None,
    port: Annotated[int | None, typer.Option(help="Port to listen on (default 5000).")] = None,
    workers: Annotated[
        int | None, typer.Option(help="Worker processes sharing the port (default 1).", min=1, max=64)
    ] = None,
    env_file: EnvFile = None,
    config: ConfigFile = None,
) -> None:
    """Run the service: HTTP API, grace-window scheduler and notification sender."""
    from holdoff import logging_setup, server
    from holdoff.auth.access import check_start

    given = (("host", host), ("port", port), ("workers", workers))
    given_values = {key: value for key, value in given if value is not None}
    settings = _load(env_file, config, **given_values)
    logging_setup.configure(settings.server.log_level, settings.server.log_format, settings.secrets())
    refusal = check_start(settings)  # protected mode: no credentials on a public address
    if refusal is not None:
        typer.echo(f"holdoff: {refusal}", err=True)
        raise typer.Exit(2)
    server.serve(
        settings,
        reload_settings=lambda: load_settings(env_file=env_file, config_file=config, **given_values),
        candidate_settings=lambda path: load_settings(env_file=env_file, config_file=path, **given_values),
    )


@app.command("check-config")
def check_config(env_file: EnvFile = None, config: ConfigFile = None) -> None:
    """Validate the configuration and print what it sets up (secrets masked), which alert sources are
    open, and warnings."""
    from holdoff.auth.access import credentials_in
    from holdoff.notify.registry import describe_channels
    from holdoff.policy.describe import describe_policy, describe_routes
    from holdoff.policy.section import build_policy
    from holdoff.settings.warnings import config_warnings, source_access

    settings = _load(env_file, config)
    found = credentials_in(settings)
    credentials = found is not False  # unreadable database: report as protected mode would need
    typer.echo(f"configuration OK (holdoff {__version__})")
    typer.echo(
        f"  listen:   http://{settings.server.host}:{settings.server.port}  (links use {settings.resolved_public_url})"
    )
    typer.echo(f"  database: {_masked_url(settings.resolved_database_url)}")
    typer.echo(f"  grace:    {settings.policy.grace_seconds:g}s")
    for line in describe_channels(settings.channels):
        typer.echo(f"  channel   {line}")
    for line in describe_routes(settings.policy.routes):
        typer.echo(f"  route     {line}")
    for line in describe_policy(build_policy(settings.policy, settings.delivery.fallback_channel)):
        typer.echo(f"  policy    {line}")
    typer.echo(f"  correlation {settings.correlation.describe()}")
    typer.echo(f"  access:   {_access_line(settings.server.host, found)}")
    for status in source_access(settings, credentials_exist=credentials):
        typer.echo(f"  source    {status.describe()}")
    for warning in config_warnings(settings, credentials_exist=credentials):
        typer.echo(f"  warning   [{warning.code}] {warning.message}")
        for line in warning.fix.splitlines():
            typer.echo(f"            {line}")


def _access_line(host: str, credentials: bool | None) -> str:
    from holdoff.auth.access import is_loopback

    if credentials is None:
        return "unknown (the database could not be read): sources shown as protected mode needs them"
    if credentials:
        return "protected mode (API tokens or users exist)"
    if not is_loopback(host):
        return f"protected mode ({host} is not a loopback address); serve needs a token or user first"
    return "open mode (loopback, no API token or user): every request acts as admin"


def _masked_url(url: str) -> str:
    from sqlalchemy import make_url

    return make_url(url).render_as_string(hide_password=True)


@app.command()
def replay(
    stream: Annotated[Path, typer.Argument(help="Recorded alert stream (JSON Lines; see docs/replay.md).")],
    env_file: EnvFile = None,
    config: ConfigFile = None,
    decisions: Annotated[
        Path | None, typer.Option("--decisions", help="Write every event's outcome and every message here.")
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the report as JSON.")] = False,
) -> None:
    """What the policy would have done to a recorded alert stream: a simulated clock, the real core."""
    from holdoff.replay.runner import run_file

    settings = _load(env_file, config)
    raise typer.Exit(run_file(stream, settings, decisions=decisions, as_json=as_json))


@app.command("test-channel")
def test_channel(
    name: Annotated[str, typer.Argument(help="The channel's name: teams, email, or one from channels:.")],
    env_file: EnvFile = None,
    config: ConfigFile = None,
) -> None:
    """Send a test message through one channel now and print what happened (pagers get a resolve after)."""
    from holdoff.notify.testing import send_test

    settings = _load(env_file, config)
    lines, ok = send_test(
        settings.channels, settings.delivery.templates_dir, settings.resolved_public_url, name
    )
    for line in lines:
        typer.echo(line)
    raise typer.Exit(0 if ok else 1)


_db = typer.Typer(no_args_is_help=True, help="The database: sizes and retention.")
app.add_typer(_db, name="db")


@_db.command("stats")
def db_stats(env_file: EnvFile = None, config: ConfigFile = None) -> None:
    """Print every table's rows and size, and how many rows the next prune removes from it and under
    which retention (read only: nothing is deleted). See docs/operations.md, Retention."""
    from rich.console import Console
    from rich.table import Table

    from holdoff.clock import system_clock
    from holdoff.service.retention import gather, human_bytes
    from holdoff.store import migrate
    from holdoff.store.db import Database

    settings = _load(env_file, config)
    db = Database(settings.resolved_database_url)
    try:
        migrate.upgrade(db)
        lines = gather(db, settings.retention, settings.logs, settings.metrics, system_clock())
    finally:
        db.dispose()
    table = Table("table", "rows", "size", "next prune removes", "retention")
    for line in lines:
        shown = str(line.removes) if line.rules else "-"
        table.add_row(
            line.table, str(line.rows), human_bytes(line.bytes), shown, ", ".join(line.rules) or "kept"
        )
    console = Console(width=140)
    console.print(table)
    rows, size = sum(line.rows for line in lines), sum(line.bytes or 0 for line in lines)
    removes = sum(line.removes for line in lines)
    console.print(f"{rows} rows, {human_bytes(size)}; the next prune removes {removes} rows")


@app.command()
def version() -> None:
    """Print the version."""
    typer.echo(__version__)


def main() -> None:
    app()


_train = typer.Typer(no_args_is_help=True, help="Train Holdoff's models.")
app.add_typer(_train, name="train")


def _model_dir(settings: Settings) -> Path:
    return settings.server.data_dir / "models" / "logs"


cli_metrics.register(app, _train, _load)
cli_correlation.register(app, _load)


@_train.command("logs")
def train_logs(
    rollback: bool = typer.Option(False, "--rollback", help="Go back to the previous model version."),
    seed: int = typer.Option(13, help="Seed of the corpus and of training: the same seed, the same model."),
    env_file: EnvFile = None,
    config: ConfigFile = None,
) -> None:
    """Train the log severity classifier on the shipped corpus (the previous version is kept)."""
    from holdoff.clock import system_clock
    from holdoff.logs import training
    from holdoff.logs.classify.store import NoModel

    settings = _load(env_file, config)
    try:
        if rollback:
            info = training.rollback(_model_dir(settings))
        else:
            info = training.train(_model_dir(settings), seed=seed, now=system_clock())
    except NoModel as exc:
        typer.echo(f"holdoff: {exc}", err=True)
        raise typer.Exit(1) from None
    figures = ", ".join(f"{name} {value:.3f}" for name, value in sorted(info.metrics.items()))
    typer.echo(
        f"log model {info.version} (created {info.created:%Y-%m-%d %H:%M} UTC, corpus {info.corpus.lines} "
        f"lines, {info.feedback.count} marks){': ' + figures if figures else ''}"
    )


@app.command()
def classify(
    file: str = typer.Argument(..., help="A log file, or - for standard input."),
    service: str = typer.Option("stdin", "--service", help="Service the lines come from."),
    env_file: EnvFile = None,
    config: ConfigFile = None,
) -> None:
    """Print one JSON object per log record of FILE, in input order: severity, critical, score,
    template and the reason."""
    import json
    import sys

    from holdoff.clock import system_clock
    from holdoff.logs import training
    from holdoff.logs.classify.stream import classify_stream

    settings = _load(env_file, config)
    classifier = training.load(_model_dir(settings))
    handle = sys.stdin if file == "-" else open(file, encoding="utf-8", errors="replace")  # noqa: SIM115
    with handle:
        for found in classify_stream(handle, classifier, received=system_clock(), service=service):
            sys.stdout.write(json.dumps(found) + "\n")


@app.command()
def tail(
    file: Annotated[Path, typer.Argument(help="The log file to ship.")],
    service: Annotated[str, typer.Option("--service", help="Service the lines come from.")],
    follow: Annotated[
        bool, typer.Option("--follow", "-F", help="Keep shipping what is appended (tail -F).")
    ] = False,
    url: Annotated[str, typer.Option("--url", help="Holdoff's address.")] = "http://127.0.0.1:5000",
    token: Annotated[
        str | None,
        typer.Option("--token", envvar="HOLDOFF_TOKEN", help="Source or API token (env HOLDOFF_TOKEN)."),
    ] = None,
    host: Annotated[
        str | None, typer.Option("--host", help="Host the lines come from (default: this one).")
    ] = None,
    batch_lines: Annotated[
        int, typer.Option("--batch-lines", min=1, max=10000, help="Lines per post at most.")
    ] = 500,
    from_start: Annotated[
        bool,
        typer.Option("--from-start/--from-end", help="Ship the file from its start (default) or its end."),
    ] = True,
    flush_seconds: Annotated[
        float,
        typer.Option("--flush-seconds", min=0.0, help="Quiet time that ends a record and sends a batch."),
    ] = 1.0,
) -> None:
    """Ship the lines of FILE to POST /logs, stack traces kept whole, retried without duplicates
    (docs/logs-shipping.md)."""
    from holdoff.logs import ship

    if not follow and not file.is_file():
        typer.echo(f"holdoff: {file} is not a readable file", err=True)
        raise typer.Exit(2)
    raise typer.Exit(
        ship.run_cli(file, service, follow, url, token, host, batch_lines, from_start, flush_seconds)
    )
