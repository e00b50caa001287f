"""fewer_collections(): the collector settings a replay runs under, restored afterwards."""

from __future__ import annotations

import gc

import pytest

from holdoff.replay.collector import fewer_collections


def test_raises_the_young_threshold_and_freezes_then_restores_both() -> None:
    before = gc.get_threshold()
    with fewer_collections(young=123_456):
        assert gc.get_threshold() == (123_456, *before[1:])
        assert gc.get_freeze_count() > 0
    assert gc.get_threshold() == before
    assert gc.get_freeze_count() == 0


def test_restores_the_settings_when_the_replay_fails() -> None:
    before = gc.get_threshold()
    with pytest.raises(RuntimeError), fewer_collections():
        raise RuntimeError("stream broke")
    assert gc.get_threshold() == before
    assert gc.get_freeze_count() == 0


def test_cycles_made_during_the_block_are_still_collected() -> None:
    class Node:
        other: object = None

    with fewer_collections():
        a, b = Node(), Node()
        a.other, b.other = b, a
        del a, b
        assert gc.collect() >= 2
