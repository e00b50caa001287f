"""The layout holds: no import cycles, and no module imports back up the layers.

Layers, lowest first. A module may import its own layer and the ones below, never one above:

0. the functional core and plain values: ``mediate``, ``clock``, ``edge``, ``config_types`` ...
1. the parts that own a configuration section: ``ingest``, ``notify``, ``links``, ``store``, ``policy``,
   ``logs``, ``metrics``, ``detectors``, ``evidence``, ``correlate``
2. ``settings``, which puts the sections together
3. the shell's services: ``service``, ``replay``, ``auth``
4. ``runtime``, which starts the components
5. HTTP: ``api`` and ``web``
6. entry points: ``server``, ``cli``
"""

from __future__ import annotations

import ast
import graphlib
import random
import subprocess
import sys
from pathlib import Path

import pytest

import holdoff

SOURCE = Path(holdoff.__file__).parent

LAYERS: tuple[tuple[str, ...], ...] = (
    (
        "holdoff",
        "holdoff.clock",
        "holdoff.edge",
        "holdoff.config_types",
        "holdoff.logging_setup",
        "holdoff.components",
        "holdoff.mediate",
        "holdoff.auth.throttle",  # the pure throttling decision the store records
        "holdoff.auth.roles",
    ),
    (
        "holdoff.ingest",
        "holdoff.notify",
        "holdoff.links",
        "holdoff.store",
        "holdoff.policy",
        "holdoff.logs",
        "holdoff.metrics",
        "holdoff.detectors",
        "holdoff.evidence",
        "holdoff.correlate",
    ),
    ("holdoff.settings",),
    ("holdoff.service", "holdoff.replay", "holdoff.auth"),
    ("holdoff.runtime",),
    ("holdoff.api", "holdoff.web"),
    ("holdoff.server", "holdoff.cli", "holdoff.cli_metrics", "holdoff.cli_correlation", "holdoff.__main__"),
)


def _modules() -> dict[str, Path]:
    found = {}
    for path in sorted(SOURCE.rglob("*.py")):
        if "migrations" in path.parts:
            continue  # Alembic loads these by path, not as modules of the package
        parts = list(path.relative_to(SOURCE.parent).with_suffix("").parts)
        if parts[-1] == "__init__":
            parts.pop()
        found[".".join(parts)] = path
    return found


MODULES = _modules()


def _imports(path: Path, *, top_level_only: bool) -> set[str]:
    """The holdoff modules ``path`` imports (every import statement, or those run at import time)."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    if top_level_only:
        nodes = [
            node
            for statement in tree.body
            if not (isinstance(statement, ast.If) and "TYPE_CHECKING" in ast.unparse(statement.test))
            and not isinstance(statement, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef)
            for node in ast.walk(statement)
        ]
    else:
        nodes = list(ast.walk(tree))
    found = set()
    for node in nodes:
        if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names = [f"{node.module}.{alias.name}" for alias in node.names]
            found |= {name if name in MODULES else node.module for name in names}
        elif isinstance(node, ast.Import):
            found |= {alias.name for alias in node.names}
    return {name for name in found if name == "holdoff" or name.startswith("holdoff.")}


def _layer(module: str) -> int:
    best, layer = -1, -1
    for index, prefixes in enumerate(LAYERS):
        for prefix in prefixes:
            if (module == prefix or module.startswith(prefix + ".")) and len(prefix) > best:
                best, layer = len(prefix), index
    return layer


def test_every_module_has_a_layer() -> None:
    assert [module for module in MODULES if _layer(module) < 0] == []


def test_no_module_imports_back_up_the_layers() -> None:
    upward = [
        f"{module} (layer {_layer(module)}) imports {target} (layer {_layer(target)})"
        for module, path in MODULES.items()
        for target in sorted(_imports(path, top_level_only=False))
        if _layer(target) > _layer(module)
    ]
    assert upward == []


def test_no_import_cycles() -> None:
    graph = {module: _imports(path, top_level_only=True) - {module} for module, path in MODULES.items()}
    try:
        tuple(graphlib.TopologicalSorter(graph).static_order())
    except graphlib.CycleError as exc:
        pytest.fail(f"import cycle: {' -> '.join(exc.args[1])}")


def test_the_checks_see_an_upward_import_and_a_cycle(tmp_path: Path) -> None:
    """The checks above can fail: an upward import and a two-module cycle are found."""
    module = tmp_path / "m.py"
    module.write_text("from holdoff.settings import Settings\n")
    assert _imports(module, top_level_only=False) == {"holdoff.settings"}
    assert _layer("holdoff.settings") > _layer("holdoff.notify.registry")
    with pytest.raises(graphlib.CycleError):
        tuple(graphlib.TopologicalSorter({"a": {"b"}, "b": {"a"}}).static_order())


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_every_module_imports_first_in_a_fresh_interpreter_in_any_order(seed: int) -> None:
    order = sorted(name for name in MODULES if name != "holdoff.__main__")  # that one runs the CLI
    random.Random(seed).shuffle(order)
    script = "import importlib, sys\nfor name in sys.argv[1:]:\n    importlib.import_module(name)\n"
    done = subprocess.run(
        [sys.executable, "-c", script, *order], capture_output=True, text=True, timeout=120, check=False
    )
    assert done.returncode == 0, f"seed {seed}: {done.stderr[-2000:]}"
