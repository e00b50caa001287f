"""Every series detector type, in one table: an entry of a ``detectors:`` entry's ``detectors`` list is
read as the model its ``type`` names.

A detector type is one module holding a config model (``type: Literal["<type>"]``, a ``name``) whose
``build()`` returns a :class:`~holdoff.detectors.model.SeriesDetector`, plus one line in
:data:`AnyDetectorConfig` and one in :data:`DESCRIPTIONS` below.
"""

from __future__ import annotations

from typing import Annotated, Literal, get_args, get_origin

from pydantic import BaseModel, Field

from holdoff.detectors.iforest import IsolationForestConfig
from holdoff.detectors.streaming import StreamingConfig
from holdoff.detectors.threshold import ThresholdConfig

AnyDetectorConfig = Annotated[
    ThresholdConfig | StreamingConfig | IsolationForestConfig,
    Field(discriminator="type"),
]
"""The table: one series detector, read as the model its ``type`` names."""

DESCRIPTIONS: dict[type[BaseModel], str] = {
    ThresholdConfig: "A static threshold held for a duration (value > 90 for 5m); ready from the first point.",
    StreamingConfig: "Learns online in O(1) per point: level, daily and weekly profiles, level shifts; "
    "no training step (docs/metrics-streaming.md).",
    IsolationForestConfig: "scikit-learn's Isolation Forest trained per series on a history window "
    "(default 14 days), retrained on a schedule.",
}


def _type_of(model: type[BaseModel]) -> str:
    annotation = model.model_fields["type"].annotation
    names = get_args(annotation)
    if get_origin(annotation) is not Literal or len(names) != 1 or not isinstance(names[0], str):
        raise TypeError(f"{model.__name__}.type must be one Literal string: the detector type's name")
    return names[0]


DETECTOR_TYPES: dict[str, tuple[type[BaseModel], str]] = {
    _type_of(model): (model, DESCRIPTIONS[model]) for model in get_args(get_args(AnyDetectorConfig)[0])
}
"""Each detector type's config model and one-line description, by ``type``, in table order."""
