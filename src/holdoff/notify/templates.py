"""Jinja2 templates for the text of messages, per channel type and message kind, overridable from a directory.

A channel asks for ``render(channel_type, message, fmt)``; the first template that exists wins:

1. ``<override dir>/<channel_type>/<kind>.<fmt>.j2``, then ``<override dir>/<channel_type>/message.<fmt>.j2``,
2. the same two under ``<override dir>/default/``,
3. the same four in Holdoff's own templates (``holdoff/notify/templates/``).

``fmt`` is ``txt`` (plain text), ``md`` (Markdown / Slack mrkdwn) or ``html`` (escaped automatically).
Kinds: transient_resolved, escalated, resolved, reminder, acknowledged, flapping, digest. A template
sees ``message`` (title, summary, facts, url, api_url, severity, name, source, labels, actions, key)
and ``kind`` (the kind's value), and has the filters ``mrkdwn`` (escapes Slack markup) and
``markdown`` (escapes Markdown). Set ``templates_dir`` in the configuration to override any of them.

Every template, the directory's included, renders in Jinja's immutable sandbox: a template can read
the message and format it, not reach Python's internals (``cycler.__init__.__globals__`` ...) nor
change anything. A template of the directory that fails (the sandbox refused it, a field it names does
not exist, it does not compile) is logged as an error naming its file, and the message is written by
Holdoff's own template instead; if even that fails, by :func:`~holdoff.notify.fallback.plain_text`. A
page is never lost to a template.
"""

from __future__ import annotations

import logging
import re
from pathlib import Path

from jinja2 import (
    BaseLoader,
    FileSystemLoader,
    PackageLoader,
    StrictUndefined,
    TemplateSyntaxError,
    select_autoescape,
)
from jinja2.exceptions import SecurityError
from jinja2.sandbox import ImmutableSandboxedEnvironment

from holdoff.notify.fallback import encodable, plain_text
from holdoff.notify.message import Message

log = logging.getLogger(__name__)

FORMATS = frozenset({"txt", "md", "html"})


def _environment(loader: BaseLoader) -> ImmutableSandboxedEnvironment:
    env = ImmutableSandboxedEnvironment(
        loader=loader,
        # HTML is escaped; plain text and Markdown are not HTML (Markdown escapes with | mrkdwn or | markdown).
        autoescape=select_autoescape(enabled_extensions=("html.j2",), default_for_string=False),
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=False,
    )
    env.filters["mrkdwn"] = mrkdwn
    env.filters["markdown"] = markdown
    return env


class Templates:
    def __init__(self, directory: Path | None = None) -> None:
        self.directory = directory
        self._own: FileSystemLoader | None = None
        self._own_env: ImmutableSandboxedEnvironment | None = None
        if directory is not None:
            self._own = FileSystemLoader(str(directory))
            self._own_env = _environment(self._own)
        self._builtin = _environment(PackageLoader("holdoff.notify", "templates"))

    def render(self, channel_type: str, message: Message, fmt: str = "txt") -> str:
        """The text of ``message`` for ``channel_type`` in ``fmt``; never fails for a message (see the
        module's docstring for what it falls back to)."""
        if fmt not in FORMATS:
            raise ValueError(f"unknown template format {fmt!r}; use one of {', '.join(sorted(FORMATS))}")
        own = self.overridden(channel_type, message, fmt)
        if own is not None:
            return own
        return self.builtin(channel_type, message, fmt)

    def builtin(self, channel_type: str, message: Message, fmt: str) -> str:
        """Holdoff's own template for this type, kind and format; plain text if it fails."""
        kind = message.kind.value
        names = _names(channel_type, kind, fmt)
        try:
            return self._builtin.select_template(names).render(message=message, kind=kind).strip()
        except Exception as exc:
            log.error(
                "Holdoff's own %s template for a %s message failed (%s: %s); sending it as plain text",
                fmt,
                kind,
                type(exc).__name__,
                encodable(str(exc)[:300]),
            )
            return plain_text(message, fmt)

    def overridden(self, channel_type: str, message: Message, fmt: str) -> str | None:
        """The text from a template in the override directory for this type, if there is one and it
        renders (channels with a layout of their own, like Teams cards and mail, use it instead of
        theirs). A template that fails is logged and None is returned: the default is used."""
        if self._own is None or self._own_env is None:
            return None
        kind = message.kind.value
        existing = set(self._own.list_templates())
        name = next((name for name in _names(channel_type, kind, fmt) if name in existing), None)
        if name is None:
            return None
        try:
            return self._own_env.get_template(name).render(message=message, kind=kind).strip()
        except Exception as exc:
            log.error(
                "template %s failed, so this %s message uses Holdoff's default template instead: %s",
                self._path(name),
                kind,
                _why(exc),
            )
            return None

    def _path(self, name: str) -> str:
        return str(Path(self.directory or ".") / name)


def _names(channel_type: str, kind: str, fmt: str) -> list[str]:
    return [f"{folder}/{stem}.{fmt}.j2" for folder in (channel_type, "default") for stem in (kind, "message")]


def _why(exc: Exception) -> str:
    """What went wrong with a template, in words an operator can act on."""
    if isinstance(exc, SecurityError):
        return (
            f"the sandbox refused it ({encodable(str(exc))}): a template may read the message's fields "
            "and format them, nothing else"
        )
    if isinstance(exc, TemplateSyntaxError):
        return f"it does not compile: {encodable(exc.message or str(exc))} (line {exc.lineno})"
    return f"{type(exc).__name__}: {encodable(str(exc)[:300])}"


def mrkdwn(text: str) -> str:
    """Escape the three characters Slack's mrkdwn treats as markup (links, mentions)."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


_MARKDOWN_INLINE = re.compile(r"([\\`*_\[\]<>~|&])")
"""Characters that make emphasis, code, links, HTML, strike-through, tables or entities anywhere."""
_MARKDOWN_LINE_START = re.compile(r"^([ \t]*)([#+\-=]|\d+[.)])", re.MULTILINE)
"""What makes a heading, a list or a rule only at the start of a line."""


def markdown(text: str) -> str:
    """Escape what could start Markdown markup (CommonMark backslash escapes), so alert text shows as
    written and cannot make a link, emphasis, a list or a heading."""
    escaped = _MARKDOWN_INLINE.sub(r"\\\1", text)
    return _MARKDOWN_LINE_START.sub(lambda m: m.group(1) + m.group(2)[:-1] + "\\" + m.group(2)[-1], escaped)


DEFAULT = Templates()
"""Holdoff's own templates, for channels built without a ``templates_dir``."""
