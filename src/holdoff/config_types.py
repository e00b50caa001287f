"""Value types every configuration section uses: secrets, ``${NAME}`` references and durations.

A secret is written as ``${NAME}``: the value comes from the environment or the ``--env-file`` when
the configuration is loaded, so the YAML file can be shared and the secret never sits in it. A field
is secret by its type: :data:`Secret` (a :class:`~pydantic.SecretStr`, never printed) or a value
marked :data:`SENSITIVE` (a database URL carrying a password). Configuration errors never echo a
secret field's value, and :func:`secret_values` finds every secret to scrub from logs; no list of
secret names is kept by hand.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Annotated, Any

from pydantic import BaseModel, BeforeValidator, SecretStr, model_validator

_REFERENCE = re.compile(r"\$\{([A-Za-z_][A-Za-z0-9_]*)\}")
_ENVIRONMENT: ContextVar[Mapping[str, str] | None] = ContextVar("holdoff_config_environment", default=None)


class Sensitive:
    """Marks a plain field whose value must not be shown (``Annotated[str, SENSITIVE]``)."""

    def __repr__(self) -> str:
        return "SENSITIVE"


SENSITIVE = Sensitive()


@contextmanager
def environment(values: Mapping[str, str]) -> Iterator[None]:
    """Resolve ``${NAME}`` from ``values`` (the env file and the environment) while loading settings."""
    token = _ENVIRONMENT.set(values)
    try:
        yield
    finally:
        _ENVIRONMENT.reset(token)


def expand(value: Any) -> Any:
    """``${NAME}`` in a string replaced by that variable; an unset variable is an error naming it."""
    if not isinstance(value, str) or "${" not in value:
        return value
    env = _ENVIRONMENT.get()
    if env is None:
        env = os.environ

    def one(found: re.Match[str]) -> str:
        name = found.group(1)
        if name not in env:
            raise ValueError(f"${{{name}}} is not set in the environment or the env file")
        return env[name]

    return _REFERENCE.sub(one, value)


Secret = Annotated[SecretStr, BeforeValidator(expand)]
"""A secret setting: ``${NAME}`` or the literal value; never shown."""
Expanded = Annotated[str, BeforeValidator(expand)]
"""A plain setting that may also be written as ``${NAME}``."""


def secret_values(value: Any) -> Iterator[str]:
    """Every secret inside a configuration value: :class:`SecretStr` values and fields marked
    :data:`SENSITIVE`, in models, lists and mappings at any depth."""
    if isinstance(value, SecretStr):
        if value.get_secret_value():
            yield value.get_secret_value()
    elif isinstance(value, BaseModel):
        for name, info in type(value).model_fields.items():
            field = getattr(value, name)
            if SENSITIVE in info.metadata and isinstance(field, str):
                yield from _url_credentials(field)
            else:
                yield from secret_values(field)
    elif isinstance(value, list | tuple):
        for item in value:
            yield from secret_values(item)
    elif isinstance(value, Mapping):
        for item in value.values():
            yield from secret_values(item)


def _url_credentials(text: str) -> Iterator[str]:
    """The ``user:password`` part of a URL (all of a value that is not a URL)."""
    if "://" not in text:
        yield text
    elif "@" in text.split("://", 1)[1]:
        yield text.split("://", 1)[1].split("@", 1)[0]


class ExternalConfig(BaseModel):
    """What every config of an outside system shares (a log store lookup, a metric pull): a ``name``
    that defaults to its ``type``, and its secrets, kept out of error texts."""

    @model_validator(mode="before")
    @classmethod
    def _name_defaults_to_type(cls, data: Any) -> Any:
        if isinstance(data, dict) and "name" not in data and isinstance(data.get("type"), str):
            return {**data, "name": data["type"]}
        return data

    def secrets(self) -> list[str]:
        """Secret values of this config, longest first."""
        return sorted(set(secret_values(self)), key=len, reverse=True)

    def scrub(self, text: str) -> str:
        """``text`` with every secret of this config replaced by ``***``."""
        for secret in self.secrets():
            text = text.replace(secret, "***")
        return text
