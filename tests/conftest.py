"""Shared fixtures: a real PostgreSQL server, the service as a subprocess, and fake receivers."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.support.databases import (  # noqa: F401
    empty_database,
    migrated_database,
    postgres_template,
    sqlite_template,
)
from tests.support.log_model import (  # noqa: F401
    _log_model_root,
    _shared_default_model_dir,
    log_model_dir,
)
from tests.support.postgres import postgres_database_url, postgres_server  # noqa: F401
from tests.support.server import ARTIFACTS_DIRNAME, holdoff_process  # noqa: F401
from tests.support.smtp_sink import _smtp_sink_server, smtp_sink  # noqa: F401
from tests.support.teams_receiver import _teams_receiver_server, teams_receiver  # noqa: F401


def pytest_configure(config: pytest.Config) -> None:
    (config.rootpath / ARTIFACTS_DIRNAME).mkdir(parents=True, exist_ok=True)


@pytest.fixture(params=["sqlite", "postgresql"], ids=["sqlite", "postgresql"])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """A fresh database per test at the newest schema, once on SQLite and once on a real PostgreSQL.

    Each is a copy of a template migrated once per session (tests/support/databases.py); Holdoff's
    own ``migrate.upgrade`` at start finds it at head. PostgreSQL is only started (once per session)
    when a ``postgresql`` case actually runs.
    """
    return migrated_database(request, request.param, tmp_path)


@pytest.fixture(params=["sqlite", "postgresql"], ids=["sqlite", "postgresql"])
def empty_database_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """A fresh database per test with no schema at all, on SQLite and on PostgreSQL: for the tests of
    the migrations themselves, which must start from nothing."""
    return empty_database(request, request.param, tmp_path)
