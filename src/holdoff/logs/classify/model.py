"""The model: two linear models over the same features, fitted with scikit-learn, kept as numpy arrays.

- ``critical``: logistic regression, page-worthy or not, classes balanced (critical lines are a fifth
  of the corpus, and a missed page costs more than a second look); its probability is the score.
- ``severity``: one-vs-rest logistic regression over debug, info, warning, error and critical; the
  assessed severity when the record is not critical.

Both are fitted by liblinear with a seeded ``random_state``: the same rows, labels, weights and seed give
the same coefficients, bit for bit (identical rows are merged first, in a fixed order). The coefficients are
plain arrays so that they are stored without pickle (``store.py``) and applied with numpy.
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Final

import numpy as np
import numpy.typing as npt
from scipy import sparse  # type: ignore[import-untyped]
from sklearn.exceptions import ConvergenceWarning  # type: ignore[import-untyped]
from sklearn.linear_model import LogisticRegression  # type: ignore[import-untyped]

from holdoff.logs.classify.features import DIMENSION, Row, matrix
from holdoff.logs.model import LogSeverity

Floats = npt.NDArray[np.float64]

C_CRITICAL: Final = 0.3
C_SEVERITY: Final = 1.0
MAX_ITER: Final = 1000
THRESHOLD: Final = 0.5
"""Score at and above which a record is critical."""


@dataclass(frozen=True, slots=True, eq=False)
class Weights:
    """The fitted coefficients."""

    critical: Floats  # (DIMENSION,)
    critical_bias: float
    severity: Floats  # (5, DIMENSION), rows in LogSeverity order
    severity_bias: Floats  # (5,)
    threshold: float = THRESHOLD

    def same(self, other: Weights) -> bool:
        """Whether both hold exactly the same numbers."""
        return (
            self.critical_bias == other.critical_bias
            and self.threshold == other.threshold
            and np.array_equal(self.critical, other.critical)
            and np.array_equal(self.severity, other.severity)
            and np.array_equal(self.severity_bias, other.severity_bias)
        )


@dataclass(frozen=True, slots=True)
class Labelled:
    """One training row: features, what it is, and how much it counts."""

    row: Row
    severity: LogSeverity | None  # None: only known not to be critical (an operator's "noise")
    critical: bool
    weight: float = 1.0


def _merged(examples: Sequence[Labelled]) -> list[Labelled]:
    """Identical rows with identical labels as one row carrying the summed weight, in first-seen order."""
    merged: dict[tuple[Row, LogSeverity | None, bool], float] = {}
    for example in examples:
        key = (example.row, example.severity, example.critical)
        merged[key] = merged.get(key, 0.0) + example.weight
    return [Labelled(row, severity, critical, weight) for (row, severity, critical), weight in merged.items()]


def _fit(
    x: sparse.csr_matrix, y: npt.NDArray[np.int64], w: Floats, c: float, seed: int, balanced: bool
) -> LogisticRegression:
    """liblinear: one-vs-rest for several classes, seconds on the whole corpus, and with a fixed
    ``random_state`` the same coefficients every time."""
    model = LogisticRegression(
        C=c,
        max_iter=MAX_ITER,
        solver="liblinear",
        random_state=seed,
        class_weight="balanced" if balanced else None,
    )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        model.fit(x, y, sample_weight=w)
    return model


def fit(examples: Sequence[Labelled], *, seed: int) -> Weights:
    """Fit both models on ``examples`` (which must hold critical and non-critical rows)."""
    rows = _merged(examples)
    full = matrix([r.row for r in rows])
    used = np.unique(full.indices)  # columns no row has get no weight: fit on the others only
    x = full[:, used]
    y_critical = np.asarray([r.critical for r in rows], dtype=np.int64)
    w = np.asarray([r.weight for r in rows], dtype=np.float64)
    if y_critical.min() == y_critical.max():
        raise ValueError("training needs both critical and non-critical examples")
    critical = _fit(x, y_critical, w, C_CRITICAL, seed, balanced=True)

    graded = [i for i, r in enumerate(rows) if r.severity is not None]
    y_severity = np.asarray([int(rows[i].severity or 0) for i in graded], dtype=np.int64)
    x_graded, w_graded = x[graded], w[graded]
    coef = np.zeros((len(LogSeverity), len(used)), dtype=np.float64)
    bias = np.full(len(LogSeverity), -1e3, dtype=np.float64)  # a class never seen is never chosen
    for label in sorted(set(y_severity.tolist())):
        one = (y_severity == label).astype(np.int64)
        if one.min() == one.max():  # the only class there is
            bias[label] = 0.0
            continue
        model = _fit(x_graded, one, w_graded, C_SEVERITY, seed, balanced=False)
        coef[label], bias[label] = model.coef_[0], model.intercept_[0]
    critical_coef = np.zeros(DIMENSION, dtype=np.float64)
    critical_coef[used] = critical.coef_[0]
    severity_coef = np.zeros((len(LogSeverity), DIMENSION), dtype=np.float64)
    severity_coef[:, used] = coef
    return Weights(
        critical=critical_coef,
        critical_bias=float(critical.intercept_[0]),
        severity=severity_coef,
        severity_bias=bias,
    )


def logit(weights: Weights, row: Row) -> tuple[float, Floats]:
    """The critical log-odds of ``row`` and each of its hashed features' share of it."""
    columns = np.fromiter(row.columns, dtype=np.int64, count=len(row.columns))
    shares = weights.critical[columns] * row.value
    total = weights.critical_bias + float(shares.sum()) + float(weights.critical[row.level_column])
    return total, shares


def severity_scores(weights: Weights, row: Row) -> Floats:
    """The severity model's score for each severity (higher is likelier)."""
    columns = np.fromiter(row.columns, dtype=np.int64, count=len(row.columns))
    hashed = weights.severity[:, columns].sum(axis=1) * row.value if len(columns) else 0.0
    scores: Floats = weights.severity_bias + hashed + weights.severity[:, row.level_column]
    return scores
