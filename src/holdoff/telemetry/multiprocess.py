"""Self-metrics across worker processes: prometheus_client's multiprocess mode.

``holdoff serve --workers N`` calls :func:`enable` in the parent before it forks: a fresh directory
of its own (no counts of an earlier run can leak in), named in ``PROMETHEUS_MULTIPROC_DIR`` as
prometheus_client expects, and every metric made after that (in the workers) keeps its value in a
memory-mapped file there. Any worker answering ``GET /metrics`` merges every worker's files, so the
counters are the sum over the processes, and a worker that died and was replaced still counts.
The parent calls :func:`process_exited` when a worker exits and :func:`disable` once all are done.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path

from prometheus_client import values
from prometheus_client.multiprocess import MultiProcessCollector, mark_process_dead
from prometheus_client.registry import Collector

from holdoff.telemetry.metrics import Telemetry

ENV = "PROMETHEUS_MULTIPROC_DIR"
PREFIX = "holdoff-metrics-"
"""Each run's directory is ``holdoff-metrics-<pid of holdoff serve>-<random>``."""

_directory: Path | None = None
"""Where this process and its siblings keep their values, once :func:`enable` has been called."""
_telemetry: Telemetry | None = None


def enable(parent: Path | None = None) -> Path:
    """Switch this process (and the processes it forks afterwards) to multiprocess mode, in a fresh
    directory under ``parent`` (the system's temporary directory when None); returns the directory.

    Directories an earlier run left there (killed before it could remove its own) are removed first;
    those of runs still alive are left alone.
    """
    global _directory, _telemetry
    parent = parent if parent is not None else Path(tempfile.gettempdir())
    parent.mkdir(parents=True, exist_ok=True)
    _remove_stale(parent)
    directory = Path(tempfile.mkdtemp(prefix=f"{PREFIX}{os.getpid()}-", dir=parent))
    os.environ[ENV] = str(directory)  # where prometheus_client's values open their files
    values.ValueClass = values.MultiProcessValue()  # type: ignore[no-untyped-call]
    _directory = directory
    _telemetry = None  # made again on first use, its values in the directory
    return directory


def _remove_stale(parent: Path) -> None:
    for path in parent.glob(f"{PREFIX}*-*"):
        pid = path.name[len(PREFIX) :].split("-", 1)[0]
        if path.is_dir() and pid.isdigit() and not _alive(int(pid)):
            shutil.rmtree(path, ignore_errors=True)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # someone else's process
        return True
    return True


def disable(directory: Path) -> None:
    """Remove the directory :func:`enable` made (the run is over; nothing reads it any more)."""
    global _directory
    values.close_all_multiprocess_files()  # type: ignore[no-untyped-call]
    shutil.rmtree(directory, ignore_errors=True)
    if os.environ.get(ENV) == str(directory):
        del os.environ[ENV]
    values.ValueClass = values.MutexValue
    _directory = None


def process_exited(pid: int) -> None:
    """Bookkeeping for a worker that exited: its live gauges go; its counters stay in the sums."""
    if _directory is not None:
        mark_process_dead(pid, str(_directory))  # type: ignore[no-untyped-call]


def directory() -> Path | None:
    """The multiprocess directory of this run, or None when this process counts alone."""
    return _directory


def process_telemetry() -> Telemetry:
    """This process's :class:`Telemetry`, made on first use (after :func:`enable`, in a worker)."""
    global _telemetry
    if _telemetry is None:
        _telemetry = Telemetry()
    return _telemetry


def counters(telemetry: Telemetry) -> Collector:
    """What one scrape reads the process counters from: every worker's files merged in multiprocess
    mode, else this process's own registry."""
    if _directory is None:
        return telemetry.registry
    return MultiProcessCollector(None, path=str(_directory))  # type: ignore[no-untyped-call]
