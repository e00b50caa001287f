"""Migrations create exactly the schema the code uses, and survive concurrent starts."""

from __future__ import annotations

import threading

from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext

from holdoff.store import migrate
from holdoff.store.db import Database
from holdoff.store.schema import metadata


def test_migrations_match_the_table_definitions(empty_database_url: str) -> None:
    db = Database(empty_database_url)
    try:
        migrate.upgrade(db)
        with db.engine.connect() as connection:
            diff = compare_metadata(MigrationContext.configure(connection), metadata)
        assert diff == []
        assert migrate.current_revision(db) == migrate.head_revision()
    finally:
        db.dispose()


def test_processes_starting_together_migrate_once(empty_database_url: str) -> None:
    databases = [Database(empty_database_url) for _ in range(4)]
    errors: list[BaseException] = []
    barrier = threading.Barrier(len(databases))

    def start(db: Database) -> None:
        barrier.wait()
        try:
            migrate.upgrade(db)
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=start, args=(db,)) for db in databases]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    try:
        assert errors == []
        assert {migrate.current_revision(db) for db in databases} == {migrate.head_revision()}
    finally:
        for db in databases:
            db.dispose()
