"""The probable root of a correlated incident: its members ranked, each with its reasons.

Points, added up (highest first; ties go to the earlier start, then the key):

- **earliest start** ``+1.0`` (every member that started first);
- **infrastructure** ``+0.8``: an ``infra`` hint, or a name or service that says node, host, database,
  network, DNS, disk, a queue ...; a ``symptom`` hint (or errors, latency, timeouts in the name) ``-0.3``;
- **depended on** ``+0.7`` for each other member whose service depends on this one's (configured
  topology), at most ``+1.4``: a failing dependency explains its callers, not the other way round;
- **learned precedence** ``+0.5`` for each other member's service this one's alerts started before in at
  least two thirds of at least three co-starts in history.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Sequence
from datetime import datetime

from holdoff.correlate.config import CorrelationConfig
from holdoff.correlate.model import (
    NOTHING_LEARNED,
    Learned,
    Member,
    Ranked,
    Reason,
    ReasonKind,
    RootHint,
)
from holdoff.mediate.durations import humanize

EARLIEST = 1.0
INFRA = 0.8
SYMPTOM = -0.3
DEPENDED_ON = 0.7
DEPENDED_ON_CAP = 1.4
PRECEDES = 0.5
PRECEDES_MIN = 3
"""Co-starts needed before history says which one comes first."""

_INFRA_WORDS = re.compile(
    r"(?<![a-z])(node|host|kube-?node|db|database|postgres(?:ql)?|mysql|redis|kafka|rabbitmq|etcd|network|dns|"
    r"disk|storage|volume|lb|load-?balancer|ingress|nat|vpc|zone)(?![a-z])"
)
_SYMPTOM_WORDS = re.compile(
    r"(?<![a-z])(errors?|5xx|latency|slow|timeouts?|apdex|availability|sli|slo)(?![a-z])"
)
_CAMEL = re.compile(r"(?<=[a-z0-9])(?=[A-Z])")
"""Where an alert name in CamelCase (``PostgresDown``) splits into words."""
_DEFAULT = CorrelationConfig()


@functools.lru_cache(maxsize=4096)
def _infra_word(name: str, service: str) -> str | None:
    found = _INFRA_WORDS.search(_CAMEL.sub(" ", f"{name} {service}").lower())
    return found.group(1) if found else None


def infra_word(member: Member) -> str | None:
    """The word of its alert's name or service that says infrastructure (``db``, ``node`` ...), if any."""
    return _infra_word(member.name, member.service)


def is_infra_service(member: Member) -> bool:
    """Whether ``member`` is an infrastructure component itself (an ``infra`` hint, or its service is named
    like one: ``node-exporter``, ``network``, ``orders-db``), not an application whose alert mentions a disk."""
    if RootHint.INFRA in member.root_hints:
        return True
    return RootHint.SYMPTOM not in member.root_hints and _infra_word("", member.service) is not None


def rank_root(
    members: Sequence[Member],
    learned: Learned = NOTHING_LEARNED,
    config: CorrelationConfig = _DEFAULT,
) -> list[Ranked]:
    """``members`` ranked as probable root, most probable first."""
    if not members:
        return []
    first = min(member.started for member in members)
    ranked = [_rank(member, members, first, learned, config) for member in members]
    ranked.sort(key=lambda item: (-item.score, item.member.started, item.member.key))
    return ranked


def _rank(
    member: Member, members: Sequence[Member], first: datetime, learned: Learned, config: CorrelationConfig
) -> Ranked:
    reasons: list[Reason] = []
    others = [other for other in members if other.key != member.key]
    if member.started == first:
        reasons.append(Reason(ReasonKind.EARLIEST, "started first", EARLIEST))
    else:
        earliest = min(others, key=lambda other: other.started)
        delta = humanize(member.started - earliest.started)
        reasons.append(Reason(ReasonKind.EARLIEST, f"started {delta} after {_name(earliest)}", 0.0))
    words = _CAMEL.sub(" ", f"{member.name} {member.service}").lower()
    infra = infra_word(member)
    if RootHint.INFRA in member.root_hints or infra:
        what = f" ({infra})" if infra else ""
        reasons.append(Reason(ReasonKind.INFRA, f"infrastructure{what}", INFRA))
    elif RootHint.SYMPTOM in member.root_hints or _SYMPTOM_WORDS.search(words):
        reasons.append(Reason(ReasonKind.SYMPTOM, "a symptom", SYMPTOM))
    service = member.service
    if service:
        callers = sorted(
            {other.service for other in others if other.service and config.depends(other.service, service)}
        )
        if callers:
            text = (
                f"{', '.join(callers)} {'depends' if len(callers) == 1 else 'depend'} on {service} (topology)"
            )
            reasons.append(
                Reason(ReasonKind.DEPENDED_ON, text, min(DEPENDED_ON * len(callers), DEPENDED_ON_CAP))
            )
        for other_service in sorted(
            {other.service for other in others if other.service and other.service != service}
        ):
            link = learned.link(service, other_service)
            if link is None:
                continue
            mine, theirs = (link.a_first, link.b_first) if link.a == service else (link.b_first, link.a_first)
            total = mine + theirs
            if total >= PRECEDES_MIN and mine * 3 >= total * 2:
                text = f"learned: {service} started before {other_service} {mine} of {total} times"
                reasons.append(Reason(ReasonKind.PRECEDES, text, PRECEDES))
    return Ranked(member, round(sum(reason.weight for reason in reasons), 3), tuple(reasons))


def _name(member: Member) -> str:
    return member.service or member.name or member.key[:8]
