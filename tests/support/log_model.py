"""A log classifier model trained once per test session (about 15 s), for tests that post logs: pass
``logs={"classifier": {"model_dir": str(log_model_dir)}}`` (or ``HOLDOFF_LOGS__CLASSIFIER__MODEL_DIR``
to a server process) so no test trains its own into a data directory."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from holdoff.logs import training


@pytest.fixture(scope="session")
def log_model_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    directory = tmp_path_factory.mktemp("log-model")
    training.train(directory, seed=training.DEFAULT_SEED, now=datetime(2026, 1, 1, tzinfo=UTC), check=False)
    return directory
