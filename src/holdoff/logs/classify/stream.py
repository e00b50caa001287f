"""Lines in, one JSON-ready verdict per record out, in input order: what ``holdoff classify FILE|-`` prints.

Each record is parsed as ``POST /logs`` parses text (:func:`holdoff.logs.parse`; a stack trace is one
record), mined into its template (:class:`holdoff.logs.miner.TemplateMiner`), and judged with the
template's history so far. The object of a record is::

    {"line": 12, "severity": "critical", "critical": true, "score": 0.9731,
     "template_id": "3f2a...", "template": "Out of memory: Killed process <NUM> (<*>) ...",
     "reason": {"features": [{"name": "word:oom", "weight": 1.01}, ...],
                "level": "info", "declared": "info",
                "history": {"seen": 3, "first_seen": "2026-...", "marked": null},
                "model": "v0001-1a2b3c4d"}}

``line`` is the number (from 1) of the record's first line; blank lines and the lines that continue a
record get no object of their own. The verdicts are those of the server for the same lines in the same
order: both call the same classifier on the same parsed records and template histories.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from datetime import datetime
from typing import Any

from holdoff.logs.classify.verdict import Classifier
from holdoff.logs.miner import TemplateMiner
from holdoff.logs.model import LogRecord, TemplateHistory, Verdict
from holdoff.logs.parse import LineAssembler


class Histories:
    """Template histories: how many records of each template came before, and when the first did,
    keyed by the miner's id and followed through merges. They start from what the miner already holds
    (a miner restored from the store knows every template's count), so a stream judged by
    ``holdoff classify`` with the service's templates sees the history the service sees; the server
    keeps one of these beside its miner."""

    def __init__(self, miner: TemplateMiner, marks: Mapping[str, bool]) -> None:
        self._miner = miner
        self._marks = marks
        self._seen: dict[str, tuple[int, datetime | None]] = {
            t.template_id: (t.count, t.first_seen) for t in miner.templates() if t.merged_into is None
        }

    def __call__(self, record: LogRecord) -> TemplateHistory:
        mined = self._miner.match(record.message, record.timestamp)
        template_id = self._miner.resolve(mined.template_id)
        for alias in mined.merged:  # what was counted under a merged template counts for this one
            count, first = self._seen.pop(alias, (0, None))
            seen, since = self._seen.get(template_id, (0, None))
            self._seen[template_id] = (seen + count, min((t for t in (since, first) if t), default=None))
        seen, first = self._seen.get(template_id, (0, None))
        first = first or record.timestamp
        self._seen[template_id] = (seen + 1, first)
        marked = self._marks.get(template_id)
        if marked is None and mined.template_id != template_id:
            marked = self._marks.get(mined.template_id)
        return TemplateHistory(
            template_id=template_id, template=mined.template, seen=seen, first_seen=first, marked=marked
        )


def verdict_json(line: int, verdict: Verdict, level: str | None) -> dict[str, Any]:
    """The printed object of one record (see the module docstring)."""
    template = verdict.template
    return {
        "line": line,
        "severity": verdict.severity.label,
        "critical": verdict.critical,
        "score": round(verdict.score, 4),
        "template_id": template.template_id,
        "template": template.template,
        "reason": {
            "features": [{"name": f.name, "weight": f.weight} for f in verdict.reason],
            "level": level,
            "declared": verdict.declared.label if verdict.declared is not None else None,
            "history": {
                "seen": template.seen,
                "first_seen": template.first_seen.isoformat() if template.first_seen else None,
                "marked": template.marked,
            },
            "model": verdict.model_version,
        },
    }


def classify_stream(
    lines: Iterable[str],
    classifier: Classifier,
    *,
    received: datetime,
    service: str = "stdin",
    host: str | None = None,
    miner: TemplateMiner | None = None,
    marks: Mapping[str, bool] | None = None,
) -> Iterator[dict[str, Any]]:
    """One object per record of ``lines`` (see the module docstring), as soon as each record is
    complete. ``miner`` carries templates over from earlier streams (a fresh one by default);
    ``marks`` are the operator's marks by template id (True: critical, False: noise)."""
    assembler = LineAssembler(service=service, host=host)
    histories = Histories(miner if miner is not None else TemplateMiner(), marks or {})
    starts: list[int] = []  # first line of each record begun and not yet out
    emitted = begun = 0

    def out(records: list[LogRecord]) -> Iterator[dict[str, Any]]:
        nonlocal emitted
        for record in records:
            verdict = classifier.classify(record, histories(record))
            yield verdict_json(starts.pop(0), verdict, record.level)
            emitted += 1

    for number, line in enumerate(lines, start=1):
        if not line.strip():
            assembler.add(line, received, [])
            continue
        was_open = begun > emitted
        done = assembler.feed(line, received)
        if done or not was_open:  # this line begins a record (a JSON line may end it at once)
            starts.append(number)
            begun += 1
        yield from out(done)
    yield from out(assembler.flush(received))
