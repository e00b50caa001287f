"""A property: the same lines give the same occurrences and final counts however ingest batches them,
with every state going through JSON between batches (as it does through the database)."""

from __future__ import annotations

from itertools import pairwise

from hypothesis import given, settings
from hypothesis import strategies as st

from holdoff.logs.detect.critical import CriticalConfig
from holdoff.logs.detect.error_rate import ErrorRateConfig
from holdoff.logs.detect.failed_auth import FailedAuthConfig
from holdoff.logs.detect.model import Detector, Seen
from holdoff.logs.detect.new_template import NewTemplateConfig
from holdoff.logs.model import LogSeverity
from tests.logs.test_detect_support import Shell, final, seen

SERVICES = ("sshd", "checkout")
ADDRESSES = ("203.0.113.7", "2001:db8::9")
LINE = st.tuples(
    st.sampled_from((0, 0, 1, 2, 5, 10, 30, 70)),  # seconds after the previous line
    st.integers(min_value=0, max_value=4),  # what kind of line
    st.integers(min_value=0, max_value=1),  # service
    st.integers(min_value=0, max_value=1),  # address / template variant
)


def stream(lines: list[tuple[int, int, int, int]]) -> list[Seen]:
    out: list[Seen] = []
    second = 0
    templates: set[str] = set()
    for gap, kind, service_index, variant in lines:
        second += gap
        service = SERVICES[service_index]
        if kind == 0:
            message, template = f"Failed password for root from {ADDRESSES[variant]} port 22 ssh2", "t-fail"
        elif kind == 1:
            message, template = f"upstream timed out talking to backend-{variant}", f"t-timeout-{variant}"
        elif kind == 2:
            message, template = f"kernel: Out of memory: Killed process {variant}", f"t-oom-{variant}"
        else:
            message, template = "GET /health 200", "t-ok"
        new = template not in templates
        templates.add(template)
        out.append(
            seen(
                message,
                second,
                service=service,
                template_id=template,
                severity=LogSeverity.ERROR if kind in (1, 2) else LogSeverity.INFO,
                critical=kind == 2,
                new=new,
            )
        )
    return out


def detectors() -> list[Detector]:
    return [
        FailedAuthConfig(threshold=3, window="60s").build(),
        ErrorRateConfig(window="60s", ratio=0.3, floor=3).build(),
        NewTemplateConfig(resolve_after="90s", learn_for="60s").build(),
        CriticalConfig(quiet_for="60s").build(),
    ]


def run(detector: Detector, records: list[Seen], cuts: list[int]) -> Shell:
    shell = Shell(detector)
    bounds = [0, *sorted(set(cuts)), len(records)]
    for start, end in pairwise(bounds):
        if end > start:
            shell.feed(records[start:end])
    return shell


@settings(max_examples=150, deadline=None)
@given(
    st.lists(LINE, min_size=1, max_size=120), st.lists(st.integers(min_value=0, max_value=120), max_size=12)
)
def test_batching_does_not_change_occurrences_or_counts(
    lines: list[tuple[int, int, int, int]], cuts: list[int]
) -> None:
    records = stream(lines)
    cuts = [c for c in cuts if c < len(records)]
    for detector in detectors():
        whole = run(detector, records, [])
        split = run(detector, records, cuts)
        assert final(split.findings) == final(whole.findings), detector.name
        assert whole.rows.keys() == split.rows.keys()
        end = records[-1].record.timestamp.replace(year=2027)
        assert final(whole.findings + whole.sweep(end)) == final(split.findings + split.sweep(end))
        live = [k for k in (*whole.rows, *split.rows) if not k.startswith("~service|")]
        assert live == []
