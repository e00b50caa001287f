"""Prometheus ``remote_write`` (protocol 1.0): a snappy-compressed protobuf ``WriteRequest``, read with
the protobuf library (its C parser, ``upb``) through a descriptor built here at import (no generated
code), and written by :func:`encode` (tests, benchmarks), a small wire-format writer.

```
WriteRequest { repeated TimeSeries timeseries = 1; repeated MetricMetadata metadata = 3; }
TimeSeries   { repeated Label labels = 1; repeated Sample samples = 2; ... }
Label        { string name = 1; string value = 2; }
Sample       { double value = 1; int64 timestamp = 2; }   // milliseconds since the epoch
```

A body that is not snappy or not such a protobuf is a :class:`RemoteWriteError` (answered 400, which
Prometheus does not retry). Within a well-formed body, NaN (Prometheus' stale marker is one) and
infinite values are skipped, not errors; a series without a valid ``__name__`` or with invalid labels
is skipped and counted (Prometheus would otherwise drop the whole batch on a 400 for one series).
Exemplars, histograms and metadata are fields this descriptor does not name: the parser skips them.
"""

from __future__ import annotations

import math
import struct
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, Final

import cramjam
from google.protobuf import (  # type: ignore[import-untyped]  # no types-protobuf
    descriptor_pb2,
    descriptor_pool,
    message_factory,
)
from google.protobuf.message import DecodeError  # type: ignore[import-untyped]
from pydantic import ValidationError

from holdoff.metrics.model import Sample

MAX_DECODED: Final = 32 * 1024 * 1024
"""A body announcing more than this many bytes once decompressed is refused."""

_DOUBLE: Final = struct.Struct("<d")
_VARINT, _FIXED64, _BYTES, _FIXED32 = 0, 1, 2, 5


class RemoteWriteError(ValueError):
    """The body is not a snappy-compressed ``WriteRequest``; the message says where."""


@dataclass(slots=True)
class Decoded:
    """The samples of one ``WriteRequest``, and what was left out."""

    samples: list[Sample] = field(default_factory=list)
    series: int = 0
    skipped_values: int = 0
    """NaN (stale markers) and infinities."""
    skipped_series: list[str] = field(default_factory=list)
    """Why each left-out series was (the first few)."""
    skipped_series_count: int = 0


# --------------------------------------------------------------------------- reading


def _write_request_class() -> Any:
    """``WriteRequest`` from a descriptor built here, in a pool of its own."""
    file = descriptor_pb2.FileDescriptorProto(
        name="holdoff/remote_write.proto", package="holdoff.remotewrite", syntax="proto3"
    )
    optional, repeated = (
        descriptor_pb2.FieldDescriptorProto.LABEL_OPTIONAL,
        descriptor_pb2.FieldDescriptorProto.LABEL_REPEATED,
    )
    kinds = descriptor_pb2.FieldDescriptorProto
    label = file.message_type.add(name="Label")
    label.field.add(name="name", number=1, type=kinds.TYPE_STRING, label=optional)
    label.field.add(name="value", number=2, type=kinds.TYPE_STRING, label=optional)
    sample = file.message_type.add(name="Sample")
    sample.field.add(name="value", number=1, type=kinds.TYPE_DOUBLE, label=optional)
    sample.field.add(name="timestamp", number=2, type=kinds.TYPE_INT64, label=optional)
    series = file.message_type.add(name="TimeSeries")
    series.field.add(
        name="labels",
        number=1,
        type=kinds.TYPE_MESSAGE,
        label=repeated,
        type_name=".holdoff.remotewrite.Label",
    )
    series.field.add(
        name="samples",
        number=2,
        type=kinds.TYPE_MESSAGE,
        label=repeated,
        type_name=".holdoff.remotewrite.Sample",
    )
    request = file.message_type.add(name="WriteRequest")
    request.field.add(
        name="timeseries",
        number=1,
        type=kinds.TYPE_MESSAGE,
        label=repeated,
        type_name=".holdoff.remotewrite.TimeSeries",
    )
    pool = descriptor_pool.DescriptorPool()
    pool.Add(file)
    return message_factory.GetMessageClass(pool.FindMessageTypeByName("holdoff.remotewrite.WriteRequest"))


WriteRequest: Final = _write_request_class()


def _varint(data: bytes, pos: int) -> tuple[int, int]:
    result = shift = 0
    while True:
        if pos >= len(data):
            raise RemoteWriteError("truncated varint")
        byte = data[pos]
        pos += 1
        result |= (byte & 0x7F) << shift
        if not byte & 0x80:
            return result, pos
        shift += 7
        if shift > 63:
            raise RemoteWriteError("varint longer than 10 bytes")


def decompress(body: bytes) -> bytes:
    """Snappy (block format, as remote_write sends it), never to more than :data:`MAX_DECODED` bytes."""
    if not body:
        raise RemoteWriteError("the body is empty")
    try:
        announced, _ = _varint(body, 0)
    except RemoteWriteError as exc:
        raise RemoteWriteError(f"the body is not snappy-compressed ({exc})") from None
    if announced > MAX_DECODED:
        raise RemoteWriteError(f"the body would decompress to {announced} bytes; the limit is {MAX_DECODED}")
    try:
        return bytes(cramjam.snappy.decompress_raw(body))
    except cramjam.DecompressionError as exc:
        raise RemoteWriteError(f"the body is not snappy-compressed: {exc}") from None


def decode(body: bytes, *, max_reasons: int = 5) -> Decoded:
    """The samples of a snappy-compressed ``WriteRequest``."""
    request: Any = WriteRequest()
    try:
        request.ParseFromString(decompress(body))
    except DecodeError as exc:
        raise RemoteWriteError(f"not a protobuf WriteRequest ({exc})") from None
    decoded = Decoded()
    for index, series in enumerate(request.timeseries):
        labels = {label.name: label.value for label in series.labels}
        points = [(sample.value, sample.timestamp) for sample in series.samples]
        _add(decoded, labels, points, f"time series {index}", max_reasons)
    return decoded


def _add(
    decoded: Decoded, labels: dict[str, str], points: list[tuple[float, int]], where: str, keep: int
) -> None:
    name = labels.pop("__name__", "")
    good: list[Sample] = []
    try:
        if not name:
            raise ValueError("no __name__ label")
        for value, millis in points:
            if not math.isfinite(value):
                decoded.skipped_values += 1
                continue
            at = datetime.fromtimestamp(millis / 1000, UTC)
            good.append(Sample(name=name, labels=labels, timestamp=at, value=value))
    except (ValidationError, ValueError, OverflowError, OSError) as exc:
        decoded.skipped_series_count += 1
        if len(decoded.skipped_series) < keep:
            decoded.skipped_series.append(f"{where} ({name or 'no __name__'}): {_reason(exc)}")
        return
    decoded.series += 1
    decoded.samples += good


def _reason(exc: Exception) -> str:
    if isinstance(exc, ValidationError):
        first = exc.errors()[0]
        return f"{'.'.join(str(p) for p in first['loc'])}: {first['msg']}"
    return str(exc)


# --------------------------------------------------------------------------- writing


def _key(number: int, wire: int) -> bytes:
    return _encode_varint(number << 3 | wire)


def _encode_varint(value: int) -> bytes:
    value &= (1 << 64) - 1
    out = bytearray()
    while True:
        byte = value & 0x7F
        value >>= 7
        if value:
            out.append(byte | 0x80)
        else:
            out.append(byte)
            return bytes(out)


def _bytes_field(number: int, payload: bytes) -> bytes:
    return _key(number, _BYTES) + _encode_varint(len(payload)) + payload


def encode(
    series: Sequence[tuple[Mapping[str, str], Sequence[tuple[float, int]]]], *, compress: bool = True
) -> bytes:
    """A ``WriteRequest`` of ``(labels with __name__, [(value, timestamp ms), ...])`` per series,
    snappy-compressed unless ``compress`` is false."""
    out = bytearray()
    for labels, points in series:
        message = bytearray()
        for name in sorted(labels):
            label = _bytes_field(1, name.encode()) + _bytes_field(2, labels[name].encode())
            message += _bytes_field(1, label)
        for value, millis in points:
            sample = _key(1, _FIXED64) + _DOUBLE.pack(value) + _key(2, _VARINT) + _encode_varint(millis)
            message += _bytes_field(2, sample)
        out += _bytes_field(1, bytes(message))
    return bytes(cramjam.snappy.compress_raw(bytes(out))) if compress else bytes(out)


def from_samples(samples: Sequence[Sample]) -> bytes:
    """``samples`` as a compressed ``WriteRequest`` (one time series per series)."""
    groups: dict[str, tuple[dict[str, str], list[tuple[float, int]]]] = {}
    for sample in samples:
        _, points = groups.setdefault(sample.series_id, ({**sample.labels, "__name__": sample.name}, []))
        points.append((sample.value, round(sample.timestamp.timestamp() * 1000)))
    return encode(list(groups.values()))
