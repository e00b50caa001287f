"""``holdoff classify`` and ``holdoff train logs`` from the command line."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from holdoff.cli import app


def test_classify_prints_one_verdict_per_record_in_input_order_and_rollback_needs_a_previous_model(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("HOLDOFF_SERVER__DATA_DIR", str(tmp_path / "var"))
    log = tmp_path / "app.log"
    log.write_text(
        "Jan  5 10:00:01 web1 kernel: Out of memory: Killed process 1234 (java) total-vm:123kB\n"
        "2024-03-04 09:20:01,007 - worker.sync - INFO - Sync done in 2s\n"
        "Traceback (most recent call last):\n"
        '  File "app.py", line 3, in <module>\n'
        "ZeroDivisionError: division by zero\n"
    )
    runner = CliRunner()

    done = runner.invoke(app, ["classify", str(log), "--service", "web"])

    assert done.exit_code == 0, done.output
    found = [json.loads(line) for line in done.output.splitlines()]
    assert [item["line"] for item in found] == [1, 2]  # the traceback belongs to the line that logged it
    assert found[0]["critical"] is True and found[0]["severity"] == "critical"
    assert found[1]["critical"] is False and found[1]["reason"]["declared"] == "info"
    assert {"score", "template_id", "template", "reason"} <= set(found[0])
    assert (tmp_path / "var" / "models" / "logs").is_dir()  # the default model, trained once and kept

    refused = runner.invoke(app, ["train", "logs", "--rollback"])
    assert refused.exit_code == 1
    assert "no previous version" in refused.output
