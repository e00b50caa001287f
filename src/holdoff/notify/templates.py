"""Jinja2 templates for the text of messages, per channel type and message kind, overridable from a directory.

A channel asks for ``render(channel_type, message, fmt)``; the first template that exists wins:

1. ``<override dir>/<channel_type>/<kind>.<fmt>.j2``, then ``<override dir>/<channel_type>/message.<fmt>.j2``,
2. the same two under ``<override dir>/default/``,
3. the same four in Holdoff's own templates (``holdoff/notify/templates/``).

``fmt`` is ``txt`` (plain text), ``md`` (Markdown / Slack mrkdwn) or ``html`` (escaped automatically).
Kinds: transient_resolved, escalated, resolved, reminder, acknowledged, flapping, digest. A template
sees ``message`` (title, summary, facts, url, severity, name, source, labels, actions, key) and
``kind`` (the kind's value). Set ``templates_dir`` in the configuration to override any of them.
"""

from __future__ import annotations

from pathlib import Path

from jinja2 import (
    ChoiceLoader,
    Environment,
    FileSystemLoader,
    PackageLoader,
    StrictUndefined,
    TemplateNotFound,
    select_autoescape,
)

from holdoff.notify.message import Message

FORMATS = frozenset({"txt", "md", "html"})


class TemplateMissing(LookupError):
    """No template for this channel type, kind and format (not even Holdoff's own)."""


class Templates:
    def __init__(self, directory: Path | None = None) -> None:
        loaders: list[FileSystemLoader | PackageLoader] = []
        self._own: FileSystemLoader | None = None
        if directory is not None:
            self._own = FileSystemLoader(str(directory))
            loaders.append(self._own)
        loaders.append(PackageLoader("holdoff.notify", "templates"))
        self._env = Environment(
            loader=ChoiceLoader(loaders),
            # HTML is escaped; plain text and Markdown are not HTML (Markdown escapes with | mrkdwn).
            autoescape=select_autoescape(enabled_extensions=("html.j2",), default_for_string=False),
            undefined=StrictUndefined,
            trim_blocks=True,
            lstrip_blocks=True,
            keep_trailing_newline=False,
        )
        self._env.filters["mrkdwn"] = _mrkdwn

    def render(self, channel_type: str, message: Message, fmt: str = "txt") -> str:
        if fmt not in FORMATS:
            raise ValueError(f"unknown template format {fmt!r}; use one of {', '.join(sorted(FORMATS))}")
        own = self.overridden(channel_type, message, fmt)
        if own is not None:
            return own
        kind = message.kind.value
        names = [
            f"{folder}/{stem}.{fmt}.j2" for folder in (channel_type, "default") for stem in (kind, "message")
        ]
        try:
            template = self._env.select_template(names)
        except TemplateNotFound as exc:
            raise TemplateMissing(f"no template among {', '.join(names)}") from exc
        return template.render(message=message, kind=kind).strip()

    def overridden(self, channel_type: str, message: Message, fmt: str) -> str | None:
        """The text from a template in the override directory for this type, if there is one (channels
        with a layout of their own, like Teams cards and mail, use it instead of theirs)."""
        if self._own is None:
            return None
        kind = message.kind.value
        for folder in (channel_type, "default"):
            for stem in (kind, "message"):
                name = f"{folder}/{stem}.{fmt}.j2"
                if name in self._own.list_templates():
                    return self._env.get_template(name).render(message=message, kind=kind).strip()
        return None


def _mrkdwn(text: str) -> str:
    """Escape the three characters Slack's mrkdwn treats as markup."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


DEFAULT = Templates()
"""Holdoff's own templates, for channels built without a ``templates_dir``."""
