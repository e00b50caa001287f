"""An access-control object on a fresh, migrated database, with a fake clock and a cheap argon2 cost."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from argon2 import PasswordHasher

from holdoff.auth.access import AccessControl
from holdoff.store import migrate
from holdoff.store.db import Database
from tests.service.helpers import FakeClock

FAST_HASHER = PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def db(database_url: str) -> Iterator[Database]:
    database = Database(database_url)
    migrate.upgrade(database)
    yield database
    database.dispose()


@pytest.fixture
def access(db: Database, clock: FakeClock) -> AccessControl:
    return AccessControl(db, clock, host="127.0.0.1", hasher=FAST_HASHER)
