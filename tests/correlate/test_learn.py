"""Learning dependencies from a synthetic history: real pairs are found with their evidence; noisy
services that meet by chance, and pairs seen too rarely, are not."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta

import pytest

from holdoff.correlate.learn import learn

T0 = datetime(2026, 3, 1, tzinfo=UTC)
WINDOW = timedelta(minutes=10)
DAYS = 14


def history(seed: int = 7) -> list[tuple[str, datetime]]:
    """Two weeks: payments-db fails ~daily and checkout follows 30-120 s later (9 of 10 times); two noisy
    services fire every ~40 minutes, independently; a rare pair meets twice."""
    rng = random.Random(seed)
    events: list[tuple[str, datetime]] = []
    for day in range(DAYS):
        outage = T0 + timedelta(days=day, hours=rng.uniform(0, 23))
        events.append(("payments-db", outage))
        if rng.random() < 0.9:
            events.append(("checkout", outage + timedelta(seconds=rng.uniform(30, 120))))
    for service in ("noisy-a", "noisy-b"):
        at = T0
        while at < T0 + timedelta(days=DAYS):
            at += timedelta(minutes=rng.expovariate(1 / 40))
            events.append((service, at))
    for day in (3, 9):
        events.append(("mail", T0 + timedelta(days=day, hours=5)))
        events.append(("sms", T0 + timedelta(days=day, hours=5, minutes=1)))
    rng.shuffle(events)
    return events


def test_a_real_dependency_is_learned_with_its_evidence_and_direction() -> None:
    learned = learn(history(), WINDOW, min_count=5, min_lift=5)
    link = learned.link("payments-db", "checkout")
    assert link is not None and link == learned.link("checkout", "payments-db")
    assert (link.a, link.b) == ("checkout", "payments-db")
    assert link.together >= 10
    assert link.expected < 1.0
    assert link.lift == pytest.approx(link.together / link.expected, rel=0.01)
    assert link.b_first == link.together and link.a_first == 0  # the database always starts first
    assert link.text().startswith("learned: checkout and payments-db start together")


def test_noisy_services_that_meet_by_chance_and_rare_pairs_are_not_learned() -> None:
    learned = learn(history(), WINDOW, min_count=5, min_lift=5)
    assert learned.link("noisy-a", "noisy-b") is None
    assert learned.link("mail", "sms") is None
    assert set(learned.pairs) == {("checkout", "payments-db")}
    loose = learn(history(), WINDOW, min_count=2, min_lift=5)
    assert loose.link("mail", "sms") is not None


def test_noisy_services_do_meet_often_but_their_lift_stays_near_one() -> None:
    anything = learn(history(), WINDOW, min_count=1, min_lift=1.0)
    noisy = anything.link("noisy-a", "noisy-b")
    assert noisy is not None
    assert noisy.together > 50
    assert noisy.lift < 2


def test_too_little_history_learns_nothing() -> None:
    assert learn([], WINDOW).pairs == {}
    assert learn([("a", T0), ("a", T0)], WINDOW).pairs == {}
