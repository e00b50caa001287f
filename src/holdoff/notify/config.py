"""What every channel in the ``channels:`` section of the configuration has, and how secrets are written.

```yaml
channels:
  - name: ops-slack            # what routes and escalation steps call it
    type: slack                # which kind of channel (slack, pagerduty, opsgenie, webhook, msgraph, apprise ...)
    webhook_url: ${SLACK_WEBHOOK_URL}
    rate_per_second: 1         # messages per second at most; the rest wait in the outbox
```

A secret is written as ``${NAME}``: the value comes from the environment or the ``--env-file`` when
the configuration is loaded, so the YAML file can be shared and the secret never sits in it. Secrets
are :class:`~pydantic.SecretStr`: never printed, never logged.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Annotated, Any

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, SecretStr

from holdoff.mediate.model import NotificationKind

CHANNEL_NAME = r"^[a-z][a-z0-9_-]{0,62}$"
_REFERENCE = re.compile(r"\$\{([A-Za-z_][A-Za-z0-9_]*)\}")
_ENVIRONMENT: ContextVar[Mapping[str, str] | None] = ContextVar("holdoff_config_environment", default=None)


@contextmanager
def environment(values: Mapping[str, str]) -> Iterator[None]:
    """Resolve ``${NAME}`` from ``values`` (the env file and the environment) while loading settings."""
    token = _ENVIRONMENT.set(values)
    try:
        yield
    finally:
        _ENVIRONMENT.reset(token)


def expand(value: Any) -> Any:
    """``${NAME}`` in a string replaced by that variable; an unset variable is an error naming it."""
    if not isinstance(value, str) or "${" not in value:
        return value
    env = _ENVIRONMENT.get()
    if env is None:
        env = os.environ

    def one(found: re.Match[str]) -> str:
        name = found.group(1)
        if name not in env:
            raise ValueError(f"${{{name}}} is not set in the environment or the env file")
        return env[name]

    return _REFERENCE.sub(one, value)


Secret = Annotated[SecretStr, BeforeValidator(expand)]
"""A secret setting: ``${NAME}`` or the literal value; never shown."""
Expanded = Annotated[str, BeforeValidator(expand)]
"""A plain setting that may also be written as ``${NAME}``."""


class ChannelConfig(BaseModel):
    """Settings every channel has. Each channel type extends it with a ``type`` literal and its own fields."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    name: str = Field(pattern=CHANNEL_NAME, description="How routes and escalation steps name this channel.")
    timeout_seconds: float = Field(default=10.0, gt=0, le=120)
    rate_per_second: float | None = Field(
        default=None, gt=0, le=1000, description="At most this many messages per second (default per type)."
    )
    kinds: list[NotificationKind] | None = Field(
        default=None,
        description="Message kinds this channel takes; others are not sent to it (default: all).",
    )

    def secrets(self) -> list[str]:
        """Secret values of this channel, to scrub from logs."""
        return [
            value.get_secret_value()
            for value in self.__dict__.values()
            if isinstance(value, SecretStr) and value.get_secret_value()
        ]
