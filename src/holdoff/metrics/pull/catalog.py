"""Every pull type in one table: each ``metrics: pulls:`` entry is read as the model its ``type`` names."""

from __future__ import annotations

from typing import Annotated

from pydantic import Field

from holdoff.metrics.pull.base import MetricPull
from holdoff.metrics.pull.cloudwatch import CloudWatchPullConfig
from holdoff.metrics.pull.prometheus import PrometheusPullConfig

AnyPullConfig = Annotated[PrometheusPullConfig | CloudWatchPullConfig, Field(discriminator="type")]
"""The table: ``metrics: pulls:``, each read as the model its ``type`` names."""


def build(config: AnyPullConfig) -> MetricPull:
    """The pull ``config`` describes (nothing is asked of the source until it runs)."""
    return config.build()
