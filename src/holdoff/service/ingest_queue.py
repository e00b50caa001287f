"""Group commit for webhooks: events arriving together are committed in one transaction.

Each request hands its event to the queue and waits for its own result, so a 2xx still means
"committed". While one batch is being written, new events gather; the next batch takes them all.
Under light load a batch is a single event and nothing waits; under heavy load the per-event cost
of beginning and committing a transaction is shared by the whole batch.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Sequence

from starlette.concurrency import run_in_threadpool

from holdoff.mediate.model import AlertEvent
from holdoff.service.mediation import Applied

MAX_BATCH = 200

ApplyBatch = Callable[[Sequence[AlertEvent]], list[Applied | Exception]]


class IngestQueue:
    """One per process. ``submit`` returns once the event's state change is committed."""

    def __init__(self, apply_batch: ApplyBatch, *, max_batch: int = MAX_BATCH) -> None:
        self._apply_batch = apply_batch
        self._max_batch = max_batch
        self._waiting: list[tuple[AlertEvent, asyncio.Future[Applied]]] = []
        self._writer: asyncio.Task[None] | None = None

    async def submit(self, event: AlertEvent) -> Applied:
        future: asyncio.Future[Applied] = asyncio.get_running_loop().create_future()
        self._waiting.append((event, future))
        if self._writer is None or self._writer.done():
            self._writer = asyncio.create_task(self._write_all())
        return await future

    async def _write_all(self) -> None:
        while self._waiting:
            await asyncio.sleep(0)  # let requests that are already readable join this batch
            batch = self._waiting[: self._max_batch]
            del self._waiting[: self._max_batch]
            try:
                results = await run_in_threadpool(self._apply_batch, [event for event, _ in batch])
            except Exception as exc:  # the batch function reports per event; this is a last resort
                results = [exc] * len(batch)
            for (_, future), result in zip(batch, results, strict=True):
                if future.done():  # the client went away
                    continue
                if isinstance(result, Exception):
                    future.set_exception(result)
                else:
                    future.set_result(result)
