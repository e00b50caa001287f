"""``holdoff serve --workers 2``: two worker processes behind one port share the database safely."""

from __future__ import annotations

import os
import signal
import time
from collections import Counter

import pytest

from tests.e2e import Api, mail_alert_id, service_env
from tests.support.server import StartHoldoff
from tests.support.settle import wait_until_settled
from tests.support.smtp_sink import SmtpSink
from tests.support.teams_receiver import TeamsReceiver

pytestmark = pytest.mark.e2e

GRACE = 2.0


def _worker_pids(parent: int) -> list[int]:
    with open(f"/proc/{parent}/task/{parent}/children") as children:
        text = children.read()
    return [int(pid) for pid in text.split()]


def test_worker_processes_escalate_each_alert_once_and_a_dead_worker_is_replaced(
    database_url: str, holdoff_process: StartHoldoff, teams_receiver: TeamsReceiver, smtp_sink: SmtpSink
) -> None:
    env = service_env(database_url, grace=GRACE, teams=teams_receiver, smtp=smtp_sink)
    server = holdoff_process(env, extra_args=["--workers", "2"])
    assert server.pid is not None
    workers = _worker_pids(server.pid)
    assert len(workers) == 2
    api = Api(server.url)

    ids = [api.trigger(f"w-{n:02d}", f"Worker alert {n}")["alert_id"] for n in range(30)]
    assert len(set(ids)) == 30
    smtp_sink.wait_for(30, timeout=GRACE + 15)
    wait_until_settled(database_url, timeout=30)  # Teams too: rate-limited, it takes a few seconds more
    assert Counter(mail_alert_id(mail) for mail in smtp_sink.messages) == Counter(ids)
    # Teams takes about 4 requests a second: the two workers share that rate (2/s each).
    teams_receiver.wait_for(30, timeout=30)
    wait_until_settled(database_url)
    arrivals = sorted(request.at for request in teams_receiver.requests)
    assert len(arrivals) == 30
    busiest = max(sum(1 for t in arrivals if start <= t < start + 1.0) for start in arrivals)
    assert busiest <= 5, f"{busiest} Teams requests within one second"

    os.kill(workers[0], signal.SIGKILL)
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        replaced = _worker_pids(server.pid)
        if len(replaced) == 2 and workers[0] not in replaced:
            break
        time.sleep(0.2)
    else:
        raise AssertionError(f"worker {workers[0]} was not replaced: {_worker_pids(server.pid)}")
    answer = api.trigger("after-restart", "After a worker died")
    assert answer["state"] == "pending"
    smtp_sink.wait_for(31, timeout=GRACE + 10)
