"""Records made by the parsers without validating again (head.new_record) are the records the
validating constructor makes: every one passes LogRecord's own validation unchanged."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import pytest
from pydantic import ValidationError

from holdoff.logs.model import Layout, LogRecord
from holdoff.logs.otlp import parse_otlp_json
from holdoff.logs.parse import parse_json_records, parse_lines
from holdoff.logs.parse.head import new_record

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "logs"
RECEIVED = datetime(2024, 3, 4, 12, 0, tzinfo=UTC)


def all_records() -> list[LogRecord]:
    records: list[LogRecord] = []
    for path in sorted(FIXTURES.glob("*.log")):
        lines = path.read_text(encoding="utf-8").splitlines()
        records += parse_lines(lines, service="s", host="h", received=RECEIVED)
    for name in ("fluent-bit-kubernetes.json", "vector-kubernetes.json"):
        items = json.loads((FIXTURES / name).read_text(encoding="utf-8"))
        records += parse_json_records(items, service=None, host=None, received=RECEIVED)
    records += parse_otlp_json(
        json.loads((FIXTURES / "otlp-logs.json").read_text(encoding="utf-8")), received=RECEIVED
    )
    return records


def test_every_parsed_record_is_valid_as_it_is() -> None:
    records = all_records()
    assert len(records) > 30
    for record in records:
        again = LogRecord.model_validate(record.model_dump())
        assert again == record
        assert record.timestamp.tzinfo is UTC
        assert all(isinstance(k, str) and isinstance(v, str) for k, v in record.attributes.items())


def test_new_record_equals_the_validated_record_and_stays_frozen() -> None:
    made = new_record(RECEIVED, "svc", None, "ERROR", 17, "boom", {"a": "b"}, "id-1", Layout.JSON)
    validated = LogRecord(
        timestamp=RECEIVED, service="svc", level="ERROR", severity_number=17, message="boom",
        attributes={"a": "b"}, record_id="id-1", layout=Layout.JSON,
    )  # fmt: skip
    assert made == validated
    assert repr(made) == repr(validated)
    assert made.model_dump() == validated.model_dump()
    assert made.model_copy(update={"message": "x"}).message == "x"
    with pytest.raises(ValidationError, match="frozen"):
        made.message = "changed"  # type: ignore[misc]
    assert made.message == "boom"
    assert made.model_fields_set == validated.model_fields_set | {"host"}
