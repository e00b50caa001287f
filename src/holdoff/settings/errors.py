"""Configuration errors in words a user can act on: each names the setting as it was written (the
environment variable, or the YAML path and line) and never prints a secret.

Whether a value is secret is read off the field's type (:mod:`holdoff.config_types`), not a list.
"""

from __future__ import annotations

import types
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Annotated, Any, Literal, Union, get_args, get_origin

from pydantic import BaseModel, SecretStr, ValidationError

from holdoff.config_types import SENSITIVE
from holdoff.settings.file import YamlConfig
from holdoff.settings.flat import MOVED, flat_name_of

Loc = tuple[int | str, ...]


@dataclass(frozen=True)
class Written:
    """Where the values being validated were written: environment variables by the path they set
    (strongest first), and the YAML file."""

    variables: list[Mapping[Loc, str]] = field(default_factory=list)
    yaml: YamlConfig | None = None

    def variable_for(self, loc: Loc) -> str | None:
        flat = flat_name_of(loc)
        for written in self.variables:
            for path, name in written.items():
                if _overlaps(path, loc) or (flat is not None and path == (flat,)):
                    return name
        return None

    def yaml_name(self, loc: Loc) -> str | None:
        """``loc`` as the YAML file writes it, with the line, if the file sets it."""
        if self.yaml is None:
            return None
        written = _written_loc(self.yaml, loc)
        if written is None:
            return None
        line = self.yaml.line_of(written)
        where = f"{self.yaml.path.name} line {line}" if line else self.yaml.path.name
        return f"{'.'.join(str(part) for part in written)} ({where})"


def describe_validation_error(error: ValidationError, model: type[BaseModel], written: Written) -> str:
    lines = []
    for item in error.errors():
        message = str(item["msg"]).removeprefix("Value error, ")
        loc = tuple(item["loc"])
        got = item.get("input")
        hidden = isinstance(got, dict | list) or got is None or _secret_at(model, loc)
        shown = "" if hidden else f" (got {got!r})"
        if not loc:
            lines.append(message)
            continue
        name = written.variable_for(loc) or written.yaml_name(loc) or ".".join(str(part) for part in loc)
        lines.append(f"{name}: {message}{shown}")
    return "invalid configuration: " + "; ".join(lines)


def _overlaps(path: Loc, loc: Loc) -> bool:
    """One is a prefix of the other (a section refused as a whole, or one field of it)."""
    size = min(len(path), len(loc))
    return size > 0 and tuple(path[:size]) == tuple(loc[:size])


def _written_loc(yaml: YamlConfig, loc: Loc) -> Loc | None:
    """``loc`` as found in the YAML file: its sectioned path, or the flat name it had."""
    if str(loc[0]) in yaml.values:
        return loc
    flat = flat_name_of(loc)
    if flat is not None and flat in yaml.values:
        depth = len(MOVED.get(flat, ()))
        return (flat, *loc[depth:]) if depth else (flat,)
    return None


def _secret_at(model: type[BaseModel], loc: Loc) -> bool:
    """Whether the value at ``loc`` is, or is inside, a field typed secret."""
    annotation: Any = model
    parts = list(loc)
    while parts:
        annotation = _unwrapped(annotation)
        if annotation is SecretStr:
            return True
        if isinstance(annotation, type) and issubclass(annotation, BaseModel):
            part = parts.pop(0)
            info = next(
                (
                    info
                    for name, info in annotation.model_fields.items()
                    if part in (name, info.alias) or part in _choices(info.validation_alias)
                ),
                None,
            )
            if info is None:
                return False
            if SENSITIVE in info.metadata or _holds_secret(info.annotation):
                return True
            annotation = info.annotation
        elif get_origin(annotation) in (list, tuple, dict):
            parts.pop(0)
            annotation = get_args(annotation)[-1]
        elif get_origin(annotation) in (Union, types.UnionType):
            member = _member_tagged(annotation, parts[0])
            if member is None:
                return False
            parts.pop(0)
            annotation = member
        else:
            return False
    return _holds_secret(annotation)


def _unwrapped(annotation: Any) -> Any:
    while get_origin(annotation) is Annotated:
        annotation = get_args(annotation)[0]
    if get_origin(annotation) in (Union, types.UnionType):
        members = [arg for arg in get_args(annotation) if arg is not type(None)]
        if len(members) == 1:
            return _unwrapped(members[0])
    return annotation


def _holds_secret(annotation: Any) -> bool:
    if annotation is SecretStr or annotation is SENSITIVE:
        return True
    return any(_holds_secret(arg) for arg in get_args(annotation))


def _member_tagged(union: Any, tag: int | str) -> Any:
    """The member of a discriminated union whose ``type`` is ``tag`` (a channel entry's type)."""
    for member in get_args(union):
        member = _unwrapped(member)
        if isinstance(member, type) and issubclass(member, BaseModel) and "type" in member.model_fields:
            literal = member.model_fields["type"].annotation
            if get_origin(literal) is Literal and tag in get_args(literal):
                return member
    return None


def _choices(alias: Any) -> list[str]:
    return [choice for choice in getattr(alias, "choices", []) if isinstance(choice, str)]
