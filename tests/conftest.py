"""Shared fixtures: a real PostgreSQL server, the service as a subprocess, and fake receivers."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.support.postgres import postgres_database_url, postgres_server  # noqa: F401
from tests.support.server import ARTIFACTS_DIRNAME, holdoff_process  # noqa: F401
from tests.support.smtp_sink import smtp_sink  # noqa: F401
from tests.support.teams_receiver import teams_receiver  # noqa: F401


def pytest_configure(config: pytest.Config) -> None:
    (config.rootpath / ARTIFACTS_DIRNAME).mkdir(parents=True, exist_ok=True)


@pytest.fixture(params=["sqlite", "postgresql"], ids=["sqlite", "postgresql"])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A fresh, empty database per test, once on SQLite and once on a real PostgreSQL.

    PostgreSQL is only started (once per session) when a ``postgresql`` case actually runs.
    """
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'holdoff.db'}"
    else:
        server = request.getfixturevalue("postgres_server")
        yield server.fresh_database(request.node.name)
