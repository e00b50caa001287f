"""Slack's Block Kit message layout, kept within Slack's size limits.

The blocks (header, summary section, fact fields, context line, action buttons), the fallback
``text``, the incoming-webhook payload and its JSON encoding. When a message is too big, the summary
and the lesser facts are cut (then dropped) before the protected facts are touched.

Alert text goes into ``plain_text`` objects only: Slack shows it as written, so it can ping nobody,
link nowhere and format nothing (mrkdwn has no escape for ``*bold*``). The one mrkdwn element is the
context line, which is Holdoff's own; the notification ``text`` is mrkdwn-escaped.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from holdoff.mediate.model import NotificationKind
from holdoff.notify.message import Fact, Message
from holdoff.notify.templates import DEFAULT, Templates

MAX_HEADER_CHARS = 150
"""A header block's plain text."""
MAX_SECTION_CHARS = 3000
"""A section block's text."""
MAX_FIELD_CHARS = 2000
"""One field of a section."""
MAX_FIELDS_PER_SECTION = 10
MAX_FIELDS = 30
"""Facts shown at most (three sections); the rest are counted in a last field."""
MAX_BLOCKS_CHARS = 11_000
"""All text of all blocks together: Slack refuses somewhat over 13,000 (``msg_blocks_too_long``)."""
MAX_TEXT_CHARS = 3000
"""The notification / fallback ``text``."""
MAX_BUTTONS = 25
MAX_BUTTON_LABEL_CHARS = 75
MAX_BUTTON_URL_CHARS = 3000

PROTECTED_FACTS = frozenset({"alert", "incident", "source", "open for", "severity"})
"""Facts that are never dropped, and cut only as a last resort."""

TRUNCATION_MARK = "… (truncated)"

_ICONS = {
    NotificationKind.RESOLVED: "✅",
    NotificationKind.TRANSIENT_RESOLVED: "✅",
    NotificationKind.ACKNOWLEDGED: "👀",
    NotificationKind.FLAPPING: "🔁",
    NotificationKind.CORRELATED: "🔗",
    NotificationKind.DIGEST: "📋",
}
_SEVERITY_ICONS = {"critical": "🔴", "high": "🟠", "warning": "🟡", "info": "🔵", "low": "⚪"}
_DEFAULT_ICON = "🚨"


def mrkdwn(text: str) -> str:
    """Escape the three characters Slack's mrkdwn treats as markup (mentions, links)."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _cut(text: str, limit: int) -> str:
    """``text`` at most ``limit`` characters long, marked when it was cut."""
    if len(text) <= limit:
        return text
    return text[: max(limit - len(TRUNCATION_MARK), 0)] + TRUNCATION_MARK


def _icon(message: Message) -> str:
    if message.kind in _ICONS:
        return _ICONS[message.kind]
    return _SEVERITY_ICONS.get((message.severity or "").lower(), _DEFAULT_ICON)


def header_text(message: Message) -> str:
    """The header's words before any cut: an icon, the severity and the title."""
    severity = f"[{message.severity.upper()}] " if message.severity else ""
    return f"{_icon(message)} {severity}{message.title or message.kind.value}"


@dataclass(frozen=True)
class _Limits:
    summary: int = MAX_SECTION_CHARS
    lesser: int = MAX_FIELD_CHARS
    protected: int = MAX_FIELD_CHARS
    drop_lesser: bool = False


_STEPS = (
    _Limits(),
    _Limits(summary=2000, lesser=1000),
    _Limits(summary=1000, lesser=500),
    _Limits(summary=1000, lesser=200),
    _Limits(summary=500, lesser=80),
    _Limits(summary=500, lesser=80, drop_lesser=True),
    _Limits(summary=300, lesser=80, protected=500, drop_lesser=True),
    _Limits(summary=200, lesser=80, protected=200, drop_lesser=True),
)


def build_blocks(message: Message, max_chars: int = MAX_BLOCKS_CHARS) -> list[dict[str, Any]]:
    """The Block Kit blocks for ``message``, within Slack's limits.

    Every piece is cut to Slack's own limit (header 150, section 3000, field 2000 characters, 10
    fields per section). When all text together is still over ``max_chars``, the summary and the
    lesser facts are cut shorter step by step, then the lesser facts are dropped, and only last
    the alert, incident, source, open-for and severity facts are cut (never dropped). The title,
    the link to Holdoff and the action buttons are always there.
    """
    blocks = _layout(message, _STEPS[0])
    for limits in _STEPS[1:]:
        if _text_size(blocks) <= max_chars:
            break
        blocks = _layout(message, limits)
    return blocks


def _layout(message: Message, limits: _Limits) -> list[dict[str, Any]]:
    header = header_text(message)
    blocks: list[dict[str, Any]] = [
        {
            "type": "header",
            "text": {"type": "plain_text", "text": _cut(header, MAX_HEADER_CHARS), "emoji": True},
        }
    ]
    # Alert text goes in plain_text objects: mrkdwn cannot escape *bold*, _italic_ or `code`, and a
    # plain_text object makes no links or mentions. Only Holdoff's own line (the context) is mrkdwn.
    section = ""
    if len(header) > MAX_HEADER_CHARS:
        # The header lost the end of the title: say it whole (or nearly) at the top of the section.
        section = _cut(message.title, 1000)
    if message.summary:
        room = min(limits.summary, MAX_SECTION_CHARS - len(section) - 1)
        section = f"{section}\n{_cut(message.summary, room)}" if section else _cut(message.summary, room)
    if section:
        blocks.append({"type": "section", "text": {"type": "plain_text", "text": section, "emoji": True}})
    fields = _fields(message.facts, limits)
    for start in range(0, len(fields), MAX_FIELDS_PER_SECTION):
        blocks.append({"type": "section", "fields": fields[start : start + MAX_FIELDS_PER_SECTION]})
    blocks.append({"type": "context", "elements": [{"type": "mrkdwn", "text": _context(message)}]})
    buttons = _buttons(message)
    if buttons:
        blocks.append({"type": "actions", "block_id": "holdoff_actions", "elements": buttons})
    return blocks


def _fields(facts: list[Fact], limits: _Limits) -> list[dict[str, Any]]:
    kept = [
        fact
        for fact in facts
        if (fact.name or fact.value) and (not limits.drop_lesser or fact.name.lower() in PROTECTED_FACTS)
    ]
    if len(kept) > MAX_FIELDS:
        protected = sum(1 for fact in kept if fact.name.lower() in PROTECTED_FACTS)
        lesser_room = max(MAX_FIELDS - 1 - protected, 0)
        chosen: list[Fact] = []
        for fact in kept:
            if fact.name.lower() in PROTECTED_FACTS:
                chosen.append(fact)
            elif lesser_room > 0:
                chosen.append(fact)
                lesser_room -= 1
        left_out = len(kept) - len(chosen)
        kept = [*chosen, Fact(name="More", value=f"{left_out} more fact(s) in Holdoff")]
    fields = []
    for fact in kept:
        name = f"{_cut(fact.name, 100)}: " if fact.name else ""
        protected = fact.name.lower() in PROTECTED_FACTS
        limit = limits.protected if protected else limits.lesser
        value = _cut(fact.value, min(limit, MAX_FIELD_CHARS - len(name))) or "-"
        fields.append({"type": "plain_text", "text": name + value, "emoji": True})
    return fields


def _context(message: Message) -> str:
    parts = []
    if message.severity:
        parts.append(f"Severity: *{mrkdwn(message.severity.upper())}*")
    parts.append(message.kind.value.replace("_", " "))
    parts.append(f"<{mrkdwn(message.url)}|Open in Holdoff>")
    return _cut(" · ".join(parts), MAX_SECTION_CHARS)


def _buttons(message: Message) -> list[dict[str, Any]]:
    buttons: list[dict[str, Any]] = []
    for index, action in enumerate(message.actions):
        if len(buttons) >= MAX_BUTTONS:
            break
        if not action.url or len(action.url) > MAX_BUTTON_URL_CHARS:
            continue  # Slack would refuse the whole message
        button: dict[str, Any] = {
            "type": "button",
            "action_id": f"holdoff_{action.action}_{index}"[:255],
            "text": {
                "type": "plain_text",
                "text": _cut(action.label or action.action, MAX_BUTTON_LABEL_CHARS),
                "emoji": True,
            },
            "url": action.url,
        }
        if action.action == "acknowledge":
            button["style"] = "primary"
        buttons.append(button)
    return buttons


def _text_size(blocks: list[dict[str, Any]]) -> int:
    """All the text Slack counts in ``blocks``."""
    total = 0
    for block in blocks:
        if "text" in block:
            total += len(block["text"]["text"])
        for item in block.get("fields", []):
            total += len(item["text"])
        for element in block.get("elements", []):
            text = element.get("text")
            total += len(text["text"] if isinstance(text, dict) else text or "")
            total += len(element.get("url", ""))
    return total


def fallback_text(message: Message, templates: Templates = DEFAULT) -> str:
    """The ``text`` Slack shows in notifications (and where blocks cannot be shown): the ``slack``
    Markdown template (mrkdwn-escaped), cut at a line end to :data:`MAX_TEXT_CHARS`. A template of
    ``templates_dir`` that fails gives way to Holdoff's own (see :mod:`holdoff.notify.templates`)."""
    text = templates.render("slack", message, "md")
    if len(text) <= MAX_TEXT_CHARS:
        return text or mrkdwn(message.title) or message.kind.value
    room = MAX_TEXT_CHARS - len(TRUNCATION_MARK) - 1
    head = text[:room]
    line_end = head.rfind("\n")
    if line_end >= room // 2:
        head = head[:line_end]
    elif "&" in head[-5:]:
        head = head[: head.rfind("&")]  # never end in the middle of an escaped character
    return f"{head}\n{TRUNCATION_MARK}"


def build_payload(message: Message, templates: Templates = DEFAULT) -> dict[str, Any]:
    """The incoming-webhook body (the bot mode adds ``channel`` and, for a reply, ``thread_ts``)."""
    return {
        "text": fallback_text(message, templates),
        "blocks": build_blocks(message),
        # Slack must not fetch the links itself: an acknowledge link is single-use.
        "unfurl_links": False,
        "unfurl_media": False,
    }


def encode(payload: dict[str, Any]) -> bytes:
    """The exact bytes sent: compact UTF-8 JSON."""
    return json.dumps(payload, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
