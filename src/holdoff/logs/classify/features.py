"""What the classifier sees of a record: hashed words and word pairs of its message, and its declared level.

The message is cut into runs of letters, digits and underscores; a run holding a digit is a value (a
number, an address, a pid, a hex id, ``sda1``) and is dropped, so lines that differ only in their values
look the same. The other runs are split at underscores and camel case (``OutOfMemoryError`` gives
``out``, ``of``, ``memory``, ``error`` and also ``outofmemoryerror``), lower-cased, and one-letter pieces
dropped. Words and adjacent pairs are hashed (CRC-32, stable across processes and machines) into
``HASH_BITS`` buckets; the declared level adds a column per severity (and "none") and a hashed feature
of its own spelling (``FATAL`` and ``emerg`` are both critical, but not alike).

:func:`cache_key` is the message with its numbers masked: two messages with the same key have the same
words, so a verdict can be kept per key.
"""

from __future__ import annotations

import itertools
import re
import zlib
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Final

import numpy as np
from scipy import sparse  # type: ignore[import-untyped]

from holdoff.logs.model import LogSeverity

HASH_BITS: Final = 18
HASHED: Final = 1 << HASH_BITS
LEVEL_COLUMNS: Final = ("none", *(s.label for s in LogSeverity))
"""One column per declared severity, after the hashed ones."""
DIMENSION: Final = HASHED + len(LEVEL_COLUMNS)
MAX_TOKENS: Final = 160
"""Words read per record: a long stack trace is judged by its head and first frames."""

_RUN: Final = re.compile(r"[A-Za-z0-9_]+")
_DIGITS: Final = re.compile(r"\d+")
_CAMEL: Final = re.compile(r"[A-Z]+(?=[A-Z][a-z])|[A-Z]?[a-z]+|[A-Z]+")
_LEVEL_STRIP: Final = " \t[]():<>|-_*\"'"


def cache_key(message: str) -> str:
    """``message`` with each run of digits as ``#``: two messages with equal keys differ only in their
    numbers, so their :func:`tokens` are equal (a run holding a digit is dropped either way)."""
    return _DIGITS.sub("#", message)


def tokens(message: str) -> list[str]:
    """The words of ``message`` the model reads, in order (values dropped, see the module docstring)."""
    found: list[str] = []
    for run in _RUN.findall(message):
        if not run.isalpha() and _DIGITS.search(run):
            continue
        for part in run.split("_"):
            if not part:
                continue
            pieces = _CAMEL.findall(part)
            if len(pieces) > 1:
                found.extend(p.lower() for p in pieces if len(p) > 1)
            if len(part) > 1:
                found.append(part.lower())
        if len(found) >= MAX_TOKENS:
            break
    return found[:MAX_TOKENS]


def level_word(level: str | None) -> str | None:
    """The declared level's spelling as a feature: lower case, brackets and padding removed."""
    if level is None:
        return None
    word = level.strip(_LEVEL_STRIP).lower()
    return word[:16] or None


@dataclass(frozen=True, slots=True)
class Row:
    """The features of one record: hashed columns (with their names, for the reason) and the level."""

    columns: tuple[int, ...]
    names: tuple[str, ...]
    level_column: int

    @property
    def value(self) -> float:
        """Each present hashed feature's value: the row's hashed part has unit length."""
        return 1.0 / float(np.sqrt(len(self.columns))) if self.columns else 0.0


class Hasher:
    """Feature names to columns, keeping the names it has hashed (the vocabulary of a few thousand words
    is hashed once, not once per record)."""

    def __init__(self) -> None:
        self._known: dict[str, int] = {}

    def column(self, name: str) -> int:
        found = self._known.get(name)
        if found is None:
            found = zlib.crc32(name.encode("utf-8")) & (HASHED - 1)
            if len(self._known) < 1_000_000:
                self._known[name] = found
        return found

    def row(self, message: str, level: str | None, declared: LogSeverity | None) -> Row:
        """The features of a record with ``message``, declared ``level`` read as ``declared``."""
        words = tokens(message)
        names: dict[str, None] = {}
        for word in words:
            names.setdefault(f"word:{word}", None)
        for first, second in itertools.pairwise(words):
            names.setdefault(f"words:{first} {second}", None)
        spelled = level_word(level)
        if spelled is not None:
            names.setdefault(f"level={spelled}", None)
        columns: dict[int, str] = {}
        for name in names:
            columns.setdefault(self.column(name), name)  # a collision within one row counts once
        level_column = HASHED + (0 if declared is None else 1 + int(declared))
        return Row(tuple(columns), tuple(columns.values()), level_column)


def matrix(rows: Sequence[Row]) -> sparse.csr_matrix:
    """The rows as a sparse matrix of ``DIMENSION`` columns."""
    indptr = [0]
    indices: list[int] = []
    data: list[float] = []
    for row in rows:
        value = row.value
        indices.extend(row.columns)
        data.extend([value] * len(row.columns))
        indices.append(row.level_column)
        data.append(1.0)
        indptr.append(len(indices))
    return sparse.csr_matrix(
        (np.asarray(data, dtype=np.float64), np.asarray(indices, dtype=np.int64), np.asarray(indptr)),
        shape=(len(rows), DIMENSION),
    )
