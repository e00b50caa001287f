"""Inhibition, as in Alertmanager: while a source alert fires, matching target alerts with equal labels are muted.

A rule names source matchers, target matchers and the labels that must be equal. While an alert
that matches the source is open, it *inhibits* its rule's key (the values of the ``equal`` labels);
a target alert with the same key is not notified about. An alert never inhibits itself. When the
source resolves, targets it had kept from escalating are escalated then if they still fire.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from holdoff.mediate.matchers import Matcher, matches_all
from holdoff.mediate.model import AlertRecord
from holdoff.mediate.silence import match_labels

IDENTITY_SEPARATOR = "\x1f"


def identity(alert: AlertRecord) -> str:
    """``source`` and ``fingerprint`` as one string (how inhibitors and muted targets refer to alerts)."""
    return f"{alert.source}{IDENTITY_SEPARATOR}{alert.fingerprint}"


@dataclass(frozen=True)
class InhibitRule:
    name: str
    source: tuple[Matcher, ...]
    target: tuple[Matcher, ...]
    equal: tuple[str, ...] = ()

    def _key(self, labels: Mapping[str, str]) -> str:
        return IDENTITY_SEPARATOR.join([self.name, *(labels.get(name, "") for name in self.equal)])

    def source_key(self, alert: AlertRecord) -> str | None:
        return self.source_key_of(match_labels(alert))

    def target_key(self, alert: AlertRecord) -> str | None:
        return self.target_key_of(match_labels(alert))

    def source_key_of(self, labels: Mapping[str, str]) -> str | None:
        return self._key(labels) if matches_all(self.source, labels) else None

    def target_key_of(self, labels: Mapping[str, str]) -> str | None:
        return self._key(labels) if matches_all(self.target, labels) else None


@dataclass(frozen=True)
class Inhibitor:
    """An open alert inhibiting one key of one rule."""

    key: str
    source: str
    """The inhibiting alert's :func:`identity`."""


def inhibiting(keys: frozenset[str], inhibitors: Sequence[Inhibitor], alert: AlertRecord) -> Inhibitor | None:
    """An open alert (not this one) holding one of ``keys`` (those that would mute ``alert``), if any."""
    if not inhibitors or not keys:
        return None
    own = identity(alert)
    return next((i for i in inhibitors if i.key in keys and i.source != own), None)
