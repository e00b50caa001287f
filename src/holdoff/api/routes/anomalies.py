"""What the Anomalies page reads: each scored series with its learning state and last score.

- ``GET /anomalies/series``: one row per detector entry and series (the entry that scores it), the
  highest last score first: learning phase (``warming_up``, ``ready``, ``low_confidence``), the history
  still missing while warming up, the note, the last value, score and time, and since when an alert is
  open. Filters: metric name, phase, entry, a text search and a minimum score.

Reading needs the viewer role.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Query
from fastapi.concurrency import run_in_threadpool
from pydantic import BaseModel, ConfigDict, Field

from holdoff.api.auth import AUTH_RESPONSES, by_method
from holdoff.api.deps import RuntimeDep
from holdoff.metrics.model import series_key
from holdoff.store import metric_detector_state
from holdoff.store.db import Database

router = APIRouter(
    prefix="/anomalies", tags=["anomalies"], dependencies=[Depends(by_method)], responses=AUTH_RESPONSES
)


class SeriesOut(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    entry: str = Field(description="The detectors: entry that scores the series.")
    series_id: str
    series: str = Field(description='The series as Prometheus writes it: name{label="value"}.')
    name: str
    labels: dict[str, str]
    phase: Literal["warming_up", "ready", "low_confidence"] | str
    missing_seconds: float | None = Field(description="While warming up: history still missing.")
    note: str = Field(description="Why warming up or low confidence, or what made the last score.")
    last_at: datetime | None
    last_value: float | None
    last_score: float | None = Field(description="The last combined anomaly score, in [0, 1].")
    alert_open_since: datetime | None = Field(description="Since when the series' anomaly alert is open.")


class SeriesPage(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    total: int
    series: list[SeriesOut]


def read_series(
    db: Database,
    *,
    name: str | None = None,
    phase: str | None = None,
    entry: str | None = None,
    search: str | None = None,
    min_score: float | None = None,
    limit: int = 200,
    offset: int = 0,
) -> SeriesPage:
    with db.read() as conn:
        total, views = metric_detector_state.views(
            conn,
            name=name,
            phase=phase,
            entry=entry,
            search=search,
            min_score=min_score,
            limit=limit,
            offset=offset,
        )
    return SeriesPage(
        total=total,
        series=[
            SeriesOut(
                entry=view.entry,
                series_id=view.series_id,
                series=series_key(view.name, view.labels),
                name=view.name,
                labels=view.labels,
                phase=view.phase,
                missing_seconds=view.missing_seconds,
                note=view.note,
                last_at=view.last_ts,
                last_value=view.last_value,
                last_score=view.last_score,
                alert_open_since=datetime.fromtimestamp(view.open_since, tz=UTC)
                if view.open_since is not None
                else None,
            )
            for view in views
        ],
    )


@router.get("/series", response_model=SeriesPage)
async def list_series(
    runtime: RuntimeDep,
    name: Annotated[str | None, Query(max_length=200, description="Only this metric.")] = None,
    phase: Annotated[
        Literal["warming_up", "ready", "low_confidence"] | None,
        Query(description="Only this learning state."),
    ] = None,
    entry: Annotated[str | None, Query(max_length=60, description="Only this detectors: entry.")] = None,
    search: Annotated[
        str | None, Query(max_length=200, description="Text in the metric name or series id.")
    ] = None,
    min_score: Annotated[
        float | None, Query(ge=0, le=1, description="Only series scoring at least this.")
    ] = None,
    limit: Annotated[int, Query(ge=1, le=1000)] = 200,
    offset: Annotated[int, Query(ge=0, le=1_000_000)] = 0,
) -> SeriesPage:
    """Scored series with their learning state, the highest last score first."""
    return await run_in_threadpool(
        read_series,
        runtime.db,
        name=name,
        phase=phase,
        entry=entry,
        search=search,
        min_score=min_score,
        limit=limit,
        offset=offset,
    )
