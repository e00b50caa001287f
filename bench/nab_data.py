"""Reading the NAB corpus beside the repository: data files, label windows, profiles, published results.

The layout is NAB's own: ``data/<category>/<file>.csv`` (``timestamp,value``),
``labels/combined_windows.json`` (per file, its windows as ``[first, last]`` timestamps),
``config/profiles.json`` (the cost matrices), ``results/<detector>/<category>/<detector>_<file>.csv``
(a detector's per-row ``anomaly_score``) and ``results/final_results.json`` (the published scores).
"""

from __future__ import annotations

import csv
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Final

import numpy as np

from bench.nab_score import PROFILES, CostMatrix, ScoredFile, prepare

NAB_DIR: Final = Path(__file__).resolve().parents[1].parent / "shared" / "bench-data" / "nab"


@dataclass(frozen=True)
class DataFile:
    """One series of the corpus and its windows, ready for scoring."""

    name: str
    """``<category>/<file>.csv``, as the labels name it."""
    times: list[float]
    """Epoch seconds (the timestamps are UTC-less; read as UTC)."""
    values: list[float]
    scored: ScoredFile


def _epochs(stamps: list[str]) -> list[float]:
    parsed = np.array([stamp.replace(" ", "T") for stamp in stamps], dtype="datetime64[us]")
    return [float(t) / 1e6 for t in parsed.astype("int64")]


def missing(root: Path = NAB_DIR) -> str | None:
    """What is absent for the benchmark to run (``None`` when the corpus is there)."""
    for needed in (root / "labels" / "combined_windows.json", root / "data"):
        if not needed.exists():
            return str(needed)
    return None


def load_corpus(root: Path = NAB_DIR) -> list[DataFile]:
    """Every labelled file of the corpus, in the labels' order of names (sorted)."""
    labels: dict[str, list[list[str]]] = json.loads((root / "labels" / "combined_windows.json").read_text())
    files: list[DataFile] = []
    for name in sorted(labels):
        with (root / "data" / name).open(newline="", encoding="utf-8") as handle:
            rows = list(csv.DictReader(handle))
        times = _epochs([row["timestamp"] for row in rows])
        index = {t: i for i, t in enumerate(times)}
        windows: list[tuple[int, int]] = []
        for first, last in labels[name]:
            start, end = _epochs([first, last])
            if start not in index or end not in index:
                raise ValueError(
                    f"{name}: window {first} .. {last} does not start and end on rows of the file"
                )
            windows.append((index[start], index[end]))
        files.append(
            DataFile(name, times, [float(row["value"]) for row in rows], prepare(name, len(rows), windows))
        )
    return files


def profiles(root: Path = NAB_DIR) -> dict[str, CostMatrix]:
    """The corpus' ``config/profiles.json``, or NAB's three profiles when it is absent."""
    path = root / "config" / "profiles.json"
    if not path.is_file():
        return dict(PROFILES)
    raw = json.loads(path.read_text())
    return {
        name: CostMatrix(
            tp=entry["CostMatrix"]["tpWeight"],
            fp=entry["CostMatrix"]["fpWeight"],
            fn=entry["CostMatrix"]["fnWeight"],
        )
        for name, entry in raw.items()
    }


def reference_detectors(root: Path = NAB_DIR) -> list[str]:
    """Detectors whose per-row results are in the corpus (``results/<detector>/``)."""
    results = root / "results"
    if not results.is_dir():
        return []
    return sorted(path.name for path in results.iterdir() if path.is_dir())


def reference_scores(detector: str, files: list[DataFile], root: Path = NAB_DIR) -> list[list[float]]:
    """A reference detector's per-row anomaly scores, file by file (in ``files``' order)."""
    result: list[list[float]] = []
    for file in files:
        category, base = file.name.split("/")
        path = root / "results" / detector / category / f"{detector}_{base}"
        with path.open(newline="", encoding="utf-8") as handle:
            scores = [float(row["anomaly_score"]) for row in csv.DictReader(handle)]
        if len(scores) != len(file.times):
            raise ValueError(f"{path}: {len(scores)} rows, the data file has {len(file.times)}")
        result.append(scores)
    return result


def published(root: Path = NAB_DIR) -> dict[str, dict[str, float]]:
    """``results/final_results.json``: the published normalised scores per detector and profile."""
    path = root / "results" / "final_results.json"
    if not path.is_file():
        return {}
    raw: dict[str, dict[str, float]] = json.loads(path.read_text())
    return raw
