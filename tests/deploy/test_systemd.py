"""deploy/systemd: the unit is what systemd accepts, hardened, and runs the documented command."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from pathlib import Path

from dotenv import dotenv_values

from holdoff.settings import load_settings

ROOT = Path(__file__).resolve().parents[2]
UNIT = ROOT / "deploy" / "systemd" / "holdoff.service"
ENV_FILE = ROOT / "deploy" / "systemd" / "holdoff.env"
INSTALLED_HOLDOFF = "/opt/holdoff/.venv/bin/holdoff"
NEWER_KEYS = ("RestartSteps", "RestartMaxDelaySec")
"""Backoff keys of systemd 254+; older versions warn that they do not know them and ignore them."""


def unit_sections(text: str) -> dict[str, dict[str, list[str]]]:
    """A unit file's sections -> key -> every value given (systemd allows a key several times)."""
    sections: dict[str, dict[str, list[str]]] = {}
    current: dict[str, list[str]] | None = None
    for raw in text.splitlines():
        line = raw.strip()
        if not line or line.startswith(("#", ";")):
            continue
        header = re.fullmatch(r"\[(.+)\]", line)
        if header:
            current = sections.setdefault(header.group(1), {})
            continue
        assert current is not None, f"key outside a section: {line}"
        key, _, value = line.partition("=")
        current.setdefault(key.strip(), []).append(value.strip())
    return sections


def test_unit_runs_the_documented_command_as_a_dedicated_user() -> None:
    service = unit_sections(UNIT.read_text())["Service"]
    assert service["ExecStart"] == [
        f"{INSTALLED_HOLDOFF} serve --env-file /etc/holdoff.env --config /etc/holdoff/holdoff.yaml"
    ]
    assert service["User"] == ["holdoff"]
    assert service["Group"] == ["holdoff"]
    assert service["ExecReload"] == ["/bin/kill -HUP $MAINPID"]


def test_unit_is_hardened_and_writes_only_its_data_directory() -> None:
    sections = unit_sections(UNIT.read_text())
    service = sections["Service"]
    for key, value in {
        "NoNewPrivileges": "yes",
        "ProtectSystem": "strict",
        "ProtectHome": "yes",
        "PrivateTmp": "yes",
        "PrivateDevices": "yes",
        "ReadWritePaths": "/var/lib/holdoff",
        "StateDirectory": "holdoff",
        "WorkingDirectory": "/var/lib/holdoff",
        "Environment": "HOLDOFF_SERVER__DATA_DIR=/var/lib/holdoff",
        "CapabilityBoundingSet": "",
    }.items():
        assert service.get(key) == [value], key
    assert service["Restart"] == ["on-failure"]
    assert service["RestartSec"] == ["2s"]
    assert service["RestartMaxDelaySec"] == ["60s"]
    assert sections["Unit"]["StartLimitBurst"] == ["10"]
    assert sections["Install"]["WantedBy"] == ["multi-user.target"]


def test_systemd_analyze_verifies_the_unit_and_rates_its_exposure_ok(tmp_path: Path) -> None:
    """The real systemd parser (Debian's systemd package; no running systemd needed). The binary
    path is pointed at this checkout's holdoff, since verify checks that ExecStart exists."""
    analyze = shutil.which("systemd-analyze")
    unit = tmp_path / "holdoff.service"
    unit.write_text(UNIT.read_text().replace(INSTALLED_HOLDOFF, str(Path(sys.executable).parent / "holdoff")))
    if analyze is None:  # no systemd on this machine: the parse above is all there is
        assert unit_sections(unit.read_text())["Service"]["Type"] == ["exec"]
        return
    verify = subprocess.run([analyze, "verify", str(unit)], capture_output=True, text=True, timeout=30)
    assert verify.returncode == 0, verify.stderr
    complaints = [line for line in (verify.stdout + verify.stderr).splitlines() if line.strip()]
    unknown_newer = [line for line in complaints if any(f"Unknown key '{key}'" in line for key in NEWER_KEYS)]
    assert complaints == unknown_newer, complaints
    security = subprocess.run(
        [analyze, "security", "--offline=true", "--threshold=20", str(unit)],
        capture_output=True,
        text=True,
        timeout=30,
    )
    assert security.returncode == 0, security.stdout + security.stderr
    exposure = re.search(r"Overall exposure level for holdoff\.service: ([\d.]+) (\w+)", security.stdout)
    assert exposure is not None, security.stdout
    assert float(exposure.group(1)) <= 2.0 and exposure.group(2) == "OK", exposure.group(0)


def test_env_file_loads_as_holdoff_settings() -> None:
    """The shipped env file, as it is, is a valid configuration: the POC's names make the Teams and
    email channels, and the section names land in their sections."""
    settings = load_settings(env_file=ENV_FILE)
    values = dotenv_values(ENV_FILE)
    assert settings.channel_names == {"teams", "email"}
    assert settings.server.host == "127.0.0.1"
    assert settings.resolved_public_url == "https://holdoff.example.com"
    token = settings.sources.token_for("alertmanager")
    assert token is not None and token.get_secret_value() == values["HOLDOFF_SOURCES__TOKEN"]
