"""A series selector as PromQL writes one: ``cpu_usage{host="web-1", env=~"prod|staging"}``.

The metric name is optional (``{job="node"}`` selects every metric of a job); the braces hold label
matchers read exactly as Alertmanager and the rest of Holdoff read them
(:func:`holdoff.mediate.matchers.parse_matchers`: ``=``, ``!=``, ``=~``, ``!~``, anchored regexes).
``__name__`` may be matched there too (``{__name__=~"node_cpu.*"}``). An empty selector (``""`` or
``{}``) selects every series.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass

from holdoff.mediate.matchers import Matcher, MatcherError, matches_all, parse_matchers

_NAME = re.compile(r"^\s*([a-zA-Z_:][a-zA-Z0-9_:]*)?\s*(\{.*\})?\s*$", re.DOTALL)


class SelectorError(ValueError):
    """A selector that cannot be read; the message says why."""


@dataclass(frozen=True)
class Selector:
    text: str
    name: str | None
    matchers: tuple[Matcher, ...]

    def matches(self, name: str, labels: Mapping[str, str]) -> bool:
        if self.name is not None and name != self.name:
            return False
        if not self.matchers:
            return True
        return matches_all(self.matchers, {**labels, "__name__": name})


def parse_selector(text: str) -> Selector:
    """``name{matchers}``, ``name`` or ``{matchers}`` (see the module docs)."""
    found = _NAME.match(text)
    if found is None:
        raise SelectorError(
            f'{text!r} is not a series selector: write name{{label="value", ...}}, a name, or {{...}}'
        )
    name, braces = found.group(1), found.group(2)
    try:
        matchers = parse_matchers(braces) if braces else ()
    except MatcherError as exc:
        raise SelectorError(str(exc)) from None
    return Selector(text=text.strip(), name=name, matchers=matchers)


def parse_series(text: str) -> tuple[str, dict[str, str]]:
    """One series written as ``name{a="1", b="2"}``: its name and labels (only ``=`` matchers)."""
    selector = parse_selector(text)
    if selector.name is None:
        raise SelectorError(f'{text!r} names no metric: write name{{label="value"}}')
    labels: dict[str, str] = {}
    for matcher in selector.matchers:
        if matcher.type.value != "=":
            raise SelectorError(f"{text!r}: a series has label values, not {matcher.type.value} matchers")
        labels[matcher.name] = matcher.value
    return selector.name, labels
