"""Every channel type, in one table: an entry of ``channels:`` is read as the model its ``type`` names.

The plugin shape (:class:`ChannelPlugin`): a channel type is one module holding

- a config model extending :class:`~holdoff.notify.config.ChannelConfig` with ``type: Literal["<type>"]``
  (the discriminator) and its own fields, secrets typed :data:`~holdoff.notify.config.Secret`;
- ``build(templates)``, which returns the :class:`~holdoff.notify.channel.Channel` the outbox sender
  calls (``send`` never raises; every failure is a ``DeliveryResult``);

plus one line in :data:`AnyChannelConfig` below. Building (:func:`holdoff.notify.registry.build_channels`),
the start-up description, validation of ``channels:`` and of the channel names routes use all read
this table; nothing else lists channel types.
"""

from __future__ import annotations

from typing import Annotated, Literal, Protocol, get_args, get_origin

from pydantic import Field

from holdoff.notify.apprise_channel import AppriseConfig
from holdoff.notify.channel import Channel
from holdoff.notify.config import ChannelConfig
from holdoff.notify.email import EmailConfig
from holdoff.notify.msgraph import MsGraphConfig
from holdoff.notify.opsgenie import OpsgenieConfig
from holdoff.notify.pagerduty import PagerDutyConfig
from holdoff.notify.slack import SlackConfig
from holdoff.notify.teams import TeamsConfig
from holdoff.notify.templates import Templates
from holdoff.notify.webhook import WebhookConfig

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
"""The table: one entry of ``channels:``, read as the model its ``type`` names."""


class ChannelPlugin(Protocol):
    """What every entry of the table is (checked by the type checker on :func:`as_plugin`)."""

    @property
    def name(self) -> str: ...

    @property
    def type(self) -> str: ...

    def build(self, templates: Templates) -> Channel: ...

    def describe(self) -> str: ...

    def secrets(self) -> list[str]: ...


def as_plugin(config: AnyChannelConfig) -> ChannelPlugin:
    """``config`` seen through the plugin shape; a type that does not fit fails type checking here."""
    return config


def _type_of(model: type[ChannelConfig]) -> str:
    annotation = model.model_fields["type"].annotation
    names = get_args(annotation)
    if get_origin(annotation) is not Literal or len(names) != 1 or not isinstance(names[0], str):
        raise TypeError(f"{model.__name__}.type must be one Literal string: the channel type's name")
    return names[0]


CHANNEL_TYPES: dict[str, type[ChannelConfig]] = {
    _type_of(model): model for model in get_args(get_args(AnyChannelConfig)[0])
}
"""Each channel type's config model by its ``type``, in table order (derived from :data:`AnyChannelConfig`)."""
