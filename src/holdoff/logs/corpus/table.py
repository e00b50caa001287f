"""How the corpus is written: tables of labelled templates, one per line.

Each line of a table is ``software | declared level | label | template``:

- *software*: what writes the line (``nginx``, ``kernel``, ``postgresql``); it is also the syslog tag
  when the line is rendered with a syslog prefix;
- *declared level*: the level the software itself writes (``ERROR``, ``err``, ``FATAL``, ``W``), or
  ``-`` when it writes none (a kernel message, an access log);
- *label*: what an experienced on-call engineer would say the line is: ``d`` debug, ``i`` info,
  ``w`` warning, ``e`` error, ``C`` critical (worth waking someone for);
- *template*: the text, with placeholders (see :mod:`holdoff.logs.corpus.fill`); ``\\n`` and ``\\t``
  stand for a line break and a tab inside a multi-line record (a stack trace).

Lines starting with ``#`` and blank lines are skipped. The labels are ours, written from what these
programs are known to log; the declared level is evidence, not the label (PostgreSQL's ``FATAL:
password authentication failed`` is labelled ``w``, an OOM kill with no level ``C``).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final

from holdoff.logs.corpus.fill import FILLERS, placeholders
from holdoff.logs.model import LogSeverity

LABELS: Final = {
    "d": LogSeverity.DEBUG,
    "i": LogSeverity.INFO,
    "w": LogSeverity.WARNING,
    "e": LogSeverity.ERROR,
    "C": LogSeverity.CRITICAL,
}


@dataclass(frozen=True, slots=True)
class Template:
    """One labelled template of the corpus."""

    key: str  # "<table>:<line number>", stable while the table is not edited above it
    software: str
    level: str | None
    severity: LogSeverity
    text: str

    @property
    def critical(self) -> bool:
        return self.severity is LogSeverity.CRITICAL


class TableError(ValueError):
    """A corpus table line is malformed (a programming error in the shipped tables)."""


def read(name: str, text: str) -> tuple[Template, ...]:
    """The templates of table ``name`` written as ``text`` (see the module docstring)."""
    found: list[Template] = []
    for number, line in enumerate(text.splitlines(), start=1):
        stripped = line.strip()
        if not stripped or stripped.startswith("#"):
            continue
        parts = [part.strip() for part in stripped.split(" | ", 3)]
        if len(parts) != 4 or parts[2] not in LABELS or not parts[3]:
            raise TableError(f"{name}:{number}: expected 'software | level | label | text': {line!r}")
        software, level, label, template = parts
        unknown = [p for p in placeholders(template) if p not in FILLERS]
        if unknown:
            raise TableError(f"{name}:{number}: unknown placeholder(s) {unknown}")
        found.append(
            Template(
                key=f"{name}:{number}",
                software=software,
                level=None if level == "-" else level,
                severity=LABELS[label],
                text=template.replace("\\n", "\n").replace("\\t", "\t"),
            )
        )
    return tuple(found)
