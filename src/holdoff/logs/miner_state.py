"""The miner's memory: templates by key and by id, the families that merge, aliases, what changed.

A *family* is the set of templates whose keys are the same except for one word at one place (never
the first): ``Invalid user admin from <*>``, ``Invalid user oracle from <*>``. When a family holds
``merge_after`` different words, its templates are merged into one whose key has ``<*>`` there, and a
*pattern* (the generalised places, for keys of that length) lets later lines with yet another word
find it. Merged templates become aliases: their ids resolve to the new template's.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from datetime import datetime
from typing import TYPE_CHECKING, Final

from holdoff.logs.miner_key import WILDCARD, key_texts

if TYPE_CHECKING:
    from holdoff.logs.miner import MinedTemplate, StoredTemplate

_HITS_LIMIT: Final = 100_000
"""Keys found through a pattern, remembered so the next line with the same key is one lookup."""


def _general(shape: str) -> str:
    """What a template shows at a place whose values differ: the place's shape (``uid=<*>``)."""
    return shape if WILDCARD in shape else WILDCARD


class Template:
    """One template as the miner holds it (mutable; the miner's own)."""

    __slots__ = (
        "aliases",
        "count",
        "dirty",
        "first_seen",
        "founding",
        "generalised",
        "id",
        "key",
        "last_seen",
        "line",
        "merged_into",
        "open",
        "parts",
        "result",
        "saved",
        "serial",
        "text",
        "texts",
        "tick",
    )

    def __init__(self, template_id: str, key: str, texts: list[str], founding: str) -> None:
        self.id = template_id
        self.key = key
        self.parts = key.split(" ")
        self.texts = texts
        self.text = " ".join(texts)
        self.line = self.text  # the last masked line seen
        self.founding = founding
        # Places whose text may still generalise: values whose text is still specific.
        self.open = [
            i for i, part in enumerate(self.parts) if WILDCARD in part and texts[i] != _general(part)
        ]
        self.count = 0
        self.saved = 0
        self.first_seen: datetime | None = None
        self.last_seen: datetime | None = None
        self.merged_into: str | None = None
        self.generalised: tuple[int, ...] = ()
        self.aliases: list[Template] = []
        self.dirty = False
        self.tick = 0
        self.serial = 0
        self.result: MinedTemplate | None = None  # the answer for a line that changes nothing

    def count_lines(self, now: datetime | None, lines: int = 1) -> None:
        self.count += lines
        if now is not None:
            if self.first_seen is None or now < self.first_seen:
                self.first_seen = now
            if self.last_seen is None or now > self.last_seen:
                self.last_seen = now

    def see(self, masked: list[str], now: datetime | None) -> bool:
        """Count a line (its masked tokens); whether the template's text generalised."""
        self.count_lines(now)
        if not self.open:
            return False
        line = " ".join(masked)
        if line == self.line:
            return False
        self.line = line
        return self.generalise(key_texts(masked))

    def generalise(self, texts: list[str]) -> bool:
        """Take the texts of a line (or of a template merged into this one) into the template's text."""
        if not self.open:
            return False
        still = [i for i in self.open if texts[i] == self.texts[i]]
        if len(still) == len(self.open):
            return False
        for i in self.open:
            if texts[i] != self.texts[i]:
                self.texts[i] = _general(self.parts[i])
        self.open = still
        self.text = " ".join(self.texts)
        return True


class TemplateSet:
    """Templates by key and id, families, patterns, aliases, recency and what changed."""

    def __init__(self, *, merge_after: int, max_templates: int, make_id: Callable[[str], str]) -> None:
        self._merge_after = merge_after
        self._max = max_templates
        self._make_id = make_id
        self._by_key: dict[str, Template] = {}
        self._live: dict[str, Template] = {}
        self._aliases: dict[str, Template] = {}
        self._families: dict[int, dict[str, Template]] = {}
        self._patterns: dict[int, set[tuple[int, ...]]] = {}
        self._hits: dict[str, Template] = {}
        self._dirty: list[Template] = []
        self._tick = 0
        self._serial = 0

    # --- finding -----------------------------------------------------------------------------

    def find(self, key: str, *, remember: bool = True) -> Template | None:
        found = self._by_key.get(key) or self._hits.get(key)
        if found is None:
            if not self._patterns:
                return None
            found = self._by_pattern(key)
            if found is not None and remember:
                if len(self._hits) >= _HITS_LIMIT:
                    self._hits.clear()
                self._hits[key] = found
        if found is not None and found.merged_into is not None:
            return self._live.get(self.resolve(found.id))  # merged again since it was remembered
        return found

    def _by_pattern(self, key: str) -> Template | None:
        """The generalised template whose key is ``key`` with words replaced at its places, if any."""
        parts = key.split(" ")
        for places in self._patterns.get(len(parts), ()):
            general = list(parts)
            for i in places:
                general[i] = WILDCARD
            found = self._by_key.get(" ".join(general))
            if found is not None and found.merged_into is None and found.key != key:
                return found
        return None

    def touch(self, template: Template) -> None:
        self._tick += 1
        template.tick = self._tick
        if not template.dirty:
            template.dirty = True
            self._dirty.append(template)

    def resolve(self, template_id: str) -> str:
        for _ in range(64):
            alias = self._aliases.get(template_id)
            if alias is None or alias.merged_into is None:
                break
            template_id = alias.merged_into
        return template_id

    # --- learning ------------------------------------------------------------------------------

    def add(self, key: str, masked: list[str], now: datetime | None) -> tuple[Template, tuple[str, ...]]:
        """Found a template for ``key``; if that completes a family, the template they merged into and
        the ids merged."""
        texts = key_texts(masked)
        template = Template(self._make_id(key), key, texts, " ".join(texts))
        template.count_lines(now)
        self._register(template)
        self.touch(template)
        merged: tuple[Template, tuple[str, ...]] | None = None
        if self._merge_after:
            merged = self._join_families(template)
        if len(self._live) > self._max:
            self._evict()
        return merged or (template, ())

    def _register(self, template: Template) -> None:
        self._by_key[template.key] = template
        self._live[template.id] = template
        self._serial += 1
        template.serial = self._serial

    def _family_keys(self, template: Template) -> Iterator[tuple[int, int]]:
        """(place, family) for each word of the template that may be a parameter."""
        parts = template.parts
        for i in range(1, len(parts)):
            if WILDCARD not in parts[i]:
                yield i, hash((i, " ".join(parts[:i]), " ".join(parts[i + 1 :])))

    def _join_families(self, template: Template) -> tuple[Template, tuple[str, ...]] | None:
        for place, family in self._family_keys(template):
            members = self._families.setdefault(family, {})
            members[template.parts[place]] = template
            if len(members) >= self._merge_after:
                # Live members only, and only true ones (families are keyed by a hash).
                head, tail = template.parts[:place], template.parts[place + 1 :]
                live = [
                    m
                    for m in members.values()
                    if self._live.get(m.id) is m and m.parts[:place] == head and m.parts[place + 1 :] == tail
                ]
                if len(live) >= self._merge_after:
                    del self._families[family]
                    return self._merge(place, live)
        return None

    def _merge(self, place: int, members: list[Template]) -> tuple[Template, tuple[str, ...]]:
        parts = list(members[0].parts)
        parts[place] = WILDCARD
        key = " ".join(parts)
        survivor = self._by_key.get(key)
        if survivor is None or survivor.merged_into is not None:
            texts = list(members[0].texts)
            texts[place] = WILDCARD
            survivor = Template(self._make_id(key), key, texts, members[0].founding)
            self._register(survivor)
        survivor.generalised = tuple(sorted({*survivor.generalised, *members[0].generalised, place}))
        for member in members:
            self._absorb(survivor, member)
        self._patterns.setdefault(len(parts), set()).add(survivor.generalised)
        self.touch(survivor)
        if self._merge_after:
            for i, family in self._family_keys(survivor):
                self._families.setdefault(family, {})[survivor.parts[i]] = survivor
        return survivor, tuple(member.id for member in members)

    def _absorb(self, survivor: Template, member: Template) -> None:
        survivor.count_lines(member.first_seen, lines=member.count)
        survivor.count_lines(member.last_seen, lines=0)
        survivor.generalise(member.texts)
        self._alias(member, survivor)

    def _alias(self, member: Template, survivor: Template) -> None:
        member.merged_into = survivor.id
        self._live.pop(member.id, None)
        self._aliases[member.id] = member
        self._by_key[member.key] = survivor
        survivor.aliases.append(member)
        self.touch(member)

    def _evict(self) -> None:
        """Forget the least recently used tenth (their rows stay in the store)."""
        oldest = sorted(self._live.values(), key=lambda t: t.tick)[: max(1, self._max // 10)]
        for template in oldest:
            del self._live[template.id]
            if self._by_key.get(template.key) is template:
                del self._by_key[template.key]
            for alias in template.aliases:
                self._aliases.pop(alias.id, None)
                if self._by_key.get(alias.key) is template:
                    del self._by_key[alias.key]
        self._hits.clear()

    # --- persistence ---------------------------------------------------------------------------

    def restore(self, stored: Iterable[StoredTemplate]) -> None:
        """Take templates as persisted: live ones first, then aliases onto them."""
        rows = [row for row in stored if row.key]
        for row in rows:
            if row.merged_into is None:
                template = _restored(row)
                self._register(template)
                self._tick += 1
                template.tick = self._tick
        for row in rows:
            survivor = self._live.get(row.merged_into or "")
            if survivor is None:
                continue
            alias = _restored(row)
            self._serial += 1
            alias.serial = self._serial
            alias.merged_into = survivor.id
            self._aliases[alias.id] = alias
            self._by_key.setdefault(alias.key, survivor)
            survivor.aliases.append(alias)
            places = tuple(
                i
                for i, (mine, theirs) in enumerate(zip(survivor.parts, alias.parts, strict=False))
                if mine == WILDCARD and theirs != WILDCARD
            )
            if places and len(survivor.parts) == len(alias.parts):
                survivor.generalised = tuple(sorted({*survivor.generalised, *places}))
        for template in self._live.values():
            if template.generalised:
                self._patterns.setdefault(len(template.parts), set()).add(template.generalised)
        self._catch_up()
        if self._merge_after:
            for template in list(self._live.values()):
                for i, family in self._family_keys(template):
                    self._families.setdefault(family, {})[template.parts[i]] = template

    def _catch_up(self) -> None:
        """Templates another process founded before it learnt they are one generalised template: aliases."""
        if not self._patterns:
            return
        for template in list(self._live.values()):
            found = None if template.generalised else self._by_pattern(template.key)
            if found is not None:
                self._absorb(found, template)

    def take_dirty(self) -> list[tuple[Template, int]]:
        taken = []
        for template in self._dirty:
            taken.append((template, template.count - template.saved))
            template.saved = template.count
            template.dirty = False
        self._dirty = []
        return taken

    def all(self) -> list[Template]:
        return sorted([*self._live.values(), *self._aliases.values()], key=lambda t: t.serial)

    def live_count(self) -> int:
        return len(self._live)


def _restored(row: StoredTemplate) -> Template:
    parts = row.key.split(" ")
    shown = row.template.split(" ")
    texts = shown if len(shown) == len(parts) else [_general(part) for part in parts]
    template = Template(row.template_id, row.key, texts, row.founding)
    template.text = row.template
    if len(shown) != len(parts):
        template.open = []
    template.count = template.saved = row.count
    template.first_seen = row.first_seen
    template.last_seen = row.last_seen
    template.merged_into = row.merged_into
    return template
