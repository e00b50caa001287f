"""Log ingest and listing.

- ``POST /logs``: JSON (an array of records or one object), NDJSON (one object per line; a line that
  is not JSON is kept as a text line) or ``text/plain`` lines (``?service=`` required, ``?host=``).
- ``POST /v1/logs``: OTLP/HTTP logs, protobuf or JSON, answered as OTLP asks (200, an empty
  ``ExportLogsServiceResponse``).
- ``GET /logs``: stored records, newest first.

Senders authenticate like alert webhooks (:mod:`holdoff.api.log_auth`): their own token from
``logs.senders``, the shared source token, or an operator's API credential. The body limit is the API's
(413 above it); when the writer is behind, a post is answered 429 with Retry-After. Records are mined,
judged and stored in one transaction per request (:mod:`holdoff.service.log_ingest`).
"""

from __future__ import annotations

import json
import zlib
from datetime import UTC, datetime
from typing import Annotated, Any

from fastapi import APIRouter, Depends, HTTPException, Query, Request, Response
from opentelemetry.proto.collector.logs.v1.logs_service_pb2 import ExportLogsServiceResponse
from pydantic import BaseModel, ConfigDict, Field
from starlette.concurrency import run_in_threadpool

from holdoff.api.auth import AUTH_RESPONSES, by_method
from holdoff.api.body import parse_body
from holdoff.api.limits import MAX_BODY_BYTES
from holdoff.api.log_auth import check_services, log_sender
from holdoff.edge import InputRefused, parse_json
from holdoff.logs.classify.stream import verdict_json
from holdoff.logs.model import LogRecord
from holdoff.logs.otlp import OtlpError, parse_otlp_json, parse_otlp_protobuf
from holdoff.logs.parse import parse_json_records, parse_lines
from holdoff.runtime import Runtime
from holdoff.service.admission import Busy
from holdoff.service.log_ingest import Ingested, LogIngest
from holdoff.store import log_lines

router = APIRouter(tags=["logs"])

INGEST_RESPONSES: dict[int | str, dict[str, Any]] = {
    400: {"description": "Malformed JSON, OTLP or UTF-8; `detail` says where"},
    401: {"description": "Missing or wrong ingest token"},
    403: {"description": "The sender may not post lines of this service"},
    413: {"description": "Body over the limit"},
    415: {"description": "A media type not accepted here"},
    422: {"description": "text/plain without ?service="},
    429: {"description": "The writer is behind: retry after the Retry-After header's seconds"},
}
LOG_MEDIA = ("application/json", "application/x-ndjson", "text/plain")
OTLP_MEDIA = ("application/json", "application/x-protobuf")
MAX_INFLATED = 8 * MAX_BODY_BYTES


class LogsAccepted(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    accepted: int = Field(description="Records read from the body.")
    templates_new: int = Field(description="Templates seen for the first time.")
    duplicates: int = Field(description="Records skipped: their record id was stored already.")


class LogEntry(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    id: int
    timestamp: datetime
    received_at: datetime
    service: str
    host: str | None
    level: str | None
    severity_number: int | None
    message: str
    template_id: str | None
    attributes: dict[str, str]
    record_id: str | None
    severity: str | None = Field(description="Holdoff's assessed severity (null: stored before judging).")
    critical: bool | None
    score: float | None
    reason: list[tuple[str, float]] | None = Field(description="[[feature, weight], ...], strongest first.")
    model_version: str | None


class FeatureOut(BaseModel):
    name: str
    weight: float


class HistoryOut(BaseModel):
    seen: int = Field(description="Records of this template before.")
    first_seen: datetime | None
    marked: bool | None = Field(description="An operator's mark: true critical, false noise.")


class ReasonOut(BaseModel):
    features: list[FeatureOut]
    level: str | None = Field(description="The level as sent.")
    declared: str | None = Field(description="The level as sent, read as a severity.")
    history: HistoryOut
    model: str


class VerdictOut(BaseModel):
    message: str
    service: str
    severity: str = Field(description="debug, info, warning, error or critical")
    critical: bool = Field(description="Worth waking someone for.")
    score: float = Field(description="How sure the model is that the line is critical, 0..1.")
    template_id: str = Field(description="The template the line belongs to ('' when none is known yet).")
    template: str
    reason: ReasonOut


class LogPage(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    items: list[LogEntry]


def _runtime(request: Request) -> Runtime:
    runtime: Runtime = request.app.state.runtime
    return runtime


def _ingest_service(request: Request) -> LogIngest:
    return _runtime(request).log_ingest


def _busy(exc: Busy, request: Request) -> HTTPException:
    after = _runtime(request).settings.logs.retry_after_seconds
    return HTTPException(
        429, f"the log writer is behind ({exc}); retry after {after}s", headers={"Retry-After": str(after)}
    )


async def _store(request: Request, records: list[LogRecord], now: datetime) -> Ingested:
    """Store ``records`` through the process's ingest, or 429 when posts already wait for it."""
    service = _ingest_service(request)
    try:
        with service.admitted():
            return await run_in_threadpool(service.ingest, records, now)
    except Busy as exc:
        raise _busy(exc, request) from exc


def _media(request: Request, accepted: tuple[str, ...]) -> str:
    content_type = request.headers.get("content-type", "")
    media = content_type.split(";", 1)[0].strip().lower()
    if media not in accepted:
        wanted = ", ".join(accepted)
        if not media:
            raise HTTPException(415, f"the request has no Content-Type: send one of {wanted}")
        raise HTTPException(415, f"Content-Type {content_type!r} is not supported here: send one of {wanted}")
    return media


async def _body(request: Request) -> bytes:
    """The body, inflated when sent ``Content-Encoding: gzip`` (the Collector's default), never to
    more than :data:`MAX_INFLATED` bytes (413 beyond)."""
    body = await request.body()
    encoding = request.headers.get("content-encoding", "identity").strip().lower()
    if encoding in ("", "identity"):
        return body
    if encoding not in ("gzip", "deflate"):
        raise HTTPException(415, f"Content-Encoding {encoding!r} is not supported: send gzip or none")
    inflater = zlib.decompressobj(wbits=31 if encoding == "gzip" else 15)
    try:
        out = inflater.decompress(body, MAX_INFLATED + 1)
    except zlib.error as exc:
        raise HTTPException(400, f"the body is not valid {encoding}: {exc}") from exc
    if len(out) > MAX_INFLATED:
        raise HTTPException(413, f"the body inflates to more than {MAX_INFLATED} bytes")
    if not inflater.eof:
        raise HTTPException(400, f"the {encoding} body is truncated")
    return out


def _text(body: bytes) -> str:
    try:
        return body.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise HTTPException(400, f"request body is not valid UTF-8 (byte {exc.start})") from exc


def _ndjson_items(text: str) -> list[Any]:
    """One item per non-blank line: the JSON value, or the line itself when it is not JSON."""
    items: list[Any] = []
    for line in text.split("\n"):  # not splitlines: a JSON string may hold U+2028
        if not line.strip():
            continue
        try:
            items.append(parse_json(line))
        except (json.JSONDecodeError, InputRefused):
            items.append(line)
    return items


def _records(media: str, text: str, service: str | None, host: str | None, now: datetime) -> list[LogRecord]:
    if media == "text/plain":
        if service is None or not service.strip():
            raise HTTPException(422, "text/plain lines need ?service=<name> (the service that wrote them)")
        return parse_lines(text.split("\n"), service=service.strip(), host=host, received=now)
    if media == "application/x-ndjson":
        return parse_json_records(_ndjson_items(text), service=service, host=host, received=now)
    data = parse_body(text) if text.strip() else None
    if isinstance(data, dict):
        items: list[Any] = [data]
    elif isinstance(data, list):
        items = data
    else:
        kind = "nothing" if data is None else type(data).__name__
        raise HTTPException(400, f"expected a JSON array of records or one JSON object, got {kind}")
    return parse_json_records(items, service=service, host=host, received=now)


@router.post(
    "/logs",
    status_code=202,
    response_model=LogsAccepted,
    responses=INGEST_RESPONSES,
    openapi_extra={
        "requestBody": {
            "required": True,
            "content": {
                "application/json": {"schema": {"type": "array", "items": {"type": "object"}}},
                "application/x-ndjson": {"schema": {"type": "string"}},
                "text/plain": {"schema": {"type": "string"}},
            },
        }
    },
)
async def post_logs(
    request: Request,
    service: Annotated[str | None, Query(max_length=200, description="Service of text lines")] = None,
    host: Annotated[str | None, Query(max_length=255, description="Host of text lines")] = None,
) -> Response:
    """Log records: a JSON array (or one object), NDJSON, or text lines with ``?service=``."""
    sender = await log_sender(request)
    media = _media(request, LOG_MEDIA)
    text = _text(await _body(request))
    now = _runtime(request).clock()
    records = await run_in_threadpool(_records, media, text, service, host, now)
    check_services(sender, records)
    done = await _store(request, records, now)
    body = LogsAccepted(accepted=done.accepted, templates_new=done.templates_new, duplicates=done.duplicates)
    return Response(body.model_dump_json(), status_code=202, media_type="application/json")


def _otlp_records(media: str, body: bytes, now: datetime) -> list[LogRecord]:
    try:
        if media == "application/x-protobuf":
            return parse_otlp_protobuf(body, received=now)
        data = parse_body(_text(body))
        if not isinstance(data, dict):
            raise OtlpError(f"expected an ExportLogsServiceRequest object, got {type(data).__name__}")
        return parse_otlp_json(data, received=now)
    except OtlpError as exc:
        raise HTTPException(400, str(exc)) from exc


@router.post(
    "/v1/logs",
    status_code=200,
    responses=INGEST_RESPONSES,
    openapi_extra={
        "requestBody": {
            "required": True,
            "content": {
                "application/x-protobuf": {"schema": {"type": "string", "format": "binary"}},
                "application/json": {"schema": {"type": "object"}},
            },
        }
    },
)
async def post_otlp_logs(request: Request) -> Response:
    """OTLP/HTTP logs (an OpenTelemetry Collector's ``otlphttp`` exporter), protobuf or JSON."""
    sender = await log_sender(request)
    media = _media(request, OTLP_MEDIA)
    body = await _body(request)
    now = _runtime(request).clock()
    records = await run_in_threadpool(_otlp_records, media, body, now)
    check_services(sender, records)
    await _store(request, records, now)
    if media == "application/x-protobuf":
        answer = ExportLogsServiceResponse().SerializeToString()
        return Response(answer, status_code=200, media_type="application/x-protobuf")
    return Response("{}", status_code=200, media_type="application/json")


@router.get("/logs", response_model=LogPage, dependencies=[Depends(by_method)], responses=AUTH_RESPONSES)
async def list_logs(
    request: Request,
    service: Annotated[str | None, Query(max_length=200)] = None,
    since: Annotated[
        datetime | None, Query(description="Records written at or after (ISO 8601; UTC if no offset)")
    ] = None,
    template_id: Annotated[str | None, Query(max_length=32)] = None,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
) -> LogPage:
    """Stored log records, newest first."""
    db = _runtime(request).db
    if since is not None and since.tzinfo is None:
        since = since.replace(tzinfo=UTC)

    def read() -> list[log_lines.LogLineRow]:
        with db.read() as conn:
            return log_lines.recent(conn, service=service, since=since, template_id=template_id, limit=limit)

    rows = await run_in_threadpool(read)
    return LogPage(
        items=[
            LogEntry(
                id=row.id or 0,
                timestamp=row.timestamp,
                received_at=row.received_at,
                service=row.service,
                host=row.host,
                level=row.level,
                severity_number=row.severity_number,
                message=row.message,
                template_id=row.template_id,
                attributes=row.attributes,
                record_id=row.record_id,
                severity=row.severity,
                critical=row.critical,
                score=row.score,
                reason=[(str(name), float(weight)) for name, weight in row.reason or []]
                if row.reason
                else None,
                model_version=row.model_version,
            )
            for row in rows
        ]
    )


@router.get(
    "/log/{message:path}",
    response_model=VerdictOut,
    dependencies=[Depends(by_method)],
    responses={**AUTH_RESPONSES, 422: {"description": "An empty message"}},
)
async def classify_message(
    request: Request,
    message: str,
    service: Annotated[str, Query(min_length=1, max_length=200)] = "adhoc",
    level: Annotated[str | None, Query(max_length=64, description="The declared level, if any")] = None,
) -> VerdictOut:
    """The verdict on one message, as the ingest would give it now (nothing is stored or counted)."""
    if not message.strip():
        raise HTTPException(422, "the message is empty: GET /log/<message>")
    now = _runtime(request).clock()
    record = LogRecord(timestamp=now, service=service, level=level, message=message)
    verdict = await run_in_threadpool(_ingest_service(request).peek, record)
    shown = verdict_json(0, verdict, level)
    del shown["line"]
    return VerdictOut.model_validate({"message": message, "service": service, **shown})
