"""``holdoff serve --workers 2``: whichever worker answers ``GET /metrics`` reports the counters summed
over both processes (prometheus_client's multiprocess mode, in a directory of the run's own)."""

from __future__ import annotations

import os
import signal
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
from prometheus_client.multiprocess import MultiProcessCollector

from tests.support.server import HoldoffProcess, StartHoldoff
from tests.telemetry.support import samples, value

BATCH = 16
MAX_BATCHES = 40


def _children(parent: int) -> list[int]:
    with open(f"/proc/{parent}/task/{parent}/children") as children:
        return [int(pid) for pid in children.read().split()]


def _accepted_by_pid(directory: Path) -> dict[int, float]:
    """Alerts accepted as each worker's own file has them."""
    counted: dict[int, float] = {}
    for path in directory.glob("counter_*.db"):
        pid = int(path.stem.split("_")[1])
        for metric in MultiProcessCollector.merge([str(path)], accumulate=False):
            for sample in metric.samples:
                if sample.name == "holdoff_alerts_received_total" and sample.labels["outcome"] == "accepted":
                    counted[pid] = counted.get(pid, 0.0) + sample.value
    return counted


def _trigger(server: HoldoffProcess, n: int) -> None:
    body = {"alert_id": f"w-{n}", "alert_name": f"Worker alert {n}", "alert_action": "TRIGGERED"}
    # a connection per request, so the kernel hands them to either worker
    answer = httpx.post(f"{server.url}/coralogix/webhook", json=body, headers={"Connection": "close"})
    assert answer.status_code == 202, answer.text


def _reported(server: HoldoffProcess) -> tuple[float, float, float]:
    """Alerts accepted, webhooks timed and alerts held, as one scrape reports them."""
    answer = httpx.get(f"{server.url}/metrics", headers={"Connection": "close"})  # open mode: loopback
    assert answer.status_code == 200, answer.text
    found = samples(answer.text)
    return (
        value(found, "holdoff_alerts_received_total", source="coralogix", outcome="accepted"),
        value(found, "holdoff_webhook_duration_seconds_count", source="coralogix"),
        value(found, "holdoff_decisions_total", decision="held"),
    )


def test_every_worker_reports_the_sum_over_the_processes_and_a_dead_worker_still_counts(
    tmp_path: Path, holdoff_process: StartHoldoff
) -> None:
    tmp = tmp_path / "tmp"
    tmp.mkdir()
    env = {
        "HOLDOFF_DATABASE_URL": f"sqlite:///{tmp_path / 'holdoff.db'}",
        "HOLDOFF_GRACE_SECONDS": 600,
        "TMPDIR": tmp,  # where serve makes its metrics directory
    }
    server = holdoff_process(env, extra_args=["--workers", "2"])
    assert server.pid is not None
    (directory,) = tmp.glob(f"holdoff-metrics-{server.pid}-*")
    sent = 0
    with ThreadPoolExecutor(max_workers=8) as pool:
        while len([n for n in _accepted_by_pid(directory).values() if n]) < 2:  # until both took some
            assert sent < BATCH * MAX_BATCHES, f"one worker took every request: {_accepted_by_pid(directory)}"
            list(pool.map(lambda n: _trigger(server, n), range(sent, sent + BATCH)))
            sent += BATCH
    per_worker = _accepted_by_pid(directory)
    assert sum(per_worker.values()) == sent
    assert all(count < sent for count in per_worker.values())
    for _ in range(6):  # each scrape, whichever worker answers it, has the sums (histograms too)
        assert _reported(server) == (sent, sent, sent)

    dead = _children(server.pid)[0]
    os.kill(dead, signal.SIGKILL)
    deadline = time.monotonic() + 15
    while not (len(now := _children(server.pid)) == 2 and dead not in now):
        assert time.monotonic() < deadline, f"worker {dead} was not replaced"
        time.sleep(0.1)
    server.wait_healthy()
    for _ in range(4):  # its counts stay in the sums after it died
        assert _reported(server) == (sent, sent, sent)

    server.stop()
    assert not directory.exists()  # the run removed its directory
