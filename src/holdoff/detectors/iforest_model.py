"""An Isolation Forest as plain arrays: trained with scikit-learn, kept and scored without it.

:func:`train` fits scikit-learn's ``IsolationForest`` on feature rows and copies out what scoring needs:
each tree's children, split features, thresholds and node sizes. :class:`Forest` scores a row from
those arrays exactly as ``IsolationForest.score_samples`` does (the same average path length, the same
float32 comparison; a test holds them equal), so a model is saved with ``numpy.savez`` (no pickle:
loading a model file can never run code) and scoring one point costs no scikit-learn call overhead.

The raw score ``s = 2 ** (-mean path length / c(max_samples))`` is in (0, 1]; isolated points are near 1,
ordinary ones near 0.5 or below; in practice the scores are compressed (a point far outside everything
seen gets little more than the most isolated training point). So it is mapped to Holdoff's [0, 1] with
the training rows' own scores: their ``median`` maps to 0, their 99.5th percentile (``edge``) to 0.5,
their maximum to 0.75 and ``top`` (the maximum plus its distance from the edge) to 1, linearly between,
clipped. So 0.5 (the default threshold) means "more isolated than 99.5% of the history it was trained
on", and a point more isolated than any of it scores above 0.75.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt

EDGE_QUANTILE = 0.995
_EULER = 0.5772156649015329

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]


def average_path_length(n: float) -> float:
    """c(n): the average path length of an unsuccessful search in a binary search tree of n points."""
    if n <= 1:
        return 0.0
    if n <= 2:
        return 1.0
    return 2.0 * (math.log(n - 1.0) + _EULER) - 2.0 * (n - 1.0) / n


@dataclass(frozen=True)
class Forest:
    """The trees, concatenated: tree ``i`` is nodes ``starts[i]`` to ``starts[i+1]``; child indices are
    relative to the tree's start (-1: leaf)."""

    left: IntArray
    right: IntArray
    feature: IntArray
    threshold: FloatArray
    size: IntArray
    """Training points that reached each node."""
    starts: IntArray
    max_samples: int
    median: float
    edge: float
    top: float
    columns: IntArray
    """The feature columns the forest was trained on (of the full feature row)."""

    def __post_init__(self) -> None:
        # Per node, c(size) for leaves: the depth a leaf adds for the points it did not separate.
        extra = np.array([average_path_length(float(n)) for n in self.size], dtype=np.float64)
        object.__setattr__(self, "_extra", extra.tolist())
        object.__setattr__(
            self,
            "_lists",
            (self.left.tolist(), self.right.tolist(), self.feature.tolist(), self.threshold.tolist()),
        )

    @property
    def trees(self) -> int:
        return len(self.starts) - 1

    def raw_score(self, row: FloatArray) -> float:
        """``-IsolationForest.score_samples`` for one row."""
        x = np.asarray(row, dtype=np.float32)[self.columns].astype(np.float64).tolist()
        left, right, feature, threshold = self._lists  # type: ignore[attr-defined]
        extra: list[float] = self._extra  # type: ignore[attr-defined]
        total = 0.0
        starts = self.starts.tolist()
        for index in range(len(starts) - 1):
            base = starts[index]
            node, depth = 0, 0
            while left[base + node] != -1:
                at = base + node
                node = left[at] if x[feature[at]] <= threshold[at] else right[at]
                depth += 1
            total += depth + extra[base + node]
        return float(2.0 ** (-total / (self.trees * average_path_length(self.max_samples))))

    def score(self, row: FloatArray) -> float:
        """The raw score mapped to [0, 1] (see the module docs)."""
        return mapped(self.raw_score(row), self.median, self.edge, self.top)

    def arrays(self) -> dict[str, Any]:
        return {
            "left": self.left,
            "right": self.right,
            "feature": self.feature,
            "threshold": self.threshold,
            "size": self.size,
            "starts": self.starts,
            "columns": self.columns,
            "scalars": np.array([self.max_samples, self.median, self.edge, self.top], dtype=np.float64),
        }

    @classmethod
    def from_arrays(cls, data: Any) -> Forest:
        scalars = data["scalars"]
        return cls(
            left=np.asarray(data["left"], dtype=np.int64),
            right=np.asarray(data["right"], dtype=np.int64),
            feature=np.asarray(data["feature"], dtype=np.int64),
            threshold=np.asarray(data["threshold"], dtype=np.float64),
            size=np.asarray(data["size"], dtype=np.int64),
            starts=np.asarray(data["starts"], dtype=np.int64),
            max_samples=int(scalars[0]),
            median=float(scalars[1]),
            edge=float(scalars[2]),
            top=float(scalars[3]),
            columns=np.asarray(data["columns"], dtype=np.int64),
        )


def mapped(raw: float, median: float, edge: float, top: float) -> float:
    """``median`` -> 0, ``edge`` -> 0.5, ``top`` -> 1, linear between, clipped to [0, 1]."""
    if raw <= edge:
        span = max(edge - median, 1e-9)
        return max(0.0, 0.5 * (raw - median) / span)
    return min(1.0, 0.5 + 0.5 * (raw - edge) / max(top - edge, 1e-9))


def train(
    rows: FloatArray, *, trees: int, max_samples: int, seed: int, columns: list[int] | None = None
) -> Forest:
    """Fit scikit-learn's IsolationForest on ``rows`` (their ``columns``; default all) and keep its trees
    as arrays."""
    chosen = np.array(columns if columns is not None else range(rows.shape[1]), dtype=np.int64)
    rows = rows[:, chosen]
    from sklearn.ensemble import IsolationForest  # type: ignore[import-untyped]

    model = IsolationForest(
        n_estimators=trees, max_samples=min(max_samples, len(rows)), random_state=seed
    ).fit(rows)
    raw = -model.score_samples(rows)
    parts: dict[str, list[Any]] = {"left": [], "right": [], "feature": [], "threshold": [], "size": []}
    starts = [0]
    for estimator in model.estimators_:
        tree = estimator.tree_
        parts["left"].append(tree.children_left)
        parts["right"].append(tree.children_right)
        parts["feature"].append(tree.feature)
        parts["threshold"].append(tree.threshold)
        parts["size"].append(tree.n_node_samples)
        starts.append(starts[-1] + tree.node_count)
    return Forest(
        left=np.concatenate(parts["left"]).astype(np.int64),
        right=np.concatenate(parts["right"]).astype(np.int64),
        feature=np.concatenate(parts["feature"]).astype(np.int64),
        threshold=np.concatenate(parts["threshold"]).astype(np.float64),
        size=np.concatenate(parts["size"]).astype(np.int64),
        starts=np.array(starts, dtype=np.int64),
        max_samples=int(model.max_samples_),
        median=float(np.median(raw)),
        edge=(edge := float(np.quantile(raw, EDGE_QUANTILE))),
        top=float(raw.max()) * 2 - edge,
        columns=chosen,
    )
