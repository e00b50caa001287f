"""Fixtures of the service tests: the injected clock and a runtime on the parametrized database."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from holdoff.runtime import Runtime
from tests.service.helpers import FakeClock, make_settings
from tests.support.smtp_sink import SmtpSink
from tests.support.teams_receiver import TeamsReceiver


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def runtime(
    database_url: str, teams_receiver: TeamsReceiver, smtp_sink: SmtpSink, clock: FakeClock
) -> Iterator[Runtime]:
    rt = Runtime(make_settings(database_url, teams_receiver, smtp_sink), clock=clock, run_workers=False)
    rt.start()
    yield rt
    rt.stop()
