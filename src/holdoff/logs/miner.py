"""A streaming template miner: each log line to the template of its event, with an id that stays.

How a line finds its template (the details of keys are in :mod:`holdoff.logs.miner_key`):

1. The record's first line is mined (plus the exception class of a stack trace it carries), masked
   (:mod:`holdoff.logs.mask`) and reduced to its *key*: its words as they are, each value (or run of
   values) as ``<*>``. Every line of one event has the same key, so finding the template is one
   dictionary lookup, and the result does not depend on which lines came first.
2. A line whose key is unknown may still belong to a template that was *generalised*: when
   ``merge_after`` templates differ in a single word at the same place (``Invalid user admin from
   <IP>``, ``Invalid user oracle ...``), that word is a parameter, and they become one template with
   ``<*>`` there. Templates keep their place in the line: the first word is never generalised (it is
   most often what the event is: ``Starting``, ``Stopping``).
3. Otherwise the line founds a new template.

Template ids are the first 16 hex digits of the BLAKE2b hash of the template's key. Every line of a
template has that key, so two processes, or one process after a restart, derive the same id for the
same template whatever line they met first; nothing needs to be coordinated. A template's text may
still change (``<NUM>`` becomes ``<*>`` once another kind of value is seen there): its id does not.
When templates are generalised into one, the new template's id is the hash of its own key, and the
templates it absorbed are kept as aliases of it (``merged_into``), so their ids still resolve.

The miner is pure: no clock (``now`` is passed in), no I/O. It is not thread-safe; one owner calls
it. :meth:`TemplateMiner.take_changes` hands what changed since the last call to the store
(:mod:`holdoff.store.log_templates`), which adds counts and keeps the most general text, so processes
sharing a database can write their changes in any order.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field

from holdoff.logs.miner_key import WILDCARD, line_key, mining_text
from holdoff.logs.miner_state import Template, TemplateSet


class MinerConfig(BaseModel):
    """How the miner works. The defaults are one configuration meant for every kind of log."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    merge_after: int = Field(
        default=6,
        ge=0,
        description="Templates that differ only in one word, at the same place (never the first "
        "word), are merged into one template with a parameter there once this many different words "
        "were seen (user names, service names). 0: never merge.",
    )
    max_tokens: int = Field(
        default=100,
        ge=4,
        le=10_000,
        description="Tokens of a line that make its key; the rest of a longer line is one parameter.",
    )
    line_cache: int = Field(
        default=20_000,
        ge=0,
        description="Distinct lines whose key is remembered, so a line seen again (most are: "
        "messages repeat) skips masking. 0: none.",
    )
    max_templates: int = Field(
        default=50_000,
        ge=10,
        description="Templates held in memory. Beyond, the least recently used tenth are forgotten: "
        "they stay in the store, and a line of one of them finds the same id again.",
    )


@dataclass(frozen=True, slots=True)
class MinedTemplate:
    """The template a line belongs to."""

    template_id: str
    template: str
    is_new: bool
    """This line founded the template (first seen by this miner)."""
    changed: bool
    """The template's text generalised with this line (or templates were merged into it)."""
    merged: tuple[str, ...] = ()
    """Ids of the templates this line merged into this one (they are now aliases of it)."""


@dataclass(frozen=True, slots=True)
class StoredTemplate:
    """A template as persisted, and as a miner is restored from."""

    template_id: str
    template: str
    count: int
    first_seen: datetime | None = None
    last_seen: datetime | None = None
    key: str = ""
    """What every line of the template shares (the miner's lookup key); the id is its hash."""
    founding: str = ""
    """The masked text of the line that founded the template."""
    merged_into: str | None = None
    """Set when the template was merged into another: its id resolves to that one."""


@dataclass(frozen=True, slots=True)
class TemplateChange:
    """What changed about one template since the last :meth:`TemplateMiner.take_changes`."""

    template_id: str
    template: str
    key: str
    founding: str
    added: int
    """Lines counted since the last change was taken."""
    first_seen: datetime | None
    last_seen: datetime | None
    merged_into: str | None


def template_id(key: str) -> str:
    """The id of the template with this key."""
    return hashlib.blake2b(key.encode("utf-8"), digest_size=8).hexdigest()


class TemplateMiner:
    """Streaming miner. ``match`` learns from each line; the result depends only on the lines given,
    in their order, and on the templates it was restored with."""

    def __init__(self, config: MinerConfig | None = None, templates: Iterable[StoredTemplate] = ()) -> None:
        self.config = config or MinerConfig()
        self._set = TemplateSet(
            merge_after=self.config.merge_after, max_templates=self.config.max_templates, make_id=template_id
        )
        self._set.restore(templates)
        self._lines: dict[str, tuple[str, list[str]]] = {}

    def match(self, message: str, now: datetime | None = None) -> MinedTemplate:
        """The template of ``message`` (a record: its first line is mined), learning from it."""
        known = self._lines.get(message)
        if known is None:
            known = line_key(mining_text(message), self.config.max_tokens)
            if self.config.line_cache:
                if len(self._lines) >= self.config.line_cache:
                    self._lines.clear()
                self._lines[message] = known
        key, masked = known
        found = self._set.find(key)
        if found is not None:
            changed = found.see(masked, now)
            self._set.touch(found)
            if changed or found.result is None:
                found.result = MinedTemplate(found.id, found.text, False, False)
                if changed:
                    return MinedTemplate(found.id, found.text, False, True)
            return found.result
        created, merged = self._set.add(key, masked, now)
        if merged:
            return MinedTemplate(created.id, created.text, False, True, merged)
        return MinedTemplate(created.id, created.text, True, False)

    def peek(self, message: str) -> MinedTemplate | None:
        """The template ``message`` would match, without learning from it (None: it would found one)."""
        key, _ = line_key(mining_text(message), self.config.max_tokens)
        found = self._set.find(key, remember=False)
        if found is None:
            return None
        return MinedTemplate(found.id, found.text, False, False)

    def resolve(self, template_id: str) -> str:
        """The id a (possibly merged) template's lines now count under."""
        return self._set.resolve(template_id)

    def templates(self) -> list[StoredTemplate]:
        """Every template held, aliases included, in the order they were founded."""
        return [_stored(template) for template in self._set.all()]

    def take_changes(self) -> list[TemplateChange]:
        """What changed since the last call (new templates, counts, texts, merges), for the store."""
        return [
            TemplateChange(
                template_id=template.id,
                template=template.text,
                key=template.key,
                founding=template.founding,
                added=added,
                first_seen=template.first_seen,
                last_seen=template.last_seen,
                merged_into=template.merged_into,
            )
            for template, added in self._set.take_dirty()
        ]

    def __len__(self) -> int:
        """Templates held (aliases not counted)."""
        return self._set.live_count()


def _stored(template: Template) -> StoredTemplate:
    return StoredTemplate(
        template_id=template.id,
        template=template.text,
        count=template.count,
        first_seen=template.first_seen,
        last_seen=template.last_seen,
        key=template.key,
        founding=template.founding,
        merged_into=template.merged_into,
    )


__all__ = [
    "WILDCARD",
    "MinedTemplate",
    "MinerConfig",
    "StoredTemplate",
    "TemplateChange",
    "TemplateMiner",
    "template_id",
]
