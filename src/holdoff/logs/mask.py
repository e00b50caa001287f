"""Parameters of a log message replaced by typed placeholders, so lines of one event read alike.

``mask("Failed password for root from 10.0.0.7 port 42393 ssh2")`` is
``"Failed password for root from <IP> port <NUM> ssh2"``. Placeholders name the kind of value:

========== =====================================================================================
``<IP>``   IPv4 and IPv6 addresses, with a ``:port`` or a ``/prefix`` (``/10.0.0.7:8080`` too)
``<HOST>`` a host name with a port (``db-1:5432``, ``proxy.example.com:3128``) or a dotted
           name ending in a top-level domain (``mail.example.org``)
``<NUM>``  integers, decimals, versions (``6.1.0``), ``0x`` hex numbers, sizes (``512MB``, ``4.2 KB``)
``<HEX>``  hex identifiers and hashes of 8 or more digits (``a489c868f0c3...``), MAC addresses
``<UUID>`` ``0673dd71-34c5-4fbb-86c4-40623fbe45b4``
``<PATH>`` Unix (``/var/lib/x``, ``./x``, ``~/x``) and Windows (``C:\\x``, ``\\\\?\\x``) paths
``<URL>``  ``scheme://...``
``<EMAIL>`` ``user@example.com``
``<DUR>``  durations: ``150ms``, ``1.5s``, ``3m20s``, ``2h``, ``00:01:07.5`` is a ``<TIME>``
``<TIME>`` times of day and timestamps (``12:04:05``, ``2024-01-15T10:00:00Z``,
           ``Fri Jun 17 07:07:00 2005``, ``2024-01-15 10:00:00,123``)
``<DATE>`` dates (``2024-01-15``, ``2016/9/27``)
``<QUOTED>`` ``'...'`` and ``"..."`` strings (an HTTP request line in quotes keeps its method
           and protocol; its path is masked)
========== =====================================================================================

Words stay as they are: ``error``, ``user``, ``root``, ``NullPointerException``. A number glued to
letters (``eth0``, ``piece0``) stays too, while one set apart by punctuation is masked
(``blk_-1608`` is ``blk_<NUM>``, ``uid=0`` is ``uid=<NUM>``, ``core.2275`` is ``core.<NUM>``).

How: quoted phrases are found on the whole line first (only when it holds a quote); then the line
is split on whitespace and each token is masked on its own; then a unit joins the number before it
(``4.2 KB``, ``30 seconds``) and a time absorbs the date before it (``Fri Jun 17 07:07:00``,
``2024-01-15 10:00:00``), only when the line holds such a unit or date word. Whitespace runs become
one space.

Speed: each token's mask is remembered in a bounded dictionary shared by the process (a cache: the
answer for a token never changes), so repeated tokens (words, common values) cost one lookup.
"""

from __future__ import annotations

import re
from typing import Final

IP: Final = "<IP>"
HOST: Final = "<HOST>"
NUM: Final = "<NUM>"
HEX: Final = "<HEX>"
UUID: Final = "<UUID>"
PATH: Final = "<PATH>"
URL: Final = "<URL>"
EMAIL: Final = "<EMAIL>"
DUR: Final = "<DUR>"
TIME: Final = "<TIME>"
DATE: Final = "<DATE>"
QUOTED: Final = "<QUOTED>"

PLACEHOLDERS: Final = frozenset({IP, HOST, NUM, HEX, UUID, PATH, URL, EMAIL, DUR, TIME, DATE, QUOTED})
"""Every placeholder :func:`mask` writes."""

_CACHE_LIMIT: Final = 100_000
"""Tokens remembered before the memory is cleared (values are unbounded; words repeat)."""

# --- quoted strings, found on the whole line ----------------------------------------------------

_HTTP_REQUEST: Final = re.compile(
    r"(?:GET|POST|PUT|DELETE|HEAD|PATCH|OPTIONS|CONNECT|TRACE) \S+(?: HTTP/(?:[\d.]+|<NUM>))?"
)
_DOUBLE: Final = re.compile(r'(?<![\w"\\])"([^"\n]*)"')
_SINGLE: Final = re.compile(r"(?<![\w'\\])'([^'\n]*)'(?![A-Za-z0-9])")


def _quoted(match: re.Match[str]) -> str:
    inner = match.group(1)
    if not inner:
        return QUOTED
    if inner.split(None, 1) == [inner]:  # no whitespace in it (faster than testing each character)
        return match.group(0)  # a quoted single word ('Active') is a word like any other
    if _HTTP_REQUEST.fullmatch(inner) is not None:
        return match.group(0)  # "GET /path HTTP/1.1": its method stays, its path is masked
    return QUOTED


def premask(text: str) -> str:
    """``text`` with its quoted phrases replaced by ``<QUOTED>`` (before it is split into tokens)."""
    if '"' in text:
        text = _DOUBLE.sub(_quoted, text)
    if "'" in text:
        text = _SINGLE.sub(_quoted, text)
    return text


# --- values written as several tokens: a number and its unit, a date in words --------------------

# Written as text to keep them short to read (each is split once, at import).
_SIZE_WORDS: Final = "B KB MB GB TB PB KiB MiB GiB TiB kB kb Mb Gb byte bytes Bytes KBytes MBytes GBytes"
_DURATION_WORDS: Final = (
    "ns us µs ms s sec secs second seconds msec msecs millis millisecond milliseconds "
    "min mins minute minutes h hr hrs hour hours day days"
)
_MONTH_WORDS: Final = (
    "Jan Feb Mar Apr May Jun Jul Aug Sep Sept Oct Nov Dec January February March April June July "
    "August September October November December"
)
_DAY_WORDS: Final = "Mon Tue Wed Thu Fri Sat Sun Monday Tuesday Wednesday Thursday Friday Saturday Sunday"
_UNITS: Final = {word: NUM for word in _SIZE_WORDS.split()} | {word: DUR for word in _DURATION_WORDS.split()}
_MONTHS: Final = frozenset(_MONTH_WORDS.split())
_DATE_WORDS: Final = _MONTHS | frozenset(_DAY_WORDS.split())
_TRAILING: Final = ".,;:)]"

_UNIT_TOKENS: Final = frozenset(unit + end for unit in _UNITS for end in ("", *_TRAILING))
_DATE_HINTS: Final = frozenset(word + end for word in _MONTHS for end in ("", ",")) | {DATE, DATE + ","}


def _join_values(parts: list[str], out: list[str]) -> list[str]:
    """The masked tokens ``out`` of ``parts`` with a unit joined to its number (``4.2 KB``, ``(1.98
    KB)``, ``<1 sec``) and a date in words or ``<DATE>`` joined to the time that follows it (``Fri
    Jun 17 07:07:00``, ``2024-01-15 10:00:00``)."""
    units = [i for i, token in enumerate(parts) if token in _UNIT_TOKENS]
    if units:
        out = list(out)
        for i in reversed(units):
            if i and out[i - 1].endswith(NUM):
                token = parts[i]
                core = token.rstrip(_TRAILING)
                out[i - 1] = out[i - 1][: -len(NUM)] + _UNITS[core] + token[len(core) :]
                del out[i]
    if _DATE_HINTS.isdisjoint(out):
        return out
    joined: list[str] = []
    for masked in out:
        if masked.startswith(TIME):
            _drop_date(joined)
        joined.append(masked)
    return joined


def _drop_date(out: list[str]) -> None:
    """Before a time: drop the date written in words or as ``<DATE>`` that precedes it
    (``Fri Jun 17``, ``17 Jun 2005``, ``Jun 17,``), which the time stands for."""
    taken = 0
    dated = False
    while taken < 4 and len(out) > taken:
        word = out[-1 - taken].rstrip(",")
        if word in _MONTHS or word == DATE:
            dated = True
        elif word not in _DATE_WORDS and word != NUM:
            break
        taken += 1
    if dated:
        del out[len(out) - taken :]


# --- one token ----------------------------------------------------------------------------------

_H = "[0-9A-Fa-f]"
_CLOCK = r"\d{1,2}:\d\d(?::\d\d(?:[.,]\d{1,9})?)?"
_SIZE_UNITS = r"(?:[KMGTP]i?B|[kKMGTP]b|bytes?|B)"
_IPV4 = r"(?:\d{1,3}\.){3}\d{1,3}"
_IPV6 = (
    rf"(?:(?:{_H}{{1,4}}:){{7}}{_H}{{1,4}}"
    rf"|(?:{_H}{{1,4}}:){{1,7}}:(?:{_H}{{1,4}}(?::{_H}{{1,4}}){{0,6}})?"
    rf"|::(?:ffff:{_IPV4}|{_H}{{1,4}}(?::{_H}{{1,4}}){{0,6}})"
    rf"|(?:{_H}{{1,4}}:){{5,6}}{_H}{{1,4}}(?=\W|$))"
)
_LABEL = r"[A-Za-z0-9](?:[A-Za-z0-9-]{0,62})"
_GTLD = r"(?:com|net|org|edu|gov|mil|int|info|biz|io|cloud|local|lan|internal|localdomain)"
# A country-code domain only after a second-level label (example.co.uk, host.edu.hk): x.task.id and
# setup.py are not host names.
_HOSTNAME = rf"(?:{_LABEL}\.)+(?:{_GTLD}|(?:com|net|org|edu|gov|ac|co|ne|or|go)\.[a-z]{{2}})(?![\w-]|\.[\w-])"
_NUMBER = r"[-+]?(?:\d+(?:\.\d+)*(?:[eE][-+]?\d+)?)"

# Whole-token shapes (the token's core: surrounding brackets and punctuation removed).
_WHOLE: Final = re.compile(
    "|".join(
        (
            rf"(?P<uuid>{_H}{{8}}-{_H}{{4}}-{_H}{{4}}-{_H}{{4}}-{_H}{{12}})",
            r"(?P<url>[A-Za-z][A-Za-z0-9+.-]{1,15}://\S+)",
            r"(?P<email>(?=[^@]+@)[\w.+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)+)",
            r"(?P<mac>(?:[0-9A-Fa-f]{2}[:-]){5}[0-9A-Fa-f]{2})",
            rf"(?P<ip>/?(?:{_IPV4}|\[?{_IPV6}\]?)(?:[:/]\d{{1,5}})?)",
            rf"(?P<host>(?=[^:]+:\d{{1,5}}$)(?:{_HOSTNAME}|localhost|[A-Za-z][\w.]*?[-\d][\w.-]*):\d{{1,5}}"
            rf"|(?=[^.]+\.[^.])(?=\S*\.[a-z]{{2,}}$){_HOSTNAME})",
            r"(?P<winpath>(?:[A-Za-z]:\\|\\\\)[^\s\"'<>|]*)",
            r"(?P<path>(?:~|\.{1,2})?/[^\s\"'<>|]*)",
            rf"(?P<iso>\d{{4}}-\d\d-\d\dT{_CLOCK}(?:Z|[+-]\d\d:?\d\d)?)",
            r"(?P<date>\d{4}[-/]\d{1,2}[-/]\d{1,2}|\d{1,2}/\d{1,2}/\d{4})",
            rf"(?P<time>{_CLOCK})",
            r"(?P<dur>(?:\d+(?:\.\d+)?(?:ns|us|µs|ms|s|sec|secs|m|min|mins|h|hr|hrs|d))+)",
            rf"(?P<size>\d+(?:\.\d+)?{_SIZE_UNITS})",
            r"(?P<hexnum>0[xX][0-9A-Fa-f]+)",
            r"(?P<hexid>(?=[0-9a-fA-F]*\d)(?=[0-9a-fA-F]*[a-fA-F])[0-9a-fA-F]{8,})",
            rf"(?P<num>{_NUMBER})",
        )
    )
)
_WHOLE_NAMES: Final = {
    "uuid": UUID,
    "url": URL,
    "email": EMAIL,
    "ip": IP,
    "host": HOST,
    "winpath": PATH,
    "path": PATH,
    "mac": HEX,
    "iso": TIME,
    "date": DATE,
    "time": TIME,
    "dur": DUR,
    "size": NUM,
    "hexnum": NUM,
    "hexid": HEX,
    "num": NUM,
}

# Values inside a token, set apart from letters and digits by punctuation.
_INNER: Final = re.compile(
    "|".join(
        (
            rf"(?P<uuid>{_H}{{8}}-{_H}{{4}}-{_H}{{4}}-{_H}{{4}}-{_H}{{12}})",
            r"(?P<url>[A-Za-z][A-Za-z0-9+.-]{1,15}://[^\s,;)\]}>\"']+)",
            rf"(?P<ip>(?<![\w.]){_IPV4}(?::\d{{1,5}})?(?![\w.]))",
            rf"(?P<host>(?<![\w.-]){_HOSTNAME}(?::\d{{1,5}})?)",
            r"(?P<path>(?<![\w.])/[^\s\"'<>|,;()\[\]{}=]+)",
            r"(?P<hexnum>(?<![A-Za-z0-9])0[xX][0-9A-Fa-f]+(?![A-Za-z0-9]))",
            r"(?P<hexid>(?<![A-Za-z0-9])(?=[0-9a-fA-F]*\d)(?=[0-9a-fA-F]*[a-fA-F])[0-9a-fA-F]{8,}(?![A-Za-z0-9]))",
            rf"(?P<num>(?<![A-Za-z0-9]){_NUMBER}(?![A-Za-z0-9]))",
        )
    )
)

_WHOLE_LIMIT: Final = 256
"""Longer tokens (base64 blobs, long paths) are masked piece by piece only."""
_OPEN: Final = "([{<'\"=,;"
_CLOSE: Final = ")]}>'\",;:.!?="


def _inner(match: re.Match[str]) -> str:
    return _WHOLE_NAMES[match.lastgroup or "num"]


def _token(token: str) -> str:
    """The masked form of one whitespace-free token."""
    start, end = 0, len(token)
    while start < end and token[start] in _OPEN:
        start += 1
    while end > start and token[end - 1] in _CLOSE:
        end -= 1
    core = token[start:end]
    if not core:
        return token
    whole = _WHOLE.fullmatch(core) if len(core) <= _WHOLE_LIMIT else None
    if whole is not None:
        if start and token[start - 1] == "[" and "]" in core:
            start -= 1  # [::1]:8080: the bracket is the address's
        return token[:start] + _WHOLE_NAMES[whole.lastgroup or "num"] + token[end:]
    return _INNER.sub(_inner, token)


_MAY_HOLD_VALUE: Final = re.compile(r"[\d/\\@:]|[A-Za-z]\.[A-Za-z]")


def mask_token(token: str) -> str:
    """The masked form of one whitespace-free token (on its own: no unit or date joined)."""
    if token.isdigit():
        return NUM
    return _token(token) if _MAY_HOLD_VALUE.search(token) is not None else token


_cache: dict[str, str] = {}


def _remember(token: str) -> str:
    masked = mask_token(token)
    if len(_cache) >= _CACHE_LIMIT:
        _cache.clear()
    _cache[token] = masked
    return masked


def mask_tokens(text: str) -> list[str]:
    """The masked tokens of ``text`` (what :func:`mask` joins with single spaces)."""
    get = _cache.get
    parts = premask(text).split()
    out = [get(token) or _remember(token) for token in parts]
    if not (_UNIT_TOKENS.isdisjoint(parts) and _DATE_HINTS.isdisjoint(out)):
        return _join_values(parts, out)
    return out


def clear_cache() -> None:
    """Forget the tokens remembered (for measurements that start cold)."""
    _cache.clear()


def mask(text: str) -> str:
    """``text`` with its parameters replaced by typed placeholders (see the module's table)."""
    return " ".join(mask_tokens(text))


def tokens(masked: str) -> list[str]:
    """The tokens of a masked message: its whitespace-separated parts."""
    return masked.split()
