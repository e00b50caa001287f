"""What goes out when a message cannot be laid out as designed: a page is never lost to its own text.

Three layers, each in one place for every channel:

* :func:`encodable_message`: the outbox sender hands every channel a message whose text can be
  encoded (a lone UTF-16 surrogate or a NUL becomes U+FFFD), so no channel fails, or retries for a
  day, on ``.encode("utf-8")`` of one bad label.
* :meth:`holdoff.notify.templates.Templates.render` falls back from a failing ``templates_dir``
  template to Holdoff's own, and from that to :func:`plain_text`.
* :func:`build_or_plain`: a channel lays its request out through it; if that raises (a bug in a
  layout, an encoder refusing a character), it is logged and the request is built again from
  :func:`plain_message`, with Holdoff's default layout.
"""

from __future__ import annotations

import html
import logging
import re
from collections.abc import Callable
from typing import TypeVar

from holdoff.edge import REPLACEMENT, clean_text, has_bad_text
from holdoff.notify.message import ActionLink, Fact, Message

log = logging.getLogger(__name__)

_CONTROL = re.compile("[\ud800-\udfff\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")
"""What a plain message also drops: every control character but tab, line feed and carriage return."""

PLAIN_TEXT_CHARS = 2000
"""Longest title, summary or fact value in a plain message."""
PLAIN_FACTS = 20

T = TypeVar("T")


encodable = clean_text
"""``text`` with every lone surrogate and NUL replaced by U+FFFD: the rule for all input
(:mod:`holdoff.edge`), applied again to what goes out, for messages stored before it."""


def _clean(text: str, limit: int | None = None) -> str:
    text = _CONTROL.sub(REPLACEMENT, text)
    if limit is not None and len(text) > limit:
        text = text[: limit - 1] + "…"
    return text


def encodable_message(message: Message) -> Message:
    """``message`` with all of its text encodable; the same object when it already is (the usual case)."""
    texts = [message.title, message.summary, message.url, message.api_url or ""]
    texts += [message.severity or "", message.name or "", message.source or "", message.thread_key or ""]
    texts += [part for fact in message.facts for part in (fact.name, fact.value)]
    texts += [part for pair in message.labels.items() for part in pair]
    texts += [part for link in message.actions for part in (link.action, link.label, link.url)]
    if not any(has_bad_text(text) for text in texts):
        return message
    return _rebuilt(message, encodable, facts=len(message.facts), keep_labels=True)


def plain_message(message: Message) -> Message:
    """The message reduced to what any layout can show: control characters and unencodable text
    replaced by U+FFFD, long texts cut, at most :data:`PLAIN_FACTS` facts, no labels."""
    return _rebuilt(
        message, lambda text: _clean(text, PLAIN_TEXT_CHARS), facts=PLAIN_FACTS, keep_labels=False
    )


def _rebuilt(message: Message, fix: Callable[[str], str], *, facts: int, keep_labels: bool) -> Message:
    def maybe(text: str | None) -> str | None:
        return None if text is None else fix(text)

    return message.model_copy(
        update={
            "title": fix(message.title),
            "summary": fix(message.summary),
            "url": fix(message.url),
            "api_url": maybe(message.api_url),
            "severity": maybe(message.severity),
            "name": maybe(message.name),
            "source": maybe(message.source),
            "thread_key": maybe(message.thread_key),
            "facts": [Fact(name=fix(f.name), value=fix(f.value)) for f in message.facts[:facts]],
            "labels": {fix(k): fix(v) for k, v in message.labels.items()} if keep_labels else {},
            "actions": [
                ActionLink(action=fix(a.action), label=fix(a.label), url=fix(a.url)) for a in message.actions
            ],
        }
    )


def plain_text(message: Message, fmt: str = "txt") -> str:
    """The last resort when even Holdoff's own template fails: title, summary, facts and links from
    :func:`plain_message`, in plain text (``txt``, ``md``) or escaped HTML (``html``)."""
    plain = plain_message(message)
    lines = [plain.title, "", plain.summary, ""]
    lines += [f"{fact.name}: {fact.value}" for fact in plain.facts]
    lines += ["", f"Open in Holdoff: {plain.url}"]
    lines += [f"{link.label}: {link.url}" for link in plain.actions]
    if fmt == "html":
        return "".join(f"<p>{html.escape(line)}</p>" for line in lines if line)
    return "\n".join(lines)


def build_or_plain(
    build: Callable[[Message], T],
    message: Message,
    channel: str,
    plain_build: Callable[[Message], T] | None = None,
) -> T:
    """``build(message)``; when it raises, log why and return ``(plain_build or build)(plain_message(message))``.

    Channels lay out their request (card, blocks, mail, JSON body, event) through this, encoding
    included, so a layout that cannot take one message sends that message plainly instead of giving
    up on the page or retrying it for a day. ``plain_build`` builds without anything configurable
    (a ``body_template``, a ``templates_dir`` layout). Only an exception from the plain build escapes.
    """
    try:
        return build(message)
    except Exception as exc:
        log.error(
            "could not lay out the %s message for %s via %s (%s: %s); sending it as a plain message instead",
            message.kind.value,
            message.thread() or "a digest",
            channel,
            type(exc).__name__,
            encodable(str(exc)[:300]),
        )
    return (plain_build or build)(plain_message(message))
