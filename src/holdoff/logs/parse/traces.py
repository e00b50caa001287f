"""Lines into records: multi-line records (stack traces) kept whole.

A line continues the record before it when:

- it starts with a space or a tab (Java ``\\tat ...`` frames, Python ``  File ...`` frames, Go
  ``\\t/src/main.go:12`` frames, Node ``    at ...``, any indented continuation);
- it is ``Caused by: ...``, ``Suppressed: ...`` or ``... 12 more`` (Java);
- it is ``Traceback (most recent call last):``, the exception line that ends a Python traceback, or
  the "During handling of the above exception ..." line between chained tracebacks;
- it is ``goroutine 1 [running]:``, or, after a Go panic, a frame, ``[signal ...]``, ``created by``
  or ``exit status 2``;
- it is a Java exception line (``java.lang.IllegalStateException: ...``) after a line with a header
  (a logger wrote the exception after its message);
- it is the ``SEVERE: ...`` line of a java.util.logging record.

Blank lines inside a record are kept when the record goes on after them, and dropped otherwise.
The record keeps its first line's time, level and host; it is a ``Layout.TRACEBACK`` record when it
carries a trace. A record stops growing at 1,000 lines or 256 KiB: the next line starts a new one.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from datetime import datetime
from typing import Final

from holdoff.edge import InputRefused, clean_text, parse_json
from holdoff.logs.model import Layout, LogRecord
from holdoff.logs.parse import app, detect
from holdoff.logs.parse.head import (
    MAX_ATTRIBUTES,
    MAX_KEY,
    MAX_SERVICE,
    MAX_VALUE,
    Head,
    clean,
    clip,
    new_record,
)
from holdoff.logs.parse.json_record import json_record

MAX_LINES: Final = 1000
MAX_CHARS: Final = 256 * 1024

_MORE: Final = re.compile(r"\.\.\. \d+ (?:more|common frames omitted)")
_GOROUTINE: Final = re.compile(r"goroutine \d+ \[")
_GO_LINE: Final = re.compile(
    r"\[signal |created by |exit status \d|[^\s(]+\(.*\)$|\.\.\.additional frames elided"
)
_JAVA_EXCEPTION: Final = re.compile(
    r"(?:[a-zA-Z_$][\w$]*\.)+[A-Z][\w$]*(?:Exception|Error|Throwable|Fault)(?::|$)"
)
_PY_CHAIN: Final = ("During handling of the above exception", "The above exception was the direct cause")
_TRACEBACK: Final = "Traceback (most recent call last):"

_PY, _PY_AFTER, _GO, _JAVA = "py", "py-after", "go", "java"


class _Open:
    """The record being assembled."""

    __slots__ = ("blanks", "chars", "head", "length", "lines", "mode", "received", "trace")

    def __init__(self, head: Head, received: datetime, length: int) -> None:
        self.head = head
        self.received = received
        self.length = length  # of the first line
        self.lines: list[str] = []
        self.chars = length
        self.blanks = 0
        self.trace = False
        self.mode = head.mode
        message = head.message
        first = message[:1]
        if first == "T" and message.startswith(_TRACEBACK):
            self.mode, self.trace = _PY, True
        elif (first == "p" or first == "f") and message.startswith(("panic: ", "fatal error: ")):
            self.mode = _GO
        elif (first == "E" and message.startswith("Exception in thread ")) or (
            first.islower() and _JAVA_EXCEPTION.match(message)
        ):
            self.mode = _JAVA


def _is_frame(line: str) -> bool:
    stripped = line.lstrip()
    return stripped.startswith(("at ", 'File "', "... ")) or (line[0] == "\t" and ".go:" in line)


_NO, _APPEND, _TAKEN = 0, 1, 2


def _continues(record: _Open, line: str) -> int:
    """Whether ``line`` (not blank) belongs to ``record``: ``_APPEND`` it, ``_TAKEN`` already (read
    into the head), or ``_NO``. Updates the record's trace state."""
    if len(record.lines) >= MAX_LINES or record.chars >= MAX_CHARS:
        return _NO
    first = line[0]
    mode = record.mode
    if first == " " or first == "\t":
        if not record.trace and _is_frame(line):
            record.trace = True
        return _APPEND
    if mode == app.JUL_MODE:
        record.mode = ""
        found = app.jul_level(line)
        if found is None:
            return _NO
        level, message = found
        record.head = record.head._replace(level=level, message=message or line)
        record.blanks = 0
        return _TAKEN
    if first == "T" and line.startswith(_TRACEBACK):
        record.mode, record.trace = _PY, True
        return _APPEND
    if mode == _PY:
        record.mode = _PY_AFTER  # the exception line that ends the traceback
        return _APPEND
    if mode == _PY_AFTER and line.startswith(_PY_CHAIN):
        return _APPEND
    if (first == "C" or first == "S") and line.startswith(("Caused by: ", "Suppressed: ")):
        record.mode, record.trace = _JAVA, True
        return _APPEND
    if first == "." and _MORE.match(line):
        return _APPEND
    if first == "g" and _GOROUTINE.match(line):
        record.mode, record.trace = _GO, True
        return _APPEND
    if mode == _GO and _GO_LINE.match(line):
        return _APPEND
    if (
        first.islower()  # a package name: java.lang..., org..., com...
        and _JAVA_EXCEPTION.match(line)
        and (mode == _JAVA or record.head.level is not None or record.head.timestamp is not None)
    ):
        record.mode = _JAVA
        return _APPEND
    return _NO


def _attributes(found: dict[str, str] | None, length: int) -> dict[str, str]:
    """A head's attributes, capped. Every value a text parser reads is a piece of its line, so only a
    line longer than a value may hold (or many structured-data parameters) needs the cap."""
    if not found:
        return {}
    if length <= MAX_VALUE and len(found) <= MAX_ATTRIBUTES:
        return found
    return {clip(k, MAX_KEY): clip(v, MAX_VALUE) for k, v in list(found.items())[:MAX_ATTRIBUTES]}


class LineAssembler:
    """Lines in, records out, one line at a time (``holdoff tail --follow``). A record is complete when
    a line arrives that does not continue it, or at :meth:`flush` (end of input, or the input idle)."""

    def __init__(self, *, service: str, host: str | None) -> None:
        service = clean_text(service.strip()) if service else ""
        self._service = clip(service, MAX_SERVICE) if service else "unknown"
        self._host = clean_text(host) if host else None
        self._open: _Open | None = None

    def feed(self, line: str, received: datetime) -> list[LogRecord]:
        """The records completed by ``line`` (usually none or one)."""
        out: list[LogRecord] = []
        self.add(line, received, out)
        return out

    def flush(self, received: datetime) -> list[LogRecord]:
        """The record still open, completed now (it keeps the time its first line was received)."""
        if self._open is None:
            return []
        record = self._close(self._open)
        self._open = None
        return [record]

    def add(self, line: str, received: datetime, out: list[LogRecord]) -> None:
        """:meth:`feed`, appending the completed records to ``out``."""
        if "\n" in line:
            for part in line.rstrip("\r\n").split("\n"):
                self._add(clean(part.rstrip("\r")), received, out)
            return
        self._add(clean(line.rstrip("\r")), received, out)

    def _add(self, line: str, received: datetime, out: list[LogRecord]) -> None:
        current = self._open
        if not line or line.isspace():
            if current is not None:
                current.blanks += 1
            return
        if current is not None:
            joined = _continues(current, line)
            if joined == _APPEND:
                if current.blanks:
                    current.lines.extend([""] * min(current.blanks, 10))
                    current.blanks = 0
                current.lines.append(line)
                current.chars += len(line) + 1
                return
            if joined == _TAKEN:
                return
            out.append(self._close(current))
            self._open = None
        if line[0] == "{":
            try:
                data = parse_json(line)
            except (ValueError, InputRefused, RecursionError):
                data = None
            if isinstance(data, dict):
                out.append(
                    json_record(data, service=self._service, host=self._host, received=received, raw=line)
                )
                return
        self._open = _Open(detect.parse_line(line, received), received, len(line))

    def _close(self, record: _Open) -> LogRecord:
        head = record.head
        message = head.message
        if record.lines:
            message = "\n".join([message, *record.lines])
        return new_record(
            head.timestamp or record.received,
            head.service or self._service,
            head.host or self._host,
            head.level,
            head.severity_number,
            message,
            _attributes(head.attributes, record.length),
            head.record_id,
            Layout.TRACEBACK if record.trace else head.layout,
        )


def parse_lines(
    lines: Iterable[str], *, service: str, host: str | None, received: datetime
) -> list[LogRecord]:
    """Text lines (``text/plain``) into records, in input order: each line's layout read, multi-line
    records joined, a line that matches nothing kept as a plain message. Never raises for any text."""
    assembler = LineAssembler(service=service, host=host)
    out: list[LogRecord] = []
    for line in lines:
        assembler.add(line, received, out)
    out.extend(assembler.flush(received))
    return out
