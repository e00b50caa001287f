"""Log text and JSON records read into :class:`~holdoff.logs.model.LogRecord` values: pure functions,
no I/O. docs/logs-formats.md lists every layout read and the rule for multi-line records.

- :func:`parse_lines`: ``text/plain`` lines (syslog, klog, web server logs, application logs, JSON
  lines, stack traces); :class:`LineAssembler` is the same, a line at a time, for ``holdoff tail``.
- :func:`parse_json_records`: JSON objects as ``POST /logs`` receives them (also Fluent Bit, Vector).
- :func:`declared_severity`: a declared level (word, letter, syslog or OTLP number) as a severity.
"""

from holdoff.logs.parse.json_record import parse_json_records
from holdoff.logs.parse.levels import declared_severity
from holdoff.logs.parse.traces import LineAssembler, parse_lines

__all__ = ["LineAssembler", "declared_severity", "parse_json_records", "parse_lines"]
