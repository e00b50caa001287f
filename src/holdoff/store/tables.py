"""The schema. Alembic migrations under ``migrations/`` create exactly this."""

from __future__ import annotations

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Column,
    Float,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    UniqueConstraint,
)

from holdoff.store.types import Id, UTCDateTime

metadata = MetaData(
    naming_convention={
        "ix": "ix_%(table_name)s_%(column_0_N_name)s",
        "uq": "uq_%(table_name)s_%(column_0_N_name)s",
        "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
        "pk": "pk_%(table_name)s",
    }
)

# One row per alert identity (source + fingerprint); its current occurrence lives in the row and
# every past one in its timeline. ``deadline_at`` is the durable grace timer the scheduler claims.
alerts = Table(
    "alerts",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("source", String(64), nullable=False),
    Column("fingerprint", String(255), nullable=False),
    Column("name", String(512), nullable=False),
    Column("state", String(16), nullable=False),
    Column("occurrence", Integer, nullable=False),
    Column("severity", String(16)),
    Column("labels", JSON, nullable=False),
    Column("annotations", JSON, nullable=False),
    Column("links", JSON, nullable=False),
    Column("opened_at", UTCDateTime),
    Column("last_seen_at", UTCDateTime),
    Column("deadline_at", UTCDateTime),
    Column("escalated_at", UTCDateTime),
    Column("acknowledged_at", UTCDateTime),
    Column("acknowledged_by", String(255)),
    Column("suppressed_at", UTCDateTime),
    Column("resolved_at", UTCDateTime),
    Column("resolution", String(32)),
    Column("repeat_count", Integer, nullable=False),
    Column("source_started_at", UTCDateTime),
    Column("muted_by", Integer),
    Column("inhibited_by", Text),
    Column("muted_until", UTCDateTime),
    Column("muted_reason", String(255)),
    Column("chain_step", Integer),
    Column("chain_round", Integer),
    Column("chain_next_at", UTCDateTime),
    Column("flap_times", JSON),
    Column("flapping_since", UTCDateTime),
    Column("flap_notified_at", UTCDateTime),
    Column("flap_count", Integer, nullable=False),
    Column("created_at", UTCDateTime, nullable=False),
    Column("updated_at", UTCDateTime, nullable=False),
    UniqueConstraint("source", "fingerprint"),
    Index(None, "deadline_at"),
    Index(None, "updated_at", "id"),
    Index(None, "state", "updated_at", "id"),
    Index(None, "muted_by"),
    Index(None, "inhibited_by"),
    Index(None, "muted_until"),
    Index(None, "chain_next_at"),
)

# The timeline: every event applied to an alert, with what the core made of it.
alert_events = Table(
    "alert_events",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("alert_id", ForeignKey("alerts.id", ondelete="CASCADE"), nullable=False),
    Column("at", UTCDateTime, nullable=False),
    Column("occurrence", Integer, nullable=False),
    Column("action", String(32), nullable=False),
    Column("state_before", String(16)),
    Column("state_after", String(16), nullable=False),
    Column("summary", Text, nullable=False),
    Column("actor", String(255)),
    Column("payload", JSON),
    Index(None, "alert_id", "id"),
)

# Incidents: alerts grouped by their route's group labels. ``open_key`` is the group key while the
# incident is open (unique: one open incident per group) and NULL once it has resolved. ``flush_at``
# is the durable timer of its next message; ``pending`` the alert messages collected for it.
incidents = Table(
    "incidents",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("key", String(64), nullable=False),
    Column("open_key", String(64), unique=True),
    Column("route", String(100), nullable=False),
    Column("labels", JSON, nullable=False),
    Column("title", String(512), nullable=False),
    Column("state", String(16), nullable=False),
    Column("opened_at", UTCDateTime, nullable=False),
    Column("resolved_at", UTCDateTime),
    Column("firing", JSON, nullable=False),
    Column("alerts", Integer, nullable=False),
    Column("pending", JSON, nullable=False),
    Column("flush_at", UTCDateTime),
    Column("notified_at", UTCDateTime),
    Column("paged_at", UTCDateTime),
    Column("sequence", Integer, nullable=False),
    Column("created_at", UTCDateTime, nullable=False),
    Column("updated_at", UTCDateTime, nullable=False),
    Index(None, "flush_at"),
    Index(None, "key"),
    Index(None, "state", "updated_at", "id"),
)

# Digests: lines collected per channel (``digest_items``) and each channel's durable send timer.
digest_items = Table(
    "digest_items",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("channel", String(64), nullable=False),
    Column("kind", String(32), nullable=False),
    Column("alert_id", Id, ForeignKey("alerts.id", ondelete="CASCADE")),
    Column("line", Text, nullable=False),
    Column("at", UTCDateTime, nullable=False),
    Index(None, "channel", "id"),
)

digests = Table(
    "digests",
    metadata,
    Column("channel", String(64), primary_key=True),
    Column("due_at", UTCDateTime),
    Index(None, "due_at"),
)

# The outbox: written in the same transaction as the state change that caused it.
notifications = Table(
    "notifications",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("alert_id", Id, ForeignKey("alerts.id", ondelete="CASCADE")),
    Column("incident_id", Id, ForeignKey("incidents.id", ondelete="CASCADE")),
    Column("occurrence", Integer, nullable=False),
    Column("kind", String(32), nullable=False),
    Column("channel", String(64), nullable=False),
    Column("dedup_key", String(255), nullable=False, unique=True),
    Column("message", JSON, nullable=False),
    Column("status", String(16), nullable=False),
    Column("attempts", Integer, nullable=False),
    Column("next_attempt_at", UTCDateTime, nullable=False),
    Column("lease_owner", String(64)),
    Column("lease_expires_at", UTCDateTime),
    Column("created_at", UTCDateTime, nullable=False),
    Column("delivered_at", UTCDateTime),
    Column("last_error", Text),
    Index(None, "status", "next_attempt_at"),
    Index(None, "channel", "status", "next_attempt_at"),
    Index(None, "alert_id"),
    Index(None, "incident_id"),
)

# What a channel called the message it created for a key (a Slack ``ts`` ...), so later messages about
# the same alert or incident can update or thread it.
channel_refs = Table(
    "channel_refs",
    metadata,
    Column("channel", String(64), primary_key=True),
    Column("key", String(255), primary_key=True),
    Column("ref", Text, nullable=False),
    Column("updated_at", UTCDateTime, nullable=False),
)

# Per rate-limited channel: when the next message may go out, whichever process sends it.
channel_slots = Table(
    "channel_slots",
    metadata,
    Column("channel", String(64), primary_key=True),
    Column("next_at", UTCDateTime, nullable=False),
)

# Every delivery attempt, successful or not: what the timeline shows and what operators debug with.
delivery_attempts = Table(
    "delivery_attempts",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("notification_id", ForeignKey("notifications.id", ondelete="CASCADE"), nullable=False),
    Column("attempt", Integer, nullable=False),
    Column("at", UTCDateTime, nullable=False),
    Column("ok", Boolean, nullable=False),
    Column("status_code", Integer),
    Column("error", Text),
    Column("latency_ms", Float, nullable=False),
    Column("worker", String(64), nullable=False),
    Index(None, "notification_id"),
)

# Silences: matchers with a start and an end. ``ended_handled_at`` marks a silence whose end the
# scheduler has processed (alerts it had muted are escalated then if they still fire).
silences = Table(
    "silences",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("matchers", JSON, nullable=False),
    Column("starts_at", UTCDateTime, nullable=False),
    Column("ends_at", UTCDateTime, nullable=False),
    Column("created_by", String(255), nullable=False),
    Column("comment", Text, nullable=False),
    Column("created_at", UTCDateTime, nullable=False),
    Column("updated_at", UTCDateTime, nullable=False),
    Column("ended_handled_at", UTCDateTime),
    Index(None, "ends_at"),
    Index(None, "ended_handled_at", "ends_at"),
)

# Open alerts that inhibit others: one row per (inhibit rule key, inhibiting alert). Written with the
# alert's state change; an alert's rows go when it resolves.
inhibitors = Table(
    "inhibitors",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("key", Text, nullable=False),
    Column("source", Text, nullable=False),
    Index(None, "source"),
)

# Secrets the processes of one installation share (the action-link signing key), made at first start.
server_secrets = Table(
    "server_secrets",
    metadata,
    Column("name", String(64), primary_key=True),
    Column("value", Text, nullable=False),
    Column("created_at", UTCDateTime, nullable=False),
)

# Action-link tokens already used: a token works once.
used_action_tokens = Table(
    "used_action_tokens",
    metadata,
    Column("nonce", String(64), primary_key=True),
    Column("action", String(32), nullable=False),
    Column("target", Integer, nullable=False),
    Column("used_at", UTCDateTime, nullable=False),
    Column("used_by", String(255)),
)

# --- access control (0011) ---

# API tokens: ``hld_<id>_<secret>``, shown once; only the SHA-256 of the whole token is kept.
api_tokens = Table(
    "api_tokens",
    metadata,
    Column("id", String(16), primary_key=True),
    Column("name", String(100), nullable=False),
    Column("role", String(16), nullable=False),
    Column("token_hash", String(64), nullable=False),
    Column("created_at", UTCDateTime, nullable=False),
    Column("last_used_at", UTCDateTime),
    Column("revoked_at", UTCDateTime),
)

# Dashboard users: argon2 password hashes; ``locked_until`` after repeated failed logins.
users = Table(
    "users",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("name", String(64), nullable=False, unique=True),
    Column("role", String(16), nullable=False),
    Column("password_hash", Text, nullable=False),
    Column("failed_logins", Integer, nullable=False),
    Column("locked_until", UTCDateTime),
    Column("created_at", UTCDateTime, nullable=False),
    Column("last_login_at", UTCDateTime),
)

# Dashboard sessions: the SHA-256 of the cookie's random id, its CSRF token and both expiries.
sessions = Table(
    "sessions",
    metadata,
    Column("id_hash", String(64), primary_key=True),
    Column("user_id", Id, ForeignKey("users.id", ondelete="CASCADE"), nullable=False),
    Column("csrf_token", String(64), nullable=False),
    Column("created_at", UTCDateTime, nullable=False),
    Column("last_seen_at", UTCDateTime, nullable=False),
    Column("expires_at", UTCDateTime, nullable=False),
    Index(None, "user_id"),
    Index(None, "expires_at"),
)

# Who did what, when, and how it ended: every unsafe request of an authenticated principal, and logins.
audit_log = Table(
    "audit_log",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("at", UTCDateTime, nullable=False),
    Column("who", String(255), nullable=False),
    Column("via", String(64), nullable=False),
    Column("role", String(16)),
    Column("method", String(16), nullable=False),
    Column("path", String(1024), nullable=False),
    Column("target", String(64)),
    Column("status", Integer, nullable=False),
    Index(None, "target", "id"),
)

# Login throttling (0015): failures per (SHA-256 of the tried name, source address); user_key "" counts
# every name tried from the address. ``users.failed_logins`` and ``users.locked_until`` are unused since.
login_throttle = Table(
    "login_throttle",
    metadata,
    Column("user_key", String(64), primary_key=True),
    Column("source", String(64), primary_key=True),
    Column("failures", Integer, nullable=False),
    Column("last_failure_at", UTCDateTime, nullable=False),
    Column("blocked_until", UTCDateTime),
    Index(None, "last_failure_at"),
)

# Log templates (0016): one row per template the miner found; its id is the hash of its key, so every
# process derives the same id. ``merged_into`` is set when the template was merged into a more general
# one; its id then resolves to that template. ``count`` includes the lines of templates merged into it.
log_templates = Table(
    "log_templates",
    metadata,
    Column("id", String(32), primary_key=True),
    Column("key", Text, nullable=False),
    Column("template", Text, nullable=False),
    Column("founding", Text, nullable=False),
    Column("count", BigInteger, nullable=False),
    Column("first_seen", UTCDateTime),
    Column("last_seen", UTCDateTime),
    Column("merged_into", String(32)),
    Index(None, "last_seen"),
)

# Raw log records, kept for a bounded retention (holdoff.store.log_lines); a sender's record id is
# unique per service, so a retried post is stored once.
log_lines = Table(
    "log_lines",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("received_at", UTCDateTime, nullable=False),
    Column("timestamp", UTCDateTime, nullable=False),
    Column("service", String(200), nullable=False),
    Column("host", String(255)),
    Column("level", String(64)),
    Column("severity_number", Integer),
    Column("message", Text, nullable=False),
    Column("template_id", String(32)),
    Column("attributes", JSON, nullable=False),
    Column("record_id", String(255)),
    # Holdoff's verdict (holdoff.logs.model.Verdict), beside the declared level it never overwrites.
    Column("severity", String(16)),
    Column("critical", Boolean),
    Column("score", Float),
    Column("reason", JSON),
    Column("model_version", String(64)),
    Index(None, "service", "record_id", unique=True),
    Index(None, "received_at"),
    Index(None, "service", "timestamp"),
    Index(None, "template_id"),
    Index(None, "critical", "id"),
)

# Lines per template, service and minute (kept longer than the lines: holdoff.store.log_counts).
log_template_minutes = Table(
    "log_template_minutes",
    metadata,
    Column("template_id", String(32), primary_key=True),
    Column("service", String(200), primary_key=True),
    Column("minute", UTCDateTime, primary_key=True),
    Column("count", BigInteger, nullable=False),
    Column("critical", BigInteger, nullable=False),
    Index(None, "minute"),
)

# Lines ever received, by service and assessed severity: holdoff_log_lines_total on /metrics.
log_totals = Table(
    "log_totals",
    metadata,
    Column("service", String(200), primary_key=True),
    Column("severity", String(16), primary_key=True),
    Column("total", BigInteger, nullable=False),
)

# An operator's word on a template: critical (True) or noise (False); feedback for retraining.
log_marks = Table(
    "log_marks",
    metadata,
    Column("template_id", String(32), primary_key=True),
    Column("critical", Boolean, nullable=False),
    Column("template", Text, nullable=False),
    Column("example", Text, nullable=False),
    Column("level", String(64)),
    Column("actor", String(255), nullable=False),
    Column("marked_at", UTCDateTime, nullable=False),
)

# Each log detector's state per key (a service, a source address ...), so windows survive restarts
# and are shared by every process; ``expires_at`` is when the sweep may look at it without new lines.
log_detector_state = Table(
    "log_detector_state",
    metadata,
    Column("detector", String(100), primary_key=True),
    Column("key", String(512), primary_key=True),
    Column("state", JSON, nullable=False),
    Column("updated_at", UTCDateTime, nullable=False),
    Column("expires_at", UTCDateTime),
    Index(None, "expires_at"),
)

# Alert events the log detectors decided, committed with the lines that caused them (an outbox):
# a worker in any process claims a row, applies its events through mediation, then deletes it.
log_findings = Table(
    "log_findings",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("created_at", UTCDateTime, nullable=False),
    Column("events", JSON, nullable=False),
    Column("claimed_until", UTCDateTime),
    Column("attempts", Integer, nullable=False, default=0),
    Column("last_error", Text),
    Index(None, "claimed_until"),
)
