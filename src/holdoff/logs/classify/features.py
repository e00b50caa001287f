"""What the classifier sees of a record: hashed words and word pairs of its message, and its declared level.

The message is cut into runs of letters, digits and underscores; a run holding a digit is a value (a
number, an address, a pid, a hex id, ``sda1``) and is dropped, so lines that differ only in their values
look the same. The other runs are split at underscores and camel case (``OutOfMemoryError`` gives
``out``, ``of``, ``memory``, ``error`` and also ``outofmemoryerror``), lower-cased, and one-letter pieces
dropped. Words and adjacent pairs are hashed (CRC-32, stable across processes and machines) into
``HASH_BITS`` buckets; the declared level adds a column per severity (and "none") and a hashed feature
of its own spelling (``FATAL`` and ``emerg`` are both critical, but not alike).

A raw line with no declared level is looked at once more: a level written in its head (``... RAS
KERNEL FATAL ...``, ``[error]``) stands for the declared one (:func:`inline_level`), and what comes
before it, like a syslog program tag (``sshd[811]:``), is a prefix (``pre:`` features, not words): the
host, component or program, which every line of a system shares. Shapes of the message's first line
(:func:`shapes`: dotted leaders, ``name=value`` lists, a short ``label: value``, how many words) tell a
register or state dump printed around an event from the event.

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
from holdoff.logs.parse.levels import UPPER_LEVELS, from_level

HASH_BITS: Final = 18
HASHED: Final = 1 << HASH_BITS
LEVEL_COLUMNS: Final = ("none", *(s.label for s in LogSeverity))
"""One column per declared severity, after the hashed ones."""
DIMENSION: Final = HASHED + len(LEVEL_COLUMNS)
MAX_TOKENS: Final = 160
"""Words read per record: a long stack trace is judged by its head and first frames."""
FEATURES_VERSION: Final = 2
"""Bumped when the features change: a model stored with other features is trained again."""
HEAD_TOKENS: Final = 12
"""Whitespace-separated tokens of a raw line searched for a level written in the text."""

_LEADER: Final = re.compile(r"[\w)]\s?\.{4,}\s?\S")
_PAIR: Final = re.compile(r"^[A-Za-z_][\w.\[\]/-]*[=:]\S*\d")
_LABEL_VALUE: Final = re.compile(
    r"^[A-Za-z][\w .,()/'-]{0,60}:\s*\(?(?=\S*\d)(?:0x)?[0-9A-Fa-f][\w.:/-]*\)?\s*$"
)
_BRACKETS: Final = "[]<>():"
_TAG: Final = re.compile(r"([A-Za-z][A-Za-z0-9_-]{1,30})(?:\[\d+\])?: ")
_NOT_TAG: Final = re.compile(
    r"err|fail|exception|panic|warn|fatal|crit|alert|emerg|abort|fault|bug|oops", re.I
)

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


def inline_level(message: str) -> tuple[str, LogSeverity, str, str] | None:
    """A level written in the text of a raw line that no parser took apart (``... RAS KERNEL FATAL
    data storage interrupt``, ``2024-01-02 10:00:00 [error] upstream timed out``): (its spelling, its
    severity, the text before it, the text after it), or None. Only the first ``HEAD_TOKENS`` tokens of
    the first line are looked at; a level word counts when it is upper case, or bracketed
    (``[error]``, ``<warn>``)."""
    head = message.split("\n", 1)[0]
    parts = head.split(None, HEAD_TOKENS)
    for index, token in enumerate(parts[:HEAD_TOKENS]):
        bare = token.strip(_BRACKETS)
        if len(bare) < 3:
            continue
        if bare in UPPER_LEVELS or (bare != token and token[0] in "[<(" and bare.upper() in UPPER_LEVELS):
            severity = from_level(bare)
            if severity is None:
                continue
            before = " ".join(parts[:index])
            after = head.split(token, 1)[1] if token in head else ""
            rest = message[len(head) :]
            return bare, severity, before, after.strip() + rest
    return None


def program_tag(body: str) -> tuple[str, str] | None:
    """(program, rest) when ``body`` starts as syslog writes a program's lines (``sshd[811]: ...``,
    ``kernel: ...``, ``mmfs: ...``), or None. A tag that says something (``error:``, ``panic:``,
    ``LustreError:``) is not taken as one: it stays a word of the message."""
    found = _TAG.match(body)
    if found is None or _NOT_TAG.search(found.group(1)) or from_level(found.group(1)) is not None:
        return None
    return found.group(1), body[found.end() :]


def shapes(body: str) -> list[str]:
    """Structural features of a message's first line: a register or field dump (dotted leaders,
    ``name=value`` lists, a short ``label: value``) is context printed around an event, not the event."""
    line = body.split("\n", 1)[0].strip()
    found: list[str] = []
    if _LEADER.search(line):
        found.append("shape:leader")
    if _LABEL_VALUE.match(line):
        found.append("shape:label-value")
    parts = line.split()
    if parts:
        pairs = sum(1 for part in parts if _PAIR.match(part))
        if pairs >= 2 and pairs * 5 >= len(parts) * 3:
            found.append("shape:pairs")
        words = sum(1 for part in parts if part.isalpha())
        found.append("shape:words<=2" if words <= 2 else "shape:words<=5" if words <= 5 else "shape:words>5")
    return found


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
        """The features of a record with ``message``, declared ``level`` read as ``declared``. When
        nothing was declared, a level written in the head of the text (:func:`inline_level`) stands
        for it, and the words before it (a prefix: host, component, program) are features of their
        own (``pre:``), not words of the message."""
        names: dict[str, None] = {}
        body = message
        if level is None and declared is None:
            found = inline_level(message)
            if found is not None:
                level, declared, before, body = found
                for word in tokens(before):
                    names.setdefault(f"pre:{word}", None)
        tagged = program_tag(body)
        if tagged is not None:
            program, body = tagged
            for word in tokens(program):
                names.setdefault(f"pre:{word}", None)
        words = tokens(body)
        for word in words:
            names.setdefault(f"word:{word}", None)
        for first, second in itertools.pairwise(words):
            names.setdefault(f"words:{first} {second}", None)
        for shape in shapes(body):
            names.setdefault(shape, None)
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
