"""Nothing under ``src/`` or ``tests/`` reaches outside the repository (into the shared folder that
sits beside this checkout here, in particular).

A clone anywhere else has no such folder beside it, so a test that reads a sample payload from there
fails with ``FileNotFoundError`` for a new user and passes here. The samples the tests need live in
``tests/fixtures/``. (``bench/`` may read the shared benchmark data for ``make bench`` only.)

The scan reads source text, so it flags a reference whether or not the line runs in this session:

- in Python, a string literal without spaces that has the folder's name as one of its ``/``-separated
  parts, and a climb from ``__file__`` above the repository root (``Path(__file__).parents[3]`` in
  ``tests/api/x.py``, or ``.parent`` chained as far);
- in every other text file, a relative path up into that folder.

Words that merely contain the folder's name (``shared_buffers``, ``shared_secret``) and prose that uses
the word (docstrings, comments: they contain spaces, or are not string literals) are not references.
"""

from __future__ import annotations

import ast
import re
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

import pytest

ROOT = Path(__file__).resolve().parents[1]
SCANNED = ("src", "tests")
SHARED = "sha" + "red"
"""The folder's name, spelt in two parts so that the project's own check finds no such path here."""
UP = "." + "./"
"""The start of a relative path one folder up (spelt in two parts so this file itself holds no such path)."""
_UP_TO_SHARED = re.compile(r"\.\.[/\\]+shared\b")
_SKIPPED_DIRS = {"__pycache__", ".mypy_cache", ".pytest_cache", ".ruff_cache"}
THIS_FILE = PurePosixPath("tests/test_self_contained.py")
"""Skipped by the scan: its examples below are made of the very text it looks for."""


@dataclass(frozen=True)
class Reach:
    path: str
    line: int
    what: str

    def __str__(self) -> str:
        return f"{self.path}:{self.line}: {self.what}"


def _names_shared(text: str) -> bool:
    """Whether a string literal is a path with a part named ``shared`` (no spaces: not prose)."""
    if not text or any(ch.isspace() for ch in text):
        return False
    return SHARED in re.split(r"[/\\]", text)


def _from_file(node: ast.expr) -> bool:
    return any(isinstance(n, ast.Name) and n.id == "__file__" for n in ast.walk(node))


def _climb(node: ast.expr) -> int | None:
    """How many directories up from ``__file__`` an expression goes: ``.parents[k]`` is k+1, each
    ``.parent`` one more (``resolve()`` and other calls in between change nothing)."""
    steps = 0
    current: ast.expr = node
    while True:
        if isinstance(current, ast.Attribute) and current.attr == "parent":
            steps += 1
            current = current.value
        elif (
            isinstance(current, ast.Subscript)
            and isinstance(current.value, ast.Attribute)
            and current.value.attr == "parents"
            and isinstance(current.slice, ast.Constant)
            and isinstance(current.slice.value, int)
        ):
            steps += current.slice.value + 1
            current = current.value.value
        elif (
            isinstance(current, ast.Call)
            and isinstance(current.func, ast.Attribute)
            and not any(_from_file(arg) for arg in current.args)
        ):
            current = current.func.value  # .resolve(), .absolute() ...
        else:
            return steps if steps and _from_file(current) else None


def python_reaches(source: str, relative: PurePosixPath) -> list[Reach]:
    """References outside the repository in one Python file at ``relative`` (from the root)."""
    tree = ast.parse(source)
    depth = len(relative.parts)  # climbing this many directories from the file reaches the root
    found: list[Reach] = []
    outermost: set[int] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Constant) and isinstance(node.value, str) and _names_shared(node.value):
            found.append(Reach(str(relative), node.lineno, f"path to the shared folder: {node.value!r}"))
        elif isinstance(node, ast.Attribute | ast.Subscript) and id(node) not in outermost:
            steps = _climb(node)
            if steps is None:
                continue
            # Inner parts of the same chain climb less; count the chain once, at its outermost node.
            outermost.update(id(inner) for inner in ast.walk(node))
            if steps > depth:
                found.append(
                    Reach(
                        str(relative),
                        node.lineno,
                        f"climbs {steps} directories from __file__, {steps - depth} above the repository",
                    )
                )
    return found


def text_reaches(text: str, relative: PurePosixPath) -> list[Reach]:
    return [
        Reach(str(relative), number, f"path to the shared folder: {line.strip()!r}")
        for number, line in enumerate(text.splitlines(), 1)
        if _UP_TO_SHARED.search(line)
    ]


def scanned_files() -> list[Path]:
    files = []
    for top in SCANNED:
        for path in sorted((ROOT / top).rglob("*")):
            if path.is_file() and not _SKIPPED_DIRS.intersection(path.relative_to(ROOT).parts):
                files.append(path)
    return files


def reaches_in(path: Path) -> list[Reach]:
    relative = PurePosixPath(path.relative_to(ROOT).as_posix())
    if relative == THIS_FILE:
        return []
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError:
        return []  # not text (an image, a compiled file)
    return python_reaches(text, relative) if path.suffix == ".py" else text_reaches(text, relative)


def test_nothing_under_src_or_tests_reads_the_shared_folder_or_climbs_out_of_the_repository() -> None:
    files = scanned_files()
    assert any(p.name == "conftest.py" for p in files) and any(p.suffix == ".json" for p in files)
    found = [reach for path in files for reach in reaches_in(path)]
    assert found == [], "copy what the tests need into tests/fixtures/ instead:\n" + "\n".join(
        map(str, found)
    )


# --------------------------------------------------------------------------- the scan itself

AT = PurePosixPath("tests/api/test_x.py")


@pytest.mark.parametrize(
    "source",
    [
        f'PAYLOADS = "{UP}shared/reference/payloads"',
        f'PAYLOADS = Path(__file__).resolve().parents[2] / ".." / "{SHARED}" / "reference"',
        f'STYLE = ROOT / "{SHARED}/STYLE.md"',
        f'p = os.path.join(here, "..", "..", "..", "{SHARED}")',
        "ROOT = Path(__file__).resolve().parents[3]",
        "ROOT = Path(__file__).parent.parent.parent.parent",
        "ROOT = Path(__file__).resolve().parents[2].parent",
        "ROOT = pathlib.Path(__file__).absolute().parents[5]",
    ],
)
def test_the_scan_flags_a_reference_to_the_shared_folder_or_a_climb_out(source: str) -> None:
    assert python_reaches(source, AT) != []


@pytest.mark.parametrize(
    "source",
    [
        '"""Rate limits shared by every process; the shared secret is in the database."""',
        f"# shared/{UP}shared in a comment is not code",
        'settings = {"shared_buffers": "32MB"}',
        "secret = action_tokens.shared_secret(conn, now)",
        'msg = "use a cloud mailbox or shared mailbox as sender"',
        'PAYLOADS = Path(__file__).resolve().parents[1] / "fixtures" / "payloads"',
        'DOC = Path(__file__).resolve().parents[2] / "docs" / "webhook.md"',
        "ROOT = Path(__file__).parent.parent.parent",
        "levels = config.parents[7]",  # not a climb from __file__
        'name = "shared-nothing"',
    ],
)
def test_the_scan_leaves_prose_and_words_that_merely_contain_shared_alone(source: str) -> None:
    assert python_reaches(source, AT) == []


def test_other_text_files_are_scanned_for_a_path_up_to_the_shared_folder() -> None:
    assert text_reaches(f"payloads: {UP}shared/reference/x.json\n", PurePosixPath("tests/x.yaml")) != []
    assert text_reaches("payloads: ..\\shared\\x.json\n", PurePosixPath("tests/x.yaml")) != []
    assert text_reaches("shared_buffers = 32MB\nshared by every process\n", PurePosixPath("tests/x.md")) == []
