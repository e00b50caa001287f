"""Every log store a root-cause lookup can ask, in one table: ``logs: lookup:`` is read as the model
its ``type`` names.

A store type is one module holding a config model extending
:class:`~holdoff.logs.lookup.query.LookupConfig` with ``type: Literal["<type>"]`` (the discriminator),
its secrets typed :data:`~holdoff.config_types.Secret`, and ``build()``, which returns the
:class:`~holdoff.logs.lookup.query.LogLookup`; plus one line in :data:`AnyLookupConfig` below.
"""

from __future__ import annotations

from typing import Annotated, Literal, get_args, get_origin

from pydantic import Field

from holdoff.logs.lookup.cloudwatch import CloudWatchConfig
from holdoff.logs.lookup.loki import LokiConfig
from holdoff.logs.lookup.opensearch import OpenSearchConfig
from holdoff.logs.lookup.query import LogLookup, LookupConfig

AnyLookupConfig = Annotated[LokiConfig | OpenSearchConfig | CloudWatchConfig, Field(discriminator="type")]
"""The table: ``logs: lookup:``, read as the model its ``type`` names."""


def build(config: AnyLookupConfig) -> LogLookup:
    """The lookup ``config`` describes (no connection is made until it is asked for lines)."""
    return config.build()


def _type_of(model: type[LookupConfig]) -> str:
    annotation = model.model_fields["type"].annotation
    names = get_args(annotation)
    if get_origin(annotation) is not Literal or len(names) != 1 or not isinstance(names[0], str):
        raise TypeError(f"{model.__name__}.type must be one Literal string: the store type's name")
    return names[0]


LOOKUP_TYPES: dict[str, type[LookupConfig]] = {
    _type_of(model): model for model in get_args(get_args(AnyLookupConfig)[0])
}
"""Each store type's config model by its ``type``, in table order (derived from :data:`AnyLookupConfig`)."""
