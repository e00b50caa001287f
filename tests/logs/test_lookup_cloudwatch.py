"""CloudWatch Logs lookups: FilterLogEvents arguments (times in ms, a quoted phrase, a stream prefix),
events read back newest first with a console link, paging, and failures as LookupFailed (moto)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import boto3
import pytest
from moto import mock_aws

from holdoff.logs.lookup import CloudWatchConfig, LookupFailed, LookupQuery
from holdoff.logs.lookup.cloudwatch import console_link, filter_params, filter_pattern

START = datetime(2024, 5, 1, 10, 0, tzinfo=UTC)
QUERY = LookupQuery(service="checkout", start=START, end=START + timedelta(minutes=5))
NOW = datetime.now(UTC).replace(second=0, microsecond=0) - timedelta(minutes=30)
"""Where the moto tests' window starts: CloudWatch refuses events older than 14 days."""
RECENT = LookupQuery(service="checkout", start=NOW, end=NOW + timedelta(minutes=5))
GROUP = "/ecs/checkout"


def config(**extra: Any) -> CloudWatchConfig:
    settings: dict[str, Any] = {"type": "cloudwatch", "name": "aws-logs", "region": "eu-west-1"}
    return CloudWatchConfig.model_validate({"log_group": "/ecs/{service}", **settings, **extra})


def ms(moment: datetime) -> int:
    return int(moment.timestamp() * 1000)


@pytest.fixture
def aws(monkeypatch: pytest.MonkeyPatch) -> Iterator[Any]:
    for name, value in {
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_SESSION_TOKEN": "testing",
        "AWS_DEFAULT_REGION": "eu-west-1",
    }.items():
        monkeypatch.setenv(name, value)
    monkeypatch.delenv("AWS_PROFILE", raising=False)
    with mock_aws():
        client = boto3.client("logs", region_name="eu-west-1")
        client.create_log_group(logGroupName=GROUP)
        for stream in ("i-0abc", "i-0def"):
            client.create_log_stream(logGroupName=GROUP, logStreamName=stream)
        client.put_log_events(
            logGroupName=GROUP,
            logStreamName="i-0abc",
            logEvents=[
                {"timestamp": ms(NOW - timedelta(minutes=1)), "message": "ERROR before the window"},
                {"timestamp": ms(NOW + timedelta(seconds=10)), "message": "INFO request served in 12ms"},
                {
                    "timestamp": ms(NOW + timedelta(seconds=20)),
                    "message": '{"level":"error","msg":"payment declined"}',
                },
                {"timestamp": ms(NOW + timedelta(minutes=6)), "message": "ERROR after the window"},
            ],
        )
        client.put_log_events(
            logGroupName=GROUP,
            logStreamName="i-0def",
            logEvents=[{"timestamp": ms(NOW + timedelta(seconds=30)), "message": "WARN payment retry 2/3\n"}],
        )
        yield client


def test_filter_arguments_carry_the_window_in_ms_the_quoted_phrase_and_prefix() -> None:
    query = QUERY.model_copy(update={"contains": 'said "no"', "host": "i-0abc", "limit": 7000 // 2})
    params = filter_params(config(log_stream_prefix="{host}", limit=1000), query)
    assert params == {
        "logGroupName": GROUP,
        "startTime": 1714557600000,
        "endTime": 1714557900000,
        "limit": 1000,
        "logStreamNamePrefix": "i-0abc",
        "filterPattern": '"said \\"no\\""',
    }


def test_a_prefix_naming_the_host_is_left_out_when_no_host_is_asked_for() -> None:
    assert "logStreamNamePrefix" not in filter_params(config(log_stream_prefix="{host}"), QUERY)
    assert filter_pattern("timeout") == '"timeout"'


def test_lines_in_the_window_come_back_newest_first_with_levels_and_links(aws: Any) -> None:
    lines = config().build().lines(RECENT)
    assert [line.message for line in lines] == [
        "WARN payment retry 2/3",
        '{"level":"error","msg":"payment declined"}',
        "INFO request served in 12ms",
    ]
    assert [line.level for line in lines] == ["WARN", "error", "INFO"]
    assert [line.host for line in lines] == ["i-0def", "i-0abc", "i-0abc"]
    assert lines[0].timestamp == NOW + timedelta(seconds=30)
    assert lines[0].source_name == "aws-logs"
    assert lines[0].labels["log_group"] == GROUP
    assert lines[0].labels["log_stream"] == "i-0def"
    assert lines[0].link is not None
    assert lines[0].link.startswith(
        "https://eu-west-1.console.aws.amazon.com/cloudwatch/home?region=eu-west-1#logsV2:"
        "log-groups/log-group/$252Fecs$252Fcheckout/log-events/i-0def$3Fstart$3D"
    )


def test_a_phrase_narrows_the_lines(aws: Any) -> None:
    # moto ignores logStreamNamePrefix in FilterLogEvents; the prefix is checked on the arguments above.
    lines = config().build().lines(RECENT.model_copy(update={"contains": "payment"}))
    assert [line.message for line in lines] == [
        "WARN payment retry 2/3",
        '{"level":"error","msg":"payment declined"}',
    ]


def test_paging_follows_next_token_up_to_the_limit(aws: Any) -> None:
    aws.put_log_events(
        logGroupName=GROUP,
        logStreamName="i-0abc",
        logEvents=[
            {"timestamp": ms(NOW + timedelta(minutes=1, seconds=i)), "message": f"INFO tick {i}"}
            for i in range(30)
        ],
    )
    calls: list[dict[str, Any]] = []

    class Counting:
        def filter_log_events(self, **kwargs: Any) -> dict[str, Any]:
            calls.append(dict(kwargs))
            kwargs["limit"] = min(kwargs["limit"], 10)  # pages of ten, as a busy group answers
            result: dict[str, Any] = aws.filter_log_events(**kwargs)
            return result

    lines = config().build(lambda: Counting()).lines(RECENT.model_copy(update={"limit": 25}))
    assert len(lines) == 25
    assert len(calls) == 3
    assert "nextToken" not in calls[0]
    assert calls[1]["nextToken"]
    assert [call["limit"] for call in calls] == [25, 15, 5]


def test_a_missing_log_group_says_to_check_region_and_group(aws: Any) -> None:
    with pytest.raises(LookupFailed) as caught:
        config(log_group="/ecs/nowhere").build().lines(RECENT)
    message = str(caught.value)
    assert message.startswith('cloudwatch lookup "aws-logs" (eu-west-1): ResourceNotFoundException')
    assert "(check region and log_group)" in message
    assert caught.value.source_name == "aws-logs"


def test_an_assumed_role_reads_the_same_lines(aws: Any) -> None:
    lookup = config(role_arn="arn:aws:iam::123456789012:role/holdoff-logs").build()
    assert len(lookup.lines(RECENT)) == 3
    assert "role arn:aws:iam::123456789012:role/holdoff-logs" in lookup.describe()


def test_console_link_escapes_the_group_as_the_console_does() -> None:
    link = console_link(config(), "/aws/lambda/pay", "2024/05/01/[$LATEST]ab", START)
    assert link == (
        "https://eu-west-1.console.aws.amazon.com/cloudwatch/home?region=eu-west-1#logsV2:log-groups/"
        "log-group/$252Faws$252Flambda$252Fpay/log-events/2024$252F05$252F01$252F$255B$2524LATEST$255Dab"
        "$3Fstart$3D1714557540000$26end$3D1714557660000"
    )
