"""The background loops of one Holdoff process: the deadline scheduler and the outbox sender.

Each loop is a thread that does one bounded step, then sleeps until its interval passes or it is
woken. All state is in the database, so stopping a loop (or killing the process) loses nothing.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable

log = logging.getLogger(__name__)

STOP_SECONDS = 5.0
"""How long ``stop`` waits for a step to finish. A step that takes longer (a channel that hangs) is
left to end with the process: what it claimed is given back when the runtime stops, so a process that
is told to stop ends well inside the 30 s an orchestrator grants by default (Kubernetes, systemd's 90 s)."""


class Loop:
    """Calls ``step`` repeatedly; a step that did a full batch runs again at once."""

    def __init__(
        self,
        name: str,
        step: Callable[[], int],
        *,
        interval: float,
        full_batch: int,
        wake: threading.Event | None = None,
    ) -> None:
        self.name = name
        self.step = step
        self.interval = interval
        self.full_batch = full_batch
        self.wake = wake or threading.Event()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def start(self) -> None:
        """Run the loop in a thread of its own (a component: a stopped loop can be started again)."""
        if self._thread is not None and self._thread.is_alive():
            raise RuntimeError(f"the {self.name} loop is already running")
        self._stop.clear()
        self._thread = threading.Thread(target=self._run, name=f"holdoff-{self.name}", daemon=True)
        self._thread.start()

    def stop(self, timeout: float = STOP_SECONDS) -> None:
        self._stop.set()
        self.wake.set()
        if self._thread is None:
            return
        self._thread.join(timeout)
        if self._thread.is_alive():
            log.warning("%s loop did not stop within %.0fs", self.name, timeout)
        self._thread = None

    def _run(self) -> None:
        failures = 0
        while not self._stop.is_set():
            self.wake.clear()  # a wake-up during the step makes the wait below return at once
            try:
                done = self.step()
                failures = 0
            except Exception:
                failures += 1
                log.exception("%s step failed (%d in a row); retrying", self.name, failures)
                done = 0
            if done >= self.full_batch and not self._stop.is_set():
                continue
            pause = self.interval if failures == 0 else min(self.interval * 2**failures, 30.0)
            self.wake.wait(pause)
