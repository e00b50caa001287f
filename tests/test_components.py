"""Components: started in order, stopped in reverse; one that fails to start stops those before it."""

from __future__ import annotations

import threading

import pytest

from holdoff.components import Components, Hook, StopFailed
from holdoff.runtime import Runtime
from holdoff.service.workers import Loop
from holdoff.settings import Settings


class Recorder:
    """Components that write what happens to them into one shared list."""

    def __init__(self) -> None:
        self.calls: list[str] = []

    def part(self, name: str, *, fail_start: bool = False, fail_stop: bool = False) -> Hook:
        def start() -> None:
            self.calls.append(f"start {name}")
            if fail_start:
                raise OSError(f"{name} cannot start")

        def stop() -> None:
            self.calls.append(f"stop {name}")
            if fail_stop:
                raise OSError(f"{name} cannot stop")

        return Hook(name, start=start, stop=stop)


def test_components_start_in_order_and_stop_in_reverse() -> None:
    seen = Recorder()
    components = Components([seen.part("database"), seen.part("channels"), seen.part("sender")])
    components.start()
    assert components.running == ["database", "channels", "sender"]
    components.stop()
    assert seen.calls == [
        "start database",
        "start channels",
        "start sender",
        "stop sender",
        "stop channels",
        "stop database",
    ]
    assert components.running == []


def test_a_component_that_fails_to_start_stops_those_started_before_it_and_the_error_is_raised() -> None:
    seen = Recorder()
    components = Components(
        [
            seen.part("database"),
            seen.part("channels"),
            seen.part("scheduler", fail_start=True),
            seen.part("sender"),
        ]
    )
    with pytest.raises(OSError, match="scheduler cannot start"):
        components.start()
    assert seen.calls == [
        "start database",
        "start channels",
        "start scheduler",
        "stop channels",
        "stop database",
    ]  # the failed one is not stopped, the one after it never started
    assert components.running == []
    components.stop()  # nothing left to stop
    assert len(seen.calls) == 5


def test_a_component_that_fails_to_stop_does_not_keep_the_others_running() -> None:
    seen = Recorder()
    components = Components(
        [seen.part("database"), seen.part("channels", fail_stop=True), seen.part("sender")]
    )
    components.start()
    with pytest.raises(StopFailed, match="channels"):
        components.stop()
    assert seen.calls[3:] == ["stop sender", "stop channels", "stop database"]
    assert components.running == []


def test_a_failed_start_whose_rollback_also_fails_still_raises_the_start_error() -> None:
    seen = Recorder()
    components = Components([seen.part("database", fail_stop=True), seen.part("sender", fail_start=True)])
    with pytest.raises(OSError, match="sender cannot start"):
        components.start()
    assert seen.calls == ["start database", "start sender", "stop database"]


def test_starting_twice_starts_nothing_twice_and_names_must_be_unique() -> None:
    seen = Recorder()
    components = Components([seen.part("database")])
    components.start()
    components.start()
    components.stop()
    components.stop()
    assert seen.calls == ["start database", "stop database"]
    with pytest.raises(ValueError, match="given twice: sender"):
        Components([seen.part("sender"), seen.part("sender")])


def test_a_loop_is_a_component_that_can_start_again_after_it_stopped() -> None:
    ran = threading.Event()

    def step() -> int:
        ran.set()
        return 0

    loop = Loop("probe", step, interval=0.01, full_batch=10)
    components = Components([loop])
    for _ in range(2):
        ran.clear()
        components.start()
        assert ran.wait(5)
        components.stop()
        assert components.running == []


def test_the_runtime_is_its_components_in_dependency_order(database_url: str) -> None:
    settings = Settings(database_url=database_url)  # type: ignore[call-arg]
    with_loops = Runtime(settings, channels={})
    base = ["database", "claims", "link secret", "channels", "log lookup"]
    loops = [
        "scheduler",
        "sender",
        "log alerts",
        "log upkeep",
        "log retrain",
        "metric pulls",
        "metric retention",
        "retention",
        "metric alerts",
        "correlation learn",
        "evidence",
    ]
    assert with_loops.components.names == base + loops
    without = Runtime(settings, channels={}, run_workers=False)
    assert without.components.names == base
    without.start()
    try:
        assert without.components.running == base
    finally:
        without.stop()
    assert without.components.running == []


def test_a_runtime_whose_channels_fail_to_start_releases_its_database_and_starts_no_loop(
    database_url: str,
) -> None:
    settings = Settings(database_url=database_url)  # type: ignore[call-arg]
    runtime = Runtime(settings, channels={}, run_workers=True)
    disposed: list[str] = []
    real_dispose = runtime.db.dispose

    def dispose() -> None:
        disposed.append("database")
        real_dispose()

    def broken() -> None:
        raise OSError("cannot describe the channels")

    runtime.db.dispose = dispose  # type: ignore[method-assign]
    runtime._describe = broken  # type: ignore[method-assign]
    runtime.components = Components(runtime._components())
    with pytest.raises(OSError, match="cannot describe"):
        runtime.start()
    assert runtime.components.running == [] and disposed == ["database"]
    assert not any(thread.name in ("holdoff-scheduler", "holdoff-sender") for thread in threading.enumerate())
