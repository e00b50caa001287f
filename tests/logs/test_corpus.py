"""The shipped training corpus: reproducible from a seed, large and varied, labelled as on-call would."""

from __future__ import annotations

import random
import re
from collections import Counter

import pytest

from holdoff.logs.corpus import TEMPLATES, generate
from holdoff.logs.corpus.fill import FILLERS, fill
from holdoff.logs.corpus.table import TableError, read
from holdoff.logs.model import LogSeverity
from holdoff.logs.parse import declared_severity


@pytest.fixture(scope="module")
def corpus() -> list:
    return generate(7)


def test_the_same_seed_gives_the_same_corpus_and_another_seed_another() -> None:
    first, again, other = (
        generate(3, per_template=3),
        generate(3, per_template=3),
        generate(4, per_template=3),
    )
    assert first == again
    assert [e.message for e in first] != [e.message for e in other]
    assert [e.template for e in first] == [e.template for e in other]  # same templates, other values


def test_the_corpus_is_tens_of_thousands_of_lines_of_hundreds_of_templates_of_many_programs(
    corpus: list,
) -> None:
    assert len(corpus) >= 40_000
    assert len(TEMPLATES) >= 1_000
    assert len({t.software for t in TEMPLATES}) >= 100
    assert len({e.message for e in corpus}) >= 0.8 * len(corpus)  # values vary: few exact repeats
    tables = Counter(t.key.split(":")[0] for t in TEMPLATES)
    assert len(tables) >= 14 and min(tables.values()) >= 50


def test_every_severity_is_present_and_critical_lines_are_a_minority(corpus: list) -> None:
    severities = Counter(e.severity for e in corpus)
    assert set(severities) == set(LogSeverity)
    share = sum(e.critical for e in corpus) / len(corpus)
    assert 0.1 < share < 0.4
    assert all(e.critical == (e.severity is LogSeverity.CRITICAL) for e in corpus)


def test_the_declared_level_is_evidence_not_the_label() -> None:
    """Routine lines sent at FATAL/ERROR and criticals sent at INFO or without a level are both there."""
    loud_routine = [
        t for t in TEMPLATES if declared_severity(t.level, None) is LogSeverity.CRITICAL and not t.critical
    ]
    quiet_critical = [
        t for t in TEMPLATES if t.critical and declared_severity(t.level, None) in (None, LogSeverity.INFO)
    ]
    assert len(loud_routine) >= 30
    assert len(quiet_critical) >= 150
    texts = {t.text for t in TEMPLATES}
    assert 'password authentication failed for user "{user}"' in texts
    password = next(t for t in TEMPLATES if t.text == 'password authentication failed for user "{user}"')
    assert password.level == "FATAL" and not password.critical
    oom = [t for t in TEMPLATES if t.text.startswith("Out of memory: Killed process") and t.level == "info"]
    assert oom and all(t.critical for t in oom)


def test_templates_fill_every_placeholder() -> None:
    rng = random.Random(1)
    for template in TEMPLATES:
        filled = fill(template.text, rng)
        assert not [name for name in FILLERS if f"{{{name}}}" in filled], template.key
        assert not re.search(r"\{[^{} ]+\|[^{} ]+\}", filled), template.key  # a choice left unchosen


def test_lines_come_structured_or_raw() -> None:
    lines = generate(5, per_template=6)
    with_field = [e for e in lines if e.level is not None]
    raw = [e for e in lines if e.level is None]
    assert len(with_field) > 0.4 * len(lines) and len(raw) > 0.2 * len(lines)


def test_a_malformed_table_line_is_refused_with_its_place() -> None:
    with pytest.raises(TableError, match=r"t:2: expected"):
        read("t", "nginx | error | w | fine\nnginx | error | x | bad label\n")
    with pytest.raises(TableError, match="unknown placeholder"):
        read("t", "nginx | error | w | {nosuch} thing\n")
    (template,) = read("t", "# comment\n\nkernel | - | C | Oops\\nCall Trace:\n")
    assert template.level is None and template.critical and template.text == "Oops\nCall Trace:"
