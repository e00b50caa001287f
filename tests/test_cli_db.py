"""``holdoff db stats`` on SQLite and PostgreSQL: every table's rows and size, and what the next prune
removes from each under which retention, without deleting anything."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

from sqlalchemy import func, insert, select
from typer.testing import CliRunner

from holdoff.cli import app
from holdoff.clock import system_clock
from holdoff.store.db import Database
from holdoff.store.tables import audit_log


def test_db_stats_lists_sizes_and_what_the_next_prune_removes(database_url: str, tmp_path: Path) -> None:
    now = system_clock()
    db = Database(database_url)
    try:
        with db.transaction() as conn:
            for days in (400, 500, 1):
                conn.execute(
                    insert(audit_log).values(
                        at=now - timedelta(days=days),
                        who="ops",
                        via="token",
                        method="POST",
                        path="/x",
                        status=200,
                    )
                )
    finally:
        db.dispose()
    config = tmp_path / "holdoff.yaml"
    config.write_text(
        f"database: {{url: '{database_url}'}}\nserver: {{data_dir: '{tmp_path}'}}\nretention: {{alerts: 0}}\n"
    )
    done = CliRunner().invoke(app, ["db", "stats", "--config", str(config)])
    assert done.exit_code == 0, done.output
    (line,) = [line for line in done.output.splitlines() if " audit_log " in line]
    cells = [cell.strip() for cell in line.split("│") if cell.strip()]
    assert cells[0] == "audit_log" and cells[1] == "3" and cells[3] == "2" and cells[4] == "audit 365d"
    assert cells[2].endswith("B")
    (alerts_line,) = [line for line in done.output.splitlines() if " alerts " in line]
    assert "alerts" not in alerts_line.split("│")[-2]  # alerts: 0 keeps them forever, no rule removes them
    assert "metrics 15d" in done.output and "logs 3d" in done.output
    assert "the next prune removes 2 rows" in done.output
    db = Database(database_url)
    try:
        with db.read() as conn:
            assert conn.execute(select(func.count()).select_from(audit_log)).scalar_one() == 3  # read only
    finally:
        db.dispose()
