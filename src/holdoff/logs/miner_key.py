"""The key of a log line: what every line of one event shares, and nothing its parameters change.

A line is masked (:mod:`holdoff.logs.mask`) and each token gets a *shape*:

- a word is its own shape: ``Failed``, ``password``, ``-``, ``(Lifecycle``. Words are the event: lines
  that differ in one word are different events (``VM Paused`` / ``VM Resumed``) until the miner sees
  so many different words at one place that they must be a parameter (see ``MinerConfig.merge_after``);
- a value is ``<*>``: any token holding a placeholder or a digit (``<IP>``, ``blk_<NUM>``, ``eth0``),
  a boolean or null (``true``, ``isOverlap:false,``), empty brackets (``()``);
- ``key=value`` keeps its key: ``uid=<*>``, ``user=<*>`` (``a=1,b=2`` is ``a=<*>,b=<*>``).

Consecutive values are one value, so a list of any length (``an14 an15 an16``) or a value written
twice (``2034 bytes (1.98 KB)``, ``10.0.0.1 (host.example.com)``) does not change the key. When a line
has no word at all (``setLightsOn(true)``, ``ready=true,policy=3``), the names glued to its values are
its words instead (``setLightsOn(<*>)``), or every such line would be one event.

The key is the shapes joined by spaces; the texts are what each key position held in this line (the
masked token, or the tokens of a run of values), from which the template's text is made.
"""

from __future__ import annotations

import re
from typing import Final

from holdoff.logs.mask import PLACEHOLDERS, mask_tokens
from holdoff.logs.mask import clear_cache as clear_mask_cache

WILDCARD: Final = "<*>"

_CACHE_LIMIT: Final = 100_000
_BOOLEAN: Final = re.compile(r"(?<![A-Za-z0-9_])(?:true|false|null|nil|none)(?![A-Za-z0-9_])", re.IGNORECASE)
_PLACEHOLDER: Final = re.compile("|".join(re.escape(p) for p in sorted(PLACEHOLDERS)) + r"|<\*>")
_KEY_VALUE: Final = re.compile(r"=[^,;&=\s]*")
_DIGIT: Final = re.compile(r"\d")
_EMPTY: Final = frozenset({"()", "[]", "{}", "(),", "[],", "{},", "():", "[]:", '""', "''"})

_shape_of: dict[str, str] = {}
_fine_of: dict[str, str] = {}
_valued: set[str] = {WILDCARD}
"""Every shape met that holds a value (``<*>``, ``uid=<*>``): a line of only these has no word."""
_RUN: Final = re.compile(r"(?<![^ ])<\*>(?: <\*>)+(?![^ ])")
_RUN_HINT: Final = f"{WILDCARD} {WILDCARD}"


def _shapes(masked: str) -> tuple[str, str]:
    """(shape, shape when the line has no word) of one masked token."""
    if masked in _EMPTY:
        return WILDCARD, WILDCARD
    if "=" in masked and not masked.startswith("="):
        shape = _KEY_VALUE.sub("=" + WILDCARD, masked)
        if _DIGIT.search(shape) is not None or "<" in shape.replace(WILDCARD, ""):
            return WILDCARD, WILDCARD
        return shape, shape
    if _DIGIT.search(masked) is not None:
        return WILDCARD, WILDCARD  # a number glued to letters: eth0, an14
    fine = _PLACEHOLDER.sub(WILDCARD, _BOOLEAN.sub(WILDCARD, masked))
    if fine == masked:
        return masked, masked  # a word
    if fine == WILDCARD:
        return WILDCARD, WILDCARD
    return WILDCARD, fine


def _remember(masked: str) -> str:
    shape, fine = _shapes(masked)
    if len(_shape_of) >= _CACHE_LIMIT:
        clear_cache()
    _shape_of[masked] = shape
    _fine_of[masked] = fine
    if WILDCARD in shape:
        _valued.add(shape)
    return shape


def _fine(masked: str) -> str:
    found = _fine_of.get(masked)
    if found is None:
        _remember(masked)
        found = _fine_of[masked]
    return found


def clear_cache() -> None:
    """Forget the shapes and masked tokens remembered (for measurements that start cold)."""
    _shape_of.clear()
    _fine_of.clear()
    _valued.clear()
    _valued.add(WILDCARD)
    clear_mask_cache()


def line_key(text: str, max_tokens: int) -> tuple[str, list[str]]:
    """(key, masked tokens) of one line. The key is the shapes joined by spaces, a run of values
    being one ``<*>``; tokens past ``max_tokens`` are one value (the tail of a very long line)."""
    masked = mask_tokens(text)
    if len(masked) > max_tokens:
        masked[max_tokens - 1 :] = [" ".join(masked[max_tokens - 1 :])]
        _shape_of.setdefault(masked[-1], WILDCARD)
        _fine_of.setdefault(masked[-1], WILDCARD)
    get = _shape_of.get
    shapes = [get(token) or _remember(token) for token in masked]
    if _valued.issuperset(shapes):
        shapes = [_fine(token) for token in masked]
    key = " ".join(shapes)
    if _RUN_HINT in key:
        key = _RUN.sub(WILDCARD, key)
    return key, masked


def key_texts(masked: list[str]) -> list[str]:
    """What each place of the key of these masked tokens holds: a token, or a run of values."""
    get = _shape_of.get
    shapes = [get(token) or _remember(token) for token in masked]
    if _valued.issuperset(shapes):
        shapes = [_fine(token) for token in masked]
    texts: list[str] = []
    run = False
    for token, shape in zip(masked, shapes, strict=True):
        if run and shape == WILDCARD:
            texts[-1] = texts[-1] + " " + token
            continue
        texts.append(token)
        run = shape == WILDCARD
    return texts


_FIRST_LINE_LIMIT: Final = 4096
_EXCEPTION: Final = re.compile(
    r"(?:Caused by: )?((?:[A-Za-z_$][\w$]*\.)*[A-Z][\w$]*(?:Exception|Error|Throwable|Fault|Exit|Interrupt))"
    r"(?::|$)"
)
_TRACE_LINES: Final = 200


def mining_text(message: str) -> str:
    """The text a record is mined by: its first line and, for a record that carries a stack trace, the
    class of the exception it shows (``Request failed | java.lang.NullPointerException``).

    The first line names the event; the trace's frames change with every release and are left out,
    but the exception class tells "failed with a timeout" from "failed with a null pointer". The
    exception is the first line after the first that starts with an exception class (Java's thrown
    exception, the ``ValueError: ...`` line that ends a Python traceback, ``Caused by:`` if nothing
    comes before it).
    """
    first, newline, rest = message.partition("\n")
    first = first[:_FIRST_LINE_LIMIT]
    if not newline:
        return first
    for number, line in enumerate(rest.split("\n")):
        if number >= _TRACE_LINES:
            break
        if line[:1] in (" ", "\t") or not line:
            continue
        found = _EXCEPTION.match(line)
        if found is not None:
            return f"{first} | {found.group(1)}"
    return first
