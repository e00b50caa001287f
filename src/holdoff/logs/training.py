"""Training the severity classifier: the shipped corpus plus operator feedback, a held-out check, versions.

- :func:`retrain` is pure: corpus, feedback, seed and ``now`` in; fitted weights and their
  :class:`~holdoff.logs.classify.store.ModelInfo` out. Same inputs, same coefficients.
- :func:`train`, :func:`rollback` and :func:`load` are the shell the CLI, the scheduled retrain and the
  server call: they read and write ``model_dir`` (see :mod:`holdoff.logs.classify.store`).

Corpus lines that reach the classifier as raw text (no level field) are first read by the log parser, as
``holdoff classify`` and ``POST /logs`` read them, so the model learns from what it will be shown.

Feedback: the model is first fitted on the corpus alone, then adjusted to the operator's marks
(:func:`holdoff.logs.classify.model.adjust`): each marked template weighs ``FEEDBACK_WEIGHT``, and a
mark moves only the content features of its lines (word pairs, dump shapes), never single words, the
declared level, the prefix or the program tag; the words the corpus pinned move least. Marks on the lines of one system share those (every BGL line
says ``RAS KERNEL`` or ``RAS APP``, most of them ``FATAL``): when the marks could move them, nine
"noise" marks taught that the system's prefix and level are noise, and the alerts of the templates no
one marked were lost (F1 on them fell from 0.61 to 0.30). "critical" marks a line critical, "noise" a
line that is not (its severity is not known, so it moves the critical model only). A mark on a template
also applies at once through the template's history (``TemplateHistory.marked``), before any
retraining.
"""

from __future__ import annotations

import platform
import random
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from typing import Final, Literal

from pydantic import BaseModel, ConfigDict, Field

from holdoff.clock import Clock, system_clock
from holdoff.logs.classify import store
from holdoff.logs.classify.features import FEATURES_VERSION, HASH_BITS, MAX_TOKENS, Hasher, Row
from holdoff.logs.classify.model import Labelled, Weights, adjust, evidence, fit
from holdoff.logs.classify.store import CorpusInfo, FeedbackInfo, ModelInfo, NoModel
from holdoff.logs.classify.verdict import Classifier
from holdoff.logs.corpus import PER_TEMPLATE, Example, generate
from holdoff.logs.model import LogSeverity
from holdoff.logs.parse import declared_severity, parse_lines

DEFAULT_SEED: Final = 13
"""The seed of the model trained when none exists yet."""
FEEDBACK_WEIGHT: Final = 20.0
"""What one marked template weighs when the model is adjusted to the marks (see
:func:`holdoff.logs.classify.model.adjust`, whose L2 penalty is 1 per feature)."""
HOLDOUT: Final = 0.2
"""Share of the corpus templates held out (whole programs) to measure a model before the final fit on
all of them."""

_EPOCH: Final = datetime(2024, 6, 1, tzinfo=UTC)


class Mark(BaseModel):
    """An operator's word on a template or a line: critical (real) or noise."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    kind: Literal["template", "line"]
    text: str = Field(min_length=1, description="The template's text, or the line's message.")
    critical: bool
    at: datetime
    level: str | None = None
    severity_number: int | None = Field(default=None, ge=0, le=24)
    template_id: str | None = None


@dataclass(frozen=True, slots=True)
class Trained:
    """The outcome of :func:`retrain`: weights, and their info (no version until stored)."""

    weights: Weights
    info: ModelInfo


def as_read(example: Example) -> tuple[str | None, int | None, str]:
    """(level, severity number, message) of a corpus line as the classifier will be shown it: a raw
    line (no level field) is read by the log parser first."""
    if example.level is not None:
        return example.level, None, example.message
    records = parse_lines(example.message.split("\n"), service="corpus", host=None, received=_EPOCH)
    if not records:
        return None, None, example.message
    first = records[0]
    return first.level, first.severity_number, "\n".join(r.message for r in records)


def corpus_examples(corpus: Sequence[Example], hasher: Hasher | None = None) -> list[Labelled]:
    """The corpus lines as training rows."""
    hasher = hasher or Hasher()
    found: list[Labelled] = []
    for example in corpus:
        level, number, message = as_read(example)
        row = hasher.row(message, level, declared_severity(level, number))
        found.append(Labelled(row, example.severity, example.critical))
    return found


def feedback_examples(feedback: Sequence[Mark], hasher: Hasher | None = None) -> list[Labelled]:
    """The operator's marks as training rows: each marked template (by ``template_id``; a mark without
    one is a template of its own) weighs ``FEEDBACK_WEIGHT`` in all, shared by the distinct rows its
    marks read as. Marks that read the same (a template marked on many of its lines, lines that differ
    only in values) count once, and a template whose lines differ in their words (paths, names) does
    not weigh more than one whose lines do not: a template seen ten thousand times is not ten thousand
    times more certain, and would drown the corpus's evidence about the words it shares with others."""
    hasher = hasher or Hasher()
    groups: dict[tuple[str | Row, bool], dict[Row, None]] = {}
    for mark in feedback:
        row = hasher.row(mark.text, mark.level, declared_severity(mark.level, mark.severity_number))
        key: str | Row = row if mark.template_id is None else mark.template_id
        groups.setdefault((key, mark.critical), {}).setdefault(row, None)
    found: list[Labelled] = []
    for (_, critical), rows in groups.items():
        severity = LogSeverity.CRITICAL if critical else None
        found.extend(Labelled(row, severity, critical, FEEDBACK_WEIGHT / len(rows)) for row in rows)
    return found


def split(
    corpus: Sequence[Example], *, seed: int, holdout: float = HOLDOUT
) -> tuple[list[Example], list[Example]]:
    """(training, held out): whole programs are held out (every template of the software families
    drawn, in a seeded order, until about ``holdout`` of the templates), so the check is on software the
    fit never saw, not on more lines of programs it learned the words of."""
    sizes: dict[str, set[str]] = {}
    for example in corpus:
        sizes.setdefault(example.software, set()).add(example.template)
    names = sorted(sizes)
    random.Random(seed).shuffle(names)
    target = holdout * sum(len(t) for t in sizes.values())
    held: set[str] = set()
    count = 0
    for name in names:
        if count + len(sizes[name]) <= target * 1.1:
            held.add(name)
            count += len(sizes[name])
        if count >= target * 0.95:
            break
    return [e for e in corpus if e.software not in held], [e for e in corpus if e.software in held]


def metrics(weights: Weights, examples: Sequence[Labelled]) -> dict[str, float]:
    """Precision, recall and F1 of ``critical``, and severity accuracy, of ``weights`` on ``examples``."""
    classifier = Classifier(weights, "evaluation")
    tp = fp = fn = agree = graded = 0
    for example in examples:
        judged = classifier.judge_row(example.row)
        tp += judged.critical and example.critical
        fp += judged.critical and not example.critical
        fn += example.critical and not judged.critical
        if example.severity is not None:
            graded += 1
            agree += judged.severity is example.severity
    precision = tp / (tp + fp) if tp + fp else 0.0
    recall = tp / (tp + fn) if tp + fn else 0.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return {
        "critical_precision": round(precision, 4),
        "critical_recall": round(recall, 4),
        "critical_f1": round(f1, 4),
        "severity_accuracy": round(agree / graded, 4) if graded else 0.0,
        "heldout_lines": float(len(examples)),
    }


def _libraries() -> dict[str, str]:
    found = {"python": platform.python_version()}
    for name in ("numpy", "scipy", "scikit-learn"):
        try:
            found[name] = version(name)
        except PackageNotFoundError:  # pragma: no cover - they are dependencies
            found[name] = "unknown"
    return found


def _feedback_info(feedback: Sequence[Mark]) -> FeedbackInfo:
    if not feedback:
        return FeedbackInfo()
    times = sorted(mark.at for mark in feedback)
    critical = sum(mark.critical for mark in feedback)
    return FeedbackInfo(
        count=len(feedback), critical=critical, noise=len(feedback) - critical, first=times[0], last=times[-1]
    )


def _fitted(examples: Sequence[Labelled], marks: Sequence[Labelled], seed: int) -> Weights:
    """Fitted on ``examples``, then adjusted to ``marks`` (words the examples pinned move least)."""
    weights = fit(examples, seed=seed)
    return adjust(weights, marks, known=evidence(weights, examples)) if marks else weights


def retrain(
    corpus: Sequence[Example],
    feedback: Sequence[Mark],
    *,
    seed: int,
    now: datetime,
    corpus_seed: int | None = None,
    per_template: int = PER_TEMPLATE,
    check: bool = True,
) -> Trained:
    """A model fitted on ``corpus`` and ``feedback``. With ``check``, a first fit leaves out
    ``HOLDOUT`` of the templates and is measured on them (the info's metrics); the weights returned are
    always fitted on everything."""
    hasher = Hasher()
    marks = feedback_examples(feedback, hasher)
    found: dict[str, float] = {}
    if check:
        kept, held = split(corpus, seed=seed)
        found = metrics(_fitted(corpus_examples(kept, hasher), marks, seed), corpus_examples(held, hasher))
        found["heldout_templates"] = float(len({e.template for e in held}))
    weights = _fitted(corpus_examples(corpus, hasher), marks, seed)
    info = ModelInfo(
        created=now,
        seed=seed,
        corpus=CorpusInfo(
            seed=seed if corpus_seed is None else corpus_seed,
            lines=len(corpus),
            templates=len({e.template for e in corpus}),
            per_template=per_template,
        ),
        feedback=_feedback_info(feedback),
        metrics=found,
        libraries=_libraries(),
        features={"hash_bits": HASH_BITS, "max_tokens": MAX_TOKENS, "version": FEATURES_VERSION},
    )
    return Trained(weights, info)


def train(
    model_dir: Path,
    *,
    seed: int,
    now: datetime,
    feedback: Sequence[Mark] = (),
    per_template: int = PER_TEMPLATE,
    check: bool = True,
) -> ModelInfo:
    """Train on the shipped corpus (generated from ``seed``) and ``feedback``, store the result as the
    new current version in ``model_dir`` (the previous one is kept) and return its info."""
    corpus = generate(seed, per_template=per_template)
    trained = retrain(corpus, feedback, seed=seed, now=now, per_template=per_template, check=check)
    return store.save(model_dir, trained.weights, trained.info)


def rollback(model_dir: Path) -> ModelInfo:
    """Go back to the version before the current one (:class:`NoModel` if there is none)."""
    return store.rollback(model_dir)


def load(model_dir: Path, *, clock: Clock = system_clock, per_template: int = PER_TEMPLATE) -> Classifier:
    """The classifier of the current version in ``model_dir``. When there is none yet, the default model
    is trained from the shipped corpus (seed ``DEFAULT_SEED``, no held-out check: ~15 s on one core)
    and stored first, so it is trained once per data directory. A version stored with other features
    (``FEATURES_VERSION``) is trained again with its seed and stored as the next version (without the
    operator's marks, which the next scheduled retrain adds back; rollback still reaches it)."""
    try:
        weights, info = store.read_current(model_dir)
    except NoModel:
        info = train(model_dir, seed=DEFAULT_SEED, now=clock(), per_template=per_template, check=False)
        weights, info = store.read(model_dir, info.version)
    if info.features.get("version", 1) != FEATURES_VERSION:  # stored by a release with other features
        info = train(model_dir, seed=info.seed, now=clock(), per_template=per_template, check=False)
        weights, info = store.read(model_dir, info.version)
    return Classifier(weights, info.version)
