"""Silences: label matchers with a start and an end. A silenced alert is stored and shown, never notified."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime

from holdoff.mediate.matchers import Matcher, matches_all
from holdoff.mediate.model import AlertRecord


@dataclass(frozen=True)
class Silence:
    id: int
    matchers: tuple[Matcher, ...]
    starts_at: datetime
    ends_at: datetime
    created_by: str
    comment: str

    def active(self, now: datetime) -> bool:
        return self.starts_at <= now < self.ends_at

    def mutes(self, labels: Mapping[str, str], now: datetime) -> bool:
        return self.active(now) and matches_all(self.matchers, labels)


def match_labels(alert: AlertRecord) -> dict[str, str]:
    """The labels silences, routes and rules match on: the alert's own, plus ``alertname`` and ``source``.

    ``alertname`` defaults to the alert's name, so ``{alertname="CPU Spike Test"}`` silences a Coralogix
    alert as it would a Prometheus one; labels the source sent win over these defaults. The result is
    shared: callers must not change it.
    """
    labels = alert.labels
    hit = _MATCH_LABELS.get(id(labels))
    # The entry holds the labels dict itself, so its id cannot be reused while it is cached.
    if hit is not None and hit[0] is labels and hit[1] == alert.name and hit[2] == alert.source:
        return hit[3]
    merged = {"alertname": alert.name, "source": alert.source, **labels}
    if len(_MATCH_LABELS) >= _CACHE_SIZE:
        _MATCH_LABELS.clear()
    _MATCH_LABELS[id(labels)] = (labels, alert.name, alert.source, merged)
    return merged


# Records are immutable and keep their labels dict across changes, so the merged labels (asked for by
# routes, silences, inhibition, noise rules and grouping, several times per event) are kept per dict.
_MATCH_LABELS: dict[int, tuple[dict[str, str], str, str, dict[str, str]]] = {}
_CACHE_SIZE = 16_384


def muting(silences: Iterable[Silence], alert: AlertRecord, now: datetime) -> Silence | None:
    """The first active silence that matches the alert, if any."""
    labels = match_labels(alert)
    return next((silence for silence in silences if silence.mutes(labels, now)), None)
