"""The composition root: builds the process's database, core policy, channels and loops from settings."""

from __future__ import annotations

import hashlib
import logging
import os
import secrets
import socket
import threading
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

from holdoff.clock import Clock, system_clock
from holdoff.components import Component, Components, Hook
from holdoff.detectors.iforest_store import ModelStore
from holdoff.ingest.sns import SnsVerifier, get_status_https
from holdoff.links.signer import LinkSigner
from holdoff.logs.detect import build_all as build_detectors
from holdoff.notify.channel import Channel
from holdoff.notify.registry import build_channels, describe_channels
from holdoff.policy.section import build_policy
from holdoff.service.admission import Backlog
from holdoff.service.channel_health import ChannelHealth
from holdoff.service.channel_set import ChannelSet
from holdoff.service.correlation_learn import CHECK_SECONDS as LEARN_CHECK_SECONDS
from holdoff.service.correlation_learn import LearnedJob
from holdoff.service.evidence import BATCH as EVIDENCE_BATCH
from holdoff.service.evidence import EvidenceHooks, EvidenceWorker
from holdoff.service.findings_worker import BATCH as FINDINGS_BATCH
from holdoff.service.findings_worker import FindingsWorker
from holdoff.service.ingest_queue import IngestQueue
from holdoff.service.links import LinkHandler, LinkSecret
from holdoff.service.log_context import log_lookup
from holdoff.service.log_ingest import LogIngest
from holdoff.service.log_judge import Judge
from holdoff.service.log_upkeep import LogRetrain, LogUpkeep
from holdoff.service.mediation import Mediator
from holdoff.service.metric_detect import MetricDetect
from holdoff.service.metric_ingest import MetricIngest, MetricRetention
from holdoff.service.metric_pull import MetricPulls
from holdoff.service.metric_train import MetricTraining
from holdoff.service.retention import Pruner
from holdoff.service.sender import OutboxSender, RetryPolicy
from holdoff.service.silences import Silences
from holdoff.service.workers import Loop
from holdoff.settings import Settings
from holdoff.settings.file import ConfigError
from holdoff.settings.model import changed_outside_policy
from holdoff.store import backlog, log_marks, metric_pulls, migrate, outbox
from holdoff.store.db import Database
from holdoff.store.findings import LOG_FINDINGS, METRIC_FINDINGS

log = logging.getLogger(__name__)

DEADLINE_BATCH = 100
OUTBOX_BATCH = 20
RETRAIN_CHECK_SECONDS = 600.0


@dataclass(frozen=True)
class Reloaded:
    routes: int
    noise_rules: int
    restart_needed: tuple[str, ...]
    """Settings that changed but only apply after a restart (database, channels, ...)."""


class Runtime:
    """Everything one Holdoff process runs: its services, and the components ``start`` starts in order
    (database migrated, link secret, channels, scheduler and sender loops) and ``stop`` stops in reverse."""

    def __init__(
        self,
        settings: Settings,
        *,
        clock: Clock = system_clock,
        channels: dict[str, Channel] | None = None,
        run_workers: bool = True,
        reload_settings: Callable[[], Settings] | None = None,
        candidate_settings: Callable[[Path], Settings] | None = None,
    ) -> None:
        self.settings = settings
        self.reload_settings = reload_settings
        self.candidate_settings = candidate_settings
        """Reads a candidate configuration file with this process's env file and command-line values
        (None: the process environment and /etc/holdoff.env, as ``holdoff check-config`` would)."""
        self.clock = clock
        self.db = Database(settings.resolved_database_url)
        self.channels = (
            channels
            if channels is not None
            else build_channels(settings.channels, settings.delivery.templates_dir)
        )
        self.worker_id = f"{socket.gethostname()}:{os.getpid()}:{secrets.token_hex(3)}"
        self.outbox_signal = threading.Event()
        self.link_secret = LinkSecret(
            self.db,
            clock,
            hashlib.sha256(settings.links.secret.get_secret_value().encode()).digest()
            if settings.links.secret is not None
            else None,
        )
        self.signer = LinkSigner(
            self.link_secret,
            settings.resolved_public_url,
            timedelta(hours=settings.links.hours),
            enabled=settings.links.enabled,
        )
        self.evidence_signal = threading.Event()
        self.mediator = Mediator(
            self.db,
            build_policy(settings.policy, settings.delivery.fallback_channel),
            channels=ChannelSet({name: channel.kinds for name, channel in self.channels.items()}),
            links=self.signer,
            public_url=settings.resolved_public_url,
            clock=clock,
            outbox_signal=self.outbox_signal,
            evidence=EvidenceHooks(self.evidence_signal) if settings.evidence.enabled else None,
            correlation=settings.correlation,
        )
        backpressure = settings.retention.backpressure
        self.outbox_backlog = Backlog(self._undelivered, backpressure.max_outbox, "undelivered messages")
        """The outbox depth alert webhooks are refused beyond (a count cached for a second)."""
        self.ingest = IngestQueue(
            self.mediator.apply_groups,
            max_waiting_events=backpressure.max_waiting_events,
            backlog=self.outbox_backlog,
        )
        self.scheduler_signal = threading.Event()
        self.silences = Silences(
            self.db, clock, self.scheduler_signal, on_change=self.mediator.silences_changed
        )
        self.links = LinkHandler(
            self.db, clock, signer=self.signer, mediator=self.mediator, silences=self.silences
        )
        self.sns_verifier = SnsVerifier()
        self.sns_fetch_status: Callable[[str], int] = get_status_https
        self.sender = OutboxSender(
            self.db,
            self.channels,
            RetryPolicy(
                base=timedelta(seconds=settings.delivery.retry_base_seconds),
                cap=timedelta(seconds=settings.delivery.retry_max_seconds),
                give_up=timedelta(seconds=settings.delivery.give_up_after_seconds),
            ),
            owner=self.worker_id,
            lease=timedelta(seconds=settings.server.lease_seconds),
            clock=clock,
            batch=OUTBOX_BATCH,
            health=ChannelHealth(self.mediator, threshold=settings.delivery.failure_threshold).record,
            wake=self.outbox_signal,
        )
        self._log_path(settings)
        self._metric_path(settings)
        self.evidence = EvidenceWorker(
            self.db,
            self.log_lookup,
            settings.evidence,
            clock=clock,
            lease=timedelta(seconds=settings.server.lease_seconds),
        )
        """Computes the root-cause evidence of held alerts (logs, related alerts, changes)."""
        self.correlation_learning = LearnedJob(self.db, settings.correlation, clock=clock)
        """Learns service dependencies from the alert history, hourly."""
        self.pruner = Pruner(self.db, settings.retention, clock=clock)
        """Deletes what ``retention:`` says, in chunks, one process at a time."""
        self.run_workers = run_workers
        self.components = Components(self._components())
        """What this process runs, in the order it starts them (stopped in reverse)."""

    def _undelivered(self, at_most: int) -> int:
        with self.db.read() as conn:
            return backlog.undelivered(conn, at_most)

    def _log_path(self, settings: Settings) -> None:
        """The log ingest, the worker that turns detector findings into alerts, and upkeep."""
        logs = settings.logs
        self.log_model_dir = logs.model_dir(settings.server.data_dir)
        self.log_judge = Judge(
            self.db,
            self.log_model_dir,
            clock=self.clock,
            read_marks=log_marks.all_marks,
            enabled=logs.classifier.enabled,
            marks_refresh_seconds=logs.classifier.marks_refresh_seconds,
        )
        self.log_signal = threading.Event()
        self.log_ingest = LogIngest(
            self.db,
            self.log_judge,
            clock=self.clock,
            detectors=build_detectors(logs.detectors),
            max_pending=logs.max_pending_batches,
            on_findings=self.log_signal.set,
        )
        self.log_alerts = FindingsWorker(
            self.db,
            self.mediator,
            LOG_FINDINGS,
            what="log",
            clock=self.clock,
            lease=timedelta(seconds=settings.server.lease_seconds),
        )
        self.log_upkeep = LogUpkeep(self.db, self.log_ingest, logs, clock=self.clock)
        self.log_lookup = log_lookup(self.db, logs.lookup)
        """Where the lines around an alert are read: the user's log store, or Holdoff's own lines."""
        every = logs.classifier.retrain_hours
        self.log_retrain = (
            LogRetrain(self.db, self.log_model_dir, timedelta(hours=every), clock=self.clock)
            if every is not None and logs.classifier.enabled
            else None
        )

    def _metric_path(self, settings: Settings) -> None:
        """Metric input: the ingest every way in stores through, the scheduled pulls, and retention."""
        metrics = settings.metrics
        self.metric_signal = threading.Event()
        self.metric_models = ModelStore(settings.server.data_dir / "models" / "metrics")
        self.metric_detect = MetricDetect(
            settings.detectors, models=self.metric_models, on_findings=self.metric_signal.set
        )
        """The detectors, run on samples in the transaction that stores them."""
        self.metric_ingest = MetricIngest(
            self.db,
            clock=self.clock,
            max_series=metrics.retention.max_series,
            keep=timedelta(days=metrics.retention.days),
            max_pending=metrics.max_pending_batches,
            after=self.metric_detect,
        )
        self.metric_alerts = FindingsWorker(
            self.db,
            self.mediator,
            METRIC_FINDINGS,
            what="metric",
            clock=self.clock,
            lease=timedelta(seconds=settings.server.lease_seconds),
        )
        self.metric_training = MetricTraining(
            self.db, settings.detectors, self.metric_models, clock=self.clock
        )
        self.metric_pulls = MetricPulls(
            self.db, metrics.pulls, self.metric_ingest, clock=self.clock, owner=self.worker_id
        )
        self.metric_retention = MetricRetention(self.db, metrics, clock=self.clock)

    def reload_policy(self) -> Reloaded:
        """Read the configuration again and apply its policy at once (routes, grace, flapping, noise).

        Events already being applied finish under the policy they started with; a configuration
        that does not validate raises :class:`~holdoff.settings.file.ConfigError` and changes nothing.
        Alerts already held keep the grace deadline they were given.
        """
        if self.reload_settings is None:
            raise ConfigError("this process was not started from a configuration file it can read again")
        fresh = self.reload_settings()
        self.mediator.policy = build_policy(fresh.policy, self.settings.delivery.fallback_channel)
        restart = changed_outside_policy(self.settings, fresh)
        self.settings = self.settings.model_copy(update={"policy": fresh.policy})
        routes, noise = len(fresh.policy.routes), len(fresh.policy.noise_rules)
        log.info("policy reloaded: %d route(s), %d noise rule(s)", routes, noise)
        if restart:
            log.warning("changed settings that need a restart to apply: %s", ", ".join(restart))
        return Reloaded(routes=routes, noise_rules=noise, restart_needed=tuple(restart))

    def _components(self) -> list[Component]:
        """The process's components, each after what it uses. New loops (logs, detectors, remediation)
        are added here."""
        components: list[Component] = [
            Hook("database", start=lambda: migrate.upgrade(self.db), stop=self.db.dispose),
            # Stopped after every loop: gives back what they claimed and did not finish.
            Hook("claims", stop=self._release_claims),
            # Read (or make) the signing key now, not inside the first write transaction that pages.
            Hook("link secret", start=self.link_secret),
            Hook("channels", start=self._describe, stop=self._close_channels),
            Hook(
                "log lookup",
                start=lambda: log.info("log lookups: %s", self.log_lookup.describe()),
                stop=self.log_lookup.close,
            ),
        ]
        if self.run_workers:
            components += [
                Loop(
                    "scheduler",
                    lambda: self.mediator.fire_due(DEADLINE_BATCH),
                    interval=self.settings.server.scheduler_interval_seconds,
                    full_batch=DEADLINE_BATCH,
                    wake=self.scheduler_signal,
                ),
                Loop(
                    "sender",
                    self.sender.run_once,
                    interval=self.settings.server.sender_interval_seconds,
                    full_batch=OUTBOX_BATCH,
                    wake=self.outbox_signal,
                ),
                Loop(
                    "log alerts",
                    self.log_alerts.run_once,
                    interval=self.settings.server.scheduler_interval_seconds,
                    full_batch=FINDINGS_BATCH,
                    wake=self.log_signal,
                ),
                Loop(
                    "log upkeep",
                    self.log_upkeep.run_once,
                    interval=self.settings.logs.retention.sweep_seconds,
                    full_batch=1,
                ),
            ]
            if self.log_retrain is not None:
                every = timedelta(hours=self.settings.logs.classifier.retrain_hours or 1)
                components.append(
                    Loop(
                        "log retrain",
                        self.log_retrain.run_once,
                        interval=min(every.total_seconds(), RETRAIN_CHECK_SECONDS),
                        full_batch=1,
                    )
                )
            components += [
                Loop(
                    "metric pulls",
                    self.metric_pulls.run_once,
                    interval=self.metric_pulls.check_seconds,
                    full_batch=1,
                ),
                Loop(
                    "metric retention",
                    self.metric_retention.run_once,
                    interval=self.settings.metrics.retention.sweep.total_seconds(),
                    full_batch=1,
                ),
                Loop(
                    "retention",
                    self.pruner.run_once,
                    interval=self.settings.retention.every.total_seconds(),
                    full_batch=1,
                ),
                Loop(
                    "metric alerts",
                    self.metric_alerts.run_once,
                    interval=self.settings.server.scheduler_interval_seconds,
                    full_batch=FINDINGS_BATCH,
                    wake=self.metric_signal,
                ),
            ]
            if self.metric_training.jobs_configured:
                components.append(
                    Loop(
                        "metric retrain",
                        self.metric_training.run_once,
                        interval=RETRAIN_CHECK_SECONDS,
                        full_batch=1,
                    )
                )
            correlation = self.settings.correlation
            if correlation.enabled and correlation.learned.enabled:
                components.append(
                    Loop(
                        "correlation learn",
                        self.correlation_learning.run_once,
                        interval=LEARN_CHECK_SECONDS,
                        full_batch=1,
                    )
                )
            if self.settings.evidence.enabled:
                components.append(
                    Loop(
                        "evidence",
                        self.evidence.run_once,
                        interval=self.settings.server.scheduler_interval_seconds,
                        full_batch=EVIDENCE_BATCH,
                        wake=self.evidence_signal,
                    )
                )
        return components

    def start(self) -> None:
        """Start every component in order (a component that fails stops those started before it)."""
        self.components.start()

    def stop(self) -> None:
        """Stop the running components in reverse order."""
        self.components.stop()

    def _release_claims(self) -> None:
        """Give back what this process still holds (messages claimed and not sent, a metric pull), so
        the other processes take them at once rather than when the leases run out."""
        with self.db.transaction() as conn:
            messages = outbox.release_owned(conn, self.worker_id)
            pulls = metric_pulls.release_owned(conn, self.worker_id)
        if messages or pulls:
            log.info("gave back %d message(s) and %d metric pull(s) claimed and not done", messages, pulls)

    def _describe(self) -> None:
        for line in describe_channels(self.settings.channels):
            log.info("channel %s", line)
        log.info(
            "holding alerts for %ss before escalating; database %s; worker %s",
            f"{self.settings.policy.grace_seconds:g}",
            self.db.url.render_as_string(hide_password=True),
            self.worker_id,
        )

    def _close_channels(self) -> None:
        for channel in self.channels.values():
            channel.close()
