"""One typed settings object in sections, each owned by the package it configures, built once at
start (:func:`holdoff.settings.loading.load_settings`) and passed down explicitly.

======================  ===============================================  ==============================
section                 what                                             model
======================  ===============================================  ==============================
``server``              listening, public URL, hosts, logging, timers    :class:`ServerSection`
``database``            where state is kept                              ``store.config``
``links``               signed Acknowledge / Resolve / Silence links     ``links.config``
``sources``             per alert source: token, open, its own options   ``ingest.config``
``channels``            where messages go, one entry per channel         ``notify.catalog``
``delivery``            retries, giving up, the fallback channel         ``notify.config``
``policy``              grace, grouping, routes, escalation, noise       ``policy.section``
``logs``                log senders, retention, classifier, detectors    ``logs.config``
``metrics``             metric senders, retention, pulls                 ``metrics.config``
``detectors``           which detectors score which series, alert rule   ``detectors.config``
``evidence``            root-cause evidence: windows, limits, overlap    ``evidence.config``
``correlation``         joining incident groups into one incident        ``correlate.config``
``retention``           how long rows are kept; ingest backpressure      ``retention.config``
======================  ===============================================  ==============================

A new capability adds its section as one field here, with its model in its own package.
Flat names from before sections (``HOLDOFF_GRACE_SECONDS``, ``TEAMS_WEBHOOK_URL`` ...) are read
into these sections by :mod:`holdoff.settings.flat`.
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator
from pydantic_core import InitErrorDetails, PydanticCustomError

from holdoff.config_types import secret_values
from holdoff.correlate.config import CorrelationConfig
from holdoff.detectors.config import DetectorEntry, check_entries, default_entries
from holdoff.evidence.config import EvidenceSection
from holdoff.ingest.config import SourcesSection
from holdoff.links.config import LinksSection
from holdoff.logs.config import LogsSection
from holdoff.mediate.policy import DEFAULT_CHANNELS
from holdoff.metrics.config import MetricsSection
from holdoff.notify.catalog import AnyChannelConfig
from holdoff.notify.config import DeliverySection
from holdoff.policy.section import PolicySection
from holdoff.retention.config import RetentionSection
from holdoff.settings.flat import make_seed_channels, move_flat_names
from holdoff.settings.server import ServerSection
from holdoff.store.config import DatabaseSection

DEFAULT_ROUTE_CHANNELS = frozenset(name for names in DEFAULT_CHANNELS.values() for name in names)
"""Channel names the default route sends to; routes may name them whether or not they are configured."""


class Settings(BaseModel):
    """Every knob Holdoff has, by section."""

    model_config = ConfigDict(extra="forbid", frozen=True, hide_input_in_errors=True)

    server: ServerSection = Field(default_factory=ServerSection)
    database: DatabaseSection = Field(default_factory=DatabaseSection)
    links: LinksSection = Field(default_factory=LinksSection)
    sources: SourcesSection = Field(default_factory=SourcesSection)
    channels: list[AnyChannelConfig] = Field(
        default_factory=list,
        description="Channels by name: teams, email, slack, pagerduty, opsgenie, webhook, msgraph, apprise; "
        "see docs/channels/.",
    )
    delivery: DeliverySection = Field(default_factory=DeliverySection)
    policy: PolicySection = Field(default_factory=PolicySection)
    logs: LogsSection = Field(default_factory=LogsSection)
    metrics: MetricsSection = Field(default_factory=MetricsSection)
    detectors: list[DetectorEntry] = Field(
        default_factory=default_entries,
        description="Metric anomaly detectors per series selector; see docs/metrics-detectors.md.",
    )
    evidence: EvidenceSection = Field(default_factory=EvidenceSection)
    correlation: CorrelationConfig = Field(default_factory=CorrelationConfig)
    retention: RetentionSection = Field(default_factory=RetentionSection)

    @field_validator("detectors")
    @classmethod
    def _unique_detector_entries(cls, value: list[DetectorEntry]) -> list[DetectorEntry]:
        return check_entries(value)

    @model_validator(mode="before")
    @classmethod
    def _flat_names(cls, data: Any) -> Any:
        """Flat names (``grace_seconds``, ``TEAMS_WEBHOOK_URL`` ...) read into their sections."""
        if not isinstance(data, dict):
            return data
        return make_seed_channels(move_flat_names(data))

    @field_validator("channels")
    @classmethod
    def _unique_channel_names(cls, value: list[AnyChannelConfig]) -> list[AnyChannelConfig]:
        seen: set[str] = set()
        for config in value:
            if config.name in seen:
                raise ValueError(f"channel name {config.name!r} is used twice")
            seen.add(config.name)
        return value

    @model_validator(mode="after")
    def _channel_references(self) -> Settings:
        """Every channel a route, an escalation step or the fallback names exists (checked once all
        are parsed; each error keeps its own location, so it points at the line to fix)."""
        known = self.channel_names | DEFAULT_ROUTE_CHANNELS
        shown = ", ".join(sorted(known))
        errors: list[InitErrorDetails] = []
        fallback = self.delivery.fallback_channel
        if fallback is not None and fallback not in known:
            message = f"unknown channel {fallback!r}; known: {shown}"
            errors.append(_error(("delivery", "fallback_channel"), message, fallback))
        for loc, names in self.policy.channel_references():
            unknown = sorted(set(names) - known)
            if unknown:
                message = f"unknown channel(s) {', '.join(unknown)}; known: {shown}"
                errors.append(_error(("policy", *loc), message, names))
        if errors:
            raise ValidationError.from_exception_data(type(self).__name__, errors)
        return self

    # --- derived values ---
    @property
    def channel_names(self) -> frozenset[str]:
        return frozenset(config.name for config in self.channels)

    @property
    def resolved_database_url(self) -> str:
        return self.database.url or f"sqlite:///{self.server.data_dir / 'holdoff.db'}"

    @property
    def resolved_public_url(self) -> str:
        return self.server.resolved_public_url

    def secrets(self) -> list[str]:
        """Values that must never appear in a log line: every field typed secret, in every section, and
        what a channel type names secret beyond its typed fields (a webhook's header values)."""
        found = dict.fromkeys(secret_values(self))
        for config in self.channels:
            found.update(dict.fromkeys(config.secrets()))
        return [value for value in found if value]


def changed_outside_policy(running: Settings, fresh: Settings) -> list[str]:
    """Settings that differ between ``running`` and ``fresh`` outside the ``policy:`` section (which a
    reload applies at once): they need a restart. Named ``section.field``."""
    changed = []
    for section in type(running).model_fields:
        old, new = getattr(running, section), getattr(fresh, section)
        if section == "policy" or old == new:
            continue
        if isinstance(old, BaseModel) and isinstance(new, BaseModel):
            changed += [
                f"{section}.{name}"
                for name in type(old).model_fields
                if getattr(old, name) != getattr(new, name)
            ]
        else:
            changed.append(section)
    return changed


def _error(loc: tuple[str | int, ...], message: str, value: Any) -> InitErrorDetails:
    return InitErrorDetails(type=PydanticCustomError("unknown_channel", message), loc=loc, input=value)
