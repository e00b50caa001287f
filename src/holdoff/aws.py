"""An AWS session for one configured store or pull: its profile and region, an assumed role when one is
named, and botocore's timeouts and retries. boto3 is imported here, at first use, not at start-up."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any


@dataclass(frozen=True)
class AwsSession:
    session: Any
    """The ``boto3.Session``."""
    settings: Any
    """The ``botocore.config.Config`` every client of it gets."""
    expires: datetime | None
    """When assumed-role credentials run out (None: they do not)."""

    def client(self, service: str, endpoint_url: str | None = None) -> Any:
        return self.session.client(service, endpoint_url=endpoint_url, config=self.settings)


def aws_session(
    *, name: str, region: str | None, profile: str | None, role_arn: str | None, timeout_seconds: float
) -> AwsSession:
    """A session for the config named ``name`` (the assumed role's session is ``holdoff-<name>``)."""
    import boto3  # type: ignore[import-untyped]
    from botocore.config import Config  # type: ignore[import-untyped]

    settings = Config(
        connect_timeout=timeout_seconds,
        read_timeout=timeout_seconds,
        retries={"max_attempts": 2, "mode": "standard"},
    )
    session = boto3.Session(profile_name=profile, region_name=region)
    expires: datetime | None = None
    if role_arn is not None:
        sts = session.client("sts", config=settings)
        credentials = sts.assume_role(RoleArn=role_arn, RoleSessionName=f"holdoff-{name}")["Credentials"]
        session = boto3.Session(
            aws_access_key_id=credentials["AccessKeyId"],
            aws_secret_access_key=credentials["SecretAccessKey"],
            aws_session_token=credentials["SessionToken"],
            region_name=region,
        )
        expiration = credentials.get("Expiration")
        expires = expiration if isinstance(expiration, datetime) else None
    return AwsSession(session, settings, expires)
