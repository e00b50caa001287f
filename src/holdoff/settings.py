"""One typed settings object, built once at start and passed down explicitly.

Sources, strongest first: process environment (``HOLDOFF_*``, plus the POC's ``TEAMS_WEBHOOK_URL``,
``EMAIL_FROM``, ``EMAIL_TO``), the env file (``--env-file``, else ``/etc/holdoff.env`` when present),
the YAML config file (``--config``), then the defaults below. Nothing here runs at import time.
"""

from __future__ import annotations

import ipaddress
import os
from datetime import timedelta
from functools import cached_property
from pathlib import Path
from typing import Annotated, Any, Literal
from urllib.parse import urlsplit

from dotenv import dotenv_values
from pydantic import (
    AfterValidator,
    AliasChoices,
    BaseModel,
    ConfigDict,
    Field,
    ModelWrapValidatorHandler,
    SecretStr,
    ValidationError,
    field_validator,
    model_validator,
)
from pydantic.fields import FieldInfo
from pydantic_settings import (
    BaseSettings,
    NoDecode,
    PydanticBaseSettingsSource,
    SettingsConfigDict,
)

from holdoff.config_file import ConfigError, read_yaml
from holdoff.ingest.generic import DEFAULT_MAPPING, GenericMapping
from holdoff.notify.catalog import BUILT_IN, AnyChannelConfig
from holdoff.notify.config import environment
from holdoff.policy_config import (
    KNOWN_CHANNELS,
    DigestConfig,
    Duration,
    FlappingConfig,
    GroupingFields,
    InhibitRuleConfig,
    LabelName,
    NoiseRuleConfig,
    QuietHoursConfig,
    RouteConfig,
    check_tree,
)
from holdoff.settings_errors import describe_validation_error

DEFAULT_ENV_FILE = Path("/etc/holdoff.env")
ENV_PREFIX = "HOLDOFF_"


def _aliases(name: str, *legacy: str) -> AliasChoices:
    return AliasChoices(name, ENV_PREFIX + name.upper(), *legacy)


class SourceConfig(BaseModel):
    """Settings of one alert source (``sources.<name>`` in the YAML file)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    open: bool = Field(
        default=False,
        description="Accept this source's webhooks without a token in protected mode, on purpose.",
    )


class Settings(BaseSettings):
    """Every knob Holdoff has. Environment names are ``HOLDOFF_`` + the field name in capitals."""

    model_config = SettingsConfigDict(
        env_prefix=ENV_PREFIX,
        extra="ignore",
        populate_by_name=True,
        frozen=True,
        case_sensitive=False,
        hide_input_in_errors=True,  # a bad channel entry must not print its webhook URL or token
    )

    # --- service ---
    host: str = "127.0.0.1"
    port: int = Field(default=5000, ge=1, le=65535)
    workers: int = Field(default=1, ge=1, le=64, description="Worker processes sharing the port.")
    public_url: str | None = Field(
        default=None, description="Base URL people use to reach Holdoff; used in message links."
    )
    allowed_hosts: Annotated[list[str], NoDecode] = Field(
        default_factory=list,
        description="Host names Holdoff may be reached by (comma-separated), besides IP addresses, "
        "localhost, the bind address and public_url's host; other Host headers get 400 (DNS rebinding). "
        "'*': any. Bound to all addresses (0.0.0.0, ::), empty means any Host, with a warning at start.",
    )
    allowed_origins: Annotated[list[str], NoDecode] = Field(
        default_factory=list,
        description="Other web origins (scheme://host[:port], comma-separated) whose pages may send "
        "unsafe requests and open /ws/alerts; Holdoff's own origin and public_url's always may.",
    )
    action_links: bool = Field(
        default=True,
        description="Put Acknowledge / Resolve / Silence 1h links (signed, single-use) in messages that page.",
    )
    action_link_hours: float = Field(
        default=24.0, gt=0, le=24 * 30, description="How long an action link works."
    )
    action_secret: SecretStr | None = Field(
        default=None,
        description="Key that signs action links; default: one made at first start and kept in the database.",
    )
    data_dir: Path = Path("var")
    database_url: str | None = Field(
        default=None,
        description="SQLAlchemy URL; default sqlite under data_dir. PostgreSQL: postgresql+psycopg://...",
    )
    log_level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = "INFO"
    log_format: Literal["auto", "json", "text"] = "auto"

    # --- mediation ---
    grace_seconds: float = Field(default=600.0, ge=0, le=7 * 86_400)

    # --- Microsoft Teams (Workflows / Power Automate webhook) ---
    teams_webhook_url: SecretStr | None = Field(
        default=None, validation_alias=_aliases("teams_webhook_url", "TEAMS_WEBHOOK_URL")
    )

    # --- email over SMTP ---
    email_from: str | None = Field(default=None, validation_alias=_aliases("email_from", "EMAIL_FROM"))
    email_to: Annotated[list[str], NoDecode] = Field(
        default_factory=list, validation_alias=_aliases("email_to", "EMAIL_TO")
    )
    smtp_host: str = "localhost"
    smtp_port: int = Field(default=25, ge=1, le=65535)
    smtp_starttls: bool = False
    smtp_ssl: bool = False
    smtp_username: str | None = None
    smtp_password: SecretStr | None = None

    # --- alert sources ---
    ingest_tokens: dict[str, SecretStr] = Field(
        default_factory=dict,
        description='Shared token per source, e.g. {"alertmanager": "..."}; "*" applies to every source. '
        "A source without a token accepts webhooks without one.",
    )
    sources: dict[str, SourceConfig] = Field(
        default_factory=dict,
        description="Per-source settings by source name (YAML only), e.g. sources.generic.open: true.",
    )
    open_sources: Annotated[list[str], NoDecode] = Field(
        default_factory=list,
        description="Sources that accept webhooks without a token in protected mode, on purpose "
        "(comma-separated; the environment form of sources.<name>.open).",
    )
    sns_verify_signatures: bool = Field(
        default=True, description="Verify Amazon SNS message signatures (turn off only for tests)."
    )
    sns_topic_arns: Annotated[list[str], NoDecode] = Field(
        default_factory=list,
        description="SNS topics allowed to post to /webhooks/cloudwatch (comma-separated); empty: any topic.",
    )
    generic: GenericMapping = Field(
        default=DEFAULT_MAPPING, description="How /webhooks/generic reads an alert out of any JSON body."
    )
    channels: list[AnyChannelConfig] = Field(
        default_factory=list,
        description="More channels by name: slack, pagerduty, opsgenie, webhook, msgraph, apprise, teams, "
        "email (YAML only); see docs/channels/.",
    )
    fallback_channel: str | None = Field(
        default=None,
        description="Channel that hears, at once, about any other channel failing repeatedly (alert "
        "HoldoffChannelFailing).",
    )
    channel_failure_threshold: int = Field(
        default=3, ge=1, le=1000, description="Failed attempts in a row that make a channel 'failing'."
    )
    templates_dir: Path | None = Field(
        default=None,
        description="Directory of Jinja2 templates overriding Holdoff's own (see docs/channels/).",
    )
    routes: Annotated[list[RouteConfig], AfterValidator(check_tree)] = Field(
        default_factory=list, description="Routing tree (YAML only); see holdoff.policy_config."
    )
    flapping: FlappingConfig = Field(
        default_factory=FlappingConfig, description="Flapping detection and damping (YAML only)."
    )
    inhibit_rules: list[InhibitRuleConfig] = Field(
        default_factory=list, description="Mute target alerts while a source alert fires (YAML only)."
    )
    noise_rules: list[NoiseRuleConfig] = Field(
        default_factory=list, description="Drop or re-grade alerts by matchers (YAML only)."
    )
    group_by: list[LabelName] | None = Field(
        default=None,
        description="Default route: labels whose equal values make one incident (YAML only; '...': all).",
    )
    group_wait: Duration | None = Field(default=None, description="Default route: first message wait (30s).")
    group_interval: Duration | None = Field(
        default=None, description="Default route: time between an incident's messages (5m)."
    )
    transient: Literal["notify", "digest"] = Field(
        default="notify", description="Default route: 'resolved on its own' posts, one each or in the digest."
    )
    quiet_hours: QuietHoursConfig | None = Field(default=None, description="Default route's quiet hours.")
    digest: DigestConfig = Field(default_factory=DigestConfig, description="How often digests go out.")
    cloudwatch_insufficient_data: Literal["firing", "resolved", "ignore"] = Field(
        default="ignore", description="What a CloudWatch alarm entering INSUFFICIENT_DATA means."
    )

    # --- delivery and timers ---
    channel_timeout_seconds: float = Field(default=10.0, gt=0, le=120)
    retry_base_seconds: float = Field(default=1.0, gt=0, le=3600)
    retry_max_seconds: float = Field(default=300.0, gt=0, le=86_400)
    give_up_after_seconds: float = Field(
        default=86_400.0,
        gt=0,
        description="A message still failing this long after it was decided is marked failed.",
    )
    lease_seconds: float = Field(default=30.0, ge=1, le=3600)
    scheduler_interval_seconds: float = Field(default=0.5, gt=0, le=60)
    sender_interval_seconds: float = Field(default=0.5, gt=0, le=60)

    @model_validator(mode="wrap")
    @classmethod
    def _channel_names_in_scope(cls, data: Any, handler: ModelWrapValidatorHandler[Settings]) -> Settings:
        """Routes, escalation steps and the fallback may name the channels of ``channels:`` (checked
        where they are written, so an error points at the right line)."""
        names = _channel_names(data.get("channels")) if isinstance(data, dict) else frozenset()
        token = KNOWN_CHANNELS.set(BUILT_IN | names)
        try:
            return handler(data)
        finally:
            KNOWN_CHANNELS.reset(token)

    @field_validator("channels")
    @classmethod
    def _unique_channel_names(cls, value: list[AnyChannelConfig]) -> list[AnyChannelConfig]:
        seen: set[str] = set()
        for config in value:
            if config.name in BUILT_IN:
                raise ValueError(
                    f"channel name {config.name!r} is built in (configured by its own settings); pick another name"
                )
            if config.name in seen:
                raise ValueError(f"channel name {config.name!r} is used twice")
            seen.add(config.name)
        return value

    @field_validator("fallback_channel")
    @classmethod
    def _fallback_exists(cls, value: str | None) -> str | None:
        if value is not None and value not in KNOWN_CHANNELS.get():
            known = ", ".join(sorted(KNOWN_CHANNELS.get()))
            raise ValueError(f"unknown channel {value!r}; known: {known}")
        return value

    @field_validator("group_wait", "group_interval")
    @classmethod
    def _group_timer_bounds(cls, value: timedelta | None) -> timedelta | None:
        return GroupingFields.check_group_timer(value)

    @field_validator(
        "email_to", "sns_topic_arns", "open_sources", "allowed_hosts", "allowed_origins", mode="before"
    )
    @classmethod
    def _split_list(cls, value: Any) -> Any:
        if isinstance(value, str):
            return [part.strip() for part in value.replace(";", ",").split(",") if part.strip()]
        return value

    @field_validator("email_to")
    @classmethod
    def _check_addresses(cls, value: list[str]) -> list[str]:
        for address in value:
            if "@" not in address:
                raise ValueError(f"{address!r} is not an email address")
        return value

    @field_validator("allowed_hosts")
    @classmethod
    def _check_host_names(cls, value: list[str]) -> list[str]:
        """Host names as the Host check compares them: lower case, no brackets or final dot."""
        names = []
        for entry in value:
            name = entry.strip().lower().removeprefix("[").removesuffix("]").rstrip(".")
            if not name or "/" in name or "@" in name or (":" in name and not _is_ip_address(name)):
                raise ValueError(
                    f"{entry!r} is not a host name: write it without scheme, port or path, "
                    "e.g. holdoff.example.com"
                )
            names.append(name)
        return names

    @field_validator("allowed_origins")
    @classmethod
    def _check_origins(cls, value: list[str]) -> list[str]:
        for entry in value:
            if not _is_origin(entry):
                raise ValueError(
                    f"{entry!r} is not an origin: write scheme://host[:port], e.g. https://grafana.example.com"
                )
        return value

    @field_validator("public_url", "database_url")
    @classmethod
    def _strip(cls, value: str | None) -> str | None:
        return value.strip() or None if value is not None else None

    @field_validator("teams_webhook_url")
    @classmethod
    def _check_teams_url(cls, value: SecretStr | None) -> SecretStr | None:
        if value is None or not value.get_secret_value().strip():
            return None
        if not value.get_secret_value().startswith(("https://", "http://")):
            raise ValueError(
                "must be an http(s) URL (the Workflows 'When a Teams webhook request is received' URL)"
            )
        return value

    @field_validator("ingest_tokens")
    @classmethod
    def _check_token_sources(cls, value: dict[str, SecretStr]) -> dict[str, SecretStr]:
        from holdoff.ingest import KNOWN_SOURCES

        for source, token in value.items():
            if source != "*" and source not in KNOWN_SOURCES:
                known = ", ".join(sorted(KNOWN_SOURCES))
                raise ValueError(f"unknown source {source!r}; known sources: {known}, or * for all")
            if len(token.get_secret_value()) < 16:
                raise ValueError(f"the token for {source!r} is shorter than 16 characters")
        return value

    @field_validator("sources", "open_sources")
    @classmethod
    def _check_source_names(cls, value: dict[str, SourceConfig] | list[str]) -> Any:
        from holdoff.ingest import KNOWN_SOURCES

        for source in value:
            if source not in KNOWN_SOURCES:
                known = ", ".join(sorted(KNOWN_SOURCES))
                each = " (name each open source; there is no '*' here)" if source == "*" else ""
                raise ValueError(f"unknown source {source!r}{each}; known sources: {known}")
        return value

    @model_validator(mode="after")
    def _check_combinations(self) -> Settings:
        if self.smtp_ssl and self.smtp_starttls:
            raise ValueError("smtp_ssl and smtp_starttls exclude each other: SSL from the start, or STARTTLS")
        if self.email_to and not self.email_from:
            raise ValueError("email_from (EMAIL_FROM) is required when email_to (EMAIL_TO) is set")
        if (self.smtp_username is None) != (self.smtp_password is None):
            raise ValueError("smtp_username and smtp_password go together: set both or neither")
        return self

    # --- derived values ---
    @property
    def grace(self) -> timedelta:
        return timedelta(seconds=self.grace_seconds)

    @property
    def resolved_database_url(self) -> str:
        return self.database_url or f"sqlite:///{self.data_dir / 'holdoff.db'}"

    @property
    def open_on_purpose(self) -> frozenset[str]:
        """Sources named open (``sources.<name>.open: true`` or ``HOLDOFF_OPEN_SOURCES``)."""
        named = {name for name, config in self.sources.items() if config.open}
        return frozenset(named | set(self.open_sources))

    @cached_property
    def resolved_public_url(self) -> str:
        return (self.public_url or f"http://{self.host}:{self.port}").rstrip("/")

    def secrets(self) -> list[str]:
        """Values that must never appear in a log line."""
        found = [self.teams_webhook_url, self.smtp_password, self.action_secret, *self.ingest_tokens.values()]
        values = [secret.get_secret_value() for secret in found if secret is not None]
        for channel in self.channels:
            values += channel.secrets()
        if self.database_url and "@" in self.database_url:
            values.append(self.database_url.split("://", 1)[-1].split("@", 1)[0])
        return [value for value in values if value]


class _YamlSource(PydanticBaseSettingsSource):
    """Settings from the ``--config`` YAML file (weaker than the environment)."""

    def __init__(self, settings_cls: type[BaseSettings], values: dict[str, Any]) -> None:
        super().__init__(settings_cls)
        self._values = values

    def get_field_value(self, field: FieldInfo, field_name: str) -> tuple[Any, str, bool]:
        return self._values.get(field_name), field_name, False

    def __call__(self) -> dict[str, Any]:
        return dict(self._values)


def _is_ip_address(text: str) -> bool:
    try:
        ipaddress.ip_address(text)
    except ValueError:
        return False
    return True


def _is_origin(text: str) -> bool:
    """``scheme://host[:port]``, as a browser's Origin header has it (a final ``/`` is let pass)."""
    try:
        parts = urlsplit(text.strip())
        port = parts.port  # raises ValueError for a port that is not one
    except ValueError:
        return False
    return (
        parts.scheme.lower() in ("http", "https")
        and bool(parts.hostname)
        and port != 0
        and parts.path in ("", "/")
        and not (parts.query or parts.fragment or "@" in parts.netloc)
    )


def _channel_names(raw: Any) -> frozenset[str]:
    """Names given in the YAML ``channels:`` list (validated properly with the rest)."""
    if not isinstance(raw, list):
        return frozenset()
    return frozenset(
        item["name"] for item in raw if isinstance(item, dict) and isinstance(item.get("name"), str)
    )


def load_settings(
    env_file: Path | None = None,
    config_file: Path | None = None,
    **overrides: Any,
) -> Settings:
    """Build the one settings object. Raises :class:`ConfigError` with a message fit for the user."""
    if env_file is not None and not env_file.is_file():
        raise ConfigError(f"--env-file {env_file}: no such file")
    chosen_env = (
        env_file if env_file is not None else (DEFAULT_ENV_FILE if DEFAULT_ENV_FILE.is_file() else None)
    )
    yaml_config = read_yaml(config_file, Settings.model_fields) if config_file is not None else None
    yaml_values = yaml_config.values if yaml_config is not None else {}

    class _Loaded(Settings):
        @classmethod
        def settings_customise_sources(
            cls,
            settings_cls: type[BaseSettings],
            init_settings: PydanticBaseSettingsSource,
            env_settings: PydanticBaseSettingsSource,
            dotenv_settings: PydanticBaseSettingsSource,
            file_secret_settings: PydanticBaseSettingsSource,
        ) -> tuple[PydanticBaseSettingsSource, ...]:
            return init_settings, env_settings, dotenv_settings, _YamlSource(settings_cls, yaml_values)

    env = {**(dotenv_values(chosen_env) if chosen_env is not None else {}), **os.environ}
    try:
        with environment({k: v for k, v in env.items() if v is not None}):
            return _Loaded(_env_file=chosen_env, **overrides)
    except ValidationError as exc:
        raise ConfigError(describe_validation_error(exc, yaml_config)) from exc
