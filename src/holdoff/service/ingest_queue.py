"""Group commit for webhooks: webhooks arriving together are committed in one transaction.

Each request hands its events (one webhook, all or nothing) to the queue and waits for its own
result, so a 2xx still means "committed". While one batch is being written, new webhooks gather;
the next batch takes them all. Under light load a batch is a single webhook and nothing waits;
under heavy load the cost of beginning and committing a transaction is shared by the batch.

Backpressure: a webhook is refused at once (:class:`~holdoff.service.admission.Busy`, answered 429 or
503 with Retry-After) when the events already waiting for the writer would pass ``max_waiting_events``,
or when the undelivered outbox has reached its bound (``backlog``, a count cached for a second). Nothing
of a refused webhook is stored; a sender that retries loses nothing.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Sequence

from starlette.concurrency import run_in_threadpool

from holdoff.edge import InputRefused, utc_in_range
from holdoff.ingest.errors import PayloadError
from holdoff.mediate.model import AlertEvent
from holdoff.service.admission import Backlog, Busy
from holdoff.service.mediation import Applied

MAX_BATCH_EVENTS = 200

ApplyGroups = Callable[[Sequence[Sequence[AlertEvent]]], list[list[Applied] | Exception]]


def check_times(events: Sequence[AlertEvent]) -> None:
    """:class:`PayloadError` (422) when a source gave a time outside the range Holdoff can add to;
    checked once here for every source, before anything is queued."""
    for event in events:
        for what, moment in (("starts_at", event.starts_at), ("ends_at", event.ends_at)):
            if moment is None:
                continue
            try:
                utc_in_range(moment, what)
            except InputRefused as exc:
                raise PayloadError(f"alert {event.name or event.fingerprint!r}: {exc}") from None


class IngestQueue:
    """One per process. ``submit`` returns once the webhook's state changes are committed."""

    def __init__(
        self,
        apply_groups: ApplyGroups,
        *,
        max_batch_events: int = MAX_BATCH_EVENTS,
        max_waiting_events: int | None = None,
        backlog: Backlog | None = None,
    ) -> None:
        self._apply_groups = apply_groups
        self._max_batch_events = max_batch_events
        self.max_waiting_events = max_waiting_events
        self.backlog = backlog
        self._waiting: list[tuple[Sequence[AlertEvent], asyncio.Future[list[Applied]]]] = []
        self._waiting_events = 0
        self._writer: asyncio.Task[None] | None = None

    @property
    def waiting_events(self) -> int:
        """Events queued behind the batch being written."""
        return self._waiting_events

    async def submit(self, events: Sequence[AlertEvent]) -> list[Applied]:
        """Commit one webhook's events together; what each did, in order. :class:`Busy` when a bound
        is passed (nothing of the webhook is stored then)."""
        if not events:
            return []
        check_times(events)
        await self._admit(len(events))
        future: asyncio.Future[list[Applied]] = asyncio.get_running_loop().create_future()
        self._waiting.append((events, future))
        self._waiting_events += len(events)
        if self._writer is None or self._writer.done():
            self._writer = asyncio.create_task(self._write_all())
        return await future

    async def _admit(self, size: int) -> None:
        backlog = self.backlog
        if backlog is not None:
            if backlog.due():
                await run_in_threadpool(backlog.refresh)
            backlog.check()
        bound = self.max_waiting_events
        if bound is not None and self._waiting_events and self._waiting_events + size > bound:
            raise Busy(
                f"{self._waiting_events} alert events are waiting for the writer, the bound is {bound}"
            )

    def _next_batch(self) -> list[tuple[Sequence[AlertEvent], asyncio.Future[list[Applied]]]]:
        taken, size = 0, 0
        for events, _ in self._waiting:
            if taken and size + len(events) > self._max_batch_events:
                break
            taken += 1
            size += len(events)
        batch = self._waiting[:taken]
        del self._waiting[:taken]
        self._waiting_events -= size
        return batch

    async def _write_all(self) -> None:
        while self._waiting:
            await asyncio.sleep(0)  # let requests that are already readable join this batch
            batch = self._next_batch()
            try:
                results = await run_in_threadpool(self._apply_groups, [events for events, _ in batch])
            except Exception as exc:  # apply_groups reports per webhook; this is a last resort
                results = [exc] * len(batch)
            for (_, future), result in zip(batch, results, strict=True):
                if future.done():  # the client went away
                    continue
                if isinstance(result, Exception):
                    future.set_exception(result)
                else:
                    future.set_result(result)
