"""Fluent Bit's ``http`` output and Vector's ``http`` sink, as configured by the snippets in
docs/examples/, post to ``POST /logs`` as they are.

Neither tool can be installed here (no Debian package, nothing on PyPI), so each test reads its
snippet, builds the exact request the tool sends for that configuration (body shape, Content-Type,
Content-Encoding, the token header) and checks the stored records: the time from ``date`` /
``timestamp``, the message from ``log`` / ``message``, the service from the snippet's mapping.

The shapes, from the tools' sources: Fluent Bit ``format json`` sends a JSON array of the records, the
time first under ``json_date_key`` (a double of epoch seconds by default, ``iso8601`` as
``2024-03-04T10:01:01.512877Z``), ``Content-Type: application/json``; ``json_lines`` sends one object
and a newline per record, ``application/x-ndjson``; ``compress gzip`` adds ``Content-Encoding: gzip``.
Vector's ``codec json`` with ``newline_delimited`` framing sends events with sorted keys, one per line
without a final newline, ``application/x-ndjson``; ``auth.strategy bearer`` sends
``Authorization: Bearer``.
"""

from __future__ import annotations

import gzip
import json
import re
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
import yaml
from fastapi.testclient import TestClient

from holdoff.api.app import create_app
from holdoff.runtime import Runtime
from holdoff.settings import Settings

EXAMPLES = Path(__file__).resolve().parents[2] / "docs" / "examples"
TOKEN = "shipper-token-0123456789"
HOSTNAME = "web-7"
TRACE = (
    "2024-03-04 10:01:01,512 ERROR [pool-2] c.a.checkout.Pay - charge failed\n"
    "java.lang.IllegalStateException: card declined\n"
    "\tat c.a.checkout.Pay.charge(Pay.java:88)\n"
    "\tat c.a.checkout.Pay.run(Pay.java:41)"
)
PLAIN = "cache warmed, 1200 keys"  # no header of its own: the shipper's time is the record's


@pytest.fixture
def client(database_url: str) -> Iterator[TestClient]:
    settings = Settings(database_url=database_url, grace_seconds=600, sources={"token": TOKEN})
    app = create_app(Runtime(settings, channels={}, run_workers=False))
    with TestClient(app, base_url="http://127.0.0.1") as test_client:
        yield test_client


def expand(value: str) -> str:
    """``${NAME}`` as the tools expand it from the environment."""
    return value.replace("${HOLDOFF_TOKEN}", TOKEN).replace("${HOSTNAME}", HOSTNAME)


def classic_sections(text: str) -> list[tuple[str, list[tuple[str, str]]]]:
    """Fluent Bit's classic format: ``[SECTION]`` then ``Key value`` lines (keys repeat)."""
    sections: list[tuple[str, list[tuple[str, str]]]] = []
    for raw in text.splitlines():
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        if line.startswith("["):
            sections.append((line.strip("[]").upper(), []))
            continue
        key, _, value = line.partition(" ")
        sections[-1][1].append((key.lower(), value.strip()))
    return sections


def fluent_bit_request(output: dict[str, Any], records: list[dict[str, Any]]) -> dict[str, Any]:
    """The request Fluent Bit's http output makes for ``records`` (already through the filters)."""
    date_key = output.get("json_date_key", "date")
    date_format = output.get("json_date_format", "double")
    when = datetime(2024, 3, 4, 10, 1, 1, 512877, tzinfo=UTC)
    if date_format == "double":
        date: Any = when.timestamp()
    elif date_format == "iso8601":
        date = when.strftime("%Y-%m-%dT%H:%M:%S.%fZ")
    else:
        raise AssertionError(f"unexpected json_date_format {date_format}")
    rows = [{date_key: date, **record} for record in records]
    if output["format"] == "json":
        body, media = json.dumps(rows, separators=(",", ":")).encode(), "application/json"
    elif output["format"] == "json_lines":
        body = b"".join(json.dumps(row, separators=(",", ":")).encode() + b"\n" for row in rows)
        media = "application/x-ndjson"
    else:
        raise AssertionError(f"unexpected format {output['format']}")
    headers = {"Content-Type": media, "User-Agent": "Fluent-Bit"}
    if output.get("compress") == "gzip":
        body = gzip.compress(body)
        headers["Content-Encoding"] = "gzip"
    for header in output["header"]:
        name, _, value = expand(header).partition(" ")
        headers[name] = value
    return {"url": output["uri"], "content": body, "headers": headers}


def apply_record_modifier(records: list[str], adds: list[str]) -> list[dict[str, Any]]:
    """The tail input's records (``log``), then the record_modifier filter's ``Record key value``."""
    extra = dict(expand(add).split(" ", 1) for add in adds)
    return [{"log": line, **extra} for line in records]


def stored(client: TestClient) -> dict[str, dict[str, Any]]:
    response = client.get("/logs")  # open mode (loopback, no API token): listing needs no credential
    assert response.status_code == 200, response.text
    return {item["message"].split("\n")[0]: item for item in response.json()["items"]}


def check_fluent_bit_records(client: TestClient) -> None:
    found = stored(client)
    trace = found["2024-03-04 10:01:01,512 ERROR [pool-2] c.a.checkout.Pay - charge failed"]
    assert trace["message"] == TRACE  # the multiline parser's record, kept whole
    assert (trace["service"], trace["host"], trace["level"]) == ("checkout", HOSTNAME, "ERROR")
    assert trace["timestamp"] == "2024-03-04T10:01:01.512877Z"  # from date
    plain = found[PLAIN]
    assert (plain["service"], plain["host"], plain["level"]) == ("checkout", HOSTNAME, None)
    assert plain["timestamp"] == "2024-03-04T10:01:01.512877Z"
    assert "date" not in plain["attributes"] and "log" not in plain["attributes"]


def test_fluent_bit_classic_config_json_array(client: TestClient) -> None:
    sections = classic_sections((EXAMPLES / "fluent-bit" / "fluent-bit.conf").read_text(encoding="utf-8"))
    (modifier,) = [
        pairs for name, pairs in sections if name == "FILTER" and ("name", "record_modifier") in pairs
    ]
    (out_pairs,) = [pairs for name, pairs in sections if name == "OUTPUT"]
    output: dict[str, Any] = {key: value for key, value in out_pairs if key != "header"}
    output["header"] = [value for key, value in out_pairs if key == "header"]
    assert (output["name"], output["format"], output["compress"]) == ("http", "json", "gzip")
    records = apply_record_modifier([TRACE, PLAIN], [value for key, value in modifier if key == "record"])
    request = fluent_bit_request(output, records)
    assert request["headers"]["Authorization"] == f"Bearer {TOKEN}"
    response = client.post(**request)
    assert response.status_code == 202, response.text
    assert response.json()["accepted"] == 2
    check_fluent_bit_records(client)


def test_fluent_bit_yaml_config_json_lines(client: TestClient) -> None:
    config = yaml.safe_load((EXAMPLES / "fluent-bit" / "fluent-bit.yaml").read_text(encoding="utf-8"))
    (modifier,) = [f for f in config["pipeline"]["filters"] if f["name"] == "record_modifier"]
    (output,) = config["pipeline"]["outputs"]
    assert (output["name"], output["format"], output["json_date_format"]) == ("http", "json_lines", "iso8601")
    request = fluent_bit_request(output, apply_record_modifier([TRACE, PLAIN], modifier["record"]))
    assert request["headers"]["Content-Type"] == "application/x-ndjson"
    response = client.post(**request)
    assert response.status_code == 202, response.text
    check_fluent_bit_records(client)


def test_vector_http_sink_ndjson(client: TestClient) -> None:
    config = yaml.safe_load((EXAMPLES / "vector" / "vector.yaml").read_text(encoding="utf-8"))
    sink = config["sinks"]["holdoff"]
    assert (sink["encoding"]["codec"], sink["framing"]["method"]) == ("json", "newline_delimited")
    remap = config["transforms"][sink["inputs"][0]]
    (service,) = re.findall(r'^\.service = "([^"]+)"$', remap["source"], re.MULTILINE)
    events = [  # what the file source emits (the multiline start_pattern joined the trace), then remap
        {"file": "/var/log/checkout/app.log", "host": HOSTNAME, "message": TRACE, "service": service,
         "source_type": "file", "timestamp": "2024-03-04T10:01:01.512877123Z"},
        {"file": "/var/log/checkout/app.log", "host": HOSTNAME, "message": PLAIN, "service": service,
         "source_type": "file", "timestamp": "2024-03-04T10:01:02.000000001Z"},
    ]  # fmt: skip
    body = "\n".join(json.dumps(event, sort_keys=True, separators=(",", ":")) for event in events).encode()
    headers = {"Content-Type": "application/x-ndjson", "User-Agent": "Vector/0.43.0"}
    if sink["compression"] == "gzip":
        body = gzip.compress(body)
        headers["Content-Encoding"] = "gzip"
    assert sink["auth"]["strategy"] == "bearer"
    headers["Authorization"] = f"Bearer {expand(sink['auth']['token'])}"
    assert sink["batch"]["max_bytes"] <= 1024 * 1024
    response = client.post(sink["uri"].split(":5000", 1)[1], content=body, headers=headers)
    assert response.status_code == 202, response.text
    assert (response.json()["accepted"], response.json()["duplicates"]) == (2, 0)
    found = stored(client)
    trace = found["2024-03-04 10:01:01,512 ERROR [pool-2] c.a.checkout.Pay - charge failed"]
    assert trace["message"] == TRACE
    assert (trace["service"], trace["host"], trace["level"]) == ("checkout", HOSTNAME, "ERROR")
    assert trace["timestamp"] == "2024-03-04T10:01:01.512877Z"  # from timestamp (to the microsecond)
    assert trace["attributes"] == {
        "file": "/var/log/checkout/app.log", "source_type": "file", "thread": "pool-2", "logger": "c.a.checkout.Pay"
    }  # fmt: skip
    plain = found[PLAIN]
    assert plain["timestamp"] == "2024-03-04T10:01:02Z"
    assert plain["service"] == "checkout"
