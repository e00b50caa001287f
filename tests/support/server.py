"""Run the real Holdoff service as a subprocess, the way an operator would.

``HoldoffProcess`` starts ``python -m holdoff serve --host 127.0.0.1 --port PORT`` with a clean
environment (PATH, HOME, LANG, PYTHONUNBUFFERED plus whatever the test passes), sends its output to a
log file, and waits for ``GET /health`` to answer 200. ``kill9()`` simulates a crash, ``stop()`` a
normal shutdown; ``start()`` may be called again afterwards (same port, same log file) to restart.
"""

from __future__ import annotations

import contextlib
import os
import re
import signal
import socket
import subprocess
import sys
from collections.abc import Callable, Iterator, Mapping, Sequence
from pathlib import Path
from types import TracebackType
from typing import IO, Any

import pytest

from tests.support.net import NotReady, wait_until_ready

LOOPBACK = "127.0.0.1"
ARTIFACTS_DIRNAME = "test-artifacts"
DEFAULT_STARTUP_TIMEOUT = 20.0
DEFAULT_STOP_TIMEOUT = 10.0

EnvValue = str | int | float | os.PathLike[str]


class HoldoffProcessError(RuntimeError):
    """The service process did not start, or misbehaved while being driven."""


def artifacts_root(config: pytest.Config) -> Path:
    """``test-artifacts/`` at the repository root (CI uploads it)."""
    path = config.rootpath / ARTIFACTS_DIRNAME
    path.mkdir(parents=True, exist_ok=True)
    return path


def free_port(host: str = LOOPBACK) -> int:
    """An ephemeral TCP port on ``host`` that was free a moment ago."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((host, 0))
        port: int = sock.getsockname()[1]
        return port


def clean_environment(extra: Mapping[str, EnvValue] | None = None) -> dict[str, str]:
    """A minimal environment (PATH, HOME, LANG, unbuffered Python output) with ``extra`` on top."""
    env = {
        "PATH": os.environ.get("PATH", os.defpath),
        "HOME": os.environ.get("HOME", "/root" if os.geteuid() == 0 else "/tmp"),
        "LANG": "C.UTF-8",
        "PYTHONUNBUFFERED": "1",
    }
    for key, value in (extra or {}).items():
        env[key] = os.fspath(value) if isinstance(value, os.PathLike) else str(value)
    return env


def _tail(text: str, lines: int = 80) -> str:
    selected = text.splitlines()[-lines:]
    return "\n".join(selected) if selected else "(log is empty)"


class HoldoffProcess:
    """One ``holdoff serve`` subprocess bound to 127.0.0.1."""

    def __init__(
        self,
        env: Mapping[str, EnvValue] | None = None,
        log_dir: Path | str = ".",
        *,
        port: int | None = None,
        name: str = "holdoff",
        startup_timeout: float = DEFAULT_STARTUP_TIMEOUT,
        extra_args: Sequence[str] = (),
        cwd: Path | str | None = None,
    ) -> None:
        self.env = clean_environment(env)
        self.log_dir = Path(log_dir)
        self.log_dir.mkdir(parents=True, exist_ok=True)
        self.log_path = self.log_dir / f"{name}.log"
        self.port = port if port is not None else free_port()
        self.host = LOOPBACK
        self.startup_timeout = startup_timeout
        self.extra_args = tuple(extra_args)
        self.cwd = Path(cwd) if cwd is not None else self.log_dir
        self._proc: subprocess.Popen[bytes] | None = None
        self._log_file: IO[bytes] | None = None
        self.starts = 0

    # ----------------------------------------------------------------- facts
    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}"

    @property
    def argv(self) -> list[str]:
        return [
            sys.executable,
            "-m",
            "holdoff",
            "serve",
            "--host",
            self.host,
            "--port",
            str(self.port),
            *self.extra_args,
        ]

    @property
    def pid(self) -> int | None:
        return self._proc.pid if self._proc is not None else None

    @property
    def returncode(self) -> int | None:
        return self._proc.poll() if self._proc is not None else None

    @property
    def running(self) -> bool:
        return self._proc is not None and self._proc.poll() is None

    def log_text(self) -> str:
        if self._log_file is not None:
            self._log_file.flush()
        try:
            return self.log_path.read_text(encoding="utf-8", errors="replace")
        except FileNotFoundError:
            return ""

    def log_tail(self, lines: int = 80) -> str:
        return _tail(self.log_text(), lines)

    # ----------------------------------------------------------------- lifecycle
    def start(self, *, wait: bool = True) -> HoldoffProcess:
        """Spawn the service; with ``wait``, return once ``GET /health`` answers 200."""
        if self.running:
            raise HoldoffProcessError(f"{self.url}: already running (pid {self.pid})")
        self._close_log()
        self.starts += 1
        self._log_file = self.log_path.open("ab")
        self._log_file.write(f"\n=== start #{self.starts}: {' '.join(self.argv)}\n".encode())
        self._log_file.flush()
        self._proc = subprocess.Popen(
            self.argv,
            env=self.env,
            cwd=self.cwd,
            stdin=subprocess.DEVNULL,
            stdout=self._log_file,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # its own process group, so kill9() takes any children too
        )
        if wait:
            try:
                self.wait_healthy()
            except BaseException:
                self.kill9()
                raise
        return self

    def wait_healthy(self, timeout: float | None = None) -> None:
        """Poll ``GET /health`` until it answers 200; raise with the log tail otherwise."""
        limit = self.startup_timeout if timeout is None else timeout
        try:
            wait_until_ready(f"{self.url}/health", lambda: self.returncode, limit)
        except NotReady as exc:
            raise HoldoffProcessError(
                f"holdoff {exc}\n--- log tail ({self.log_path}) ---\n{self.log_tail()}"
            ) from None

    def kill9(self) -> int | None:
        """SIGKILL the service (and its process group) and wait; returns the exit status."""
        proc = self._proc
        if proc is None:
            return None
        if proc.poll() is None:
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.killpg(proc.pid, signal.SIGKILL)
            with contextlib.suppress(ProcessLookupError):
                proc.kill()
        code = proc.wait()
        self._close_log()
        return code

    def stop(self, timeout: float = DEFAULT_STOP_TIMEOUT) -> int | None:
        """SIGTERM, wait up to ``timeout`` seconds, then SIGKILL; returns the exit status."""
        proc = self._proc
        if proc is None:
            return None
        if proc.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                proc.send_signal(signal.SIGTERM)
            try:
                proc.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                return self.kill9()
        # Reap anything the service left behind in its process group.
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(proc.pid, signal.SIGKILL)
        code = proc.wait()
        self._close_log()
        return code

    def restart(self, *, wait: bool = True) -> HoldoffProcess:
        """Graceful stop, then start again on the same port."""
        self.stop()
        return self.start(wait=wait)

    def _close_log(self) -> None:
        if self._log_file is not None:
            with contextlib.suppress(OSError):
                self._log_file.close()
            self._log_file = None

    def __enter__(self) -> HoldoffProcess:
        if not self.running:
            self.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()

    def __repr__(self) -> str:
        return f"HoldoffProcess(url={self.url!r}, pid={self.pid}, returncode={self.returncode})"


StartHoldoff = Callable[..., HoldoffProcess]


def _safe_dirname(nodeid: str) -> str:
    return re.sub(r"[^A-Za-z0-9_.-]+", "_", nodeid).strip("_")[:150] or "test"


@pytest.fixture
def holdoff_process(request: pytest.FixtureRequest) -> Iterator[StartHoldoff]:
    """A factory ``start(env, **kw) -> HoldoffProcess``; every process it started is stopped at teardown.

    Logs go to ``test-artifacts/<test id>/holdoff-N.log`` unless ``log_dir=`` is given. Other
    keyword arguments go to ``HoldoffProcess`` (``port``, ``startup_timeout``, ``extra_args``,
    ``cwd``, ``name``), except ``wait`` which goes to ``start()``.
    """
    test_dir = artifacts_root(request.config) / _safe_dirname(request.node.nodeid)
    started: list[HoldoffProcess] = []

    def start(env: Mapping[str, EnvValue] | None = None, **kw: Any) -> HoldoffProcess:
        wait = bool(kw.pop("wait", True))
        kw.setdefault("log_dir", test_dir)
        kw.setdefault("name", f"holdoff-{len(started) + 1}")
        process = HoldoffProcess(env, **kw)
        started.append(process)
        return process.start(wait=wait)

    if test_dir.exists():
        for stale in test_dir.glob("holdoff-*.log"):
            stale.unlink(missing_ok=True)
    try:
        yield start
    finally:
        for process in reversed(started):
            process.stop()
