"""Metric input over HTTP.

- ``POST /metrics/ingest``: JSON samples (:mod:`holdoff.metrics.push`), answered with what was stored.
- ``POST /api/v1/write``: Prometheus ``remote_write`` (snappy protobuf, :mod:`holdoff.metrics.remote_write`),
  answered 204 as Prometheus receivers do.

Senders authenticate like log senders: their own token from ``metrics.senders``, the shared source
token, or an operator's API credential (``metrics.open`` accepts anyone, on purpose). The body limit
is the API's (413 above it). A body that cannot be read is a 400 saying why (Prometheus does not retry
a 4xx). When the writer is behind, a push gets 429 with Retry-After and a remote_write 503 with
Retry-After: Prometheus retries every 5xx, but a 429 only with ``retry_on_http_429``, off by default.
"""

from __future__ import annotations

import hmac
import logging
from typing import Any

from fastapi import APIRouter, HTTPException, Request, Response
from pydantic import BaseModel, ConfigDict, Field
from starlette.concurrency import run_in_threadpool

from holdoff.api.auth import identify, require
from holdoff.api.body import parse_body
from holdoff.api.ingest_auth import presented_token
from holdoff.auth.roles import Role
from holdoff.metrics.model import Sample
from holdoff.metrics.push import BadSample, parse_samples
from holdoff.metrics.remote_write import Decoded, RemoteWriteError, decode
from holdoff.runtime import Runtime
from holdoff.service.admission import Busy
from holdoff.service.metric_ingest import MetricIngest
from holdoff.store.metric_samples import Stored

log = logging.getLogger(__name__)

router = APIRouter(tags=["metrics input"])

RESPONSES: dict[int | str, dict[str, Any]] = {
    400: {"description": "The body is not a batch of samples; `detail` says which sample and why"},
    401: {"description": "Missing or wrong token"},
    413: {"description": "Body over the limit"},
    415: {"description": "A media type or encoding not accepted here"},
    429: {"description": "The writer is behind: retry after the Retry-After header's seconds"},
    503: {"description": "remote_write: the writer is behind; retry after the Retry-After header's seconds"},
}
REMOTE_WRITE_MEDIA = "application/x-protobuf"


class MetricsAccepted(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    accepted: int = Field(description="Samples read from the body.")
    stored: int = Field(description="Samples stored.")
    duplicates: int = Field(description="Samples whose series and time were stored already.")
    series: int = Field(description="Distinct series in the body.")
    dropped: int = Field(
        description="Samples of new series refused: metrics.retention.max_series is reached."
    )


def _runtime(request: Request) -> Runtime:
    runtime: Runtime = request.app.state.runtime
    return runtime


def _same(presented: str, expected: str) -> bool:
    return hmac.compare_digest(presented.encode("utf-8"), expected.encode("utf-8"))


async def metric_sender(request: Request) -> str:
    """The name of this request's sender, or 401/403 (raised) when it may not send samples."""
    settings = _runtime(request).settings
    presented = presented_token(request)
    if presented is not None:
        for name, sender in settings.metrics.senders.items():
            if _same(presented, sender.token.get_secret_value()):
                return name
        shared = settings.sources.token
        if shared is not None and _same(presented, shared.get_secret_value()):
            return "sources"
    if settings.metrics.open and presented is None:
        return "open"
    await require(Role.OPERATOR)(request, await identify(request))
    return "operator"


async def _store(request: Request, samples: list[Sample], *, busy_status: int = 429) -> Stored:
    """Store ``samples`` through the process's ingest, or ``busy_status`` (with Retry-After) when posts
    already wait for it."""
    ingest: MetricIngest = _runtime(request).metric_ingest
    try:
        with ingest.admitted():
            return await run_in_threadpool(ingest.store, samples)
    except Busy as exc:
        after = _runtime(request).settings.metrics.retry_after_seconds
        raise HTTPException(
            busy_status,
            f"the metric writer is behind ({exc}); retry after {after}s",
            headers={"Retry-After": str(after)},
        ) from exc


def _media(request: Request) -> str:
    return request.headers.get("content-type", "").split(";", 1)[0].strip().lower()


def _json_samples(body: bytes) -> list[Sample]:
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise HTTPException(400, f"request body is not valid UTF-8 (byte {exc.start})") from exc
    try:
        return parse_samples(parse_body(text) if text.strip() else None)
    except BadSample as exc:
        raise HTTPException(400, f"nothing stored: {exc}") from exc


@router.post(
    "/metrics/ingest",
    response_model=MetricsAccepted,
    responses=RESPONSES,
    openapi_extra={
        "requestBody": {
            "required": True,
            "content": {"application/json": {"schema": {"type": "object"}}},
        }
    },
)
async def post_samples(request: Request) -> MetricsAccepted:
    """Samples as JSON: ``{"samples": [{name, labels, timestamp, value}, ...]}`` or a bare array."""
    await metric_sender(request)
    if _media(request) not in ("application/json", ""):
        raise HTTPException(
            415, f"Content-Type {_media(request)!r} is not supported here: send application/json"
        )
    samples = await run_in_threadpool(_json_samples, await request.body())
    try:
        _runtime(request).metric_ingest.check(samples)
    except BadSample as exc:
        raise HTTPException(400, f"nothing stored: {exc}") from exc
    done = await _store(request, samples)
    return MetricsAccepted(
        accepted=len(samples),
        stored=done.stored,
        duplicates=done.duplicates,
        series=done.series,
        dropped=done.dropped,
    )


def _decoded(body: bytes) -> Decoded:
    try:
        return decode(body)
    except RemoteWriteError as exc:
        raise HTTPException(400, f"not a remote_write body: {exc}") from exc


@router.post(
    "/api/v1/write",
    status_code=204,
    responses=RESPONSES,
    openapi_extra={
        "requestBody": {
            "required": True,
            "content": {REMOTE_WRITE_MEDIA: {"schema": {"type": "string", "format": "binary"}}},
        }
    },
)
async def remote_write(request: Request) -> Response:
    """Prometheus ``remote_write`` (protocol 1.0: a snappy-compressed ``WriteRequest``)."""
    sender = await metric_sender(request)
    content_type = request.headers.get("content-type", "")
    if _media(request) != REMOTE_WRITE_MEDIA or "proto=io.prometheus.write.v2" in content_type:
        raise HTTPException(
            415,
            f"Content-Type {content_type!r} is not supported: send remote_write 1.0 ({REMOTE_WRITE_MEDIA})",
        )
    encoding = request.headers.get("content-encoding", "snappy").strip().lower()
    if encoding != "snappy":
        raise HTTPException(415, f"Content-Encoding {encoding!r} is not supported: send snappy")
    decoded = await run_in_threadpool(_decoded, await request.body())
    if decoded.skipped_series_count:
        log.warning(
            "remote_write from %s: %d series skipped: %s",
            sender,
            decoded.skipped_series_count,
            "; ".join(decoded.skipped_series),
        )
    if decoded.samples:
        # 503, not 429: Prometheus retries a 5xx, and a 429 only with retry_on_http_429 (off by default)
        await _store(request, decoded.samples, busy_status=503)
    return Response(status_code=204)
