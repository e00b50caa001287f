"""Every error answers ``{"detail": "<what is wrong>"}``; validation errors also list each problem."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import ValidationError

from holdoff.ingest.errors import PayloadError
from holdoff.mediate.engine import InvalidTransition
from holdoff.service.mediation import AlertNotFound
from holdoff.service.silences import SilenceExpired, SilenceNotFound, SilenceRejected
from holdoff.store.alerts import InvalidCursor


def describe(errors: list[Any]) -> str:
    """``[{"loc": ("body", "alert_id"), "msg": "Field required"}]`` -> ``"alert_id: Field required"``."""
    parts = []
    for error in errors[:10]:
        loc = [str(part) for part in error.get("loc", ()) if part not in ("body", "query", "path")]
        message = str(error.get("msg", "invalid")).removeprefix("Value error, ")
        parts.append(f"{'.'.join(loc)}: {message}" if loc else message)
    if len(errors) > 10:
        parts.append(f"and {len(errors) - 10} more")
    return "; ".join(parts)


def _problems(errors: list[Any]) -> list[dict[str, Any]]:
    return [
        {
            "loc": [str(part) for part in error.get("loc", ())],
            "msg": str(error.get("msg")),
            "type": error.get("type"),
        }
        for error in errors[:50]
    ]


# Errors a service raises, and the status that says so; the message is the answer's detail.
# Starlette picks the handler of the most specific class (SilenceExpired before SilenceRejected).
_STATUS_OF: dict[type[Exception], int] = {
    PayloadError: 422,
    AlertNotFound: 404,
    InvalidTransition: 409,
    InvalidCursor: 400,
    SilenceNotFound: 404,
    SilenceRejected: 422,
    SilenceExpired: 409,
}


def _answer_with(status: int) -> Callable[[Request, Exception], Awaitable[JSONResponse]]:
    async def handler(_: Request, exc: Exception) -> JSONResponse:
        return JSONResponse({"detail": str(exc)}, status_code=status)

    return handler


VALIDATION_ERROR_SCHEMA: dict[str, Any] = {
    "title": "HTTPValidationError",
    "type": "object",
    "required": ["detail"],
    "properties": {
        "detail": {"type": "string", "description": "Every problem, in one sentence each."},
        "errors": {
            "type": "array",
            "items": {
                "type": "object",
                "properties": {
                    "loc": {"type": "array", "items": {"type": "string"}},
                    "msg": {"type": "string"},
                    "type": {"type": ["string", "null"]},
                },
            },
        },
    },
}
"""What a 422 really looks like (FastAPI documents its own default shape, a list in ``detail``)."""


def _document_validation_errors(app: FastAPI) -> None:
    generate = app.openapi

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is not None:
            return app.openapi_schema
        schema = generate()
        schemas = schema.get("components", {}).get("schemas", {})
        if "HTTPValidationError" in schemas:
            schemas["HTTPValidationError"] = VALIDATION_ERROR_SCHEMA
            schemas.pop("ValidationError", None)
        return schema

    app.openapi = openapi  # type: ignore[method-assign]


def install(app: FastAPI) -> None:
    _document_validation_errors(app)

    @app.exception_handler(ValidationError)
    async def _payload_invalid(_: Request, exc: ValidationError) -> JSONResponse:
        errors = exc.errors(include_input=False)
        return JSONResponse(
            {"detail": describe(list(errors)), "errors": _problems(list(errors))}, status_code=422
        )

    @app.exception_handler(RequestValidationError)
    async def _request_invalid(_: Request, exc: RequestValidationError) -> JSONResponse:
        errors = list(exc.errors())
        broken = next((e for e in errors if e.get("type") == "json_invalid"), None)
        if broken is not None:
            reason = (broken.get("ctx") or {}).get("error", "not valid JSON")
            return JSONResponse({"detail": f"malformed JSON: {reason}"}, status_code=400)
        return JSONResponse({"detail": describe(errors), "errors": _problems(errors)}, status_code=422)

    for error_type, status in _STATUS_OF.items():
        app.add_exception_handler(error_type, _answer_with(status))
