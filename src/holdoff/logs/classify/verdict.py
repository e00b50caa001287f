"""A record and its template's history in, a :class:`~holdoff.logs.model.Verdict` out.

The declared level is evidence, not the answer: it is one feature among the words (the model learned
from the corpus how much a declared ``FATAL`` says, which is little for PostgreSQL's password failures
and much for a JVM that cannot start). The template adds two things the linear model does not:

- a template never seen before leans a little towards critical (``NEW_TEMPLATE_LOGIT``: about +6 points
  of score around 0.5; never enough alone);
- an operator's mark on the template decides at once, before any retraining: marked critical is
  critical (score 1), marked noise is not (score 0). The model's own evidence stays in the reason.

Verdicts are kept per (message without its values, level, new template or not, mark): most lines repeat
a template with other values, so most records cost a regular expression and a dictionary look-up.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Final, NamedTuple

import numpy as np

from holdoff.logs.classify.features import HASHED, LEVEL_COLUMNS, Hasher, Row, cache_key
from holdoff.logs.classify.model import Weights, logit, severity_scores
from holdoff.logs.model import Feature, LogRecord, LogSeverity, TemplateHistory, Verdict
from holdoff.logs.parse import declared_severity

NEW_TEMPLATE_LOGIT: Final = 0.25
MARK_LOGIT: Final = 10.0
"""The weight shown for an operator's mark (it overrides the model; the number only ranks it first)."""
REASONS: Final = 6
"""Features named in a reason, strongest first."""
CACHE_SIZE: Final = 200_000


class Judgement(NamedTuple):
    """What a verdict says, without the template it is about."""

    severity: LogSeverity
    critical: bool
    score: float
    reason: tuple[Feature, ...]
    declared: LogSeverity | None


_VERDICT_FIELDS: Final = frozenset(Verdict.model_fields)


def _verdict(values: dict[str, object]) -> Verdict:
    """A Verdict of values already checked (every one comes from a validated judgement or record):
    what ``Verdict.model_construct`` does, without its per-field loop, which cost half the time of a
    cached classification. tests/logs/test_classify.py checks the result against a validated one."""
    verdict = Verdict.__new__(Verdict)
    object.__setattr__(verdict, "__dict__", values)
    object.__setattr__(verdict, "__pydantic_fields_set__", set(_VERDICT_FIELDS))
    object.__setattr__(verdict, "__pydantic_extra__", None)
    object.__setattr__(verdict, "__pydantic_private__", None)
    return verdict


def _sigmoid(z: float) -> float:
    if z >= 0:
        return 1.0 / (1.0 + math.exp(-z))
    e = math.exp(z)
    return e / (1.0 + e)


class Classifier:
    """Judges records with one model version. Not thread-safe (its cache is a plain dict): give each
    thread its own, or hold a lock; they are cheap, the weights are shared and read-only."""

    def __init__(self, weights: Weights, version: str, *, cache_size: int = CACHE_SIZE) -> None:
        self._weights = weights
        self._version = version
        self._hasher = Hasher()
        self._cache: dict[tuple[str, str | None, int | None, bool, bool | None], Judgement] = {}
        self._cache_size = cache_size

    @property
    def version(self) -> str:
        return self._version

    @property
    def weights(self) -> Weights:
        return self._weights

    def classify(self, record: LogRecord, template: TemplateHistory) -> Verdict:
        """The verdict on ``record``, whose template's history (before this record) is ``template``."""
        judged = self.judge(
            record.message,
            record.level,
            record.severity_number,
            new=template.seen == 0,
            marked=template.marked,
        )
        return _verdict(
            {
                "severity": judged.severity,
                "critical": judged.critical,
                "score": judged.score,
                "template": template,
                "reason": judged.reason,
                "declared": judged.declared,
                "model_version": self._version,
            }
        )

    def classify_many(
        self, records: Sequence[LogRecord], templates: Sequence[TemplateHistory]
    ) -> list[Verdict]:
        """:meth:`classify` of each pair, in order."""
        return [self.classify(record, template) for record, template in zip(records, templates, strict=True)]

    def judge(
        self,
        message: str,
        level: str | None,
        severity_number: int | None = None,
        *,
        new: bool = False,
        marked: bool | None = None,
    ) -> Judgement:
        """The judgement of one message (kept, so a repeat costs a look-up)."""
        key = (cache_key(message), level, severity_number, new, marked)
        found = self._cache.get(key)
        if found is None:
            if len(self._cache) >= self._cache_size:
                self._cache.clear()
            found = self._cache[key] = self._judge(message, level, severity_number, new, marked)
        return found

    def judge_row(self, row: Row, *, new: bool = False, marked: bool | None = None) -> Judgement:
        """The judgement of a record whose features are ``row`` (not kept: for evaluation)."""
        declared = None if row.level_column == HASHED else LogSeverity(row.level_column - HASHED - 1)
        return self._judge_row(row, declared, new, marked)

    def _judge(
        self, message: str, level: str | None, severity_number: int | None, new: bool, marked: bool | None
    ) -> Judgement:
        declared = declared_severity(level, severity_number)
        return self._judge_row(self._hasher.row(message, level, declared), declared, new, marked)

    def _judge_row(self, row: Row, declared: LogSeverity | None, new: bool, marked: bool | None) -> Judgement:
        weights = self._weights
        z, shares = logit(weights, row)
        named = list(zip(row.names, (float(s) for s in shares), strict=True))
        read_as = LEVEL_COLUMNS[row.level_column - HASHED]
        # a level found in the text of a raw line (features.inline_level) is not a declared one
        declared_name = (
            f"written={read_as}" if declared is None and read_as != "none" else f"declared={read_as}"
        )
        named.append((declared_name, float(weights.critical[row.level_column])))
        if new:
            z += NEW_TEMPLATE_LOGIT
            named.append(("template:new", NEW_TEMPLATE_LOGIT))
        score = _sigmoid(z)
        critical = score >= weights.threshold
        if marked is not None:
            critical, score = marked, 1.0 if marked else 0.0
        named.sort(key=lambda item: (-abs(item[1]), item[0]))
        reason = [Feature(name=name, weight=round(weight, 4)) for name, weight in named[:REASONS] if weight]
        if marked is not None:
            mark = "template:marked critical" if marked else "template:marked noise"
            reason.insert(0, Feature(name=mark, weight=MARK_LOGIT if marked else -MARK_LOGIT))
        if critical:
            severity = LogSeverity.CRITICAL
        else:
            scores = severity_scores(weights, row)
            severity = LogSeverity(int(np.argmax(scores[: int(LogSeverity.CRITICAL)])))
        return Judgement(severity, critical, score, tuple(reason), declared)
