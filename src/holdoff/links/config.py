"""The ``links:`` section: signed Acknowledge / Resolve / Silence links in messages that page."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field

from holdoff.config_types import Secret


class LinksSection(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    enabled: bool = Field(
        default=True,
        description="Put Acknowledge / Resolve / Silence 1h links (signed, single-use) in messages that page.",
    )
    hours: float = Field(default=24.0, gt=0, le=24 * 30, description="How long a link works.")
    secret: Secret | None = Field(
        default=None,
        description="Key that signs links; default: one made at first start and kept in the database.",
    )
