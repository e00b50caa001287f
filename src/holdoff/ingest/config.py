"""The ``sources:`` section of the configuration: what each alert source accepts.

```yaml
sources:
  token: ${HOLDOFF_INGEST_TOKEN}     # every source's shared token, unless it has its own
  alertmanager:
    token: ${AM_TOKEN}               # this source's own token
  generic:
    open: true                       # protected mode: accept without a token, on purpose
    mapping: {name: headline}        # how /webhooks/generic reads an alert (see docs)
  cloudwatch:
    insufficient_data: ignore        # firing, resolved or ignore
    topic_arns: [arn:aws:sns:eu-west-1:123456789012:alarms]
  naming:                            # how alerts get their service label (holdoff.ingest.naming)
    aliases: {payments-api: payments}
```

Every source has an entry, named as in :mod:`holdoff.ingest.registry` (``aws-health`` is written
``aws_health`` or ``aws-health``); a test keeps the two in step. Besides them, ``token`` and
``naming`` (:class:`~holdoff.ingest.naming.ServiceNaming`) are for every source.
"""

from __future__ import annotations

from typing import Any

from pydantic import AliasChoices, BaseModel, ConfigDict, Field, SecretStr, field_validator, model_validator

from holdoff.config_types import Secret
from holdoff.ingest.cloudwatch import InsufficientData
from holdoff.ingest.generic import DEFAULT_MAPPING, GenericMapping
from holdoff.ingest.naming import ServiceNaming

MIN_TOKEN_CHARS = 16


def split_list(value: Any) -> Any:
    """``"a, b;c"`` (an environment variable) -> ``["a", "b", "c"]``; a list is left as it is."""
    if isinstance(value, str):
        return [part.strip() for part in value.replace(";", ",").split(",") if part.strip()]
    return value


def _check_token(value: SecretStr | None) -> SecretStr | None:
    if value is not None and len(value.get_secret_value()) < MIN_TOKEN_CHARS:
        raise ValueError(f"the token is shorter than {MIN_TOKEN_CHARS} characters")
    return value


class SourceConfig(BaseModel):
    """What every source has."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    open: bool = Field(
        default=False,
        description="Accept this source's webhooks without a token in protected mode, on purpose.",
    )
    token: Secret | None = Field(
        default=None, description="Shared token this source's senders give (header or ?token=)."
    )

    _token_length = field_validator("token")(_check_token)


class GenericSourceConfig(SourceConfig):
    mapping: GenericMapping = Field(
        default=DEFAULT_MAPPING, description="How /webhooks/generic reads an alert out of any JSON body."
    )


class CloudWatchSourceConfig(SourceConfig):
    insufficient_data: InsufficientData = Field(
        default="ignore", description="What a CloudWatch alarm entering INSUFFICIENT_DATA means."
    )
    verify_signatures: bool = Field(
        default=True, description="Verify Amazon SNS message signatures (turn off only for tests)."
    )
    topic_arns: list[str] = Field(
        default_factory=list, description="SNS topics allowed to post (comma-separated); empty: any topic."
    )

    _split = field_validator("topic_arns", mode="before")(split_list)


class SourcesSection(BaseModel):
    """``sources:``: one entry per alert source, plus the token and the service naming every source shares."""

    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)

    token: Secret | None = Field(
        default=None, description="Token every source accepts (a source's own token replaces it)."
    )
    coralogix: SourceConfig = SourceConfig()
    alertmanager: SourceConfig = SourceConfig()
    grafana: SourceConfig = SourceConfig()
    cloudwatch: CloudWatchSourceConfig = CloudWatchSourceConfig()
    aws_health: SourceConfig = Field(
        default=SourceConfig(), validation_alias=AliasChoices("aws_health", "aws-health")
    )
    securityhub: SourceConfig = SourceConfig()
    generic: GenericSourceConfig = GenericSourceConfig()
    naming: ServiceNaming = Field(
        default=ServiceNaming(),
        description="How every alert gets its service and environment labels, per source (see docs).",
    )

    _token_length = field_validator("token")(_check_token)

    @model_validator(mode="before")
    @classmethod
    def _known_sources(cls, data: Any) -> Any:
        if isinstance(data, dict):
            shared = ("token", "naming")
            known = [name for name in cls.model_fields if name not in shared]
            for key in data:
                if key not in shared and str(key).replace("-", "_") not in known:
                    names = ", ".join(name.replace("aws_health", "aws-health") for name in known)
                    each = (
                        " (name each open source; there is no '*' here; a token for every source is sources.token)"
                        if key == "*"
                        else ""
                    )
                    raise ValueError(f"unknown source {key!r}{each}; known sources: {names}")
        return data

    def of(self, source: str) -> SourceConfig:
        """The entry of the source named ``source`` as the registry names it."""
        config = getattr(self, source.replace("-", "_"), None)
        if not isinstance(config, SourceConfig):
            raise KeyError(source)
        return config

    def token_for(self, source: str) -> SecretStr | None:
        """The token ``source``'s senders must give: its own, else the shared one, else none."""
        return self.of(source).token or self.token

    def tokens(self) -> dict[str, SecretStr]:
        """Tokens set, by source name (``*`` for the shared one)."""
        found = {name: config.token for name, config in self.entries() if config.token is not None}
        return found | ({"*": self.token} if self.token is not None else {})

    def entries(self) -> list[tuple[str, SourceConfig]]:
        """Each source's name (as the registry names it) and entry."""
        return [
            (name.replace("_", "-") if name == "aws_health" else name, value)
            for name, value in self
            if isinstance(value, SourceConfig)
        ]

    @property
    def open_on_purpose(self) -> frozenset[str]:
        """Sources written ``open: true``."""
        return frozenset(name for name, config in self.entries() if config.open)
