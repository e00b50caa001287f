"""Engines and transactions.

Every state change goes through :meth:`Database.transaction`: one short transaction that commits
before the caller answers. On SQLite (one writer at a time) writes take the database lock up front
with ``BEGIN IMMEDIATE`` and queue on a mutex (threads) and a file lock (processes) instead of
sleeping and retrying on ``SQLITE_BUSY``; reads use a second engine with ordinary deferred transactions, which WAL lets run
beside a writer. On PostgreSQL both are the same pooled engine and rows are locked explicitly.
"""

from __future__ import annotations

import fcntl
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import IO, Any

from sqlalchemy import Connection, Engine, create_engine, event, make_url
from sqlalchemy.engine import URL
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.pool import ConnectionPoolEntry

from holdoff import edge
from holdoff.telemetry import Telemetry, process_telemetry

SQLITE_BUSY_TIMEOUT_MS = 10_000


class Database:
    """The process's handle on the store."""

    def __init__(self, url: str | URL, *, pool_size: int = 8, telemetry: Telemetry | None = None) -> None:
        self.url = make_url(url)
        self._telemetry = telemetry
        """Counts database errors (this process's telemetry unless given; looked up when one happens)."""
        self.dialect = self.url.get_backend_name()
        if self.dialect == "sqlite":
            self._prepare_sqlite_path()
            self.engine = self._sqlite_engine(immediate=True)
            self.read_engine = self._sqlite_engine(immediate=False)
        else:
            self.engine = create_engine(
                self.url,
                pool_size=pool_size,
                max_overflow=pool_size,
                pool_pre_ping=True,
                json_serializer=edge.dumps,
                json_deserializer=edge.loads,
            )
            self.read_engine = self.engine
        self._write_lock = threading.Lock() if self.dialect == "sqlite" else None
        self._process_lock: IO[bytes] | None = None
        if self.dialect == "sqlite":
            assert self.url.database is not None
            # Writers of several processes queue on this lock in the kernel instead of sleeping
            # and retrying on SQLITE_BUSY.
            self._process_lock = open(self.url.database + ".write-lock", "ab")  # noqa: SIM115

    @property
    def is_sqlite(self) -> bool:
        return self.dialect == "sqlite"

    def _prepare_sqlite_path(self) -> None:
        database = self.url.database
        if not database or database == ":memory:":
            raise ValueError("SQLite needs a file database (several threads and processes share it)")
        Path(database).parent.mkdir(parents=True, exist_ok=True)

    def _sqlite_engine(self, *, immediate: bool) -> Engine:
        engine = create_engine(
            self.url,
            connect_args={"check_same_thread": False, "timeout": SQLITE_BUSY_TIMEOUT_MS / 1000},
            pool_size=8,
            max_overflow=8,
            json_serializer=edge.dumps,
            json_deserializer=edge.loads,
        )

        @event.listens_for(engine, "connect")
        def _on_connect(dbapi_connection: Any, _record: ConnectionPoolEntry) -> None:
            # Let SQLAlchemy, not the sqlite3 module, decide where transactions begin.
            dbapi_connection.isolation_level = None
            cursor = dbapi_connection.cursor()
            cursor.execute("PRAGMA journal_mode=WAL")
            # NORMAL in WAL mode: a commit survives the process being killed (kill -9);
            # only an OS crash or power loss can lose the last transactions.
            cursor.execute("PRAGMA synchronous=NORMAL")
            cursor.execute("PRAGMA foreign_keys=ON")
            cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
            cursor.close()

        begin = "BEGIN IMMEDIATE" if immediate else "BEGIN"

        @event.listens_for(engine, "begin")
        def _on_begin(connection: Connection) -> None:
            # Straight to the driver: this runs once per transaction, on the ingest path.
            connection.connection.driver_connection.execute(begin)  # type: ignore[union-attr]

        return engine

    @contextmanager
    def transaction(self) -> Iterator[Connection]:
        """A write transaction: committed when the block ends, rolled back if it raises."""
        try:
            if self._write_lock is not None and self._process_lock is not None:
                with self._write_lock:
                    fcntl.flock(self._process_lock, fcntl.LOCK_EX)
                    try:
                        with self.engine.begin() as connection:
                            yield connection
                    finally:
                        fcntl.flock(self._process_lock, fcntl.LOCK_UN)
            else:
                with self.engine.begin() as connection:
                    yield connection
        except SQLAlchemyError:
            self._count_error("write")
            raise

    @contextmanager
    def read(self) -> Iterator[Connection]:
        """A read-only snapshot."""
        try:
            with self.read_engine.connect() as connection, connection.begin():
                yield connection
        except SQLAlchemyError:
            self._count_error("read")
            raise

    def _count_error(self, transaction: str) -> None:
        """``holdoff_database_errors_total``: a database error (from the block's statements or the
        commit) ended a transaction, whether or not the caller then retries; other exceptions are not
        counted."""
        (self._telemetry or process_telemetry()).database_error(transaction)

    def ping(self) -> None:
        with self.read() as connection:
            connection.exec_driver_sql("SELECT 1")

    def dispose(self) -> None:
        if self._process_lock is not None:
            self._process_lock.close()
            self._process_lock = None
        self.engine.dispose()
        if self.read_engine is not self.engine:
            self.read_engine.dispose()
