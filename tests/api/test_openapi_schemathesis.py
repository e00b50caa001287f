"""schemathesis against ``/openapi.json``: no 5xx anywhere, and every response matches its schema.

Runs in-process (ASGI) on SQLite with a handful of generated cases per operation, authenticated: an
admin API token exists (so the service is not in open mode) and every request carries it.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from hypothesis.errors import Unsatisfiable
from schemathesis.generation.modes import GenerationMode
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
)

from holdoff.api.app import create_app
from holdoff.auth.access import AccessControl
from holdoff.auth.roles import Role
from holdoff.runtime import Runtime
from holdoff.settings import Settings

MAX_EXAMPLES = int(os.environ.get("HOLDOFF_SCHEMATHESIS_EXAMPLES", "8"))
EXCLUDED_PATHS = r"^/(actions/|ws/|login|logout)"
"""HTML and form pages, and the WebSocket (not described by OpenAPI)."""


@pytest.fixture
def runtime(tmp_path: Path) -> Iterator[Runtime]:
    settings = Settings(
        database_url=f"sqlite:///{tmp_path / 'holdoff.db'}",
        data_dir=tmp_path,
        grace_seconds=600,
        public_url="https://holdoff.test",
        allowed_hosts=["testserver"],  # the Host schemathesis sends to an ASGI app
    )
    runtime = Runtime(settings, channels={}, run_workers=False)
    runtime.start()  # schemathesis calls the app without running its lifespan
    try:
        yield runtime
    finally:
        runtime.stop()


@pytest.fixture
def auth_headers(runtime: Runtime) -> dict[str, str]:
    """An admin token, made before the app starts answering: access control is on, not open mode."""
    _, token = AccessControl(runtime.db, runtime.clock, host="127.0.0.1").tokens.create(
        "schemathesis", Role.ADMIN
    )
    return {"Authorization": f"Bearer {token}"}


@pytest.mark.parametrize("mode", [GenerationMode.POSITIVE, GenerationMode.NEGATIVE], ids=str)
def test_api_conforms_to_its_schema(
    runtime: Runtime, auth_headers: dict[str, str], mode: GenerationMode
) -> None:
    app = create_app(runtime)  # /openapi.json needs the viewer role here: the token reads it
    schema = schemathesis.openapi.from_asgi("/openapi.json", app, headers=auth_headers).exclude(
        path_regex=EXCLUDED_PATHS
    )
    checked = 0
    for result in schema.get_all_operations():
        operation = result.ok()

        @given(case=operation.as_strategy(generation_mode=mode))
        @settings(
            max_examples=MAX_EXAMPLES,
            deadline=None,
            suppress_health_check=list(HealthCheck),
            derandomize=True,
            database=None,
        )
        def conforms(case: schemathesis.Case) -> None:
            response = case.call(headers=auth_headers)
            assert response.status_code != 401, f"{case.method} {case.formatted_path}: the token was refused"
            where = f"{case.method} {case.formatted_path}"
            assert response.status_code < 500, f"{where}: {response.status_code} {response.text[:500]}"
            case.validate_response(response, checks=[content_type_conformance, response_schema_conformance])

        try:
            conforms()
        except Unsatisfiable:
            assert mode is GenerationMode.NEGATIVE  # nothing of this operation can be made invalid
        checked += 1
    assert checked >= 25  # every documented operation, not an empty schema
