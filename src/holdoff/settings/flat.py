"""Flat setting names, as Holdoff and the seed POC wrote them before sections, read into sections.

``HOLDOFF_GRACE_SECONDS=300`` is ``policy.grace_seconds``; ``TEAMS_WEBHOOK_URL``, ``EMAIL_FROM``,
``EMAIL_TO`` and the ``HOLDOFF_SMTP_*`` variables become the ``teams`` and ``email`` entries of
``channels:``, so Teams and email are built one way only, as channels. A flat name works in the
environment, the env file, the YAML file and as a keyword (``Settings(grace_seconds=5)``); its
sectioned name wins where both are given in one place. This module is the only list of flat names.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from holdoff.ingest.config import split_list

Path = tuple[str, ...]

MOVED: dict[str, Path] = {
    **{
        name: ("server", name)
        for name in (
            "host",
            "port",
            "workers",
            "public_url",
            "allowed_hosts",
            "allowed_origins",
            "data_dir",
            "log_level",
            "log_format",
            "lease_seconds",
            "scheduler_interval_seconds",
            "sender_interval_seconds",
        )
    },
    "action_links": ("links", "enabled"),
    "action_link_hours": ("links", "hours"),
    "action_secret": ("links", "secret"),
    "database_url": ("database", "url"),
    **{
        name: ("policy", name)
        for name in (
            "grace_seconds",
            "group_by",
            "group_wait",
            "group_interval",
            "transient",
            "quiet_hours",
            "digest",
            "routes",
            "flapping",
            "inhibit_rules",
            "noise_rules",
        )
    },
    "retry_base_seconds": ("delivery", "retry_base_seconds"),
    "retry_max_seconds": ("delivery", "retry_max_seconds"),
    "give_up_after_seconds": ("delivery", "give_up_after_seconds"),
    "channel_failure_threshold": ("delivery", "failure_threshold"),
    "fallback_channel": ("delivery", "fallback_channel"),
    "templates_dir": ("delivery", "templates_dir"),
    "sns_verify_signatures": ("sources", "cloudwatch", "verify_signatures"),
    "sns_topic_arns": ("sources", "cloudwatch", "topic_arns"),
    "cloudwatch_insufficient_data": ("sources", "cloudwatch", "insufficient_data"),
    "generic": ("sources", "generic", "mapping"),
}
"""Flat name -> where it lives now."""

SPREAD = frozenset({"ingest_tokens", "open_sources"})
"""Flat names spread over several sources: ``ingest_tokens`` (source -> token, ``*`` for all) and
``open_sources`` (a list of source names)."""

SEED_CHANNELS: dict[str, tuple[str, str]] = {
    "teams_webhook_url": ("teams", "webhook_url"),
    "email_from": ("email", "sender"),
    "email_to": ("email", "recipients"),
    "smtp_host": ("email", "host"),
    "smtp_port": ("email", "port"),
    "smtp_starttls": ("email", "starttls"),
    "smtp_ssl": ("email", "ssl"),
    "smtp_username": ("email", "username"),
    "smtp_password": ("email", "password"),
}
"""The POC's flat names -> (channel, field) of the channel they make."""

SEED_CHANNEL_TIMEOUT = "channel_timeout_seconds"
"""Timeout of the channels made from flat names."""

UNPREFIXED = {"TEAMS_WEBHOOK_URL": "teams_webhook_url", "EMAIL_FROM": "email_from", "EMAIL_TO": "email_to"}
"""Environment names the POC used without the ``HOLDOFF_`` prefix."""

FLAT_NAMES = frozenset(MOVED) | SPREAD | frozenset(SEED_CHANNELS) | {SEED_CHANNEL_TIMEOUT}

MAKES = {"teams": "teams_webhook_url", "email": "email_to"}
"""The flat name that makes each channel (without it, its other flat names are ignored)."""


def flat_name_of(loc: tuple[str | int, ...]) -> str | None:
    """The flat name an error location had before sections (``("policy", "grace_seconds")`` ->
    ``grace_seconds``), or None."""
    for name, path in MOVED.items():
        if tuple(loc[: len(path)]) == path:
            return name
    if len(loc) >= 4 and loc[0] == "channels":
        for name, (channel, field) in SEED_CHANNELS.items():
            if loc[2] == channel and loc[3] == field:
                return name
    if len(loc) >= 3 and loc[0] == "sources" and loc[-1] == "token":
        return "ingest_tokens"
    return None


def move_flat_names(values: Mapping[str, Any]) -> dict[str, Any]:
    """``values`` with flat names moved into their sections (the seed's channel names stay, for
    :func:`make_seed_channels`). A value already written under its section name is kept."""
    moved: dict[str, Any] = {}
    flat: dict[str, Any] = {}
    for key, value in values.items():
        (flat if key in MOVED or key in SPREAD else moved)[key] = value
    for key, value in flat.items():
        if key == "ingest_tokens":
            for source, token in _decoded(value, key).items():
                _put(moved, ("sources", "token") if source == "*" else ("sources", source, "token"), token)
        elif key == "open_sources":
            for source in split_list(_decoded(value, key)) or []:
                _put(moved, ("sources", str(source), "open"), True)
        else:
            _put(moved, MOVED[key], value)
    return moved


def make_seed_channels(values: dict[str, Any]) -> dict[str, Any]:
    """``values`` with the POC's Teams and email names turned into ``channels:`` entries named
    ``teams`` and ``email`` (filling in an entry of that name when ``channels:`` has one)."""
    given = {key: values.pop(key) for key in (*SEED_CHANNELS, SEED_CHANNEL_TIMEOUT) if key in values}
    channels = list(values.get("channels") or [])
    for channel, maker in MAKES.items():
        if _blank(given.get(maker)):
            continue
        if channel == "email" and _blank(given.get("email_from")):
            raise ValueError("email_from (EMAIL_FROM) is required when email_to (EMAIL_TO) is set")
        entry: dict[str, Any] = {"name": channel, "type": channel}
        if SEED_CHANNEL_TIMEOUT in given:
            entry["timeout_seconds"] = given[SEED_CHANNEL_TIMEOUT]
        for key, (target, field) in SEED_CHANNELS.items():
            if target == channel and key in given:
                entry[field] = split_list(given[key]) if key == "email_to" else given[key]
        at = next(
            (i for i, c in enumerate(channels) if isinstance(c, dict) and c.get("name") == channel), None
        )
        if at is None:
            channels.append(entry)
        elif channels[at].get("type") != channel:
            raise ValueError(
                f"channels: has an entry named {channel!r} of type {channels[at].get('type')!r}, and "
                f"{maker} ({maker.upper()}) makes a {channel} channel of that name; rename the entry"
            )
        else:
            channels[at] = {**channels[at], **entry}
    if channels:
        values["channels"] = channels
    return values


def _decoded(value: Any, name: str) -> Any:
    """A JSON text (as an environment variable holds a mapping) decoded; anything else as it is."""
    if isinstance(value, str) and value.strip()[:1] in ("{", "["):
        try:
            return json.loads(value)
        except ValueError:
            raise ValueError(f"{name}: not valid JSON") from None
    if name == "ingest_tokens" and not isinstance(value, Mapping):
        raise ValueError(f'{name}: write a mapping of source to token, e.g. {{"alertmanager": "..."}}')
    return value


def _put(target: dict[str, Any], path: Path, value: Any) -> None:
    """Set ``path`` in nested ``target`` unless already set there (the sectioned name wins)."""
    node = target
    for part in path[:-1]:
        child = node.get(part)
        if not isinstance(child, dict):
            child = {} if child is None else child
            if not isinstance(child, dict):
                return  # a section written as something else: validation reports it
            node[part] = child
        else:
            child = node[part] = dict(child)
        node = child
    node.setdefault(path[-1], value)


def _blank(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip()) or value == []
