"""A fast :func:`dataclasses.replace` for the core's frozen records.

``dataclasses.replace`` runs ``__init__`` with every field (AlertRecord has over thirty), which made
it the largest single cost of replaying a stream. Merging the instance dictionary with the changed
fields and giving it to a new instance gives the same result for these plain records (no
``__post_init__``, no slots, no init-only fields, nothing but fields in the instance dictionary).

Unknown field names are refused as ``replace`` would refuse them: the merged dictionary then has
more entries than the original, a check that costs nothing on the hot path.
"""

from __future__ import annotations

from dataclasses import fields
from typing import Any, TypeVar

T = TypeVar("T")

_new = object.__new__
_set = object.__setattr__


def evolve(record: T, **changes: Any) -> T:
    """``record`` with ``changes`` applied; ``record`` itself is left as it was."""
    return evolve_with(record, changes)


def evolve_with(record: T, changes: dict[str, Any]) -> T:
    """:func:`evolve` with the changes in a mapping: where they are put together from several parts, this
    spares building (and checking for repeated names) a keyword-argument dictionary."""
    old = record.__dict__
    merged = old | changes
    if len(merged) != len(old):
        cls = type(record)
        unknown = sorted(changes.keys() - {f.name for f in fields(cls)})  # type: ignore[arg-type]
        raise TypeError(f"{cls.__name__} has no field(s) {', '.join(unknown)}")
    new: T = _new(type(record))
    # A frozen dataclass refuses attribute assignment; the whole dictionary is set at once instead.
    _set(new, "__dict__", merged)
    return new
