"""Every detector type, in one table: an entry of ``logs.detectors`` is read as the model its ``type`` names.

A detector type is one module holding a config model (extending
:class:`~holdoff.logs.detect.base.DetectorConfig`, with ``type: Literal["<type>"]``) whose ``build()``
returns the :class:`~holdoff.logs.detect.model.Detector`, plus one line in :data:`AnyDetectorConfig` and
one in :data:`DETECTOR_TYPES` below. Building, the defaults, the docs and the config check read this table.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Annotated, Literal, get_args, get_origin

from pydantic import Field

from holdoff.logs.detect.base import DetectorConfig
from holdoff.logs.detect.critical import CriticalConfig
from holdoff.logs.detect.error_rate import ErrorRateConfig
from holdoff.logs.detect.failed_auth import FailedAuthConfig
from holdoff.logs.detect.model import Detector
from holdoff.logs.detect.new_template import NewTemplateConfig

AnyDetectorConfig = Annotated[
    FailedAuthConfig | ErrorRateConfig | NewTemplateConfig | CriticalConfig,
    Field(discriminator="type"),
]
"""The table: one entry of ``logs.detectors``, read as the model its ``type`` names."""

_DESCRIPTIONS: dict[type[DetectorConfig], str] = {
    FailedAuthConfig: "A burst of failed logins from one source address: threshold failures within window.",
    ErrorRateConfig: "Errors / all lines of a service over a sliding window reach ratio, with a floor of errors.",
    NewTemplateConfig: "A never-seen log template whose lines speak of an error.",
    CriticalConfig: "Lines Holdoff judged critical: one alert per service and template, with a count.",
}


def _type_of(model: type[DetectorConfig]) -> str:
    annotation = model.model_fields["type"].annotation
    names = get_args(annotation)
    if get_origin(annotation) is not Literal or len(names) != 1 or not isinstance(names[0], str):
        raise TypeError(f"{model.__name__}.type must be one Literal string: the detector type's name")
    return names[0]


DETECTOR_TYPES: dict[str, tuple[type[DetectorConfig], str]] = {
    _type_of(model): (model, _DESCRIPTIONS[model]) for model in get_args(get_args(AnyDetectorConfig)[0])
}
"""Each detector type's config model and one-line description, by ``type``, in table order."""


class DuplicateDetectorName(ValueError):
    """Two configured detectors share a name (their states and alerts would mix)."""


def default_detectors() -> list[AnyDetectorConfig]:
    """All four detectors with their defaults (what ``logs.detectors`` is when left out)."""
    return [FailedAuthConfig(), ErrorRateConfig(), NewTemplateConfig(), CriticalConfig()]


def check_names(configs: Sequence[AnyDetectorConfig]) -> None:
    """Raise :class:`DuplicateDetectorName` when two detectors would share a name."""
    seen: set[str] = set()
    for config in configs:
        if config.name in seen:
            raise DuplicateDetectorName(
                f"two detectors are named {config.name!r}: give one of them another `name`"
            )
        seen.add(config.name)


def build_all(configs: Sequence[AnyDetectorConfig]) -> list[Detector]:
    """The enabled detectors, built (names must be unique)."""
    check_names(configs)
    return [config.build() for config in configs if config.enabled]
