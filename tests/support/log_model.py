"""A log classifier model trained once per test session (about 15 s of one core), shared by every test.

``log_model_dir`` is the directory, trained at first use. Tests that post logs pass it as
``logs.classifier.model_dir`` (or ``HOLDOFF_LOGS__CLASSIFIER__MODEL_DIR`` to a server process). So that no
test trains a model of its own into a data directory, the autouse fixture below makes the default model
directory (``logs.classifier.model_dir`` unset) of in-process runtimes this one as well.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

from holdoff.logs import training
from holdoff.logs.classify import store
from holdoff.logs.config import LogsSection

_lock = threading.Lock()


def _trained(directory: Path) -> Path:
    with _lock:
        if store.current(directory) is None:
            now = datetime(2026, 1, 1, tzinfo=UTC)
            training.train(directory, seed=training.DEFAULT_SEED, now=now, check=False)
    return directory


@pytest.fixture(scope="session")
def _log_model_root(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("log-model")


@pytest.fixture(scope="session")
def log_model_dir(_log_model_root: Path) -> Path:
    return _trained(_log_model_root)


@pytest.fixture(autouse=True)
def _shared_default_model_dir(_log_model_root: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    def model_dir(self: LogsSection, data_dir: Path) -> Path:
        return self.classifier.model_dir or _trained(_log_model_root)

    monkeypatch.setattr(LogsSection, "model_dir", model_dir)
    yield
