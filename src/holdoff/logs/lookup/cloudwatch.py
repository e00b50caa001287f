"""CloudWatch Logs: the lines around an alert from ``FilterLogEvents`` (boto3), the path of the AWS
agent seed.

The log group is named by a template (``/ecs/{service}``) or fixed; the log stream prefix may name
``{service}`` and ``{host}`` (the CloudWatch agent names streams after the instance by default).
``contains`` becomes a quoted filter pattern (an exact phrase). Credentials come from boto3's usual
chain (environment, shared profile, instance or task role), optionally a named ``profile`` and an
assumed ``role_arn``. CloudWatch returns the window's events oldest first, so a window with more
events than ``limit`` gives its earliest ones: keep root-cause windows short.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any, Final, Literal, Protocol
from urllib.parse import quote

from pydantic import Field, model_validator

from holdoff.aws import aws_session
from holdoff.logs.lookup.query import (
    CONTEXT_SPAN,
    FoundLine,
    LookupConfig,
    LookupFailed,
    LookupQuery,
    declared_level,
    epoch_ms,
    from_epoch_ms,
    newest_first,
    quoted,
)

MAX_PAGES: Final = 50
"""Pages of ``FilterLogEvents`` followed at most (a sparse filter over a large group pages a lot)."""
MAX_PAGE_EVENTS: Final = 10_000
ROLE_REFRESH: Final = timedelta(minutes=5)
"""Assumed-role credentials are renewed this long before they expire."""
AUTH_CODES: Final = frozenset(
    {
        "AccessDeniedException",
        "AccessDenied",
        "UnrecognizedClientException",
        "ExpiredTokenException",
        "InvalidClientTokenId",
        "InvalidSignatureException",
        "SignatureDoesNotMatch",
    }
)


class LogsClient(Protocol):
    """The part of boto3's ``logs`` client a lookup uses."""

    def filter_log_events(self, **kwargs: Any) -> dict[str, Any]: ...


class CloudWatchConfig(LookupConfig):
    """``type: cloudwatch``: CloudWatch Logs in one region."""

    type: Literal["cloudwatch"]
    region: str = Field(pattern=r"^[a-z]{2}(-[a-z]+)+-\d$", description="e.g. eu-west-1")
    log_group: str = Field(min_length=1, description="A log group, or a template such as /ecs/{service}.")
    log_stream_prefix: str | None = Field(
        default=None, description="Only streams starting with this; may name {service} and {host}."
    )
    role_arn: str | None = Field(default=None, pattern=r"^arn:aws[a-z-]*:iam::\d{12}:role/.+$")
    profile: str | None = None
    endpoint_url: str | None = Field(default=None, description="Another endpoint (a VPC endpoint, a test).")

    @model_validator(mode="after")
    def _check(self) -> CloudWatchConfig:
        if self.endpoint_url is not None and not self.endpoint_url.startswith(("http://", "https://")):
            raise ValueError("endpoint_url must be an http:// or https:// URL")
        return self

    def build(self, client: Callable[[], LogsClient] | None = None) -> CloudWatchLookup:
        return CloudWatchLookup(self, client)

    def describe(self) -> str:
        role = f", role {self.role_arn}" if self.role_arn else ""
        return f'cloudwatch "{self.name}" ({self.region}, {self.log_group}{role})'


# --------------------------------------------------------------------------- pure parts


def log_group(config: CloudWatchConfig, query: LookupQuery) -> str:
    return config.log_group.replace("{service}", query.service)


def stream_prefix(config: CloudWatchConfig, query: LookupQuery) -> str | None:
    """The stream prefix for ``query``; None when it names ``{host}`` and no host is asked for."""
    prefix = config.log_stream_prefix
    if prefix is None or ("{host}" in prefix and query.host is None):
        return None
    return prefix.replace("{service}", query.service).replace("{host}", query.host or "")


def filter_pattern(contains: str) -> str:
    """``contains`` as a filter pattern matching the exact phrase (quoted, ``"`` and ``\\`` escaped)."""
    return quoted(contains)


def filter_params(config: CloudWatchConfig, query: LookupQuery) -> dict[str, Any]:
    """The ``FilterLogEvents`` arguments for the first page (times in milliseconds)."""
    params: dict[str, Any] = {
        "logGroupName": log_group(config, query),
        "startTime": epoch_ms(query.start),
        "endTime": epoch_ms(query.end),
        "limit": min(config.lines_for(query), MAX_PAGE_EVENTS),
    }
    prefix = stream_prefix(config, query)
    if prefix:
        params["logStreamNamePrefix"] = prefix
    if query.contains is not None:
        params["filterPattern"] = filter_pattern(query.contains)
    return params


def parse_events(events: list[Any], config: CloudWatchConfig, query: LookupQuery) -> list[FoundLine]:
    """``FilterLogEvents`` events as lines, newest first."""
    group = log_group(config, query)
    found: list[FoundLine] = []
    for event in events:
        if not isinstance(event, dict) or not isinstance(event.get("timestamp"), int):
            continue
        timestamp = from_epoch_ms(event["timestamp"])
        message = str(event.get("message") or "").rstrip("\n")
        stream = str(event.get("logStreamName") or "")
        labels = {"log_group": group, "log_stream": stream}
        if event.get("eventId"):
            labels["event_id"] = str(event["eventId"])
        found.append(
            FoundLine(
                timestamp=timestamp,
                service=query.service,
                host=query.host or stream or None,
                level=declared_level(message, query.service, timestamp),
                message=message,
                source_name=config.name,
                link=console_link(config, group, stream, timestamp),
                labels=labels,
            )
        )
    return newest_first(found, config.lines_for(query))


def _console_part(text: str) -> str:
    """The console's own escaping inside its ``#logsV2:`` fragment: URL-encoded twice, ``%`` as ``$``."""
    return quote(quote(text, safe=""), safe="").replace("%", "$")


def console_link(config: CloudWatchConfig, group: str, stream: str, at: datetime) -> str:
    """The CloudWatch console's view of the stream a minute either side of ``at``."""
    host = f"https://{config.region}.console.aws.amazon.com"
    where = f"log-groups/log-group/{_console_part(group)}"
    if stream:
        start, end = epoch_ms(at - CONTEXT_SPAN), epoch_ms(at + CONTEXT_SPAN)
        where += f"/log-events/{_console_part(stream)}" + quote(f"?start={start}&end={end}", safe="").replace(
            "%", "$"
        )
    return f"{host}/cloudwatch/home?region={config.region}#logsV2:{where}"


def failure(config: CloudWatchConfig, exc: Exception) -> LookupFailed:
    """A boto3/botocore error as a :class:`LookupFailed` that says what to check."""
    from botocore import exceptions as aws  # type: ignore[import-untyped]

    where = f'cloudwatch lookup "{config.name}" ({config.region})'
    if isinstance(exc, aws.ClientError):
        error = exc.response.get("Error", {})
        code = str(error.get("Code") or "error")
        text = config.scrub(str(error.get("Message") or "").strip())
        status = exc.response.get("ResponseMetadata", {}).get("HTTPStatusCode")
        if code in AUTH_CODES:
            text = f"credentials refused ({code}): {text}; check the role or profile and logs:FilterLogEvents"
        elif code == "ResourceNotFoundException":
            text = f"{code}: {text} (check region and log_group)"
        else:
            text = f"{code}: {text}"
        return LookupFailed(
            f"{where}: {text}", source_name=config.name, status=status if isinstance(status, int) else None
        )
    if isinstance(exc, aws.NoCredentialsError | aws.PartialCredentialsError):
        return LookupFailed(
            f"{where}: no AWS credentials (environment, profile, instance or task role)",
            source_name=config.name,
        )
    if isinstance(exc, aws.ConnectTimeoutError | aws.ReadTimeoutError):
        return LookupFailed(
            f"{where}: no answer within {config.timeout_seconds:g}s (timeout_seconds)",
            source_name=config.name,
        )
    if isinstance(exc, aws.EndpointConnectionError):
        return LookupFailed(f"{where}: could not connect: {config.scrub(str(exc))}", source_name=config.name)
    return LookupFailed(f"{where}: {type(exc).__name__}: {config.scrub(str(exc))}", source_name=config.name)


# --------------------------------------------------------------------------- the client


class CloudWatchLookup:
    """Asks CloudWatch Logs for lines, following ``nextToken`` until ``limit`` lines or the end."""

    def __init__(self, config: CloudWatchConfig, client: Callable[[], LogsClient] | None = None) -> None:
        self.config = config
        self._factory = client
        self._client: LogsClient | None = None
        self._expires: datetime | None = None

    @property
    def name(self) -> str:
        return self.config.name

    def lines(self, query: LookupQuery) -> list[FoundLine]:
        params = filter_params(self.config, query)
        wanted = self.config.lines_for(query)
        events: list[Any] = []
        try:
            client = self._logs()
            for _ in range(MAX_PAGES):
                page = client.filter_log_events(**params)
                events.extend(page.get("events") or [])
                token = page.get("nextToken")
                if len(events) >= wanted or not token:
                    break
                params = {**params, "nextToken": token, "limit": min(wanted - len(events), MAX_PAGE_EVENTS)}
        except LookupFailed:
            raise
        except Exception as exc:
            raise failure(self.config, exc) from None
        return parse_events(events[:wanted], self.config, query)

    def describe(self) -> str:
        return self.config.describe()

    def close(self) -> None:
        self._client = None

    def _logs(self) -> LogsClient:
        if self._factory is not None:
            if self._client is None:
                self._client = self._factory()
            return self._client
        now = datetime.now(UTC)
        if self._client is None or (self._expires is not None and now >= self._expires - ROLE_REFRESH):
            self._client, self._expires = boto3_client(self.config)
        return self._client


def boto3_client(config: CloudWatchConfig) -> tuple[LogsClient, datetime | None]:
    """A ``logs`` client for ``config`` and when its (assumed-role) credentials expire, if they do."""
    aws = aws_session(
        name=config.name,
        region=config.region,
        profile=config.profile,
        role_arn=config.role_arn,
        timeout_seconds=config.timeout_seconds,
    )
    client: LogsClient = aws.client("logs", config.endpoint_url)
    return client, aws.expires
