"""The YAML examples of docs/evidence.md, the evidence section of docs/policy.md and the evidence:
section's docstring read as written."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import yaml

import holdoff.evidence.config as evidence_config
from holdoff.config_types import environment
from holdoff.policy.section import PolicySection
from holdoff.settings import Settings

DOCS = Path(__file__).resolve().parents[2] / "docs"
BLOCK = re.compile(r"```yaml\n(.*?)```", re.DOTALL)


def blocks(text: str, needle: str) -> list[dict[str, Any]]:
    found = [yaml.safe_load(block) for block in BLOCK.findall(text) if needle in block]
    assert found, f"no YAML block with {needle!r}"
    return found


def test_the_evidence_section_examples_read() -> None:
    texts = [(DOCS / "evidence.md").read_text(encoding="utf-8"), evidence_config.__doc__ or ""]
    with environment({"HOLDOFF_EVENTS_TOKEN": "t0ken-from-the-environment"}):
        for text in texts:
            for block in blocks(text, "evidence:"):
                settings = Settings.model_validate(block)
                assert settings.evidence.before.total_seconds() == 900
                assert settings.evidence.events_token is not None


def test_the_policy_example_on_evidence_reads() -> None:
    text = (DOCS / "policy.md").read_text(encoding="utf-8")
    [block] = blocks(text, "error_logs")
    section = PolicySection.model_validate(block["policy"])
    assert [route.error_logs for route in section.routes] == [True, False]
