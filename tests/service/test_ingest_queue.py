"""Group commit: concurrent submissions share batches, and each caller gets its own result."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Sequence

from holdoff.mediate.model import Action, AlertEvent, AlertState
from holdoff.service.ingest_queue import IngestQueue
from holdoff.service.mediation import Applied


class RecordingBatch:
    """Stands in for Mediator.apply_batch: records batch sizes; fingerprints starting 'bad' fail."""

    def __init__(self) -> None:
        self.sizes: list[int] = []
        self.gate = threading.Event()

    def __call__(self, events: Sequence[AlertEvent]) -> list[Applied | Exception]:
        self.gate.wait(5)
        self.sizes.append(len(events))
        return [
            ValueError(f"bad event {e.fingerprint}")
            if e.fingerprint.startswith("bad")
            else Applied(int(e.fingerprint.split("-")[1]), AlertState.PENDING, 1, None, "ok", 0)
            for e in events
        ]


def event(fingerprint: str) -> AlertEvent:
    return AlertEvent("coralogix", fingerprint, Action.TRIGGERED)


def test_events_submitted_while_a_batch_is_written_form_the_next_batch() -> None:
    batch = RecordingBatch()
    queue = IngestQueue(batch)

    async def scenario() -> list[Applied]:
        first = asyncio.create_task(queue.submit(event("e-0")))
        await asyncio.sleep(0.05)  # the first batch is now blocked in the writer thread
        rest = [asyncio.create_task(queue.submit(event(f"e-{n}"))) for n in range(1, 51)]
        await asyncio.sleep(0.05)
        batch.gate.set()
        return await asyncio.gather(first, *rest)

    results = asyncio.run(scenario())
    assert [r.alert_id for r in results] == list(range(51))
    assert batch.sizes == [1, 50]


def test_a_failed_event_raises_for_its_caller_only() -> None:
    batch = RecordingBatch()
    batch.gate.set()
    queue = IngestQueue(batch)

    async def scenario() -> tuple[Applied, BaseException | Applied, Applied]:
        results = await asyncio.gather(
            queue.submit(event("e-1")),
            queue.submit(event("bad-2")),
            queue.submit(event("e-3")),
            return_exceptions=True,
        )
        return results  # type: ignore[return-value]

    ok1, failed, ok3 = asyncio.run(scenario())
    assert isinstance(failed, ValueError)
    assert (ok1.alert_id, ok3.alert_id) == (1, 3)


def test_batches_never_exceed_the_maximum() -> None:
    batch = RecordingBatch()
    queue = IngestQueue(batch, max_batch=7)

    async def scenario() -> None:
        tasks = [asyncio.create_task(queue.submit(event(f"e-{n}"))) for n in range(20)]
        await asyncio.sleep(0.05)
        batch.gate.set()
        await asyncio.gather(*tasks)

    asyncio.run(scenario())
    assert sum(batch.sizes) == 20
    assert max(batch.sizes) <= 7


def test_a_lone_event_is_written_without_waiting_for_company() -> None:
    batch = RecordingBatch()
    batch.gate.set()
    queue = IngestQueue(batch)
    result = asyncio.run(queue.submit(event("e-4")))
    assert result.alert_id == 4 and batch.sizes == [1]
