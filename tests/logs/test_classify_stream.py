"""`holdoff classify`'s objects: one per record, in input order, with the first line's number."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest

from holdoff.logs.classify.stream import classify_stream
from holdoff.logs.classify.verdict import Classifier
from holdoff.logs.corpus import generate
from holdoff.logs.miner import TemplateMiner
from holdoff.logs.training import retrain

NOW = datetime(2026, 12, 5, 12, 0, tzinfo=UTC)

LINES = [
    "2026-12-05T11:59:58Z INFO [main] Listening on 0.0.0.0:8443",
    "",
    "panic: runtime error: index out of range [3] with length 3",
    "",
    "goroutine 1 [running]:",
    "main.main()",
    "\t/app/main.go:17 +0x1d",
    '{"level": "info", "msg": "User u42 logged in successfully"}',
    "Out of memory: Killed process 4242 (java) total-vm:812345kB, anon-rss:701234kB",
    "Out of memory: Killed process 977 (java) total-vm:99kB, anon-rss:12kB",
    "2026-12-05 12:00:01,001 ERROR [http-nio-8080-exec-3] GET /favicon.ico 404 (Not Found)",
]


@pytest.fixture(scope="module")
def classifier() -> Classifier:
    return Classifier(retrain(generate(11, per_template=8), [], seed=11, now=NOW, check=False).weights, "m1")


def test_one_object_per_record_in_input_order(classifier: Classifier) -> None:
    found = list(classify_stream(LINES, classifier, received=NOW, service="app"))
    assert [o["line"] for o in found] == [1, 3, 8, 9, 10, 11]
    for o in found:
        assert set(o) == {"line", "severity", "critical", "score", "template_id", "template", "reason"}
        assert o["severity"] in {"debug", "info", "warning", "error", "critical"}
        assert 0.0 <= o["score"] <= 1.0 and isinstance(o["critical"], bool)
        assert o["critical"] == (o["severity"] == "critical")
        assert set(o["reason"]) == {"features", "level", "declared", "history", "model"}
        assert o["reason"]["model"] == "m1" and o["reason"]["features"]
        json.dumps(o)  # printable as it is
    panic, oom, again = found[1], found[3], found[4]
    assert panic["critical"] and "goroutine" not in panic["template"]  # the trace is one record
    assert oom["critical"] and oom["template_id"] == again["template_id"]
    assert oom["reason"]["history"]["seen"] == 0 and again["reason"]["history"]["seen"] == 1
    assert not found[5]["critical"] and found[5]["reason"]["level"] == "ERROR"
    assert found[2]["reason"]["declared"] == "info" and not found[2]["critical"]


def test_the_same_lines_give_the_same_verdicts_and_a_template_mark_applies(classifier: Classifier) -> None:
    first = list(classify_stream(LINES, classifier, received=NOW))
    assert list(classify_stream(LINES, classifier, received=NOW)) == first
    oom_id = first[3]["template_id"]
    marked = list(classify_stream(LINES, classifier, received=NOW, marks={oom_id: False}))
    assert [o["critical"] for o in marked[3:5]] == [False, False]
    assert marked[3]["reason"]["features"][0]["name"] == "template:marked noise"
    assert [o["critical"] for o in marked[:3]] == [o["critical"] for o in first[:3]]


def test_a_miner_carries_template_history_across_streams(classifier: Classifier) -> None:
    miner = TemplateMiner()
    first = list(classify_stream(LINES, classifier, received=NOW, miner=miner))
    later = list(classify_stream(LINES[-3:], classifier, received=NOW, miner=miner))
    assert [o["line"] for o in later] == [1, 2, 3]
    assert later[0]["template_id"] == first[3]["template_id"]
    assert later[0]["reason"]["history"]["seen"] == 2  # the two OOM kills of the first stream
    assert later[0]["reason"]["history"]["first_seen"] == first[3]["reason"]["history"]["first_seen"]
    assert "template:new" not in [f["name"] for f in later[0]["reason"]["features"]]
