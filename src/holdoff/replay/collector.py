"""Garbage collection while a replay runs.

A replay makes a few short-lived records per event and almost no reference cycles. With CPython's
default threshold the cyclic collector runs every 700 new containers, and its older generations walk
every container alive, the parsed stream included: on a day of 80,000 events that was several percent
of the replay. While a replay runs, what exists before it (the parsed stream, the policy) is frozen out
of the collector's reach and the young generation is collected less often; both are restored afterwards.
Reference counting still frees almost everything at once; only cycles wait a little longer.
"""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager

YOUNG_THRESHOLD = 100_000
"""New containers between two collections of the young generation during a replay (CPython: 700)."""


@contextmanager
def fewer_collections(young: int = YOUNG_THRESHOLD) -> Iterator[None]:
    """Run the block with what exists frozen and the young generation collected every ``young`` containers."""
    before = gc.get_threshold()
    gc.freeze()
    gc.set_threshold(max(before[0], young), *before[1:])
    try:
        yield
    finally:
        gc.set_threshold(*before)
        gc.unfreeze()
