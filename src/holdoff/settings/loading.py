"""Building the settings: from the process environment, the env file, the YAML file and the command
line, strongest first: command-line options, then ``HOLDOFF_*`` variables of the environment, then the
env file (``--env-file``, else ``/etc/holdoff.env`` when present), then the YAML file (``--config``),
then the defaults. Nothing here runs at import time.

An environment variable names a setting by its section path, sections joined by ``__``:
``HOLDOFF_POLICY__GRACE_SECONDS=300``, ``HOLDOFF_SOURCES__ALERTMANAGER__TOKEN=...``. A mapping or a
list may be written as JSON. The flat names of :mod:`holdoff.settings.flat` work too.
"""

from __future__ import annotations

import json
import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from dotenv import dotenv_values
from pydantic import ValidationError

from holdoff.config_types import environment
from holdoff.settings.errors import Loc, Written, describe_validation_error
from holdoff.settings.file import ConfigError, read_yaml
from holdoff.settings.flat import FLAT_NAMES, MOVED, SPREAD, UNPREFIXED, move_flat_names
from holdoff.settings.model import Settings

DEFAULT_ENV_FILE = Path("/etc/holdoff.env")
ENV_PREFIX = "HOLDOFF_"
NESTED = "__"


def read_environment(variables: Mapping[str, str | None]) -> tuple[dict[str, Any], dict[Loc, str]]:
    """The settings ``variables`` hold (flat names still flat), and which variable set each path."""
    values: dict[str, Any] = {}
    written: dict[Loc, str] = {}
    sections = set(Settings.model_fields)
    for name, raw in variables.items():
        if raw is None:
            continue
        upper = name.upper()
        if upper in UNPREFIXED:
            path: tuple[str, ...] = (UNPREFIXED[upper],)
        elif upper.startswith(ENV_PREFIX):
            path = tuple(part.lower() for part in upper[len(ENV_PREFIX) :].split(NESTED))
        else:
            continue
        flat = len(path) == 1 and path[0] in FLAT_NAMES
        if not flat and path[0] not in sections:
            continue  # another program's HOLDOFF_ variable, or one Holdoff reads elsewhere
        if flat and path[0] in values and upper in UNPREFIXED:
            continue  # HOLDOFF_EMAIL_TO beats EMAIL_TO
        _set(values, path, _decoded(raw))
        written[path] = name
        if flat and path[0] in MOVED:
            written[MOVED[path[0]]] = name
        elif flat and path[0] in SPREAD:
            written[("sources",)] = name
    return values, written


def load_settings(
    env_file: Path | None = None,
    config_file: Path | None = None,
    **overrides: Any,
) -> Settings:
    """Build the one settings object. Raises :class:`ConfigError` with a message fit for the user."""
    if env_file is not None and not env_file.is_file():
        raise ConfigError(f"--env-file {env_file}: no such file")
    chosen_env = (
        env_file if env_file is not None else (DEFAULT_ENV_FILE if DEFAULT_ENV_FILE.is_file() else None)
    )
    known = set(Settings.model_fields) | FLAT_NAMES
    yaml_config = read_yaml(config_file, known) if config_file is not None else None
    file_variables = dotenv_values(chosen_env) if chosen_env is not None else {}
    from_file, file_written = read_environment(file_variables)
    from_env, env_written = read_environment(os.environ)
    layers = [
        ("the configuration file", yaml_config.values if yaml_config is not None else {}),
        (str(chosen_env), from_file),
        ("the environment", from_env),
        ("the command line", overrides),
    ]
    merged: dict[str, Any] = {}
    for where, layer in layers:
        try:
            merged = _merged(merged, move_flat_names(layer))
        except ValueError as exc:
            raise ConfigError(f"invalid configuration in {where}: {exc}") from None
    written = Written([_paths(overrides), env_written, file_written], yaml_config)
    env = {key: value for key, value in {**file_variables, **os.environ}.items() if value is not None}
    try:
        with environment(env):
            return Settings.model_validate(merged)
    except ValidationError as exc:
        raise ConfigError(describe_validation_error(exc, Settings, written)) from exc


def _paths(overrides: Mapping[str, Any]) -> dict[Loc, str]:
    """Command-line values are named by their setting's section path."""
    named: dict[Loc, str] = {}
    for key in overrides:
        path = MOVED.get(key, (key,))
        named[path] = ".".join(path)
    return named


def _decoded(raw: str) -> Any:
    """A mapping or list written as JSON decoded; anything else is left to the field to read."""
    text = raw.strip()
    if text[:1] in ("{", "["):
        try:
            return json.loads(text)
        except ValueError:
            return raw
    return raw


def _set(values: dict[str, Any], path: tuple[str, ...], value: Any) -> None:
    node = values
    for part in path[:-1]:
        child = node.setdefault(part, {})
        if not isinstance(child, dict):
            return
        node = child
    node[path[-1]] = value


def _merged(weaker: dict[str, Any], stronger: Mapping[str, Any]) -> dict[str, Any]:
    """``stronger`` laid over ``weaker``: mappings merge key by key, anything else is replaced."""
    result = dict(weaker)
    for key, value in stronger.items():
        if isinstance(value, Mapping) and isinstance(result.get(key), Mapping):
            result[key] = _merged(dict(result[key]), value)
        else:
            result[key] = value
    return result
