"""Group commit: webhooks submitted together share batches; each caller gets its own result."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Sequence

from holdoff.mediate.model import Action, AlertEvent, AlertState
from holdoff.service.ingest_queue import IngestQueue
from holdoff.service.mediation import Applied


class RecordingGroups:
    """Stands in for Mediator.apply_groups: records batches; a group with a 'bad' event fails whole."""

    def __init__(self) -> None:
        self.batches: list[list[int]] = []
        self.gate = threading.Event()
        self.entered = threading.Event()
        """Set once a batch is being written (and held at the gate)."""

    def __call__(self, groups: Sequence[Sequence[AlertEvent]]) -> list[list[Applied] | Exception]:
        self.entered.set()
        self.gate.wait(5)
        self.batches.append([len(group) for group in groups])
        results: list[list[Applied] | Exception] = []
        for group in groups:
            if any(e.fingerprint.startswith("bad") for e in group):
                results.append(ValueError("bad webhook"))
            else:
                results.append(
                    [
                        Applied(int(e.fingerprint.split("-")[1]), AlertState.PENDING, 1, None, "ok", 0)
                        for e in group
                    ]
                )
        return results


def event(fingerprint: str) -> AlertEvent:
    return AlertEvent("coralogix", fingerprint, Action.TRIGGERED)


def test_webhooks_submitted_while_a_batch_is_written_form_the_next_batch() -> None:
    groups = RecordingGroups()
    queue = IngestQueue(groups)

    async def scenario() -> list[list[Applied]]:
        first = asyncio.create_task(queue.submit([event("e-0")]))
        assert await asyncio.to_thread(groups.entered.wait, 5)  # the first batch is blocked in the writer
        rest = [asyncio.create_task(queue.submit([event(f"e-{n}")])) for n in range(1, 51)]
        while len(queue._waiting) < 50:  # every later webhook is queued behind it
            await asyncio.sleep(0)
        groups.gate.set()
        return await asyncio.gather(first, *rest)

    results = asyncio.run(scenario())
    assert [r[0].alert_id for r in results] == list(range(51))
    assert [len(batch) for batch in groups.batches] == [1, 50]


def test_a_failed_webhook_raises_for_its_caller_only() -> None:
    groups = RecordingGroups()
    groups.gate.set()
    queue = IngestQueue(groups)

    async def scenario() -> list[list[Applied] | BaseException]:
        return await asyncio.gather(
            queue.submit([event("e-1")]),
            queue.submit([event("e-2"), event("bad-3")]),
            queue.submit([event("e-4")]),
            return_exceptions=True,
        )

    ok1, failed, ok4 = asyncio.run(scenario())
    assert isinstance(failed, ValueError)
    assert [a.alert_id for a in ok1] == [1]  # type: ignore[union-attr]
    assert [a.alert_id for a in ok4] == [4]  # type: ignore[union-attr]


def test_a_webhook_is_never_split_across_batches_and_batches_stay_bounded() -> None:
    groups = RecordingGroups()
    queue = IngestQueue(groups, max_batch_events=7)

    async def scenario() -> None:
        tasks = [asyncio.create_task(queue.submit([event(f"e-{n}")] * 3)) for n in range(10)]
        tasks.append(asyncio.create_task(queue.submit([event("e-99")] * 12)))
        # Every submit runs before the writer it starts, so all are queued once a batch is written.
        assert await asyncio.to_thread(groups.entered.wait, 5)
        groups.gate.set()
        await asyncio.gather(*tasks)

    asyncio.run(scenario())
    sizes = [size for batch in groups.batches for size in batch]
    assert sorted(sizes) == [3] * 10 + [12]
    # A batch holds at most 7 events, except a single webhook larger than that, which goes alone.
    assert all(sum(batch) <= 7 or batch == [12] for batch in groups.batches)


def test_a_lone_webhook_is_written_without_waiting_for_company() -> None:
    groups = RecordingGroups()
    groups.gate.set()
    queue = IngestQueue(groups)
    result = asyncio.run(queue.submit([event("e-4")]))
    assert result[0].alert_id == 4 and groups.batches == [[1]]
