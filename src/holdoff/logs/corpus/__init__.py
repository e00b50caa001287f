"""The classifier's training corpus: labelled log lines of many kinds of software, written here.

Every line comes from a template of a table (:mod:`holdoff.logs.corpus.table`), filled with random values
and rendered as a structured record or a raw line (:mod:`holdoff.logs.corpus.render`), all from one seed:
the same seed gives the same corpus, byte for byte. Nothing here is taken from a public log data set; the
templates and their labels are written from what these programs are known to print.
"""

from __future__ import annotations

import random
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Final

from holdoff.logs.corpus import (
    apps,
    auth,
    cloud,
    context,
    databases,
    handwritten,
    hpc,
    jvm,
    kubernetes,
    linux,
    network,
    queues,
    services,
    storage,
    web,
)
from holdoff.logs.corpus.fill import fill
from holdoff.logs.corpus.render import render
from holdoff.logs.corpus.table import Template
from holdoff.logs.model import LogSeverity

TEMPLATES: Final[tuple[Template, ...]] = (
    *web.TEMPLATES,
    *linux.TEMPLATES,
    *databases.TEMPLATES,
    *auth.TEMPLATES,
    *queues.TEMPLATES,
    *kubernetes.TEMPLATES,
    *jvm.TEMPLATES,
    *services.TEMPLATES,
    *cloud.TEMPLATES,
    *storage.TEMPLATES,
    *network.TEMPLATES,
    *hpc.TEMPLATES,
    *apps.TEMPLATES,
    *handwritten.TEMPLATES,
    *context.TEMPLATES,
)
"""Every template of the corpus, table by table."""

PER_TEMPLATE: Final = 40
"""Lines generated per template by default (hand-written lines, which have nothing to vary but their
rendering, get a quarter of that)."""


@dataclass(frozen=True, slots=True)
class Example:
    """One labelled line of the corpus."""

    template: str  # the key of the template it came from ("web:12")
    software: str
    level: str | None
    message: str
    severity: LogSeverity

    @property
    def critical(self) -> bool:
        return self.severity is LogSeverity.CRITICAL


def _lines(template: Template, seed: int, count: int) -> Iterable[Example]:
    rng = random.Random(f"{seed}/{template.key}")  # per template: adding a table moves no other line
    for _ in range(count):
        level, message = render(template, fill(template.text, rng), rng)
        yield Example(template.key, template.software, level, message, template.severity)


def generate(seed: int = 0, *, per_template: int = PER_TEMPLATE) -> list[Example]:
    """The corpus for ``seed``: ``per_template`` lines of each template, in table order."""
    found: list[Example] = []
    for template in TEMPLATES:
        count = max(1, per_template // 4) if template.key.startswith("handwritten:") else per_template
        found.extend(_lines(template, seed, count))
    return found
