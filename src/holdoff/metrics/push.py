"""Samples pushed as JSON (``POST /metrics/ingest``): ``{"samples": [...]}`` or a bare array of
``{"name", "labels", "timestamp", "value"}``. ``timestamp`` is ISO 8601 with an offset (``Z``) or
epoch seconds, within the retention and not ahead of the server's clock (:func:`check_times`). One
bad sample refuses the whole batch (:class:`BadSample` says which and why), so a sender never has to
find out which half was stored.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any, Final

from pydantic import ValidationError

from holdoff.metrics.model import Sample

MAX_SAMPLES: Final = 50_000
MAX_AHEAD: Final = timedelta(minutes=10)
"""A sample further ahead of the server's clock than this is refused (a clock or unit mistake)."""


class BadSample(ValueError):
    """The body is not a batch of samples; the message says which sample and why."""


def parse_samples(data: Any) -> list[Sample]:
    """The samples of a decoded JSON body."""
    if isinstance(data, dict):
        if set(data) != {"samples"}:
            extra = sorted(set(data) - {"samples"})
            raise BadSample(f'expected {{"samples": [...]}}, got the keys {", ".join(extra) or "none"}')
        data = data["samples"]
    if not isinstance(data, list):
        raise BadSample(f'expected {{"samples": [...]}} or an array of samples, got {_kind(data)}')
    if len(data) > MAX_SAMPLES:
        raise BadSample(f"{len(data)} samples in one request; the limit is {MAX_SAMPLES}")
    samples: list[Sample] = []
    for index, item in enumerate(data):
        if not isinstance(item, dict):
            raise BadSample(f"sample {index}: expected an object, got {_kind(item)}")
        try:
            samples.append(Sample.model_validate(item))
        except ValidationError as exc:
            raise BadSample(f"sample {index}: {_reasons(exc)}") from None
    return samples


def outside(at: datetime, start: datetime, end: datetime) -> str | None:
    """Why a sample at ``at`` is not kept between ``start`` (the retention) and ``end`` (now plus
    :data:`MAX_AHEAD`), or None when it is."""
    if at < start:
        return f"{at.isoformat()} is older than the retention (before {start.isoformat()})"
    if at > end:
        return f"{at.isoformat()} is ahead of the server's clock (after {end.isoformat()})"
    return None


def check_times(samples: Sequence[Sample], start: datetime, end: datetime) -> None:
    """:class:`BadSample` for the first sample outside ``[start, end]``."""
    for index, sample in enumerate(samples):
        reason = outside(sample.timestamp, start, end)
        if reason is not None:
            raise BadSample(f"sample {index}: timestamp {reason}")


def _kind(value: Any) -> str:
    return "nothing" if value is None else type(value).__name__


def _reasons(exc: ValidationError) -> str:
    return "; ".join(
        f"{'.'.join(str(part) for part in error['loc']) or 'sample'}: {error['msg']}"
        for error in exc.errors()[:3]
    )
