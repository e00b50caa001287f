"""Every channel type the ``channels:`` section of the configuration knows, by its ``type``."""

from __future__ import annotations

from typing import Annotated

from pydantic import Field

from holdoff.notify.email import EmailConfig
from holdoff.notify.teams import TeamsConfig

BUILT_IN = frozenset({"teams", "email"})
"""Channels configured by plain settings (TEAMS_WEBHOOK_URL, EMAIL_TO ...) rather than in ``channels:``."""

AnyChannelConfig = Annotated[
    TeamsConfig | EmailConfig,
    Field(discriminator="type"),
]
"""One entry of ``channels:``, read as the model its ``type`` names."""
