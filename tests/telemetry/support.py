"""What the self-metrics tests share: an in-process Holdoff with scripted channels, and scrapes parsed
back into samples."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

from fastapi.testclient import TestClient
from prometheus_client.parser import text_string_to_metric_families

from holdoff.api.app import create_app
from holdoff.auth.roles import Role
from holdoff.mediate.model import NotificationKind
from holdoff.notify.channel import DeliveryResult
from holdoff.notify.message import Message
from holdoff.runtime import Runtime
from holdoff.settings import Settings
from tests.service.helpers import FakeClock

Samples = dict[tuple[str, tuple[tuple[str, str], ...]], float]

OK = DeliveryResult(ok=True, retryable=False, status_code=200, latency_ms=3.0)
BUSY = DeliveryResult(ok=False, retryable=True, status_code=503, error="busy")


@dataclass
class ScriptedChannel:
    """A channel that answers every message with ``answer``."""

    answer: DeliveryResult
    rate_per_second: float | None = None
    kinds: frozenset[NotificationKind] | None = None
    sent: list[Message] = field(default_factory=list)

    def send(self, message: Message, ref: str | None = None) -> DeliveryResult:
        self.sent.append(message)
        return self.answer

    def close(self) -> None:
        pass


@dataclass
class App:
    client: TestClient
    runtime: Runtime
    clock: FakeClock
    token: str

    def scrape(self) -> Samples:
        response = self.client.get("/metrics", headers={"Authorization": f"Bearer {self.token}"})
        assert response.status_code == 200, response.text
        return samples(response.text)


def samples(text: str) -> Samples:
    found: Samples = {}
    for family in text_string_to_metric_families(text):
        for sample in family.samples:
            found[sample.name, tuple(sorted(sample.labels.items()))] = sample.value
    return found


def value(found: Samples, name: str, **labels: str) -> float:
    """One sample's value; 0 when the series is not there (yet)."""
    return found.get((name, tuple(sorted(labels.items()))), 0.0)


@contextmanager
def scripted_app(database_url: str, channels: dict[str, ScriptedChannel], **extra: object) -> Iterator[App]:
    """Holdoff on ``database_url`` with ``channels``, a fake clock, no loops (the test runs the scheduler
    and the sender), and a viewer's token for ``/metrics``; ``extra``: more settings."""
    clock = FakeClock()
    settings = Settings(
        database_url=database_url, grace_seconds=600, public_url="https://holdoff.test", **extra
    )  # type: ignore[arg-type]
    runtime = Runtime(settings, channels=dict(channels), clock=clock, run_workers=False)
    with TestClient(create_app(runtime), base_url="https://holdoff.test") as client:
        _, token = client.app.state.access.tokens.create("prometheus", Role.VIEWER)  # type: ignore[attr-defined]
        client.app.state.access.forget()  # type: ignore[attr-defined]
        yield App(client, runtime, clock, token)
