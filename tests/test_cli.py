"""The ``holdoff`` command: version, check-config, and a start refused on bad configuration."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from holdoff import __version__


def holdoff(
    *args: str, env: dict[str, str] | None = None, cwd: Path | None = None
) -> subprocess.CompletedProcess[str]:
    base = {k: v for k, v in os.environ.items() if not k.startswith("HOLDOFF_")}
    return subprocess.run(
        [sys.executable, "-m", "holdoff", *args],
        env={**base, **(env or {})},
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_version_prints_the_package_version() -> None:
    result = holdoff("version")
    assert result.returncode == 0
    assert result.stdout.strip() == __version__


def test_check_config_describes_channels_without_secrets(tmp_path: Path) -> None:
    env_file = tmp_path / "aiops.env"
    env_file.write_text(
        "TEAMS_WEBHOOK_URL=https://prod-00.westus.logic.azure.com/workflows/abc?sig=TOPSECRET\n"
        "EMAIL_FROM=alerts@domain.com\nEMAIL_TO=oncall@domain.com\n"
    )
    result = holdoff("check-config", "--env-file", str(env_file))
    assert result.returncode == 0, result.stderr
    assert "configuration OK" in result.stdout
    assert "prod-00.westus.logic.azure.com" in result.stdout
    assert "TOPSECRET" not in result.stdout + result.stderr


def test_serve_refuses_to_start_on_invalid_configuration_with_one_message(tmp_path: Path) -> None:
    result = holdoff("serve", env={"HOLDOFF_GRACE_SECONDS": "soon"}, cwd=tmp_path)
    assert result.returncode == 2
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert len(lines) == 1
    assert "HOLDOFF_GRACE_SECONDS" in lines[0]
    assert not (tmp_path / "var").exists()


def test_check_config_describes_grouping_quiet_hours_and_digest(tmp_path: Path) -> None:
    config = tmp_path / "holdoff.yaml"
    config.write_text(
        "group_by: [cluster]\n"
        "quiet_hours: {cron: '0 22 * * *', duration: 9h, page: [critical, high]}\n"
        "transient: digest\n"
        "routes:\n"
        "  - name: solo\n"
        "    match: '{team=\"solo\"}'\n"
        "    group_by: []\n"
    )
    result = holdoff("check-config", "--config", str(config))
    assert result.returncode == 0, result.stderr
    assert "policy    grouping: by cluster (first message after 30s, then at most every 5m)" in result.stdout
    assert "policy    quiet hours: 0 22 * * * for 9h (UTC); critical, high still page" in result.stdout
    assert "policy    digest: every 1h; transient posts: digest" in result.stdout
    assert 'route     solo: {team="solo"} group by nothing (one incident per alert)' in result.stdout
