"""The ``detectors:`` example of docs/metrics-detectors.md reads as written."""

from __future__ import annotations

import re
from pathlib import Path

import yaml

from holdoff.detectors.config import DetectorEntry
from holdoff.settings import Settings

DOC = Path(__file__).resolve().parents[2] / "docs" / "metrics-detectors.md"


def test_the_documented_detectors_section_reads_as_written() -> None:
    block = re.search(r"```yaml\n(detectors:.*?)```", DOC.read_text(encoding="utf-8"), re.DOTALL)
    assert block is not None
    settings = Settings(**yaml.safe_load(block.group(1)))
    cpu, default = settings.detectors
    assert isinstance(cpu, DetectorEntry) and cpu.key == "cpu" and default.key == "default"
    assert [d.type for d in cpu.detectors] == ["threshold", "streaming", "isolation_forest"]
    assert cpu.selector.matches("node_cpu_usage", {"env": "prod"})
    assert not cpu.selector.matches("node_cpu_usage", {"env": "dev"})
    assert cpu.resolve_after.total_seconds() == 300 and cpu.alert
