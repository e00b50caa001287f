"""Verdicts: shape and reasons, the hard cases, the declared level kept, template marks and history."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from holdoff.logs.classify.verdict import MARK_LOGIT, Classifier
from holdoff.logs.corpus import generate
from holdoff.logs.model import LogRecord, LogSeverity, TemplateHistory
from holdoff.logs.parse import declared_severity
from holdoff.logs.training import retrain

NOW = datetime(2026, 12, 5, 12, 0, tzinfo=UTC)

# Written for these tests and not part of the corpus (test_hard_cases_are_not_in_the_corpus checks it):
# (declared level, message, critical?)
HARD_CASES = [
    ("FATAL", 'password authentication failed for user "metabase_ro"', False),
    (
        "FATAL",
        'password authentication failed for user "grafana_reader"\nDETAIL:  Role "grafana_reader" does not exist.',
        False,
    ),
    (
        "INFO",
        "Out of memory: Killed process 31337 (java) total-vm:8123456kB, anon-rss:7012345kB, file-rss:0kB, shmem-rss:0kB, UID:1001 pgtables:15000kB oom_score_adj:0",
        True,
    ),
    (
        "info",
        "Memory cgroup out of memory: Killed process 918 (node) total-vm:2207000kB, anon-rss:1020000kB, file-rss:31000kB",
        True,
    ),
    (None, "Kernel panic - not syncing: Fatal hardware error!", True),
    (
        None,
        "panic: runtime error: slice bounds out of range [:12] with capacity 8\n\ngoroutine 7 [running]:\nmain.readHeader(...)\n\t/src/hdr.go:88 +0x1d",
        True,
    ),
    ("ERROR", "GET /images/logo-old.png 404 (Not Found)", False),
    ("ERROR", "Client aborted the request: java.io.IOException: Broken pipe", False),
    ("WARN", "Retrying upload to s3 (attempt 2 of 5): connection reset", False),
    ("INFO", "User jdoe logged in successfully from the mobile app", False),
    (None, "x509: certificate has expired or is not yet valid for api.internal", True),
]


@pytest.fixture(scope="module")
def classifier() -> Classifier:
    trained = retrain(generate(11, per_template=8), [], seed=11, now=NOW, check=False)
    return Classifier(trained.weights, "test-model")


def record(message: str, level: str | None = None, severity_number: int | None = None) -> LogRecord:
    return LogRecord(
        timestamp=NOW, service="svc", level=level, severity_number=severity_number, message=message
    )


def history(seen: int = 5, marked: bool | None = None) -> TemplateHistory:
    return TemplateHistory(template_id="t1", template="<*>", seen=seen, first_seen=NOW, marked=marked)


def test_hard_cases_are_not_in_the_corpus() -> None:
    corpus = {e.message for e in generate(11, per_template=8)} | {e.message for e in generate(13)}
    assert not [message for _, message, _ in HARD_CASES if message in corpus]


@pytest.mark.parametrize(("level", "message", "critical"), HARD_CASES, ids=[m[:40] for _, m, _ in HARD_CASES])
def test_hard_cases(classifier: Classifier, level: str | None, message: str, critical: bool) -> None:
    verdict = classifier.classify(record(message, level), history())
    assert verdict.critical is critical, verdict.reason


def test_a_verdict_carries_score_reason_history_and_model_version(classifier: Classifier) -> None:
    template = history(seen=41)
    verdict = classifier.classify(
        record("Kernel panic - not syncing: Fatal exception in interrupt"), template
    )
    assert verdict.critical and verdict.severity is LogSeverity.CRITICAL
    assert 0.5 <= verdict.score <= 1.0
    assert verdict.template is template and verdict.model_version == "test-model"
    names = [f.name for f in verdict.reason]
    assert 1 <= len(names) <= 6 and "word:panic" in names
    weights = [abs(f.weight) for f in verdict.reason]
    assert weights == sorted(weights, reverse=True)
    assert all(
        n.startswith(("word:", "words:", "pre:", "shape:", "level=", "declared=", "template:")) for n in names
    )
    assert next(f for f in verdict.reason if f.name == "word:panic").weight > 0


def test_the_declared_level_is_kept_and_read_but_not_obeyed(classifier: Classifier) -> None:
    sent = record('password authentication failed for user "metabase_ro"', level="FATAL")
    verdict = classifier.classify(sent, history())
    assert sent.level == "FATAL"  # the record is not touched
    assert verdict.declared is LogSeverity.CRITICAL
    assert not verdict.critical and verdict.severity < LogSeverity.CRITICAL
    by_number = classifier.classify(record("disk quota warning for /home", severity_number=13), history())
    assert by_number.declared is LogSeverity.WARNING is declared_severity(None, 13)
    assert classifier.classify(record("plain text line"), history()).declared is None


def test_critical_and_severity_agree(classifier: Classifier) -> None:
    for level, message, _ in HARD_CASES:
        verdict = classifier.classify(record(message, level), history())
        assert verdict.critical == (verdict.severity is LogSeverity.CRITICAL)
        assert verdict.critical == (verdict.score >= 0.5)


def test_a_template_marked_by_an_operator_decides_at_once(classifier: Classifier) -> None:
    panic = record("Kernel panic - not syncing: Fatal exception in interrupt")
    noise = classifier.classify(panic, history(marked=False))
    assert not noise.critical and noise.score == 0.0 and noise.severity < LogSeverity.CRITICAL
    assert noise.reason[0].name == "template:marked noise" and noise.reason[0].weight == -MARK_LOGIT
    login = record("User jdoe logged in successfully from the mobile app", level="INFO")
    real = classifier.classify(login, history(marked=True))
    assert real.critical and real.score == 1.0 and real.severity is LogSeverity.CRITICAL
    assert real.reason[0].name == "template:marked critical"
    assert any(f.name.startswith("word:") for f in real.reason[1:])  # the model's own evidence stays


def test_a_new_template_leans_towards_critical_and_says_so(classifier: Classifier) -> None:
    line = record("Replication slot lag exceeded on standby", level="WARN")
    seen = classifier.classify(line, history(seen=10))
    new = classifier.classify(line, history(seen=0))
    assert new.score > seen.score
    assert "template:new" in [f.name for f in new.reason] or len(new.reason) == 6
    assert "template:new" not in [f.name for f in seen.reason]


def test_lines_that_differ_only_in_values_get_the_same_verdict(classifier: Classifier) -> None:
    one = classifier.classify(
        record("Out of memory: Killed process 123 (java) total-vm:100kB", "info"), history()
    )
    two = classifier.classify(
        record("Out of memory: Killed process 98765 (java) total-vm:4242kB", "info"), history()
    )
    assert (one.severity, one.critical, one.score, one.reason) == (
        two.severity,
        two.critical,
        two.score,
        two.reason,
    )
    other_level = classifier.classify(
        record("Out of memory: Killed process 123 (java) total-vm:100kB", "debug"), history()
    )
    assert other_level.score != one.score


def test_a_verdict_is_what_validation_would_build(classifier: Classifier) -> None:
    from holdoff.logs.model import Verdict

    verdict = classifier.classify(
        record("Kernel panic - not syncing: Fatal exception", "emerg"), history(marked=None)
    )
    rebuilt = Verdict.model_validate(verdict.model_dump())
    assert rebuilt == verdict and rebuilt.model_dump_json() == verdict.model_dump_json()
    assert verdict.model_fields_set == set(Verdict.model_fields)
    with pytest.raises(Exception, match="frozen"):
        verdict.critical = False  # type: ignore[misc]


def test_a_level_written_in_a_raw_line_counts_but_is_not_called_declared(classifier: Classifier) -> None:
    raw = "cluster7 node-3 CORE FATAL Kernel panic - not syncing: Fatal exception in interrupt"
    verdict = classifier.classify(record(raw), history())
    assert verdict.declared is None and verdict.critical
    names = [f.name for f in verdict.reason]
    assert "written=critical" in names and not [n for n in names if n.startswith("declared=")]
    same = classifier.classify(record(raw.replace(" FATAL ", " INFO ")), history())
    assert same.score < verdict.score  # the written level weighs, as a declared one would
