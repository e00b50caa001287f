"""CloudWatch: a metric of the EC2 instances picked by tag, from ``GetMetricData`` (boto3): the AWS
agent seed's path (CPUUtilization every 5 minutes of the instances tagged ``aiops: enabled``).

Each pull lists the running instances with the tags (``DescribeInstances``), at most ``max_series``
of them, then asks for the metric of each (500 queries per ``GetMetricData`` call). Only whole
periods that CloudWatch has had ``settle`` to fill are asked for: a stored point is never changed, so
a partial period is not stored. A series is ``aws_<namespace>_<metric>_<statistic>`` (``series`` to
choose another) with the labels ``instance`` (the instance id), ``region``, and ``host`` and
``service`` from the instance's ``Name`` and ``service`` tags when it has them. Credentials come from
boto3's usual chain, optionally a ``profile`` and an assumed ``role_arn``.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any, Final, Literal, Protocol

from pydantic import Field, field_validator, model_validator

from holdoff.aws import aws_session
from holdoff.logs.detect.base import Duration, positive
from holdoff.metrics.model import METRIC_NAME, Sample
from holdoff.metrics.pull.base import PullConfig, Pulled, PullFailed, finite, metric_name

QUERIES_PER_CALL: Final = 500
MAX_PAGES: Final = 100
ROLE_REFRESH: Final = timedelta(minutes=5)


class Ec2Client(Protocol):
    def describe_instances(self, **kwargs: Any) -> dict[str, Any]: ...


class CloudWatchClient(Protocol):
    def get_metric_data(self, **kwargs: Any) -> dict[str, Any]: ...


class Clients(Protocol):
    """Makes the EC2 and CloudWatch clients (boto3's by default; a test passes moto's)."""

    def __call__(self) -> tuple[Ec2Client, CloudWatchClient, datetime | None]: ...


class CloudWatchPullConfig(PullConfig):
    """``type: cloudwatch``: one metric of the EC2 instances carrying the given tags."""

    type: Literal["cloudwatch"]
    region: str = Field(pattern=r"^[a-z]{2}(-[a-z]+)+-\d$", description="e.g. eu-west-1")
    namespace: str = Field(default="AWS/EC2", min_length=1, max_length=255)
    metric: str = Field(default="CPUUtilization", min_length=1, max_length=255)
    statistic: Literal["Average", "Maximum", "Minimum", "Sum", "SampleCount"] = "Average"
    period: Duration = Field(default=timedelta(minutes=5), description="A multiple of 60 seconds.")
    tags: dict[str, str] = Field(
        default_factory=dict, description="Instances with all these tags (empty: every running instance)."
    )
    every: Duration = Field(default=timedelta(minutes=5), description="How often it runs.")
    settle: Duration = Field(
        default=timedelta(minutes=2),
        description="How long CloudWatch gets to fill a period before it is read.",
    )
    series: str | None = Field(
        default=None,
        pattern=METRIC_NAME,
        description="The metric name of the series (default aws_<namespace>_<metric>_<statistic>).",
    )
    role_arn: str | None = Field(default=None, pattern=r"^arn:aws[a-z-]*:iam::\d{12}:role/.+$")
    profile: str | None = None
    endpoint_url: str | None = Field(default=None, description="Another endpoint (a VPC endpoint, a test).")

    _positive = field_validator("period")(positive)

    @model_validator(mode="after")
    def _check(self) -> CloudWatchPullConfig:
        seconds = self.period.total_seconds()
        if seconds % 60 or seconds < 60:
            raise ValueError("period must be a multiple of 60 seconds")
        if self.endpoint_url is not None and not self.endpoint_url.startswith(("http://", "https://")):
            raise ValueError("endpoint_url must be an http:// or https:// URL")
        return self

    @property
    def series_name(self) -> str:
        if self.series is not None:
            return self.series
        return metric_name(f"{self.namespace}_{self.metric}_{self.statistic}".lower())

    def build(self, clients: Clients | None = None) -> CloudWatchPull:
        return CloudWatchPull(self, clients)

    def describe(self) -> str:
        tags = ", ".join(f"{k}={v}" for k, v in sorted(self.tags.items())) or "any"
        return f'cloudwatch pull "{self.name}" ({self.region} {self.namespace} {self.metric}, tags {tags})'


# --------------------------------------------------------------------------- pure parts


@dataclass(frozen=True, slots=True)
class Instance:
    id: str
    tags: dict[str, str]


def instance_filters(config: CloudWatchPullConfig) -> list[dict[str, Any]]:
    filters: list[dict[str, Any]] = [{"Name": "instance-state-name", "Values": ["running"]}]
    filters += [{"Name": f"tag:{key}", "Values": [value]} for key, value in sorted(config.tags.items())]
    return filters


def parse_instances(pages: list[dict[str, Any]]) -> list[Instance]:
    """Instances of ``DescribeInstances`` pages, by id, each once."""
    found: dict[str, Instance] = {}
    for page in pages:
        for reservation in page.get("Reservations") or []:
            for item in reservation.get("Instances") or []:
                if isinstance(item.get("InstanceId"), str):
                    tags = {str(t.get("Key")): str(t.get("Value")) for t in item.get("Tags") or []}
                    found[item["InstanceId"]] = Instance(item["InstanceId"], tags)
    return [found[key] for key in sorted(found)]


def labels(config: CloudWatchPullConfig, instance: Instance) -> dict[str, str]:
    found = {"instance": instance.id, "region": config.region}
    if instance.tags.get("Name"):
        found["host"] = instance.tags["Name"]
    if instance.tags.get("service"):
        found["service"] = instance.tags["service"]
    return found


def window(
    config: CloudWatchPullConfig, last_end: datetime | None, now: datetime
) -> tuple[datetime, datetime] | None:
    """Whole periods from ``last_end`` (at most ``lookback`` back) to ``now - settle``."""
    period = int(config.period.total_seconds())
    end = _floor(now - config.settle, period)
    floor = _floor(now - config.lookback, period)
    start = floor if last_end is None else max(floor, _floor(last_end, period))
    return (start, end) if start < end else None


def _floor(at: datetime, period: int) -> datetime:
    return datetime.fromtimestamp(int(at.timestamp()) // period * period, UTC)


def metric_queries(config: CloudWatchPullConfig, instances: list[Instance]) -> list[dict[str, Any]]:
    """One ``MetricDataQuery`` per instance, its Id ``m<index>``."""
    return [
        {
            "Id": f"m{index}",
            "MetricStat": {
                "Metric": {
                    "Namespace": config.namespace,
                    "MetricName": config.metric,
                    "Dimensions": [{"Name": "InstanceId", "Value": instance.id}],
                },
                "Period": int(config.period.total_seconds()),
                "Stat": config.statistic,
            },
            "ReturnData": True,
        }
        for index, instance in enumerate(instances)
    ]


def parse_results(
    config: CloudWatchPullConfig, instances: list[Instance], results: list[dict[str, Any]]
) -> tuple[list[Sample], int]:
    """``MetricDataResults`` as samples (oldest first), and how many values were not finite."""
    by_id = {f"m{index}": instance for index, instance in enumerate(instances)}
    samples: list[Sample] = []
    skipped = 0
    for result in results:
        instance = by_id.get(str(result.get("Id")))
        if instance is None:
            continue
        tagged = labels(config, instance)
        for at, value in sorted(
            zip(result.get("Timestamps") or [], result.get("Values") or [], strict=False)
        ):
            if not finite(float(value)):
                skipped += 1
                continue
            stamp = at if at.tzinfo is not None else at.replace(tzinfo=UTC)
            samples.append(
                Sample(name=config.series_name, labels=tagged, timestamp=stamp, value=float(value))
            )
    return samples, skipped


def failure(config: CloudWatchPullConfig, exc: Exception) -> PullFailed:
    """A boto3/botocore error as a :class:`PullFailed` that says what to check."""
    from botocore import exceptions as aws  # type: ignore[import-untyped]

    where = f'cloudwatch pull "{config.name}" ({config.region})'
    if isinstance(exc, aws.ClientError):
        error = exc.response.get("Error", {})
        code = str(error.get("Code") or "error")
        text = config.scrub(str(error.get("Message") or "").strip())
        hint = ""
        if any(word in code for word in ("Denied", "Unauthorized", "Unrecognized", "Token", "Signature")):
            hint = "; check the role or profile: ec2:DescribeInstances and cloudwatch:GetMetricData"
        return PullFailed(f"{where}: {code}: {text}{hint}")
    if isinstance(exc, aws.NoCredentialsError | aws.PartialCredentialsError):
        return PullFailed(f"{where}: no AWS credentials (environment, profile, instance or task role)")
    if isinstance(exc, aws.ConnectTimeoutError | aws.ReadTimeoutError):
        return PullFailed(f"{where}: no answer within {config.timeout_seconds:g}s (timeout_seconds)")
    return PullFailed(f"{where}: {type(exc).__name__}: {config.scrub(str(exc))}")


# --------------------------------------------------------------------------- the client


class CloudWatchPull:
    """Lists the tagged instances, then reads their metric."""

    def __init__(self, config: CloudWatchPullConfig, clients: Clients | None = None) -> None:
        self.config = config
        self._factory: Clients = clients or (lambda: boto3_clients(config))
        self._clients: tuple[Ec2Client, CloudWatchClient] | None = None
        self._expires: datetime | None = None

    @property
    def name(self) -> str:
        return self.config.name

    def window(self, last_end: datetime | None, now: datetime) -> tuple[datetime, datetime] | None:
        return window(self.config, last_end, now)

    def pull(self, start: datetime, end: datetime) -> Pulled:
        try:
            ec2, cloudwatch = self._connected()
            instances = self._instances(ec2)
            kept = instances[: self.config.max_series]
            results: list[dict[str, Any]] = []
            queries = metric_queries(self.config, kept)
            for first in range(0, len(queries), QUERIES_PER_CALL):
                results += self._results(cloudwatch, queries[first : first + QUERIES_PER_CALL], start, end)
        except PullFailed:
            raise
        except Exception as exc:
            self._clients = None
            raise failure(self.config, exc) from None
        samples, skipped = parse_results(self.config, kept, results)
        return Pulled(samples, len(kept), len(instances) - len(kept), skipped)

    def _instances(self, ec2: Ec2Client) -> list[Instance]:
        pages: list[dict[str, Any]] = []
        params: dict[str, Any] = {"Filters": instance_filters(self.config)}
        for _ in range(MAX_PAGES):
            page = ec2.describe_instances(**params)
            pages.append(page)
            if not page.get("NextToken"):
                break
            params["NextToken"] = page["NextToken"]
        return parse_instances(pages)

    def _results(
        self, cloudwatch: CloudWatchClient, queries: list[dict[str, Any]], start: datetime, end: datetime
    ) -> list[dict[str, Any]]:
        merged: dict[str, dict[str, Any]] = {}
        params: dict[str, Any] = {
            "MetricDataQueries": queries,
            "StartTime": start,
            "EndTime": end,
            "ScanBy": "TimestampAscending",
        }
        for _ in range(MAX_PAGES):
            page = cloudwatch.get_metric_data(**params)
            for result in page.get("MetricDataResults") or []:
                into = merged.setdefault(
                    str(result.get("Id")), {"Id": result.get("Id"), "Timestamps": [], "Values": []}
                )
                into["Timestamps"] += list(result.get("Timestamps") or [])
                into["Values"] += list(result.get("Values") or [])
            if not page.get("NextToken"):
                break
            params["NextToken"] = page["NextToken"]
        return list(merged.values())

    def _connected(self) -> tuple[Ec2Client, CloudWatchClient]:
        now = datetime.now(UTC)
        if self._clients is None or (self._expires is not None and now >= self._expires - ROLE_REFRESH):
            ec2, cloudwatch, self._expires = self._factory()
            self._clients = (ec2, cloudwatch)
        return self._clients

    def close(self) -> None:
        self._clients = None


def boto3_clients(config: CloudWatchPullConfig) -> tuple[Ec2Client, CloudWatchClient, datetime | None]:
    """The ``ec2`` and ``cloudwatch`` clients of ``config``, and when assumed-role credentials expire."""
    aws = aws_session(
        name=config.name,
        region=config.region,
        profile=config.profile,
        role_arn=config.role_arn,
        timeout_seconds=config.timeout_seconds,
    )
    ec2: Ec2Client = aws.client("ec2", config.endpoint_url)
    cloudwatch: CloudWatchClient = aws.client("cloudwatch", config.endpoint_url)
    return ec2, cloudwatch, aws.expires
