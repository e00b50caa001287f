"""The classifier as the ingest uses it: the current model version on disk, operators' marks from the
database, both kept fresh without a restart.

The model is loaded at first use. When the model directory has none yet, the default model is trained
from the shipped corpus in a background thread (about 15 s of one core, once per directory); until it
is ready, verdicts follow the declared level (model version ``declared-level``), so no post waits. A new version written by ``holdoff train logs`` or the scheduled
retrain, in this process or another sharing the directory, is picked up within
:data:`MODEL_CHECK_SECONDS`. Marks are read again every ``marks_refresh_seconds``, so an operator's
"not critical" reaches every process's verdicts within seconds.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Mapping
from pathlib import Path

from sqlalchemy import Connection

from holdoff.clock import Clock
from holdoff.logs import training
from holdoff.logs.classify import store as model_store
from holdoff.logs.classify.verdict import Classifier
from holdoff.logs.model import Feature, LogRecord, LogSeverity, TemplateHistory, Verdict
from holdoff.logs.parse import declared_severity
from holdoff.store.db import Database

log = logging.getLogger(__name__)

MODEL_CHECK_SECONDS = 5.0
DECLARED_ONLY = "declared-level"
"""The model version named on verdicts when the classifier is turned off (``logs.classifier.enabled``)."""

ReadMarks = Callable[[Connection], Mapping[str, bool]]


def declared_verdict(record: LogRecord, template: TemplateHistory) -> Verdict:
    """The verdict when no model judges: the declared level, critical only when declared so (or marked)."""
    declared = declared_severity(record.level, record.severity_number)
    severity = declared if declared is not None else LogSeverity.INFO
    critical = template.marked if template.marked is not None else severity is LogSeverity.CRITICAL
    name = f"level={record.level}" if record.level else "level=none"
    return Verdict(
        severity=LogSeverity.CRITICAL if critical else severity,
        critical=critical,
        score=1.0 if critical else 0.0,
        template=template,
        reason=(
            Feature(name=name if template.marked is None else "marked", weight=1.0 if critical else -1.0),
        ),
        declared=declared,
        model_version=DECLARED_ONLY,
    )


class Judge:
    """Verdicts for the ingest: the classifier of the current model version and the current marks."""

    def __init__(
        self,
        db: Database,
        model_dir: Path,
        *,
        clock: Clock,
        read_marks: ReadMarks,
        enabled: bool = True,
        marks_refresh_seconds: float = 5.0,
    ) -> None:
        self.db = db
        self.model_dir = model_dir
        self.clock = clock
        self.enabled = enabled
        self._read_marks = read_marks
        self._marks_refresh = marks_refresh_seconds
        self.marks: dict[str, bool] = {}
        """Operators' marks by template id (the dict is updated in place: histories hold it)."""
        self._marks_at = float("-inf")
        self._classifier: Classifier | None = None
        self._version: str | None = None
        self._checked_at = float("-inf")
        self._lock = threading.Lock()
        self._training: threading.Thread | None = None

    def refresh(self) -> None:
        """Read marks and the current model version again if they are due (cheap when not)."""
        now = time.monotonic()
        if now - self._marks_at >= self._marks_refresh:
            with self.db.read() as conn:
                fresh = dict(self._read_marks(conn))
            self.marks.clear()
            self.marks.update(fresh)
            self._marks_at = now
        if self.enabled and now - self._checked_at >= MODEL_CHECK_SECONDS:
            self._checked_at = now
            current = model_store.current(self.model_dir)
            if self._classifier is not None and current is not None and current != self._version:
                self._load()

    def marks_changed(self) -> None:
        """An operator marked a template here: read marks at the next batch."""
        self._marks_at = float("-inf")

    @property
    def classifier(self) -> Classifier | None:
        """The classifier, or None while there is none (turned off, or the first model training)."""
        if not self.enabled:
            return None
        if self._classifier is None:
            if model_store.current(self.model_dir) is not None:
                self._load()
            else:
                self._train_default()
        return self._classifier

    def _load(self) -> None:
        with self._lock:
            classifier = training.load(self.model_dir, clock=self.clock)
            if self._classifier is None or classifier.version != self._version:
                log.info("log classifier: model %s from %s", classifier.version, self.model_dir)
            self._classifier, self._version = classifier, classifier.version

    def _train_default(self) -> None:
        with self._lock:
            if self._training is not None:
                return
            log.info(
                "log classifier: no model in %s; training the default one in the background", self.model_dir
            )
            self._training = threading.Thread(target=self._train, name="holdoff-log-model", daemon=True)
            self._training.start()

    def _train(self) -> None:
        try:
            self._load()  # training.load trains and stores the default model when there is none
        except Exception:
            log.exception(
                "log classifier: training the default model failed; verdicts follow declared levels"
            )

    def wait_ready(self, timeout: float) -> bool:
        """Wait for a background training to end (tests, ``holdoff`` commands); True when a model is loaded."""
        training_thread = self._training
        if training_thread is not None:
            training_thread.join(timeout)
        return self._classifier is not None

    def verdict(self, record: LogRecord, template: TemplateHistory) -> Verdict:
        classifier = self.classifier
        if classifier is None:
            return declared_verdict(record, template)
        return classifier.classify(record, template)
