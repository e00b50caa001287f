"""A real, throwaway PostgreSQL cluster for the test suite.

``PostgresServer`` runs ``initdb`` into a fresh temporary directory and starts the cluster with
``pg_ctl -w``, listening on 127.0.0.1 on a free ephemeral port only (its Unix socket lives in the
temporary directory, never in the system's socket directory). Authentication is ``trust``, and
``fsync`` is off for speed. As root, every PostgreSQL binary runs as the ``postgres`` system user
through ``runuser``, because ``initdb`` and ``postgres`` refuse to run as root.

Nothing here skips: when PostgreSQL cannot be found or cannot start, the error says why and ends
with the tail of the server's log, so the suite fails loudly.
"""

from __future__ import annotations

import atexit
import contextlib
import os
import pwd
import re
import shutil
import signal
import subprocess
import tempfile
import uuid
from collections.abc import Iterator, Sequence
from pathlib import Path
from types import TracebackType

import psycopg
import pytest
from psycopg import sql

from tests.support.server import artifacts_root, free_port

SUPERUSER = "postgres"
LOOPBACK = "127.0.0.1"
_PG_GLOB_ROOT = Path("/usr/lib/postgresql")
_REQUIRED_BINARIES = ("initdb", "pg_ctl", "postgres")
_START_ATTEMPTS = 3
_DB_NAME_RE = re.compile(r"^[a-z_][a-z0-9_]{0,62}$")


class PostgresError(RuntimeError):
    """PostgreSQL could not be found, started, used or stopped."""


def _has_binaries(bindir: Path) -> bool:
    return all((bindir / name).is_file() and os.access(bindir / name, os.X_OK) for name in _REQUIRED_BINARIES)


def _version_key(path: Path) -> tuple[int, ...]:
    # /usr/lib/postgresql/<version>/bin: sort numerically so 15 beats 9.6.
    parts = re.findall(r"\d+", path.parent.name)
    return tuple(int(part) for part in parts) if parts else (-1,)


def find_bindir() -> Path:
    """The directory holding ``initdb``, ``pg_ctl`` and ``postgres``.

    Asks ``pg_config --bindir`` first (on Debian that is postgresql-common's wrapper, which names
    the newest installed server; libpq-dev's own ``pg_config`` answers ``/usr/bin``, which holds no
    server binaries), then falls back to the newest ``/usr/lib/postgresql/*/bin``.
    """
    tried: list[str] = []
    pg_config = shutil.which("pg_config")
    if pg_config is not None:
        try:
            result = subprocess.run(
                [pg_config, "--bindir"], capture_output=True, text=True, timeout=30, check=False
            )
        except (OSError, subprocess.SubprocessError) as exc:
            tried.append(f"{pg_config} --bindir failed: {exc}")
        else:
            if result.returncode == 0 and result.stdout.strip():
                candidate = Path(result.stdout.strip())
                if _has_binaries(candidate):
                    return candidate
                tried.append(f"{pg_config} --bindir -> {candidate} (no server binaries there)")
            else:
                tried.append(f"{pg_config} --bindir exited {result.returncode}: {result.stderr.strip()}")
    else:
        tried.append("pg_config is not on PATH")
    candidates = sorted(_PG_GLOB_ROOT.glob("*/bin"), key=_version_key, reverse=True)
    for candidate in candidates:
        if _has_binaries(candidate):
            return candidate
    tried.append(f"no {_PG_GLOB_ROOT}/*/bin holds {', '.join(_REQUIRED_BINARIES)}")
    raise PostgresError(
        "PostgreSQL server binaries not found ("
        + "; ".join(tried)
        + "). Install them with scripts/ensure-system-packages.sh (Debian package 'postgresql')."
    )


def _tail(path: Path, lines: int = 60) -> str:
    try:
        text = path.read_text(encoding="utf-8", errors="replace")
    except OSError as exc:
        return f"(no log at {path}: {exc})"
    selected = text.splitlines()[-lines:]
    return "\n".join(selected) if selected else "(log is empty)"


class PostgresServer:
    """One throwaway PostgreSQL cluster; use as a context manager or call ``start()``/``stop()``."""

    def __init__(
        self, bindir: Path | None = None, base_dir: Path | None = None, keep_log: Path | None = None
    ) -> None:
        """``keep_log``: where ``stop()`` copies the server log before removing the temporary directory."""
        self._bindir = bindir
        self._base_dir = base_dir
        self._keep_log = keep_log
        self._tmpdir: Path | None = None
        self._port: int | None = None
        self._running = False
        self._run_as_postgres = os.geteuid() == 0
        self._atexit_registered = False

    # ----------------------------------------------------------------- properties
    @property
    def bindir(self) -> Path:
        if self._bindir is None:
            self._bindir = find_bindir()
        return self._bindir

    @property
    def host(self) -> str:
        return LOOPBACK

    @property
    def port(self) -> int:
        if self._port is None or not self._running:
            raise PostgresError("PostgreSQL server is not running")
        return self._port

    @property
    def tmpdir(self) -> Path:
        if self._tmpdir is None:
            raise PostgresError("PostgreSQL server has no directory yet; call start()")
        return self._tmpdir

    @property
    def data_dir(self) -> Path:
        return self.tmpdir / "data"

    @property
    def socket_dir(self) -> Path:
        return self.tmpdir

    @property
    def log_path(self) -> Path:
        return self.tmpdir / "postgresql.log"

    @property
    def running(self) -> bool:
        return self._running

    def log_tail(self, lines: int = 60) -> str:
        if self._tmpdir is None:
            return "(no log: the server was never started)"
        return _tail(self.log_path, lines)

    # ----------------------------------------------------------------- lifecycle
    def start(self) -> PostgresServer:
        if self._running:
            return self
        if self._tmpdir is not None:
            raise PostgresError("a PostgresServer cannot be restarted after stop(); make a new one")
        if not self._atexit_registered:
            atexit.register(self.stop)
            self._atexit_registered = True
        bindir = self.bindir
        self._tmpdir = self._make_tmpdir()
        try:
            self._initdb(bindir)
            self._write_config()
            self._start_with_free_port(bindir)
        except BaseException:
            self.stop()
            raise
        return self

    def stop(self) -> None:
        """Fast shutdown, then remove the temporary directory. Safe to call more than once."""
        tmpdir = self._tmpdir
        if tmpdir is None or not tmpdir.exists():
            self._running = False
            return
        problem: str | None = None
        if self._running or (self.data_dir / "postmaster.pid").exists():
            result = self._run_pg(
                [
                    str(self.bindir / "pg_ctl"),
                    "stop",
                    "-D",
                    str(self.data_dir),
                    "-m",
                    "fast",
                    "-w",
                    "-t",
                    "60",
                ],
                check=False,
            )
            if result.returncode != 0 and (self.data_dir / "postmaster.pid").exists():
                problem = f"pg_ctl stop exited {result.returncode}: {result.stdout}{result.stderr}"
                self._kill_postmaster()
        self._running = False
        if self._keep_log is not None:
            self.save_log(self._keep_log)
        shutil.rmtree(tmpdir, ignore_errors=True)
        if problem is not None:
            raise PostgresError(problem)

    def save_log(self, destination: Path) -> None:
        """Copy the server log (for example into test-artifacts/) before ``stop()`` removes it."""
        if self._tmpdir is None or not self.log_path.exists():
            return
        destination.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(self.log_path, destination)

    def __enter__(self) -> PostgresServer:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()

    # ----------------------------------------------------------------- databases
    def url(self, dbname: str = SUPERUSER) -> str:
        """SQLAlchemy URL for ``dbname`` on this server."""
        return f"postgresql+psycopg://{SUPERUSER}@{LOOPBACK}:{self.port}/{dbname}"

    def connect(
        self, dbname: str = SUPERUSER, *, autocommit: bool = True
    ) -> psycopg.Connection[tuple[object, ...]]:
        """A plain psycopg connection over TCP on 127.0.0.1."""
        try:
            return psycopg.connect(
                host=LOOPBACK,
                port=self.port,
                user=SUPERUSER,
                dbname=dbname,
                autocommit=autocommit,
                connect_timeout=10,
            )
        except psycopg.Error as exc:
            raise PostgresError(
                f"cannot connect to PostgreSQL on {LOOPBACK}:{self.port} db {dbname!r}: {exc}\n"
                f"--- server log tail ({self.log_path}) ---\n{self.log_tail()}"
            ) from exc

    def create_database(self, name: str) -> str:
        """Create database ``name`` and return its SQLAlchemy URL."""
        if not _DB_NAME_RE.fullmatch(name):
            raise ValueError(f"database name must match {_DB_NAME_RE.pattern}: {name!r}")
        with self.connect() as conn:
            try:
                conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
            except psycopg.Error as exc:
                raise PostgresError(
                    f"CREATE DATABASE {name} failed: {exc}\n--- server log tail ---\n{self.log_tail()}"
                ) from exc
        return self.url(name)

    def fresh_database(self, hint: str = "test") -> str:
        """Create a uniquely named database (derived from ``hint``) and return its SQLAlchemy URL."""
        return self.create_database(unique_database_name(hint))

    def clone_database(self, template: str, hint: str = "test") -> str:
        """A uniquely named copy of database ``template`` (schema and rows); returns its SQLAlchemy URL.

        Nobody may be connected to ``template`` meanwhile (PostgreSQL refuses to copy a database in
        use). On PostgreSQL 15 and later the copy is made with ``STRATEGY FILE_COPY``: the files are
        copied after a checkpoint, which with ``fsync`` off is several times faster than the default
        WAL-logged copy of every block.
        """
        name = unique_database_name(hint)
        if not _DB_NAME_RE.fullmatch(template):
            raise ValueError(f"template name must match {_DB_NAME_RE.pattern}: {template!r}")
        with self.connect() as conn:
            statement = sql.SQL("CREATE DATABASE {} TEMPLATE {}").format(
                sql.Identifier(name), sql.Identifier(template)
            )
            if conn.info.server_version >= 150000:
                statement = sql.SQL("{} STRATEGY FILE_COPY").format(statement)
            try:
                conn.execute(statement)
            except psycopg.Error as exc:
                raise PostgresError(
                    f"CREATE DATABASE {name} TEMPLATE {template} failed: {exc}\n"
                    f"--- server log tail ---\n{self.log_tail()}"
                ) from exc
        return self.url(name)

    # ----------------------------------------------------------------- internals
    def _make_tmpdir(self) -> Path:
        base = self._base_dir or Path(tempfile.gettempdir())
        # Short prefix: the Unix socket path must stay under ~107 bytes.
        tmpdir = Path(tempfile.mkdtemp(prefix="hpg-", dir=base))
        if self._run_as_postgres:
            try:
                entry = pwd.getpwnam(SUPERUSER)
            except KeyError as exc:
                shutil.rmtree(tmpdir, ignore_errors=True)
                raise PostgresError(
                    f"running as root but there is no {SUPERUSER!r} system user to run PostgreSQL as "
                    "(the Debian 'postgresql' package creates it)"
                ) from exc
            os.chown(tmpdir, entry.pw_uid, entry.pw_gid)
            probe = subprocess.run(
                ["runuser", "-u", SUPERUSER, "--", "test", "-w", str(tmpdir), "-a", "-x", str(tmpdir)],
                capture_output=True,
                text=True,
                check=False,
            )
            if probe.returncode != 0:
                shutil.rmtree(tmpdir, ignore_errors=True)
                raise PostgresError(
                    f"user {SUPERUSER!r} cannot use {tmpdir} (is a parent directory closed to it? "
                    f"set TMPDIR to a world-traversable place such as /tmp): {probe.stderr.strip()}"
                )
        return tmpdir

    def _command(self, argv: Sequence[str]) -> list[str]:
        if self._run_as_postgres:
            return ["runuser", "-u", SUPERUSER, "--", *argv]
        return list(argv)

    def _run_pg(
        self, argv: Sequence[str], *, check: bool, timeout: float = 120
    ) -> subprocess.CompletedProcess[str]:
        command = self._command(argv)
        env = {**os.environ, "LC_ALL": "C", "LANG": "C", "TZ": "UTC"}
        env.pop("PGDATA", None)
        try:
            result = subprocess.run(
                command,
                capture_output=True,
                text=True,
                cwd=self._tmpdir,
                env=env,
                timeout=timeout,
                check=False,
            )
        except (OSError, subprocess.SubprocessError) as exc:
            raise PostgresError(
                f"{' '.join(command)} could not run: {exc}\n--- server log tail ---\n{self.log_tail()}"
            ) from exc
        if check and result.returncode != 0:
            raise PostgresError(
                f"{' '.join(command)} exited {result.returncode}\n"
                f"--- output ---\n{result.stdout}{result.stderr}\n"
                f"--- server log tail ({self.log_path}) ---\n{self.log_tail()}"
            )
        return result

    def _initdb(self, bindir: Path) -> None:
        self._run_pg(
            [
                str(bindir / "initdb"),
                "-D",
                str(self.data_dir),
                "-U",
                SUPERUSER,
                "--auth=trust",
                "--encoding=UTF8",
                "--locale=C",
                "--no-sync",
                "--no-instructions",
            ],
            check=True,
        )

    def _write_config(self) -> None:
        # Appending keeps the file's owner (postgres) even when we write as root.
        settings = {
            "listen_addresses": f"'{LOOPBACK}'",
            "unix_socket_directories": f"'{self.socket_dir}'",
            "fsync": "off",
            "synchronous_commit": "off",
            "full_page_writes": "off",
            "max_connections": "200",
            "shared_buffers": "32MB",
            "logging_collector": "off",
            "log_min_messages": "warning",
            "log_connections": "off",
            "timezone": "'UTC'",
        }
        lines = "".join(f"{key} = {value}\n" for key, value in settings.items())
        with (self.data_dir / "postgresql.conf").open("a", encoding="utf-8") as conf:
            conf.write("\n# --- holdoff test suite ---\n" + lines)

    def _start_with_free_port(self, bindir: Path) -> None:
        last_error: PostgresError | None = None
        for _attempt in range(_START_ATTEMPTS):
            port = free_port()
            result = self._run_pg(
                [
                    str(bindir / "pg_ctl"),
                    "start",
                    "-D",
                    str(self.data_dir),
                    "-l",
                    str(self.log_path),
                    "-w",
                    "-t",
                    "60",
                    "-o",
                    f"-p {port}",
                ],
                check=False,
            )
            if result.returncode == 0:
                self._port = port
                self._running = True
                return
            log = self.log_tail()
            last_error = PostgresError(
                f"pg_ctl start on {LOOPBACK}:{port} exited {result.returncode}\n"
                f"--- output ---\n{result.stdout}{result.stderr}\n"
                f"--- server log tail ({self.log_path}) ---\n{log}"
            )
            if (self.data_dir / "postmaster.pid").exists():
                self._run_pg(
                    [str(bindir / "pg_ctl"), "stop", "-D", str(self.data_dir), "-m", "immediate", "-w"],
                    check=False,
                )
            # Only a lost race for the port is worth another try.
            if "could not bind" not in log and "already in use" not in log:
                break
        assert last_error is not None
        raise last_error

    def _kill_postmaster(self) -> None:
        pid_file = self.data_dir / "postmaster.pid"
        with contextlib.suppress(OSError, ValueError, IndexError):
            pid = int(pid_file.read_text().splitlines()[0])
            os.kill(pid, signal.SIGKILL)


def unique_database_name(hint: str = "test") -> str:
    """A valid, unique PostgreSQL database name derived from ``hint`` (a test name, say)."""
    stem = re.sub(r"[^a-z0-9_]+", "_", hint.lower()).strip("_")[:40] or "test"
    if not (stem[0].isalpha() or stem[0] == "_"):
        stem = "t_" + stem
    return f"{stem}_{uuid.uuid4().hex[:10]}"


def memory_backed_dir(candidate: Path = Path("/dev/shm")) -> Path | None:
    """``/dev/shm`` when it is a writable directory (Linux's tmpfs), else None (the system temp dir).

    Even with ``fsync`` off, every ``CREATE DATABASE`` makes and removes hundreds of files, and on a
    journaling disk file system that costs 0.1-0.3 s; in memory it costs about 15 ms. The cluster is
    thrown away at the end of the session, so nothing is lost by keeping it in memory.
    """
    try:
        usable = candidate.is_dir() and os.access(candidate, os.W_OK | os.X_OK)
    except OSError:
        return None
    return candidate if usable else None


# --------------------------------------------------------------------- fixtures
@pytest.fixture(scope="session")
def postgres_server(request: pytest.FixtureRequest) -> Iterator[PostgresServer]:
    """One PostgreSQL cluster for the whole test session; its log is kept in test-artifacts/."""
    server = PostgresServer(
        base_dir=memory_backed_dir(), keep_log=artifacts_root(request.config) / "postgresql.log"
    )
    server.start()  # On failure this raises with the server's log tail in the message.
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
def postgres_database_url(postgres_server: PostgresServer, request: pytest.FixtureRequest) -> str:
    """SQLAlchemy URL of a fresh database, named after the test, on the session's server."""
    return postgres_server.fresh_database(request.node.name)
