"""The bounds of backpressure in isolation: the outbox count cached for a second and read by one caller
at a time, and the ingest queue refusing a webhook when the events waiting for the writer are full."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Sequence

import pytest

from holdoff.mediate.model import Action, AlertEvent, AlertState
from holdoff.service.admission import Backlog, Busy
from holdoff.service.ingest_queue import IngestQueue
from holdoff.service.mediation import Applied


class Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def test_the_outbox_count_is_read_at_most_once_a_second_and_refuses_at_its_bound() -> None:
    reads: list[int] = []
    depth = [0]

    def count(at_most: int) -> int:
        reads.append(at_most)
        return min(depth[0], at_most)

    clock = Clock()
    gate = Backlog(count, 5, "undelivered messages", monotonic=clock)
    assert gate.due()
    assert not gate.due()  # one caller reads; the others use the cached count meanwhile
    gate.refresh()
    gate.check()
    depth[0] = 50
    clock.now += 0.5
    assert not gate.due()
    gate.check()  # still the count of half a second ago
    clock.now += 0.5
    assert gate.due()
    gate.refresh()
    assert reads == [6, 6] and gate.depth == 6  # a bounded count: never more than bound + 1
    with pytest.raises(Busy, match="6 undelivered messages are waiting, the bound is 5"):
        gate.check()


def test_without_a_bound_the_outbox_is_never_counted() -> None:
    gate = Backlog(lambda at_most: pytest.fail("counted"), None, "undelivered messages")
    assert not gate.due()
    gate.check()


def event(name: str) -> AlertEvent:
    return AlertEvent("generic", name, Action.TRIGGERED)


def test_a_webhook_past_the_waiting_bound_is_refused_and_the_others_are_written() -> None:
    gate, entered = threading.Event(), threading.Event()
    written: list[int] = []

    def apply_groups(groups: Sequence[Sequence[AlertEvent]]) -> list[list[Applied] | Exception]:
        entered.set()
        gate.wait(5)
        written.extend(len(group) for group in groups)
        return [[Applied(1, AlertState.PENDING, 1, None, "ok", 0) for _ in group] for group in groups]

    queue = IngestQueue(apply_groups, max_waiting_events=3)

    async def scenario() -> tuple[list[object], BaseException | None]:
        first = asyncio.create_task(queue.submit([event("a")]))
        assert await asyncio.to_thread(entered.wait, 5)
        second = asyncio.create_task(queue.submit([event("b"), event("c")]))
        while queue.waiting_events < 2:
            await asyncio.sleep(0)
        refused: BaseException | None = None
        try:
            await queue.submit([event("d"), event("e")])  # 2 waiting + 2 > 3
        except Busy as exc:
            refused = exc
        third = asyncio.create_task(queue.submit([event("f")]))  # 2 + 1 fits
        while queue.waiting_events < 3:
            await asyncio.sleep(0)
        gate.set()
        return list(await asyncio.gather(first, second, third)), refused

    results, refused = asyncio.run(scenario())
    assert isinstance(refused, Busy) and "2 alert events are waiting for the writer, the bound is 3" in str(
        refused
    )
    assert [len(r) for r in results] == [1, 2, 1]  # type: ignore[arg-type]
    assert sorted(written) == [1, 1, 2] and queue.waiting_events == 0


def test_a_webhook_larger_than_the_bound_is_taken_when_nothing_waits() -> None:
    queue = IngestQueue(
        lambda groups: [[Applied(1, AlertState.PENDING, 1, None, "ok", 0) for _ in g] for g in groups],
        max_waiting_events=2,
    )
    applied = asyncio.run(queue.submit([event(str(n)) for n in range(5)]))
    assert len(applied) == 5
