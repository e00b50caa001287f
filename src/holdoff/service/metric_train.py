"""Training the Isolation Forests from stored samples: ``holdoff train metrics`` and the server's retrain
loop (a series whose model is older than its detector's ``retrain_every`` is trained again).

For each entry with an ``isolation_forest`` detector, each stored series the entry scores (the first
entry whose selector selects it, as in scoring) is trained on its samples of the last ``history`` (or
``since``) and saved as the next version (:class:`~holdoff.detectors.iforest_store.ModelStore`). A
series with too little history is reported as skipped, with how much is missing.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from holdoff.clock import Clock
from holdoff.detectors.config import DetectorEntry
from holdoff.detectors.iforest import IsolationForestConfig, NotEnoughHistory, fit
from holdoff.detectors.iforest_store import ModelInfo, ModelStore
from holdoff.detectors.pipeline import Detection, model_key
from holdoff.store import metric_samples
from holdoff.store.db import Database

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class Trained:
    entry: str
    detector: str
    series_id: str
    series: str
    info: ModelInfo | None
    skipped: str = ""


@dataclass(frozen=True, slots=True)
class _Job:
    entry: str
    config: IsolationForestConfig
    series_id: str
    series: str
    first_seen: datetime


class MetricTraining:
    def __init__(
        self, db: Database, entries: Sequence[DetectorEntry], store: ModelStore, *, clock: Clock
    ) -> None:
        self.db = db
        self.entries = list(entries)
        self.store = store
        self.clock = clock

    @property
    def jobs_configured(self) -> bool:
        """Whether any entry has an Isolation Forest (else there is nothing to retrain)."""
        return any(isinstance(d, IsolationForestConfig) for e in self.entries for d in e.detectors)

    def jobs(self) -> list[_Job]:
        """Every (entry, isolation forest, series) to train."""
        forests = [e for e in self.entries if any(isinstance(d, IsolationForestConfig) for d in e.detectors)]
        if not forests:
            return []
        detection = Detection(self.entries)
        with self.db.read() as conn:
            stored = metric_samples.series(conn)
        jobs = []
        for row in stored:
            runner = detection.entry_for(row.id, row.name, row.labels)
            if runner is None or runner.config not in forests:
                continue
            text = row.name + "{" + ",".join(f'{k}="{v}"' for k, v in sorted(row.labels.items())) + "}"
            jobs += [
                _Job(runner.key, config, row.id, text, row.first_seen)
                for config in runner.config.detectors
                if isinstance(config, IsolationForestConfig)
            ]
        return jobs

    def run(
        self,
        *,
        since: timedelta | None = None,
        only_due: bool = False,
        progress: Callable[[Trained], None] | None = None,
    ) -> list[Trained]:
        """Train every job (``only_due``: those whose model is older than ``retrain_every``)."""
        now = self.clock()
        done = []
        for job in self.jobs():
            folder = model_key(job.entry, job.config.name)
            if only_due and (
                now - job.first_seen < job.config.min_history or not self._due(folder, job, now)
            ):
                continue  # too young to train (no samples read), or its model is recent enough
            window = since or job.config.history
            with self.db.read() as conn:
                points = [
                    (ts.timestamp(), v)
                    for ts, v in metric_samples.samples(conn, job.series_id, now - window, now)
                ]
            try:
                forest, info = fit(job.config, folder, job.series_id, points, now)
            except NotEnoughHistory as exc:
                result = Trained(job.entry, job.config.name, job.series_id, job.series, None, str(exc))
            else:
                saved = self.store.save(forest, info)
                result = Trained(job.entry, job.config.name, job.series_id, job.series, saved)
            done.append(result)
            if progress is not None:
                progress(result)
        return done

    def _due(self, folder: str, job: _Job, now: datetime) -> bool:
        info = self.store.info(folder, job.series_id)
        if info is None:
            return True
        return now - datetime.fromisoformat(info.created) >= job.config.retrain_every

    def run_once(self) -> int:
        """The retrain loop's step: train the models that are due; how many were trained."""
        trained = [t for t in self.run(only_due=True) if t.info is not None]
        if trained:
            log.info("metric models retrained: %d series", len(trained))
        return len(trained)
