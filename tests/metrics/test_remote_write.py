"""Reading remote_write bodies: what protobuf itself writes is read back, stale markers and NaN are
skipped, a bad series is skipped and said, and a body that is not one is refused with the reason."""

from __future__ import annotations

import contextlib
import math
import struct
from datetime import UTC, datetime
from typing import Any

import cramjam
import pytest
from google.protobuf import descriptor_pb2, descriptor_pool, message_factory
from hypothesis import given, settings
from hypothesis import strategies as st

from holdoff.metrics.model import Sample
from holdoff.metrics.remote_write import MAX_DECODED, RemoteWriteError, decode, encode, from_samples

STALE_NAN = struct.unpack("<d", struct.pack("<Q", 0x7FF0000000000002))[0]
T_MS = 1_767_225_600_000  # 2026-01-01T00:00:00Z


def write_request_class() -> Any:
    """prometheus.WriteRequest built at runtime from its descriptor (the reference encoder)."""
    file = descriptor_pb2.FileDescriptorProto(
        name="holdoff_test_remote.proto", package="holdofftest", syntax="proto3"
    )
    label = file.message_type.add(name="Label")
    label.field.add(name="name", number=1, type=9, label=1)
    label.field.add(name="value", number=2, type=9, label=1)
    sample = file.message_type.add(name="Sample")
    sample.field.add(name="value", number=1, type=1, label=1)
    sample.field.add(name="timestamp", number=2, type=3, label=1)
    series = file.message_type.add(name="TimeSeries")
    series.field.add(name="labels", number=1, type=11, label=3, type_name=".holdofftest.Label")
    series.field.add(name="samples", number=2, type=11, label=3, type_name=".holdofftest.Sample")
    request = file.message_type.add(name="WriteRequest")
    request.field.add(name="timeseries", number=1, type=11, label=3, type_name=".holdofftest.TimeSeries")
    pool = descriptor_pool.DescriptorPool()
    pool.Add(file)
    return message_factory.GetMessageClass(pool.FindMessageTypeByName("holdofftest.WriteRequest"))


WriteRequest = write_request_class()


def reference_body(series: list[tuple[dict[str, str], list[tuple[float, int]]]]) -> bytes:
    request = WriteRequest()
    for labels, points in series:
        item = request.timeseries.add()
        for name, value in labels.items():
            item.labels.add(name=name, value=value)
        for value, millis in points:
            item.samples.add(value=value, timestamp=millis)
    return bytes(cramjam.snappy.compress_raw(request.SerializeToString()))


def test_a_body_written_by_protobuf_is_read_with_names_labels_times_and_values() -> None:
    body = reference_body(
        [
            (
                {"__name__": "node_cpu", "instance": "h1:9100", "mode": "user"},
                [(12.5, T_MS), (13.0, T_MS + 15_000)],
            ),
            ({"__name__": "up", "job": "node"}, [(1.0, T_MS)]),
        ]
    )
    decoded = decode(body)
    assert decoded.series == 2 and decoded.skipped_values == 0 and decoded.skipped_series == []
    first, second, third = decoded.samples
    assert first.name == "node_cpu" and first.labels == {"instance": "h1:9100", "mode": "user"}
    assert first.timestamp == datetime(2026, 1, 1, tzinfo=UTC) and first.value == 12.5
    assert second.timestamp == datetime(2026, 1, 1, 0, 0, 15, tzinfo=UTC) and second.value == 13.0
    assert third.name == "up" and third.labels == {"job": "node"}


def test_our_encoder_writes_what_protobuf_reads() -> None:
    body = encode([({"__name__": "x", "a": "1"}, [(-2.25, T_MS), (0.0, -1_000)])])
    request = WriteRequest()
    request.ParseFromString(bytes(cramjam.snappy.decompress_raw(body)))
    (series,) = request.timeseries
    assert {label.name: label.value for label in series.labels} == {"__name__": "x", "a": "1"}
    assert [(s.value, s.timestamp) for s in series.samples] == [(-2.25, T_MS), (0.0, -1_000)]


def test_stale_markers_nan_and_infinities_are_skipped_not_errors() -> None:
    body = reference_body(
        [
            (
                {"__name__": "up"},
                [(1.0, T_MS), (STALE_NAN, T_MS + 1), (math.nan, T_MS + 2), (math.inf, T_MS + 3)],
            )
        ]
    )
    decoded = decode(body)
    assert [s.value for s in decoded.samples] == [1.0]
    assert decoded.skipped_values == 3 and decoded.series == 1


def test_a_series_without_a_name_is_skipped_and_said_the_others_kept() -> None:
    body = reference_body([({"job": "x"}, [(1.0, T_MS)]), ({"__name__": "ok"}, [(2.0, T_MS)])])
    decoded = decode(body)
    assert [s.name for s in decoded.samples] == ["ok"]
    assert decoded.skipped_series_count == 1
    assert decoded.skipped_series == ["time series 0 (no __name__): no __name__ label"]


def test_from_samples_round_trips() -> None:
    samples = [
        Sample(name="cpu", labels={"host": "a"}, timestamp=datetime(2026, 1, 1, tzinfo=UTC), value=v)
        for v in (1.0,)
    ]
    assert decode(from_samples(samples)).samples == samples


@pytest.mark.parametrize(
    ("body", "said"),
    [
        (b"", "empty"),
        (b"\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff", "not snappy"),
        (b"\x10garbage", "not snappy"),
        (bytes(cramjam.snappy.compress_raw(b"\x0a\x05ab")), "not a protobuf WriteRequest"),
        (bytes(cramjam.snappy.compress_raw(b"\x0b")), "not a protobuf WriteRequest"),
        (bytes(cramjam.snappy.compress_raw(b"\x0a\x04\x0a\x02\x0a\xff")), "not a protobuf WriteRequest"),
    ],
)
def test_a_body_that_is_not_a_write_request_is_refused_with_the_reason(body: bytes, said: str) -> None:
    with pytest.raises(RemoteWriteError, match=said):
        decode(body)


def test_fields_of_another_wire_type_are_unknown_fields_as_protobuf_has_it() -> None:
    assert decode(bytes(cramjam.snappy.compress_raw(b"\x08\x01"))).series == 0
    assert decode(bytes(cramjam.snappy.compress_raw(b"\x0a\x02\x08\x01"))).skipped_series_count == 1


def test_a_body_announcing_more_than_the_limit_is_refused_before_decompressing() -> None:
    announced = MAX_DECODED + 1
    varint = bytearray()
    while announced > 0x7F:
        varint.append(announced & 0x7F | 0x80)
        announced >>= 7
    varint.append(announced)
    with pytest.raises(RemoteWriteError, match="would decompress to"):
        decode(bytes(varint) + b"\x00")


@settings(max_examples=300, deadline=None, derandomize=True, database=None)
@given(st.binary(max_size=300))
def test_any_bytes_are_read_or_refused_never_another_error(raw: bytes) -> None:
    for body in (raw, bytes(cramjam.snappy.compress_raw(raw))):
        with contextlib.suppress(RemoteWriteError):
            decode(body)


_label_names = st.sampled_from(["__name__", "job", "a", ""])
_point = st.tuples(
    st.floats(allow_nan=True, allow_infinity=True), st.integers(min_value=-(2**63), max_value=2**63 - 1)
)


@settings(max_examples=200, deadline=None, derandomize=True, database=None)
@given(
    st.lists(
        st.tuples(
            st.dictionaries(_label_names, st.text(max_size=8), max_size=3), st.lists(_point, max_size=4)
        ),
        max_size=4,
    )
)
def test_any_well_formed_request_is_read_without_error(
    series: list[tuple[dict[str, str], list[Any]]],
) -> None:
    decoded = decode(encode(series))
    assert decoded.series + decoded.skipped_series_count == len(series)
    assert all(math.isfinite(sample.value) for sample in decoded.samples)
