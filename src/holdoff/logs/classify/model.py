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
from typing import Any, Final

import numpy as np
import numpy.typing as npt
from scipy import optimize, sparse  # type: ignore[import-untyped]

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
) -> Any:
    """liblinear: one-vs-rest for several classes, seconds on the whole corpus, and with a fixed
    ``random_state`` the same coefficients every time. scikit-learn is imported here, not with the
    module: judging needs only the weights, and a server starts a second faster without it."""
    from sklearn.exceptions import ConvergenceWarning  # type: ignore[import-untyped]
    from sklearn.linear_model import LogisticRegression  # type: ignore[import-untyped]

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


CONTENT: Final = ("words:", "shape:leader", "shape:label-value", "shape:pairs")
"""What an operator's mark may teach about other lines: what a message says (its word pairs, whether it
is a dump), not where it came from or how it was declared (prefix, program, level, length), which the
lines of one system share whatever they are. Single words are left out too: a noise mark on one
"... interrupt ..." line of a system moved ``interrupt`` and silenced that system's critical
"... TLB error interrupt" (BGL, F1 on the unmarked templates 0.80 -> 0.53); pairs are specific enough
that marks reach the lines that say the same thing ("error loading", "program image") and not others."""
ADJUST_L2: Final = 1.0


def content(name: str) -> bool:
    """Whether feature ``name`` is one a mark may move (see ``CONTENT``)."""
    return name.startswith(CONTENT)


def evidence(weights: Weights, examples: Sequence[Labelled]) -> Floats:
    """How much the training rows pinned each column's weight: the diagonal of the logistic loss's
    curvature at ``weights`` (sum over rows of weight * p(1-p) * value^2), the precision of a Laplace
    approximation around the fit. A word the corpus has in hundreds of lines of both kinds is known;
    a word it never had is not."""
    rows = _merged(examples)
    x = matrix([r.row for r in rows])
    z = x @ weights.critical + weights.critical_bias
    p = 1.0 / (1.0 + np.exp(-z))
    w = np.asarray([r.weight for r in rows], dtype=np.float64)
    found: Floats = np.asarray(x.multiply(x).T @ (w * p * (1.0 - p)), dtype=np.float64).ravel()
    return found


def adjust(
    weights: Weights, marks: Sequence[Labelled], *, l2: float = ADJUST_L2, known: Floats | None = None
) -> Weights:
    """``weights`` moved to agree with an operator's ``marks``: the marks are fitted with ``weights`` as
    the starting point (each mark's current log-odds is its offset) and an L2 penalty on the change,
    which only the content features of the marked lines (``CONTENT``) may carry. A mark the model
    already agrees with moves little; a mark it contradicts moves the words of its line, so lines that
    say the same thing (the same word pairs) follow, and what a system prints on every line does not move. With ``known``
    (:func:`evidence` of the corpus fit) a column's penalty is ``l2`` plus its evidence: the corpus's
    common words (``error``, ``failed``, ``data``) barely move, the system's own words move freely, so
    a noise mark on one "... interrupt ..." line does not silence every other. Deterministic (L-BFGS
    from zero)."""
    rows = _merged(marks)
    if not rows:
        return weights
    columns = sorted({c for r in rows for c, n in zip(r.row.columns, r.row.names, strict=True) if content(n)})
    if not columns:
        return weights
    index = {c: i for i, c in enumerate(columns)}
    indptr, indices, data = [0], [], []
    for r in rows:
        for c, n in zip(r.row.columns, r.row.names, strict=True):
            if content(n):
                indices.append(index[c])
                data.append(r.row.value)
        indptr.append(len(indices))
    x = sparse.csr_matrix(
        (np.asarray(data, dtype=np.float64), np.asarray(indices, dtype=np.int64), np.asarray(indptr)),
        shape=(len(rows), len(columns)),
    )
    penalty = np.full(len(columns), l2, dtype=np.float64)
    if known is not None:
        penalty += known[np.asarray(columns, dtype=np.int64)]
    offset = np.asarray([logit(weights, r.row)[0] for r in rows], dtype=np.float64)
    sign = np.asarray([1.0 if r.critical else -1.0 for r in rows], dtype=np.float64)
    w = np.asarray([r.weight for r in rows], dtype=np.float64)

    def loss(delta: Floats) -> tuple[float, Floats]:
        margin = sign * (offset + x @ delta)
        value = float(np.sum(w * np.logaddexp(0.0, -margin))) + 0.5 * float(penalty @ (delta * delta))
        pull = -w * sign * np.exp(-np.logaddexp(0.0, margin))  # d loss / d logit
        gradient: Floats = x.T @ pull + penalty * delta
        return value, gradient

    found = optimize.minimize(
        loss, np.zeros(len(columns)), jac=True, method="L-BFGS-B", options={"maxiter": 500}
    )
    critical = weights.critical.copy()
    critical[np.asarray(columns, dtype=np.int64)] += found.x
    return Weights(
        critical=critical,
        critical_bias=weights.critical_bias,
        severity=weights.severity,
        severity_bias=weights.severity_bias,
        threshold=weights.threshold,
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
