"""Noise rules: company policy about alerts that should never page, or page at another severity.

A ``drop`` rule keeps matching alerts (stored, shown, with their timeline) but never notifies about
them; a ``digest`` rule collects what would have been sent about them into each channel's periodic
digest; a ``severity`` rule overrides the severity the source sent. Rules are tried in order; the
first drop or digest rule that matches applies, and the first severity rule that matches sets the
severity.
"""

from __future__ import annotations

import enum
from collections.abc import Mapping
from dataclasses import dataclass

from holdoff.mediate.matchers import Matcher, matches_all
from holdoff.mediate.model import AlertRecord, Severity
from holdoff.mediate.silence import match_labels


class NoiseAction(enum.StrEnum):
    DROP = "drop"
    DIGEST = "digest"
    SEVERITY = "severity"


@dataclass(frozen=True)
class NoiseRule:
    name: str
    matchers: tuple[Matcher, ...]
    action: NoiseAction
    severity: Severity | None = None

    def matches(self, alert: AlertRecord) -> bool:
        return matches_all(self.matchers, match_labels(alert))

    def matches_labels(self, labels: Mapping[str, str]) -> bool:
        return matches_all(self.matchers, labels)
