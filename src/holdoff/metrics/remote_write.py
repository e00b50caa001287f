"""Prometheus ``remote_write`` (protocol 1.0): a snappy-compressed protobuf ``WriteRequest``, read by a
small wire-format reader written here (no generated code), and written by :func:`encode` (tests,
benchmarks).

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
Exemplars, histograms and metadata are ignored.
"""

from __future__ import annotations

import math
import struct
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Final

import cramjam
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


# --------------------------------------------------------------------------- wire format


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


def _fields(data: bytes) -> Iterator[tuple[int, int, int | bytes]]:
    """``(field number, wire type, value)`` of a message: an int for varint and fixed types, bytes for
    length-delimited ones."""
    pos, end = 0, len(data)
    while pos < end:
        key, pos = _varint(data, pos)
        number, wire = key >> 3, key & 7
        if number == 0:
            raise RemoteWriteError("field number 0")
        if wire == _VARINT:
            value, pos = _varint(data, pos)
            yield number, wire, value
        elif wire == _FIXED64:
            if pos + 8 > end:
                raise RemoteWriteError("truncated 64-bit field")
            yield number, wire, data[pos : pos + 8]
            pos += 8
        elif wire == _BYTES:
            size, pos = _varint(data, pos)
            if pos + size > end:
                raise RemoteWriteError(f"field {number} runs past the end of its message")
            yield number, wire, data[pos : pos + size]
            pos += size
        elif wire == _FIXED32:
            if pos + 4 > end:
                raise RemoteWriteError("truncated 32-bit field")
            yield number, wire, data[pos : pos + 4]
            pos += 4
        else:
            raise RemoteWriteError(f"wire type {wire} of field {number} is not supported")


def _text(value: int | bytes, what: str) -> str:
    if not isinstance(value, bytes):
        raise RemoteWriteError(f"{what} is not a string")
    try:
        return value.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise RemoteWriteError(f"{what} is not UTF-8") from exc


def _label(data: bytes, where: str) -> tuple[str, str]:
    name = value = ""
    for number, _, raw in _fields(data):
        if number == 1:
            name = _text(raw, f"{where}: a label name")
        elif number == 2:
            value = _text(raw, f"{where}: a label value")
    return name, value


def _sample(data: bytes, where: str) -> tuple[float, int]:
    value, timestamp = 0.0, 0
    for number, wire, raw in _fields(data):
        if number == 1:
            if wire != _FIXED64 or not isinstance(raw, bytes):
                raise RemoteWriteError(f"{where}: a sample value is not a double")
            value = _DOUBLE.unpack(raw)[0]
        elif number == 2:
            if wire != _VARINT or not isinstance(raw, int):
                raise RemoteWriteError(f"{where}: a sample timestamp is not an int64")
            timestamp = raw - (1 << 64) if raw >= 1 << 63 else raw
    return value, timestamp


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
    data = decompress(body)
    decoded = Decoded()
    for index, (number, wire, raw) in enumerate(_fields(data)):
        if number != 1:
            continue
        if wire != _BYTES or not isinstance(raw, bytes):
            raise RemoteWriteError(f"time series {index} is not a message")
        where = f"time series {decoded.series + decoded.skipped_series_count}"
        labels: dict[str, str] = {}
        points: list[tuple[float, int]] = []
        for inner, inner_wire, item in _fields(raw):
            if inner in (1, 2) and (inner_wire != _BYTES or not isinstance(item, bytes)):
                raise RemoteWriteError(f"{where}: field {inner} is not a message")
            if inner == 1 and isinstance(item, bytes):
                name, value = _label(item, where)
                labels[name] = value
            elif inner == 2 and isinstance(item, bytes):
                points.append(_sample(item, where))
        _add(decoded, labels, points, where, max_reasons)
    return decoded


def _add(
    decoded: Decoded, labels: dict[str, str], points: list[tuple[float, int]], where: str, keep: int
) -> None:
    name = labels.pop("__name__", "")
    good: list[Sample] = []
    try:
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
