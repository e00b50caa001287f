"""Running the HTTP service: one process, or several worker processes sharing one listening socket.

Every worker is a complete Holdoff process (API, scheduler, sender) with its own database
connections; they coordinate only through the database, exactly as separate hosts would. The
parent binds the socket, migrates once, forks the workers, restarts any that die, and passes
SIGTERM/SIGINT on to them.
"""

from __future__ import annotations

import contextlib
import logging
import os
import signal
import socket
import threading
import time
from collections.abc import Callable
from pathlib import Path
from types import FrameType

import uvicorn

from holdoff.api.app import create_app
from holdoff.runtime import Runtime
from holdoff.settings import Settings
from holdoff.settings.file import ConfigError
from holdoff.store import migrate
from holdoff.store.db import Database
from holdoff.telemetry import multiprocess

log = logging.getLogger(__name__)

RESTART_PAUSE_SECONDS = 1.0


SettingsLoader = Callable[[], Settings]
CandidateLoader = Callable[[Path], Settings]
"""Reads a candidate configuration file as this process would (its env file and command-line values)."""


def _server(
    settings: Settings, reload_settings: SettingsLoader | None, candidate_settings: CandidateLoader | None
) -> uvicorn.Server:
    runtime = Runtime(settings, reload_settings=reload_settings, candidate_settings=candidate_settings)
    _reload_on_sighup(runtime)
    config = uvicorn.Config(
        create_app(runtime),
        host=settings.server.host,
        port=settings.server.port,
        log_config=None,
        access_log=False,
        server_header=False,
        timeout_graceful_shutdown=10,
    )
    return uvicorn.Server(config)


def _run(server: uvicorn.Server, sockets: list[socket.socket] | None = None) -> None:
    """Serve until SIGTERM or SIGINT, then drain and return, so the process exits 0.

    Draining is uvicorn's: stop accepting, let the requests in flight finish (for up to
    ``timeout_graceful_shutdown``), then the app's shutdown stops the runtime, whose loops end their
    step and whose claims are given back. uvicorn raises the signal again once it has stopped; with the
    default action the process would end killed by it (status 143) after a clean stop. Its own handler
    in their place makes that a no-op, and a signal that comes before uvicorn listens for it (while the
    process starts) still stops it.
    """
    for name in (signal.SIGTERM, signal.SIGINT):
        signal.signal(name, server.handle_exit)
    server.run(sockets=sockets)


def _reload_on_sighup(runtime: Runtime) -> None:
    """``kill -HUP``: read the configuration again and apply its policy, off the signal handler."""

    def reload() -> None:
        try:
            runtime.reload_policy()
        except ConfigError as exc:
            log.error("reload refused, the running policy is unchanged: %s", exc)

    signal.signal(signal.SIGHUP, lambda _signum, _frame: threading.Thread(target=reload, daemon=True).start())


def serve(
    settings: Settings,
    reload_settings: SettingsLoader | None = None,
    candidate_settings: CandidateLoader | None = None,
) -> None:
    """Serve until told to stop. ``reload_settings`` reads the configuration again (SIGHUP, admin API);
    ``candidate_settings`` reads a candidate file the same way (``POST /policy/validate``)."""
    if settings.server.workers == 1:
        _run(_server(settings, reload_settings, candidate_settings))
        return
    _serve_workers(settings, reload_settings, candidate_settings)


def _bind(settings: Settings) -> socket.socket:
    family = socket.AF_INET6 if ":" in settings.server.host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind((settings.server.host, settings.server.port))
    sock.listen(2048)
    sock.set_inheritable(True)
    return sock


def _run_worker(
    settings: Settings,
    sock: socket.socket,
    reload_settings: SettingsLoader | None,
    candidate_settings: CandidateLoader | None,
) -> None:
    _run(_server(settings, reload_settings, candidate_settings), [sock])


def _serve_workers(
    settings: Settings, reload_settings: SettingsLoader | None, candidate_settings: CandidateLoader | None
) -> None:
    sock = _bind(settings)
    db = Database(settings.resolved_database_url)
    try:
        migrate.upgrade(db)  # once, before any worker starts
    finally:
        db.dispose()
    log.info(
        "serving on http://%s:%d with %d worker processes",
        settings.server.host,
        settings.server.port,
        settings.server.workers,
    )

    stopping = False
    workers: dict[int, int] = {}  # pid -> slot

    def spawn(slot: int) -> None:
        pid = os.fork()
        if pid == 0:  # pragma: no cover - runs in the child
            code = 0
            try:
                _run_worker(settings, sock, reload_settings, candidate_settings)
            except BaseException:
                log.exception("worker %d crashed", slot)
                code = 1
            finally:
                os._exit(code)
        workers[pid] = slot

    def stop(signum: int, _frame: FrameType | None) -> None:
        nonlocal stopping
        stopping = True
        for pid in list(workers):
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signum)

    def forward(signum: int, _frame: FrameType | None) -> None:
        for pid in list(workers):
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signum)

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    signal.signal(signal.SIGHUP, forward)
    # Every worker's counters go to files in this run's own directory, summed by whichever answers /metrics.
    metrics_dir = multiprocess.enable()
    for slot in range(settings.server.workers):
        spawn(slot)
    while workers:
        try:
            pid, status = os.wait()
        except ChildProcessError:
            break
        if pid not in workers:
            continue
        slot = workers.pop(pid)
        multiprocess.process_exited(pid)
        if stopping:
            continue
        log.error("worker %d (pid %d) exited with status %d; starting a new one", slot, pid, status)
        time.sleep(RESTART_PAUSE_SECONDS)
        spawn(slot)
    sock.close()
    multiprocess.disable(metrics_dir)
