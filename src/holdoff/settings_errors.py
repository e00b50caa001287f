"""Configuration errors in words a user can act on: each names the setting as it was written (the
environment variable, or the YAML path and line) and never prints a secret."""

from __future__ import annotations

from pydantic import ValidationError

from holdoff.config_file import YamlConfig

ENV_PREFIX = "HOLDOFF_"

_SECRET_FIELDS = frozenset(
    {"teams_webhook_url", "smtp_password", "database_url", "ingest_tokens", "action_secret", "channels"}
)


def _field_name(loc_head: int | str) -> str:
    """``HOLDOFF_GRACE_SECONDS``, ``TEAMS_WEBHOOK_URL`` or ``grace_seconds`` -> the field's name."""
    field = str(loc_head)
    if field.upper().startswith(ENV_PREFIX):
        field = field[len(ENV_PREFIX) :]
    return field.lower()


def _setting_name(loc: tuple[int | str, ...]) -> str:
    field = _field_name(loc[0])
    legacy = {"teams_webhook_url": "TEAMS_WEBHOOK_URL", "email_from": "EMAIL_FROM", "email_to": "EMAIL_TO"}
    name = ENV_PREFIX + field.upper()
    return f"{name} (or {legacy[field.lower()]})" if field.lower() in legacy else name


_YAML_ONLY = frozenset(
    {
        "routes",
        "generic",
        "noise_rules",
        "flapping",
        "inhibit_rules",
        "group_by",
        "quiet_hours",
        "digest",
        "channels",
        "sources",
    }
)
"""Settings too structured for an environment variable: named by their path in the YAML file."""


def describe_validation_error(error: ValidationError, yaml_config: YamlConfig | None = None) -> str:
    lines = []
    for item in error.errors():
        message = str(item["msg"]).removeprefix("Value error, ")
        got = item.get("input")
        loc = tuple(item["loc"])
        secret = bool(loc) and _field_name(loc[0]) in _SECRET_FIELDS
        shown = "" if isinstance(got, dict | list) or got is None or secret else f" (got {got!r})"
        if not loc:
            lines.append(message)
            continue
        name = _setting_name(loc)
        if yaml_config is not None and str(loc[0]) in yaml_config.values:
            line = yaml_config.line_of(loc)
            if str(loc[0]) in _YAML_ONLY:
                name = ".".join(str(part) for part in loc)
            name += f" ({yaml_config.path.name} line {line})" if line else f" ({yaml_config.path.name})"
        lines.append(f"{name}: {message}{shown}")
    return "invalid configuration: " + "; ".join(lines)
