"""``holdoff correlation learn``: learn service dependencies from the stored alert history now (what the
server does every hour) and print the pairs with their evidence (docs/correlation.md). Registered on the
``holdoff`` command by :func:`register`."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from holdoff.settings import Settings

if TYPE_CHECKING:
    from holdoff.service.correlation_learn import Learning

Load = Callable[[Path | None, Path | None], Settings]
EnvFile = Annotated[
    Path | None,
    typer.Option("--env-file", help="KEY=value file (default /etc/holdoff.env when present)."),
]
ConfigFile = Annotated[Path | None, typer.Option("--config", help="YAML configuration file.")]


def register(app: typer.Typer, load: Load) -> None:
    """Add ``correlation learn``."""
    correlation = typer.Typer(no_args_is_help=True, help="Cross-service correlation.")
    app.add_typer(correlation, name="correlation")

    @correlation.command("learn")
    def learn(env_file: EnvFile = None, config: ConfigFile = None) -> None:
        """Learn which services' alerts start together far more often than chance, over
        correlation.learned.history of stored alerts; store the pairs (replacing the stored ones, which
        every correlation decision reads) and print them."""
        from holdoff.clock import system_clock
        from holdoff.service.correlation_learn import learn_from_history
        from holdoff.store import migrate
        from holdoff.store.db import Database

        settings = load(env_file, config)
        db = Database(settings.resolved_database_url)
        try:
            migrate.upgrade(db)
            learning = learn_from_history(db, settings.correlation, system_clock())
        finally:
            db.dispose()
        _print(learning)


def _print(learning: Learning) -> None:
    from rich.console import Console
    from rich.table import Table

    console = Console(width=140)
    pairs = sorted(learning.learned.pairs.values(), key=lambda pair: (-pair.lift, pair.a, pair.b))
    console.print(
        f"{learning.starts} alert start(s) of {learning.services} service(s) since "
        f"{learning.since:%Y-%m-%d %H:%M} UTC: {len(pairs)} dependency pair(s) learned and stored"
    )
    if not pairs:
        return
    table = Table("services", "together", "by chance", "lift", "who started first")
    for pair in pairs:
        table.add_row(
            f"{pair.a} and {pair.b}",
            str(pair.together),
            f"{pair.expected:.2f}",
            f"{pair.lift:.1f}x",
            f"{pair.a} {pair.a_first}, {pair.b} {pair.b_first}",
        )
    console.print(table)
