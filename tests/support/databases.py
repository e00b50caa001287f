"""Databases for tests: migrated once per session, copied per test.

Running every migration for every test cost about 0.3 s per PostgreSQL test (``CREATE DATABASE``
plus fifteen migrations) and 50 ms per SQLite test. Instead the session migrates one template of
each kind, and each test gets a copy: ``CREATE DATABASE ... TEMPLATE holdoff_template`` on
PostgreSQL, a file copy on SQLite. Holdoff still calls ``migrate.upgrade`` at start; on a copy it
finds the schema at head and does nothing, which is what a restart on an existing database does.

Tests of the migrations themselves ask for an *empty* database instead (``empty_database_url``).
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from holdoff.store import migrate
from holdoff.store.db import Database
from tests.support.postgres import PostgresServer

POSTGRES_TEMPLATE = "holdoff_template"
SQLITE_NAME = "holdoff.db"


def migrate_to_head(url: str) -> None:
    """Bring the database at ``url`` to the newest schema and close every connection to it."""
    db = Database(url)
    try:
        migrate.upgrade(db)
    finally:
        db.dispose()


def sqlite_url(path: Path) -> str:
    return f"sqlite:///{path}"


def copy_sqlite(template: Path, path: Path) -> str:
    """Copy the migrated template file to ``path`` and return its URL.

    The template's connections are closed (``migrate_to_head`` disposes its engines), so its
    write-ahead log is checkpointed into the main file and the one file is the whole database.
    """
    leftovers = [
        p.name for p in (template.with_name(template.name + s) for s in ("-wal", "-shm")) if p.exists()
    ]
    if leftovers:
        raise RuntimeError(
            f"the SQLite template {template} still has {leftovers}: a connection to it was left open, "
            "so a file copy would miss committed pages"
        )
    path.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(template, path)
    return sqlite_url(path)


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A SQLite file at the newest schema, made once per session; tests get copies, never this file."""
    path = tmp_path_factory.mktemp("sqlite-template") / SQLITE_NAME
    migrate_to_head(sqlite_url(path))
    return path


@pytest.fixture(scope="session")
def postgres_template(postgres_server: PostgresServer) -> str:
    """The name of a PostgreSQL database at the newest schema, made once per session (clone it)."""
    migrate_to_head(postgres_server.create_database(POSTGRES_TEMPLATE))
    return POSTGRES_TEMPLATE


def migrated_database(request: pytest.FixtureRequest, kind: str, tmp_path: Path) -> str:
    """A fresh database of ``kind`` ("sqlite" or "postgresql") at the newest schema, for one test."""
    if kind == "sqlite":
        template: Path = request.getfixturevalue("sqlite_template")
        return copy_sqlite(template, tmp_path / SQLITE_NAME)
    server: PostgresServer = request.getfixturevalue("postgres_server")
    return server.clone_database(request.getfixturevalue("postgres_template"), request.node.name)


def empty_database(request: pytest.FixtureRequest, kind: str, tmp_path: Path) -> str:
    """A fresh database of ``kind`` with no schema at all, for one test."""
    if kind == "sqlite":
        return sqlite_url(tmp_path / SQLITE_NAME)
    server: PostgresServer = request.getfixturevalue("postgres_server")
    return server.fresh_database(request.node.name)
