"""The retention planner and the ``retention:`` section: pure, with an injected ``now``."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from pydantic import ValidationError

from holdoff.retention.config import RetentionSection
from holdoff.retention.plan import (
    ORDER,
    TABLES,
    Kind,
    TableSize,
    cutoffs,
    describe_keep,
    plan,
    table_lines,
)
from holdoff.settings import load_settings

NOW = datetime(2026, 6, 1, 12, 0, tzinfo=UTC)
ROOT = Path(__file__).resolve().parents[2]


def test_the_defaults_keep_alerts_90_days_messages_30_and_the_audit_log_a_year() -> None:
    found = cutoffs(RetentionSection(), NOW)
    assert found[Kind.ALERTS] == NOW - timedelta(days=90)
    assert found[Kind.NOTIFICATIONS] == NOW - timedelta(days=30)
    assert found[Kind.AUDIT] == NOW - timedelta(days=365)
    assert list(found) == list(ORDER)


def test_zero_or_null_keeps_a_kind_forever_and_durations_read_as_text_or_seconds() -> None:
    config = RetentionSection.model_validate({"alerts": 0, "audit": None, "changes": "12h", "evidence": 3600})
    found = cutoffs(config, NOW)
    assert Kind.ALERTS not in found and Kind.AUDIT not in found
    assert found[Kind.CHANGES] == NOW - timedelta(hours=12)
    assert found[Kind.EVIDENCE] == NOW - timedelta(hours=1)
    assert plan(config, NOW, {Kind.ALERTS: 10, Kind.AUDIT: 10}).steps == ()


def test_a_bad_duration_or_a_zero_interval_is_refused_with_the_field() -> None:
    with pytest.raises(ValidationError, match="alerts"):
        RetentionSection.model_validate({"alerts": "ninety days"})
    with pytest.raises(ValidationError, match="every"):
        RetentionSection.model_validate({"every": 0})


def test_messages_go_before_the_alerts_and_incidents_they_belong_to_and_children_before_parents() -> None:
    assert ORDER.index(Kind.NOTIFICATIONS) < ORDER.index(Kind.ALERTS)
    assert ORDER.index(Kind.EVIDENCE) < ORDER.index(Kind.ALERTS)
    assert ORDER.index(Kind.NOTIFICATIONS) < ORDER.index(Kind.INCIDENTS)
    for tables in TABLES.values():
        if "notifications" in tables:
            assert tables.index("delivery_attempts") < tables.index("notifications")
    assert TABLES[Kind.ALERTS][-1] == "alerts" and TABLES[Kind.INCIDENTS][-1] == "incidents"


def test_the_plan_has_a_step_per_kind_with_rows_past_retention_in_chunks() -> None:
    config = RetentionSection(chunk=100, max_chunks=10)
    planned = plan(config, NOW, {Kind.ALERTS: 250, Kind.AUDIT: 100, Kind.CHANGES: 0})
    assert [(s.kind, s.rows, s.chunks) for s in planned.steps] == [
        (Kind.ALERTS, 250, 3),
        (Kind.AUDIT, 100, 1),
    ]
    assert planned.steps[0].before == NOW - timedelta(days=90)
    assert (planned.rows, planned.chunks, planned.finishes) == (350, 4, True)


def test_a_plan_over_the_chunk_budget_leaves_the_rest_for_the_next_run() -> None:
    planned = plan(RetentionSection(chunk=10, max_chunks=3), NOW, {Kind.NOTIFICATIONS: 45})
    assert planned.chunks == 5 and not planned.finishes


def test_table_lines_join_sizes_with_what_each_rule_removes_largest_first() -> None:
    sizes = [
        TableSize("audit_log", 10, 4096),
        TableSize("notifications", 50, 65536),
        TableSize("users", 2, 8192),
    ]
    removals = {
        "notifications": {"notifications": 20, "delivery_attempts": 25},
        "alerts": {"notifications": 5, "alerts": 3},
        "audit": {"audit_log": 4},
    }
    rules = {"notifications": "notifications 30d", "alerts": "alerts 90d", "audit": "audit 365d"}
    lines = table_lines(sizes, removals, rules)
    assert [line.table for line in lines] == ["notifications", "users", "audit_log"]
    assert (lines[0].removes, lines[0].rules) == (25, ("notifications 30d", "alerts 90d"))
    assert (lines[1].removes, lines[1].rules) == (0, ())
    assert lines[2].removes == 4


def test_durations_are_described_in_their_largest_whole_unit() -> None:
    assert describe_keep(timedelta(days=90)) == "90d"
    assert describe_keep(timedelta(hours=36)) == "36h"
    assert describe_keep(timedelta(seconds=90)) == "90s"
    assert describe_keep(None) == "forever"


def test_the_retention_examples_of_the_docs_load_as_written(tmp_path: Path) -> None:
    blocks = []
    for doc in ("configuration.md", "operations.md"):
        text = (ROOT / "docs" / doc).read_text(encoding="utf-8")
        blocks += [b for b in re.findall(r"```yaml\n(.*?)```", text, re.S) if b.startswith("retention:")]
    assert len(blocks) >= 2
    for block in blocks:
        path = tmp_path / "holdoff.yaml"
        path.write_text(block, encoding="utf-8")
        settings = load_settings(config_file=path)
        assert settings.retention.backpressure.retry_after_seconds >= 1
