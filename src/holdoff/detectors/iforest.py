"""The Isolation Forest detector: scikit-learn's IsolationForest trained per series on a window of its
history (default 14 days, as the AWS agent seed does), scored point by point.

Training is a separate step (``holdoff train metrics``, and the server's retrain loop every
``retrain_every``): :func:`fit` turns a series' stored points into feature rows
(:mod:`holdoff.detectors.iforest_features`) and a :class:`~holdoff.detectors.iforest_model.Forest`, kept
on disk by :mod:`holdoff.detectors.iforest_store`. Scoring reads the series' current model through the
injected ``models`` lookup; the state keeps only the last points the features need.

Learning state: **warming up** until a model exists for the series (missing: ``min_history`` less the
time the detector has seen it); **low confidence** when the model is older than three retrain periods
(the series may have moved on), or was trained on fewer than ``min_points`` points; ready otherwise.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any, Literal

import numpy as np
from pydantic import BaseModel, ConfigDict, Field

from holdoff.detectors.durations import Duration, shown
from holdoff.detectors.iforest_features import LONG, NAMES, columns_for, features, rows
from holdoff.detectors.iforest_model import EDGE_QUANTILE, Forest, mapped, train
from holdoff.detectors.iforest_store import ModelInfo, library_versions
from holdoff.detectors.model import READY, Learning, Phase, Scored

ModelSource = Callable[[str], tuple[Forest, ModelInfo] | None]
"""The current model of a series, by series id (None: none trained yet)."""


class IsolationForestConfig(BaseModel):
    """``{type: isolation_forest, history: 14d, retrain_every: 24h}``."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    type: Literal["isolation_forest"] = "isolation_forest"
    name: str = Field(default="isolation_forest", min_length=1, max_length=40, pattern=r"^[a-zA-Z0-9_.-]+$")
    history: Duration = Field(default=timedelta(days=14), description="The window a model is trained on.")
    min_history: Duration = Field(
        default=timedelta(days=1), description="Less history than this: no model (warming up)."
    )
    min_points: int = Field(default=500, ge=50, description="Fewer training points: low confidence.")
    retrain_every: Duration = Field(
        default=timedelta(hours=24), description="How often models are retrained."
    )
    trees: int = Field(default=100, ge=10, le=1000)
    max_samples: int = Field(default=256, ge=16, le=100_000)
    seed: int = Field(
        default=13, description="random_state of training: the same data and seed, the same model."
    )

    def build(self, models: ModelSource | None = None) -> IsolationForestDetector:
        return IsolationForestDetector(self, models)


@dataclass
class _State:
    series: str = ""
    first: float | None = None
    recent: list[float] = field(default_factory=list)


class IsolationForestDetector:
    def __init__(self, config: IsolationForestConfig, models: ModelSource | None) -> None:
        self.name = config.name
        self.config = config
        self.models = models

    def new_state(self) -> _State:
        return _State()

    def attach(self, state: _State, series_id: str) -> None:
        state.series = series_id

    def score(self, state: _State, t: float, value: float) -> Scored:
        if state.first is None:
            state.first = t
        row = features(t, value, state.recent)
        state.recent.append(value)
        if len(state.recent) > LONG:
            del state.recent[: len(state.recent) - LONG]
        found = self.models(state.series) if self.models is not None and state.series else None
        if found is None:
            missing = max(0.0, self.config.min_history.total_seconds() - (t - state.first))
            note = "no model trained for this series yet"
            return Scored(t, value, 0.0, Learning(Phase.WARMING_UP, missing, note))
        forest, info = found
        score = mapped(forest.raw_score(np.array(row)), forest.median, forest.edge, forest.top)
        learning = self._learning(t, info)
        reason = ""
        if score >= 0.5:
            reason = f"value {value:g} more isolated than {100 * EDGE_QUANTILE:.1f}% of its training history"
        return Scored(t, value, score, learning, reason)

    def _learning(self, t: float, info: ModelInfo) -> Learning:
        age = t - info.trained_to_epoch
        if age > 3 * self.config.retrain_every.total_seconds():
            return Learning(Phase.LOW_CONFIDENCE, 0.0, f"model v{info.version} is {shown(age)} old")
        if info.samples < self.config.min_points:
            return Learning(Phase.LOW_CONFIDENCE, 0.0, f"model trained on {info.samples} points only")
        return READY

    def dump(self, state: _State) -> dict[str, Any]:
        return {"series": state.series, "first": state.first, "recent": state.recent}

    def load(self, raw: dict[str, Any]) -> _State:
        first = raw.get("first")
        return _State(
            series=str(raw.get("series") or ""),
            first=float(first) if isinstance(first, int | float) else None,
            recent=[float(v) for v in raw.get("recent") or []][-LONG:],
        )


class NotEnoughHistory(ValueError):
    """A series with less history than ``min_history``: no model is trained."""


def fit(
    config: IsolationForestConfig,
    entry: str,
    series_id: str,
    points: Sequence[tuple[float, float]],
    now: datetime,
) -> tuple[Forest, ModelInfo]:
    """Train a series' model on its points (time-ordered epoch seconds and values)."""
    if not points or points[-1][0] - points[0][0] < config.min_history.total_seconds():
        have = points[-1][0] - points[0][0] if points else 0.0
        raise NotEnoughHistory(
            f"{series_id}: {shown(have)} of history, {shown(config.min_history.total_seconds() - have)} short"
        )
    matrix = np.array(rows(points), dtype=np.float64)
    columns = columns_for(points[-1][0] - points[0][0])
    forest = train(
        matrix, trees=config.trees, max_samples=config.max_samples, seed=config.seed, columns=columns
    )
    info = ModelInfo(
        entry=entry,
        series_id=series_id,
        version=0,
        created=now.isoformat(),
        trained_from=datetime.fromtimestamp(points[0][0], UTC).isoformat(),
        trained_to=datetime.fromtimestamp(points[-1][0], UTC).isoformat(),
        samples=len(points),
        seed=config.seed,
        features=[NAMES[i] for i in columns],
        libraries=library_versions(),
    )
    return forest, info
