"""Isolation Forest models on disk, one directory per entry and series, versioned.

``<data_dir>/models/metrics/<entry>/<series_id>/`` holds ``v0001.npz`` (the forest's arrays, written with
``numpy.savez`` and read with ``allow_pickle=False``: loading a model never runs code), ``v0001.json``
(version, training range, sample count, seed, features, library versions) and ``CURRENT`` (the version
in use). Files are written to a temporary name and renamed, so a reader never sees half a model. The
last :data:`KEEP` versions are kept.
"""

from __future__ import annotations

import json
import math
import os
import time
from collections.abc import Callable, Iterator
from dataclasses import asdict, dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

import numpy as np

from holdoff.detectors.iforest_model import Forest

KEEP = 3


@dataclass(frozen=True)
class ModelInfo:
    entry: str
    series_id: str
    version: int
    created: str
    trained_from: str
    trained_to: str
    samples: int
    seed: int
    features: list[str] = field(default_factory=list)
    libraries: dict[str, str] = field(default_factory=dict)

    @property
    def trained_to_epoch(self) -> float:
        return datetime.fromisoformat(self.trained_to).timestamp()


def _write(path: Path, write: Callable[[Path], None]) -> None:
    temporary = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    write(temporary)
    os.replace(temporary, path)


def _text(path: Path, text: str) -> None:
    path.write_text(text, encoding="utf-8")


class ModelStore:
    def __init__(self, root: Path) -> None:
        self.root = root
        self.saves = 0
        """Models saved through this store (caches of this process look again when it changes)."""

    def folder(self, entry: str, series_id: str) -> Path:
        return self.root / entry / series_id

    def current(self, entry: str, series_id: str) -> int | None:
        try:
            return int((self.folder(entry, series_id) / "CURRENT").read_text().strip())
        except (FileNotFoundError, ValueError):
            return None

    def save(self, forest: Forest, info: ModelInfo) -> ModelInfo:
        """Write ``forest`` as the next version of its entry and series and make it current."""
        folder = self.folder(info.entry, info.series_id)
        folder.mkdir(parents=True, exist_ok=True)
        version = (self.current(info.entry, info.series_id) or 0) + 1
        info = ModelInfo(**{**asdict(info), "version": version})
        stem = f"v{version:04d}"

        def arrays(path: Path) -> None:
            with path.open("wb") as handle:
                np.savez(handle, **forest.arrays())

        _write(folder / f"{stem}.npz", arrays)
        _write(folder / f"{stem}.json", lambda p: _text(p, json.dumps(asdict(info), indent=1)))
        _write(folder / "CURRENT", lambda p: _text(p, f"{version}\n"))
        self.saves += 1
        for old in sorted(folder.glob("v*.npz"))[:-KEEP]:
            old.unlink(missing_ok=True)
            old.with_suffix(".json").unlink(missing_ok=True)
        return info

    def info(self, entry: str, series_id: str, version: int | None = None) -> ModelInfo | None:
        version = version if version is not None else self.current(entry, series_id)
        if version is None:
            return None
        try:
            raw = json.loads((self.folder(entry, series_id) / f"v{version:04d}.json").read_text())
        except (FileNotFoundError, ValueError):
            return None
        return ModelInfo(**raw)

    def load(self, entry: str, series_id: str) -> tuple[Forest, ModelInfo] | None:
        info = self.info(entry, series_id)
        if info is None:
            return None
        path = self.folder(entry, series_id) / f"v{info.version:04d}.npz"
        try:
            with np.load(path, allow_pickle=False) as data:
                return Forest.from_arrays(data), info
        except (FileNotFoundError, ValueError, KeyError):
            return None

    def all(self) -> Iterator[ModelInfo]:
        """The current model of every entry and series."""
        if not self.root.is_dir():
            return
        for current in sorted(self.root.glob("*/*/CURRENT")):
            info = self.info(current.parent.parent.name, current.parent.name)
            if info is not None:
                yield info


class ModelCache:
    """The current model of each series of one entry, read from disk at first use and looked at again
    (a tiny ``CURRENT`` read) at most every ``refresh_seconds``, so a retrain in another process is
    picked up; at once after a model was saved through the same store (this process)."""

    def __init__(self, store: ModelStore, entry: str, refresh_seconds: float = 60.0) -> None:
        self.store = store
        self.entry = entry
        self.refresh = refresh_seconds
        self._models: dict[str, tuple[float, int | None, tuple[Forest, ModelInfo] | None]] = {}
        self._saves = store.saves

    def __call__(self, series_id: str) -> tuple[Forest, ModelInfo] | None:
        now = time.monotonic()
        if self.store.saves != self._saves:
            self._saves = self.store.saves
            self._models = {
                key: (-math.inf, version, model) for key, (_, version, model) in self._models.items()
            }
        cached = self._models.get(series_id)
        if cached is not None and now - cached[0] < self.refresh:
            return cached[2]
        version = self.store.current(self.entry, series_id)
        if cached is not None and cached[1] == version:
            self._models[series_id] = (now, version, cached[2])
            return cached[2]
        loaded = self.store.load(self.entry, series_id) if version is not None else None
        self._models[series_id] = (now, version, loaded)
        return loaded


def library_versions() -> dict[str, Any]:
    import sklearn  # type: ignore[import-untyped]

    return {"numpy": np.__version__, "scikit-learn": sklearn.__version__}
