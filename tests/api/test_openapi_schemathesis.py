"""schemathesis against ``/openapi.json``: no 5xx anywhere, and every response matches its schema.

Runs in-process (ASGI) on SQLite with a handful of generated cases per operation, authenticated: an
admin API token exists (so the service is not in open mode) and every request carries it.
"""

from __future__ import annotations

import base64
import os
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
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
from holdoff.store.alerts import encode_position

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


EXTREME_DATES = st.one_of(
    st.sampled_from(
        [
            "9999-12-31T23:59:59-23:59",
            "9999-12-31T23:59:59.999999+00:00",
            "0001-01-01T00:00:00+23:59",
            "0001-01-01",
            "1969-12-31T23:59:59Z",
            "2200-01-01T00:00:00Z",
            "2026-02-30T00:00:00Z",
        ]
    ),
    st.datetimes(timezones=st.timezones()).map(lambda moment: moment.isoformat()),
)
HUGE_INTEGERS = st.one_of(
    st.integers(4301, 6000).map(lambda digits: "9" * digits),
    st.sampled_from([str(2**62), str(2**63), str(-(2**63) - 1), "1e999", "NaN", "-0", "0x10"]),
    st.integers().map(str),
)


def _raw(position: str) -> str:
    return base64.urlsafe_b64encode(position.encode()).decode().rstrip("=")


CURSORS = st.one_of(
    st.sampled_from(
        [
            _raw("9999-12-31T23:59:59-23:59|1"),
            _raw("0001-01-01T00:00:00+23:59|1"),
            _raw("2026-01-01T00:00:00|1"),  # no zone
            _raw(f"2026-01-01T00:00:00+00:00|{'9' * 5000}"),
            _raw("2026-01-01T00:00:00+00:00|-1"),
            encode_position(datetime(2026, 1, 1, tzinfo=UTC), 2**63),
        ]
    ),
    st.text(max_size=40),
)


def _kinds(schema: dict[str, Any]) -> set[str]:
    """``integer``, ``date-time`` or ``string``: what a parameter's schema takes (anyOf flattened)."""
    found: set[str] = set()
    for option in [schema, *schema.get("anyOf", [])]:
        if option.get("format") == "date-time":
            found.add("date-time")
        elif option.get("type") in ("integer", "string"):
            found.add(option["type"])
    return found


def _extreme(name: str, schema: dict[str, Any]) -> st.SearchStrategy[str] | None:
    if name == "cursor":
        return CURSORS
    kinds = _kinds(schema)
    if "date-time" in kinds:
        return EXTREME_DATES
    if "integer" in kinds:
        return HUGE_INTEGERS
    return None


def test_extreme_dates_huge_integers_and_crafted_cursors_in_parameters_never_give_a_5xx(
    runtime: Runtime, auth_headers: dict[str, str]
) -> None:
    app = create_app(runtime)
    schema = schemathesis.openapi.from_asgi("/openapi.json", app, headers=auth_headers).exclude(
        path_regex=EXCLUDED_PATHS
    )
    tried = 0
    for result in schema.get_all_operations():
        operation = result.ok()
        targets = {
            (parameter.location.value, parameter.name): strategy
            for parameter in operation.iter_parameters()
            if parameter.location.value in ("query", "path")
            and (strategy := _extreme(parameter.name, parameter.definition.get("schema", {}))) is not None
        }
        if not targets:
            continue
        tried += 1

        @given(case=operation.as_strategy(generation_mode=GenerationMode.POSITIVE), data=st.data())
        @settings(
            max_examples=MAX_EXAMPLES * 3,
            deadline=None,
            suppress_health_check=list(HealthCheck),
            derandomize=True,
            database=None,
        )
        def survives(case: schemathesis.Case, data: st.DataObject) -> None:
            for (where, name), strategy in targets.items():  # noqa: B023
                value = data.draw(strategy, label=name)
                if where == "query":
                    case.query = {**(case.query or {}), name: value}
                else:
                    case.path_parameters = {**(case.path_parameters or {}), name: value}
            response = case.call(headers=auth_headers)
            where_ = f"{case.method} {case.formatted_path} {case.query}"
            assert response.status_code < 500, f"{where_[:300]}: {response.status_code} {response.text[:300]}"

        survives()
    assert tried >= 8  # the list filters, summary, audit, every {id} path
