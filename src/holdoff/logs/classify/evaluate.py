"""How good a model's settings are on software it never saw: the corpus cut by software family.

A model that learned a program's own words from the corpus is not tested by more lines of that program.
:func:`families` holds whole programs out (every template of ``nginx``, of ``slurmctld`` ...), and
:func:`cross_validate` fits on the other programs and judges the held-out ones, fold by fold, so that each
template is judged once by a model that never saw its program. It also simulates an operator on each
fold: the lines of a seeded tenth of each held-out program's templates are marked (critical or noise, as labelled),
the fitted weights adjusted with those marks (:func:`holdoff.logs.classify.model.adjust`), and the
*other* held-out templates judged again: feedback that helps there generalises, feedback that hurts
there is the bug the benchmark once showed. Pure: rows, labels and seeds in, counts out.
"""

from __future__ import annotations

import random
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Final

from holdoff.logs.classify.model import Labelled, Weights, adjust, evidence, fit
from holdoff.logs.classify.verdict import Classifier

FOLDS: Final = 5
MARKED: Final = 0.1
"""Share of a fold's templates an operator marks in the feedback simulation."""


@dataclass
class Counts:
    """Confusion counts of ``critical``."""

    tp: int = 0
    fp: int = 0
    fn: int = 0
    lines: int = 0

    def add(self, predicted: bool, truth: bool) -> None:
        self.tp += predicted and truth
        self.fp += predicted and not truth
        self.fn += truth and not predicted
        self.lines += 1

    @property
    def precision(self) -> float:
        return self.tp / (self.tp + self.fp) if self.tp + self.fp else 0.0

    @property
    def recall(self) -> float:
        return self.tp / (self.tp + self.fn) if self.tp + self.fn else 0.0

    @property
    def f1(self) -> float:
        p, r = self.precision, self.recall
        return 2 * p * r / (p + r) if p + r else 0.0

    def figures(self) -> dict[str, float]:
        return {
            "precision": round(self.precision, 4),
            "recall": round(self.recall, 4),
            "f1": round(self.f1, 4),
            "lines": float(self.lines),
        }


@dataclass(frozen=True, slots=True)
class Item:
    """One corpus line as the evaluation sees it: its row and label, its template and its program."""

    example: Labelled
    template: str
    software: str


def families(software: Sequence[str], *, seed: int, folds: int = FOLDS) -> list[set[str]]:
    """The programs of ``software`` dealt into ``folds`` groups, in a seeded order."""
    names = sorted(set(software))
    random.Random(seed).shuffle(names)
    return [set(names[i::folds]) for i in range(folds)]


@dataclass
class Report:
    """Pooled over the folds: zero-shot on every held-out line; and, on the held-out templates an
    operator did not mark, zero-shot and after the marks."""

    zero_shot: Counts = field(default_factory=Counts)
    others_zero_shot: Counts = field(default_factory=Counts)
    others_feedback: Counts = field(default_factory=Counts)
    folds: int = 0

    def figures(self) -> dict[str, dict[str, float]]:
        return {
            "zero_shot": self.zero_shot.figures(),
            "others_zero_shot": self.others_zero_shot.figures(),
            "others_feedback": self.others_feedback.figures(),
        }


def _judge(weights: Weights, items: Sequence[Item], counts: Counts) -> None:
    classifier = Classifier(weights, "evaluation")
    for item in items:
        counts.add(classifier.judge_row(item.example.row).critical, item.example.critical)


def cross_validate(
    items: Sequence[Item],
    *,
    seed: int,
    folds: int = FOLDS,
    marked: float = MARKED,
    mark: Callable[[Labelled], Labelled] | None = None,
) -> Report:
    """Fit on all programs but a fold's, judge the fold (see the module docstring). ``mark`` turns a
    marked line into the training row of its mark (by default: the line itself, weight 1)."""
    report = Report()
    for group in families([i.software for i in items], seed=seed, folds=folds):
        kept = [i for i in items if i.software not in group]
        held = [i for i in items if i.software in group]
        if not held or not kept:
            continue
        weights = fit([i.example for i in kept], seed=seed)
        _judge(weights, held, report.zero_shot)
        chosen: set[str] = set()
        rng = random.Random(seed)
        for software in sorted(group):  # each program is a system its operator marks a tenth of
            templates = sorted({i.template for i in held if i.software == software})
            chosen.update(rng.sample(templates, max(1, round(len(templates) * marked))))
        marks = [mark(i.example) if mark else i.example for i in held if i.template in chosen]
        others = [i for i in held if i.template not in chosen]
        _judge(weights, others, report.others_zero_shot)
        known = evidence(weights, [i.example for i in kept])
        _judge(adjust(weights, marks, known=known), others, report.others_feedback)
        report.folds += 1
    return report
