"""Model versions on disk, without pickle: coefficients in ``.npz`` (numpy arrays only), metadata in JSON.

``<model_dir>/`` (the service uses ``<data_dir>/models/logs/``)::

    CURRENT                      the version in use (one line)
    v0003-1a2b3c4d/weights.npz   critical, critical_bias, severity, severity_bias, threshold
    v0003-1a2b3c4d/info.json     ModelInfo: created, seed, corpus, feedback, metrics, libraries, previous

A version's name is its number and the start of the SHA-256 of its coefficients, so two trainings that
gave the same numbers show it. A version is written whole in a temporary folder and renamed into place,
and ``CURRENT`` is replaced by rename: a crash leaves the previous model in use. The last ``KEEP``
versions are kept, and always the one in use and the one before it (for rollback).
"""

from __future__ import annotations

import hashlib
import os
import re
import shutil
import tempfile
from datetime import datetime
from pathlib import Path
from typing import Final

import numpy as np
from pydantic import BaseModel, ConfigDict, Field

from holdoff.logs.classify.features import DIMENSION
from holdoff.logs.classify.model import Weights

KEEP: Final = 5
CURRENT: Final = "CURRENT"
_VERSION: Final = re.compile(r"^v(\d{4,})-[0-9a-f]{8}$")


class NoModel(LookupError):
    """There is no model version to use (or to roll back to)."""


class CorpusInfo(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    seed: int
    lines: int
    templates: int
    per_template: int


class FeedbackInfo(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    count: int = 0
    critical: int = 0
    noise: int = 0
    first: datetime | None = None
    last: datetime | None = None


class ModelInfo(BaseModel):
    """What a model version is: where it came from and how good it was on data it did not train on."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    version: str = ""
    created: datetime
    seed: int
    corpus: CorpusInfo
    feedback: FeedbackInfo = FeedbackInfo()
    metrics: dict[str, float] = Field(
        default_factory=dict, description="On the corpus templates held out of a fit with the same settings."
    )
    libraries: dict[str, str] = Field(default_factory=dict)
    features: dict[str, int] = Field(default_factory=dict)
    previous: str | None = None


def digest(weights: Weights) -> str:
    """SHA-256 of the coefficients (hex)."""
    hashed = hashlib.sha256()
    for array in (weights.critical, weights.severity, weights.severity_bias):
        hashed.update(np.ascontiguousarray(array, dtype=np.float64).tobytes())
    hashed.update(np.asarray([weights.critical_bias, weights.threshold], dtype=np.float64).tobytes())
    return hashed.hexdigest()


def versions(model_dir: Path) -> list[str]:
    """The versions stored, oldest first."""
    if not model_dir.is_dir():
        return []
    found = [p.name for p in model_dir.iterdir() if p.is_dir() and _VERSION.match(p.name)]
    return sorted(found, key=lambda name: int(name[1:].split("-")[0]))


def current(model_dir: Path) -> str | None:
    """The version in use, if any."""
    try:
        name = (model_dir / CURRENT).read_text(encoding="utf-8").strip()
    except FileNotFoundError:
        return None
    return name if _VERSION.match(name) and (model_dir / name).is_dir() else None


def _set_current(model_dir: Path, version: str) -> None:
    handle, temporary = tempfile.mkstemp(dir=model_dir, prefix=".current-")
    with os.fdopen(handle, "w", encoding="utf-8") as out:
        out.write(version + "\n")
        out.flush()
        os.fsync(out.fileno())
    os.replace(temporary, model_dir / CURRENT)


def save(model_dir: Path, weights: Weights, info: ModelInfo) -> ModelInfo:
    """Store ``weights`` as a new version after the current one and make it current; its info is
    returned with its version and previous version filled in."""
    model_dir.mkdir(parents=True, exist_ok=True)
    known = versions(model_dir)
    number = int(known[-1][1:].split("-")[0]) + 1 if known else 1
    version = f"v{number:04d}-{digest(weights)[:8]}"
    info = info.model_copy(update={"version": version, "previous": current(model_dir)})
    staging = Path(tempfile.mkdtemp(dir=model_dir, prefix=".staging-"))
    try:
        with (staging / "weights.npz").open("wb") as out:
            np.savez_compressed(
                out,
                critical=weights.critical,
                critical_bias=np.asarray([weights.critical_bias]),
                severity=weights.severity,
                severity_bias=weights.severity_bias,
                threshold=np.asarray([weights.threshold]),
            )
        (staging / "info.json").write_text(info.model_dump_json(indent=2) + "\n", encoding="utf-8")
        os.replace(staging, model_dir / version)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    _set_current(model_dir, version)
    _prune(model_dir, keep={version, info.previous})
    return info


def read(model_dir: Path, version: str) -> tuple[Weights, ModelInfo]:
    """The weights and info of ``version``."""
    folder = model_dir / version
    try:
        info = ModelInfo.model_validate_json((folder / "info.json").read_text(encoding="utf-8"))
        with np.load(folder / "weights.npz", allow_pickle=False) as data:
            weights = Weights(
                critical=np.array(data["critical"], dtype=np.float64),
                critical_bias=float(data["critical_bias"][0]),
                severity=np.array(data["severity"], dtype=np.float64),
                severity_bias=np.array(data["severity_bias"], dtype=np.float64),
                threshold=float(data["threshold"][0]),
            )
    except FileNotFoundError as error:
        raise NoModel(f"model version {version} is incomplete in {model_dir}") from error
    if weights.critical.shape != (DIMENSION,) or weights.severity.shape[1] != DIMENSION:
        raise NoModel(
            f"model version {version} was made for other features (dimension {weights.critical.shape})"
        )
    return weights, info


def read_current(model_dir: Path) -> tuple[Weights, ModelInfo]:
    """The weights and info of the version in use; :class:`NoModel` if there is none."""
    version = current(model_dir)
    if version is None:
        raise NoModel(f"no model in {model_dir}")
    return read(model_dir, version)


def rollback(model_dir: Path) -> ModelInfo:
    """Make the version before the current one current again, and return its info."""
    version = current(model_dir)
    if version is None:
        raise NoModel(f"no model in {model_dir}")
    _, info = read(model_dir, version)
    if info.previous is None or not (model_dir / info.previous).is_dir():
        raise NoModel(f"model {version} has no previous version to roll back to")
    _, previous = read(model_dir, info.previous)
    _set_current(model_dir, info.previous)
    return previous


def _prune(model_dir: Path, keep: set[str | None]) -> None:
    known = versions(model_dir)
    for name in known[: max(0, len(known) - KEEP)]:
        if name not in keep:
            shutil.rmtree(model_dir / name, ignore_errors=True)
