"""Every channel type the ``channels:`` section of the configuration knows, by its ``type``."""

from __future__ import annotations

from typing import Annotated

from pydantic import Field

from holdoff.notify.apprise_channel import AppriseConfig
from holdoff.notify.email import EmailConfig
from holdoff.notify.msgraph import MsGraphConfig
from holdoff.notify.opsgenie import OpsgenieConfig
from holdoff.notify.pagerduty import PagerDutyConfig
from holdoff.notify.slack import SlackConfig
from holdoff.notify.teams import TeamsConfig
from holdoff.notify.webhook import WebhookConfig

BUILT_IN = frozenset({"teams", "email"})
"""Channels configured by plain settings (TEAMS_WEBHOOK_URL, EMAIL_TO ...) rather than in ``channels:``."""

AnyChannelConfig = Annotated[
    SlackConfig
    | PagerDutyConfig
    | OpsgenieConfig
    | WebhookConfig
    | MsGraphConfig
    | AppriseConfig
    | TeamsConfig
    | EmailConfig,
    Field(discriminator="type"),
]
"""One entry of ``channels:``, read as the model its ``type`` names."""
