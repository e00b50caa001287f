"""A fast :func:`dataclasses.replace` for the core's frozen records.

``dataclasses.replace`` runs ``__init__`` with every field (AlertRecord has over thirty), which made
it the largest single cost of replaying a stream. Copying the instance dictionary and overwriting the
changed fields gives the same result for these plain records (no ``__post_init__``, no slots, no
init-only fields); unknown field names are refused as ``replace`` would refuse them.
"""

from __future__ import annotations

from dataclasses import fields
from functools import cache
from typing import Any, TypeVar

T = TypeVar("T")


@cache
def _field_names(cls: type) -> frozenset[str]:
    return frozenset(f.name for f in fields(cls))


def evolve(record: T, **changes: Any) -> T:
    """``record`` with ``changes`` applied; ``record`` itself is left as it was."""
    cls: type = type(record)
    if not changes.keys() <= _field_names(cls):
        unknown = sorted(changes.keys() - _field_names(cls))
        raise TypeError(f"{cls.__name__} has no field(s) {', '.join(unknown)}")
    new: T = object.__new__(cls)
    new.__dict__.update(record.__dict__)
    new.__dict__.update(changes)
    return new
