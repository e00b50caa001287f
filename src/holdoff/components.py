"""What a Holdoff process runs, as a list of components started in order and stopped in reverse.

The runtime (:mod:`holdoff.runtime`) is this list: the database, the action-link secret, the channels,
the scheduler and sender loops, and whatever later capabilities add (log, detector and remediation
loops). Each is added in one place, after what it needs; starting and stopping them is the loop below,
not a hand-written sequence, so a new component cannot be forgotten at shutdown or stopped before what
it uses.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from typing import Protocol

log = logging.getLogger(__name__)


class Component(Protocol):
    """Something a process starts and stops. ``stop`` is only called on a component whose ``start``
    returned, and must leave nothing running when it returns (or say in the log what it left)."""

    @property
    def name(self) -> str: ...

    def start(self) -> None: ...

    def stop(self) -> None: ...


class Hook:
    """A component made of two plain steps (either may be left out)."""

    def __init__(
        self,
        name: str,
        *,
        start: Callable[[], object] | None = None,
        stop: Callable[[], object] | None = None,
    ) -> None:
        self.name = name
        self._start = start
        self._stop = stop

    def start(self) -> None:
        if self._start is not None:
            self._start()

    def stop(self) -> None:
        if self._stop is not None:
            self._stop()


class StopFailed(RuntimeError):
    """One or more components failed to stop; the others were stopped anyway."""


class Components:
    """Starts its components in order and stops the started ones in reverse order."""

    def __init__(self, components: Sequence[Component]) -> None:
        names = [component.name for component in components]
        duplicates = sorted({name for name in names if names.count(name) > 1})
        if duplicates:
            raise ValueError(f"component names must be unique; given twice: {', '.join(duplicates)}")
        self.components = tuple(components)
        self._started: list[Component] = []

    @property
    def names(self) -> list[str]:
        return [component.name for component in self.components]

    @property
    def running(self) -> list[str]:
        """The components started and not stopped yet, in the order they started."""
        return [component.name for component in self._started]

    def start(self) -> None:
        """Start every component in order. If one fails, those started before it are stopped (in
        reverse) and its error is raised: a process never runs half started. Starting again while
        started does nothing (a test may start a runtime that its application's lifespan starts too)."""
        if self._started:
            return
        for component in self.components:
            try:
                component.start()
            except BaseException:
                log.error(
                    "component %s failed to start; stopping the %d started before it",
                    component.name,
                    len(self._started),
                )
                self._stop_all()
                raise
            self._started.append(component)

    def stop(self) -> None:
        """Stop the started components in reverse order. A component that fails to stop does not keep the
        others running: each is stopped, then :class:`StopFailed` says which failed."""
        failed = self._stop_all()
        if failed:
            raise StopFailed(f"components that failed to stop (see the log): {', '.join(failed)}")

    def _stop_all(self) -> list[str]:
        failed: list[str] = []
        while self._started:
            component = self._started.pop()
            try:
                component.stop()
            except Exception:
                log.exception("component %s failed to stop", component.name)
                failed.append(component.name)
        return failed
