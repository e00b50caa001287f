"""The CloudWatch pull against moto: EC2 instances picked by tag (DescribeInstances), their
CPUUtilization read with GetMetricData, labelled by instance, host and service; max_series held;
whole settled periods only; failures say what to check."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import boto3
import pytest
from moto import mock_aws

from holdoff.metrics.pull.base import PullFailed
from holdoff.metrics.pull.cloudwatch import CloudWatchPull, CloudWatchPullConfig, window

REGION = "eu-west-1"
AMI = "ami-12c6146b"


@pytest.fixture
def aws(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    for name, value in {
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_SESSION_TOKEN": "testing",
        "AWS_DEFAULT_REGION": REGION,
    }.items():
        monkeypatch.setenv(name, value)
    with mock_aws():
        yield


def launch(tags: dict[str, str]) -> str:
    ec2 = boto3.client("ec2", region_name=REGION)
    spec = [{"ResourceType": "instance", "Tags": [{"Key": k, "Value": v} for k, v in tags.items()]}]
    found: str = ec2.run_instances(ImageId=AMI, MinCount=1, MaxCount=1, TagSpecifications=spec)["Instances"][
        0
    ]["InstanceId"]
    return found


def put_cpu(instance: str, points: list[tuple[datetime, float]]) -> None:
    cloudwatch = boto3.client("cloudwatch", region_name=REGION)
    cloudwatch.put_metric_data(
        Namespace="AWS/EC2",
        MetricData=[
            {
                "MetricName": "CPUUtilization",
                "Dimensions": [{"Name": "InstanceId", "Value": instance}],
                "Timestamp": at,
                "Value": value,
                "Unit": "Percent",
            }
            for at, value in points
        ],
    )


def config(**extra: Any) -> CloudWatchPullConfig:
    return CloudWatchPullConfig.model_validate(
        {"type": "cloudwatch", "region": REGION, "tags": {"aiops": "enabled"}, **extra}
    )


def now_aligned() -> datetime:
    now = datetime.now(UTC)
    return now.replace(minute=now.minute - now.minute % 5, second=0, microsecond=0)


def test_tagged_running_instances_are_pulled_with_their_labels(aws: None) -> None:
    base = now_aligned() - timedelta(minutes=30)
    web = launch({"aiops": "enabled", "Name": "web-1", "service": "checkout"})
    bare = launch({"aiops": "enabled"})
    untagged = launch({"Name": "other"})
    for instance, level in ((web, 40.0), (bare, 10.0), (untagged, 99.0)):
        put_cpu(instance, [(base + timedelta(minutes=5 * i), level + i) for i in range(4)])
    pull = config().build()
    pulled = pull.pull(base, base + timedelta(minutes=20))
    assert (pulled.series, pulled.dropped_series) == (2, 0)
    by_instance: dict[str, list[tuple[datetime, float]]] = {}
    for sample in pulled.samples:
        assert sample.name == "aws_ec2_cpuutilization_average"
        by_instance.setdefault(sample.labels["instance"], []).append((sample.timestamp, sample.value))
    assert set(by_instance) == {web, bare}
    assert by_instance[web] == [(base + timedelta(minutes=5 * i), 40.0 + i) for i in range(4)]
    labels = {s.labels["instance"]: s.labels for s in pulled.samples}
    assert labels[web] == {"instance": web, "region": REGION, "host": "web-1", "service": "checkout"}
    assert labels[bare] == {"instance": bare, "region": REGION}


def test_beyond_max_series_the_other_instances_are_dropped_and_counted(aws: None) -> None:
    base = now_aligned() - timedelta(minutes=30)
    instances = [launch({"aiops": "enabled"}) for _ in range(3)]
    for instance in instances:
        put_cpu(instance, [(base, 1.0)])
    pulled = config(max_series=2).build().pull(base, base + timedelta(minutes=10))
    assert (pulled.series, pulled.dropped_series) == (2, 1)
    assert {s.labels["instance"] for s in pulled.samples} == set(sorted(instances)[:2])


def test_the_window_is_whole_settled_periods_from_the_last_end_within_the_lookback() -> None:
    c = config(period="5m", settle="2m", lookback="1h")
    now = datetime(2026, 3, 1, 9, 13, 30, tzinfo=UTC)
    assert window(c, None, now) == (
        datetime(2026, 3, 1, 8, 10, tzinfo=UTC),
        datetime(2026, 3, 1, 9, 10, tzinfo=UTC),
    )
    assert window(c, datetime(2026, 3, 1, 9, 5, tzinfo=UTC), now) == (
        datetime(2026, 3, 1, 9, 5, tzinfo=UTC),
        datetime(2026, 3, 1, 9, 10, tzinfo=UTC),
    )
    assert window(c, datetime(2026, 3, 1, 9, 10, tzinfo=UTC), now) is None
    assert window(c, datetime(2026, 2, 1, tzinfo=UTC), now)[0] == datetime(2026, 3, 1, 8, 10, tzinfo=UTC)  # type: ignore[index]


def test_a_refused_call_is_a_pull_failure_that_says_what_to_check(aws: None) -> None:
    class Refusing:
        def describe_instances(self, **kwargs: Any) -> dict[str, Any]:
            from botocore.exceptions import ClientError  # type: ignore[import-untyped]

            raise ClientError(
                {"Error": {"Code": "UnauthorizedOperation", "Message": "not allowed"}}, "DescribeInstances"
            )

        def get_metric_data(self, **kwargs: Any) -> dict[str, Any]:
            raise AssertionError("not reached")

    pull = CloudWatchPull(config(), lambda: (Refusing(), Refusing(), None))
    with pytest.raises(
        PullFailed, match=r'cloudwatch pull "cloudwatch" \(eu-west-1\): UnauthorizedOperation: not allowed'
    ):
        pull.pull(now_aligned() - timedelta(hours=1), now_aligned())
