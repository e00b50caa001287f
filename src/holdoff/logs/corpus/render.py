"""How a corpus line reaches the classifier: as a structured record (level in its own field), or as a raw
line whose level and prefix (timestamp, host, program) are part of the text because no parser took them
apart. Both happen in real streams, so the corpus holds both, chosen at random from the seed."""

from __future__ import annotations

import random

from holdoff.logs.corpus.fill import FILLERS
from holdoff.logs.corpus.table import Template


def _prefix(template: Template, rng: random.Random) -> str:
    kind = rng.randint(0, 5)
    if kind == 0:
        return ""
    if kind == 1:
        return f"{FILLERS['date'](rng)}T{FILLERS['time'](rng)}.{rng.randint(0, 999):03d}Z "
    if kind == 2:
        return f"{FILLERS['date'](rng)} {FILLERS['time'](rng)},{rng.randint(0, 999):03d} "
    if kind == 3:
        month, day = FILLERS["month"](rng), rng.randint(1, 28)
        return f"{month} {day:2d} {FILLERS['time'](rng)} {FILLERS['host'](rng)} {template.software}[{FILLERS['pid'](rng)}]: "
    if kind == 4:
        return f"[{FILLERS['date'](rng)} {FILLERS['time'](rng)}] "
    return f"{FILLERS['host'](rng)} "


def _level_token(level: str, rng: random.Random) -> str:
    kind = rng.randint(0, 4)
    if kind == 0:
        return f"{level} "
    if kind == 1:
        return f"[{level}] "
    if kind == 2:
        return f"{level.upper()} "
    if kind == 3:
        return f"{level.lower()}: "
    return f"<{level.lower()}> "


def render(template: Template, text: str, rng: random.Random) -> tuple[str | None, str]:
    """(declared level, message) for one line of ``template`` whose filled text is ``text``."""
    style = rng.random()
    if style < 0.5:
        return template.level, text
    if style < 0.8:
        token = _level_token(template.level, rng) if template.level else ""
        return None, _prefix(template, rng) + token + text
    return template.level, _prefix(template, rng) + text
