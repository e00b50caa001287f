"""bench/logs_ingest.py on a tiny input, without a server: the generated traffic has the promised shape
(both media, record ids, retried posts, several services, stack traces, a few errors), and the
in-process reference parses every record and mines it into templates."""

from __future__ import annotations

import json
from datetime import UTC, datetime

from bench import logs_ingest as bench
from bench import logs_traffic as traffic
from holdoff.logs.miner import TemplateMiner


def test_bodies_mix_ndjson_and_text_with_ids_retries_and_errors() -> None:
    bodies = traffic.make_bodies(30_000, 500, seed=1, tag="t")

    first = [body for body in bodies if not body.retry]
    assert sum(body.lines for body in first) >= 30_000
    assert {body.media for body in first} == {"application/x-ndjson", "text/plain"}
    assert all(body.params.get("service") for body in first if body.media == "text/plain")
    retries = [body for body in bodies if body.retry]
    assert retries and all(any(body.content == r.content for body in first) for r in retries)

    items = [
        json.loads(line)
        for body in first
        if body.media == "application/x-ndjson"
        for line in body.content.decode().splitlines()
    ]
    ids = [item["id"] for item in items if "id" in item]
    assert ids and len(ids) == len(set(ids)) < len(items)
    services = {item.get("service") for item in items}
    assert {"api", "web", "auth", "payments"} <= services
    text = b"".join(body.content for body in first).decode()
    assert "Traceback (most recent call last):" in text and "\\tat com.example" in text
    assert 0.005 < text.count("ERROR") / sum(body.records for body in first) < 0.1


def test_the_reference_parses_every_record_and_mines_many_templates() -> None:
    bodies = traffic.make_bodies(6_000, 500, seed=2, tag="r")

    reference = bench.reference(bodies, classifier=None)

    assert reference.records == sum(body.records for body in bodies if not body.retry)
    assert reference.classify_s is None and reference.per_s(classify=True) is None
    rate = reference.per_s(classify=False)
    assert rate is not None and rate > 0
    miner = TemplateMiner()
    now = datetime.now(UTC)
    for body in bodies:
        for record in bench.parse_body(body, now):
            miner.match(record.message, record.timestamp)
    assert len(miner) > 100


def test_the_benchmark_is_registered_under_its_name() -> None:
    assert bench.BENCHMARK.name == "logs-ingest"
    parser = bench.argparse.ArgumentParser()
    bench.add_arguments(parser)
    args = parser.parse_args(["--logs-lines", "2000", "--logs-clients", "2"])
    assert (args.logs_lines, args.logs_clients, args.logs_batch) == (2000, 2, bench.DEFAULT_BATCH)
