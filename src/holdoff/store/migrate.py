"""Apply Alembic migrations at start, safely when several processes start at the same moment.

PostgreSQL: a session-level advisory lock serialises the upgraders; the first one migrates, the
others find the schema at head. SQLite: an exclusive file lock beside the database does the same.
"""

from __future__ import annotations

import fcntl
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Connection, text

from holdoff.store.db import Database

# An arbitrary constant naming Holdoff's migration lock among PostgreSQL advisory locks.
_PG_LOCK_KEY = 0x486F6C646F6666


def _config(connection: Connection) -> Config:
    config = Config()
    config.set_main_option("script_location", str(Path(__file__).parent / "migrations"))
    config.attributes["connection"] = connection
    return config


@contextmanager
def _file_lock(path: Path) -> Iterator[None]:
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("a") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def upgrade(db: Database) -> None:
    """Bring the schema to the newest revision."""
    if db.is_sqlite:
        assert db.url.database is not None
        with _file_lock(Path(db.url.database + ".migrate-lock")), db.engine.connect() as connection:
            command.upgrade(_config(connection), "head")
            connection.commit()
        return
    with db.engine.connect() as connection:
        connection.execute(text("SELECT pg_advisory_lock(:key)"), {"key": _PG_LOCK_KEY})
        connection.commit()
        try:
            command.upgrade(_config(connection), "head")
            connection.commit()
        finally:
            connection.execute(text("SELECT pg_advisory_unlock(:key)"), {"key": _PG_LOCK_KEY})
            connection.commit()


def current_revision(db: Database) -> str | None:
    with db.engine.connect() as connection:
        return MigrationContext.configure(connection).get_current_revision()


def head_revision() -> str | None:
    config = Config()
    config.set_main_option("script_location", str(Path(__file__).parent / "migrations"))
    return ScriptDirectory.from_config(config).get_current_head()
