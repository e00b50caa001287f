"""One service identity across sources: the ``service`` and ``environment`` labels every alert gets.

Each source names the service its own way: Alertmanager and Grafana by a ``service``, ``app`` or
``job`` label, Coralogix by its ``subsystem`` field, CloudWatch by a dimension (``dim_ServiceName``,
``dim_FunctionName``, ``dim_DBInstanceIdentifier`` ...), Security Hub by the resource a finding is
about. ``group_by: [service]``, silences on ``service`` and correlation only work across sources
when every alert carries the same label, so after a source has parsed a webhook,
:func:`name_service` adds ``service`` (and ``environment``, where something says it) from the
labels the source's entry lists, first found wins:

```yaml
sources:
  naming:
    aliases: {payments-api: payments}        # a derived name -> the name you use
    rewrite:                                 # every source: strip a suffix from a derived name
      - {match: '-(worker|consumer)$', replace: ''}
    coralogix:
      service: [subsystem, application]      # replaces the default list (subsystem)
```

Rules, so that nothing a source said is lost or changed:

- a label the alert already has (``service`` or ``environment``, not empty) is kept as it is: the
  rewrites and aliases only shape a name taken from another label;
- the other labels are kept, and the alert's identity (source and fingerprint, made by the parser)
  does not change: adding a label never makes it a different alert;
- Holdoff's own labels (``holdoff_*``) are never read nor written here.

Pure: no clock, no I/O; :func:`holdoff.ingest.source.parse_named` applies it for the webhook routes
and ``holdoff replay`` alike.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Mapping
from typing import Annotated, Any

from pydantic import (
    AliasChoices,
    BaseModel,
    ConfigDict,
    Field,
    StringConstraints,
    field_validator,
    model_validator,
)

from holdoff.mediate.model import AlertEvent

SERVICE = "service"
ENVIRONMENT = "environment"
RESERVED_PREFIX = "holdoff_"
"""Labels only Holdoff sets (see :data:`holdoff.mediate.model.RESERVED_LABELS`): never a name's source."""
MAX_NAME = 4096
"""A derived name is cut to this many characters (the longest label value a source accepts)."""


def _not_reserved(name: str) -> str:
    if name.startswith(RESERVED_PREFIX):
        raise ValueError(f"{name!r}: labels starting with {RESERVED_PREFIX!r} are Holdoff's own")
    return name


LabelName = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=256)]
Name = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=MAX_NAME)]


class Rewrite(BaseModel):
    """Every match of ``match`` (a Python regular expression) in a derived name is replaced by
    ``replace`` (``\\1`` or ``\\g<name>`` refer to a group). A name rewritten to nothing does not
    count: the next label of the list is tried."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    match: re.Pattern[str] = Field(description="A regular expression searched in the name.")
    replace: str = Field(default="", max_length=256, description="What replaces each match.")

    @model_validator(mode="after")
    def _replace_is_valid(self) -> Rewrite:
        # A match of the pattern or of nothing, to expand ``replace`` against: a bad escape or a group
        # the pattern does not have is said now, not at the first alert it would rewrite.
        anything = re.compile(f"{self.match.pattern}|", self.match.flags).match("")
        try:
            if anything is not None:  # always: the empty alternative matches
                anything.expand(self.replace)
        except (re.error, IndexError) as exc:
            raise ValueError(f"replace {self.replace!r} does not fit {self.match.pattern!r}: {exc}") from None
        return self

    def apply(self, name: str) -> str:
        return self.match.sub(self.replace, name)


class SourceNaming(BaseModel):
    """Where one source's alerts name their service and environment."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    service: tuple[LabelName, ...] = Field(
        default=(), description="Labels to take the service from, in order; the first present wins."
    )
    environment: tuple[LabelName, ...] = Field(
        default=(), description="Labels to take the environment from, in order; the first present wins."
    )
    rewrite: tuple[Rewrite, ...] = Field(
        default=(), description="Rewrites of a service name taken from these labels, in order."
    )

    @field_validator("service", "environment")
    @classmethod
    def _no_reserved(cls, names: tuple[str, ...]) -> tuple[str, ...]:
        for name in names:
            _not_reserved(name)
        return names


_ARN_RESOURCE = Rewrite(
    match=re.compile(r"^arn:[^:]*:[^:]*:[^:]*:[^:]*:(?:[^/:]*[/:])*([^/:]+)$"), replace=r"\1"
)
"""``arn:aws:ec2:...:instance/i-0abc`` -> ``i-0abc``, ``arn:aws:s3:::bucket`` -> ``bucket``: the name
at the end of an ARN."""

_KUBERNETES = SourceNaming(
    service=("app_kubernetes_io_name", "app", "deployment", "statefulset", "daemonset", "container", "job"),
    environment=("env", "stage"),
)

DEFAULTS: Mapping[str, SourceNaming] = {
    "coralogix": SourceNaming(service=("subsystem",), environment=("env", "application")),
    "alertmanager": _KUBERNETES,
    "grafana": _KUBERNETES,
    "cloudwatch": SourceNaming(
        service=(
            "dim_Service",
            "dim_service",
            "dim_ServiceName",
            "dim_FunctionName",
            "dim_DBInstanceIdentifier",
            "dim_DBClusterIdentifier",
            "dim_CacheClusterId",
            "dim_ReplicationGroupId",
            "dim_TargetGroup",
            "dim_LoadBalancer",
            "dim_LoadBalancerName",
            "dim_ApiName",
            "dim_QueueName",
            "dim_TableName",
            "dim_StreamName",
            "dim_DeliveryStreamName",
            "dim_TopicName",
            "dim_StateMachineArn",
            "dim_DomainName",
            "dim_BucketName",
            "dim_ClusterName",
            "dim_ClusterIdentifier",
            "dim_AutoScalingGroupName",
            "dim_InstanceId",
        ),
        environment=("dim_Environment", "dim_environment", "dim_env"),
        rewrite=(
            # Load balancers and target groups: app/web-alb/50dc6c495c0c9188 -> web-alb.
            Rewrite(match=re.compile(r"^(?:app|net|gwy|targetgroup)/([^/]+)/[0-9a-f]+$"), replace=r"\1"),
            _ARN_RESOURCE,  # a state machine's ARN -> its name
        ),
    ),
    # AWS Health names the AWS service it is about (EC2, RDS) in its own ``service`` label.
    "aws_health": SourceNaming(environment=("env",)),
    "securityhub": SourceNaming(
        service=("resource_id",),
        environment=("env",),
        rewrite=(
            _ARN_RESOURCE,
            # A finding about the account as a whole names no service.
            Rewrite(match=re.compile(r"^AWS::::Account:\d+$"), replace=""),
        ),
    ),
    "generic": SourceNaming(service=("app", "application", "component", "job"), environment=("env", "stage")),
}
"""Each source's entry when the configuration leaves it out; a field written replaces that field only."""


class ServiceNaming(BaseModel):
    """``sources.naming``: how every alert gets its ``service`` and ``environment`` labels."""

    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)

    enabled: bool = Field(default=True, description="Add service and environment labels at all.")
    aliases: dict[Name, Name] = Field(
        default_factory=dict, description="A derived service name (after rewrites) -> the name to use."
    )
    environment_aliases: dict[Name, Name] = Field(
        default_factory=dict,
        description="A derived environment name -> the name to use (prod -> production).",
    )
    rewrite: tuple[Rewrite, ...] = Field(
        default=(), description="Rewrites of every source's derived service name, after the source's own."
    )
    coralogix: SourceNaming = DEFAULTS["coralogix"]
    alertmanager: SourceNaming = DEFAULTS["alertmanager"]
    grafana: SourceNaming = DEFAULTS["grafana"]
    cloudwatch: SourceNaming = DEFAULTS["cloudwatch"]
    aws_health: SourceNaming = Field(
        default=DEFAULTS["aws_health"], validation_alias=AliasChoices("aws_health", "aws-health")
    )
    securityhub: SourceNaming = DEFAULTS["securityhub"]
    generic: SourceNaming = DEFAULTS["generic"]

    @model_validator(mode="before")
    @classmethod
    def _over_defaults(cls, data: Any) -> Any:
        """A source's entry as written, over its default: ``coralogix: {service: [application]}`` keeps
        the default environment labels."""
        if not isinstance(data, dict):
            return data
        merged = dict(data)
        for key, value in data.items():
            source = str(key).replace("-", "_")
            if source in DEFAULTS:
                if isinstance(value, dict):
                    merged[key] = {**DEFAULTS[source].model_dump(exclude=set(value)), **value}
            elif source not in cls.model_fields:
                known = ", ".join(name.replace("_", "-") for name in DEFAULTS)
                raise ValueError(f"unknown source {key!r}; known sources: {known}")
        return merged

    def of(self, source: str) -> SourceNaming | None:
        """The entry of the source named ``source`` as the registry names it; None for other sources."""
        if source.replace("-", "_") not in DEFAULTS:
            return None
        found: SourceNaming = getattr(self, source.replace("-", "_"))
        return found

    def service_from(self, entry: SourceNaming, labels: Mapping[str, str]) -> str | None:
        """The service the first of ``entry.service`` present in ``labels`` names, rewritten and aliased."""
        for label in entry.service:
            name = labels.get(label)
            if not name:
                continue
            for rewrite in (*entry.rewrite, *self.rewrite):
                name = rewrite.apply(name)
            name = name.strip()
            if name:
                return self.aliases.get(name, name)[:MAX_NAME]
        return None

    def environment_from(self, entry: SourceNaming, labels: Mapping[str, str]) -> str | None:
        """The environment the first of ``entry.environment`` present in ``labels`` names, aliased."""
        for label in entry.environment:
            name = labels.get(label, "").strip()
            if name:
                return self.environment_aliases.get(name, name)[:MAX_NAME]
        return None


def name_service(source: str, event: AlertEvent, naming: ServiceNaming) -> AlertEvent:
    """``event`` with ``service`` and ``environment`` labels added where it has none and its labels
    name one (see the module's rules); the same event when there is nothing to add."""
    entry = naming.of(source) if naming.enabled else None
    if entry is None:
        return event
    labels = event.labels
    added: dict[str, str] = {}
    if not labels.get(SERVICE):
        service = naming.service_from(entry, labels)
        if service:
            added[SERVICE] = service
    if not labels.get(ENVIRONMENT):
        environment = naming.environment_from(entry, labels)
        if environment:
            added[ENVIRONMENT] = environment
    if not added:
        return event
    return dataclasses.replace(event, labels={**labels, **added})
