"""The YAML configuration file (``--config``): read once, remembering where each value was written.

Errors in it are reported with the file's line number, so ``holdoff check-config`` points at the
line to fix.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml


class ConfigError(Exception):
    """Configuration that cannot work; the message names each setting and what is wrong."""


@dataclass(frozen=True)
class YamlConfig:
    path: Path
    values: dict[str, Any]
    root: yaml.Node | None

    def line_of(self, loc: tuple[int | str, ...]) -> int | None:
        """The 1-based line where the value at ``loc`` (a pydantic error location) is written."""
        node = self.root
        line = None
        for part in loc:
            if isinstance(node, yaml.MappingNode):
                pair = next(((k, v) for k, v in node.value if k.value == str(part)), None)
                if pair is None:
                    break
                line = pair[0].start_mark.line + 1  # the line of "key:"
                node = pair[1]
            elif isinstance(node, yaml.SequenceNode) and isinstance(part, int) and part < len(node.value):
                node = node.value[part]
                line = node.start_mark.line + 1
            else:
                break
        return line


def read_yaml(path: Path, known: Collection[str]) -> YamlConfig:
    """The YAML config, with errors that name the file, line and the problem."""
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise ConfigError(f"--config {path}: cannot read the file: {exc.strerror}") from exc
    try:
        root = yaml.compose(text, Loader=yaml.SafeLoader)
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" line {mark.line + 1}, column {mark.column + 1}" if mark is not None else ""
        problem = getattr(exc, "problem", None) or str(exc)
        raise ConfigError(f"--config {path}:{where}: not valid YAML: {problem}") from exc
    if data is None:
        return YamlConfig(path, {}, None)
    if not isinstance(data, dict):
        raise ConfigError(f"--config {path}: the top level must be a mapping of setting: value")
    config = YamlConfig(path, {str(key): value for key, value in data.items()}, root)
    unknown = sorted(key for key in config.values if key not in known)
    if unknown:
        where = "; ".join(f"{key} (line {config.line_of((key,))})" for key in unknown)
        raise ConfigError(f"--config {path}: unknown setting(s): {where}")
    return config
