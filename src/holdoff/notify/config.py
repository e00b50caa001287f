"""What every channel in the ``channels:`` section of the configuration has, and how secrets are written.

```yaml
channels:
  - name: ops-slack            # what routes and escalation steps call it
    type: slack                # which kind of channel (slack, pagerduty, opsgenie, webhook, msgraph, apprise ...)
    webhook_url: ${SLACK_WEBHOOK_URL}
    rate_per_second: 1         # messages per second at most; the rest wait in the outbox
```

Secrets are written as ``${NAME}`` and typed :data:`~holdoff.config_types.Secret`: never printed,
never logged (see :mod:`holdoff.config_types`).
"""

from __future__ import annotations

from pathlib import Path
from urllib.parse import urlsplit

from pydantic import BaseModel, ConfigDict, Field, SecretStr

from holdoff.config_types import Expanded as Expanded
from holdoff.config_types import Secret as Secret
from holdoff.config_types import environment as environment
from holdoff.mediate.model import NotificationKind

CHANNEL_NAME = r"^[a-z][a-z0-9_-]{0,62}$"


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

    def describe(self) -> str:
        """Where this channel's messages go, for the start-up log: its type and the hosts it talks to,
        never a secret (URLs are cut to their host)."""
        hosts: list[str] = []
        for name, value in self:
            if isinstance(value, SecretStr):
                value = value.get_secret_value()  # only the host is shown
            if name.endswith("url") and isinstance(value, str) and "//" in value:
                host = urlsplit(value).hostname or "?"
                if host not in hosts:
                    hosts.append(host)
            elif name == "host" and isinstance(value, str):
                hosts.append(value)
        kind = str(getattr(self, "type", type(self).__name__))
        return kind + (f" ({', '.join(hosts)})" if hosts else "")

    def secrets(self) -> list[str]:
        """Secret values of this channel, to scrub from logs."""
        return [
            value.get_secret_value()
            for value in self.__dict__.values()
            if isinstance(value, SecretStr) and value.get_secret_value()
        ]


class DeliverySection(BaseModel):
    """``delivery:``: how the outbox sender retries, when it gives up, and who hears of a failing channel."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    retry_base_seconds: float = Field(default=1.0, gt=0, le=3600, description="First retry's delay.")
    retry_max_seconds: float = Field(default=300.0, gt=0, le=86_400, description="Longest retry delay.")
    give_up_after_seconds: float = Field(
        default=86_400.0,
        gt=0,
        description="A message still failing this long after it was decided is marked failed.",
    )
    failure_threshold: int = Field(
        default=3, ge=1, le=1000, description="Failed attempts in a row that make a channel 'failing'."
    )
    fallback_channel: str | None = Field(
        default=None,
        description="Channel that hears, at once, about any other channel failing repeatedly (alert "
        "HoldoffChannelFailing).",
    )
    templates_dir: Path | None = Field(
        default=None,
        description="Directory of Jinja2 templates overriding Holdoff's own (see docs/channels/).",
    )
