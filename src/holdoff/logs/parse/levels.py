"""A declared level read as a :class:`LogSeverity`: the words and numbers log writers use for their levels.

Only what the sender declared is read here (a level field, a syslog priority, an OTLP severity
number); the message text is never looked at. What is not a known level reads as ``None``.
"""

from __future__ import annotations

from typing import Final

from holdoff.logs.model import LogSeverity

_D, _I, _W, _E, _C = (
    LogSeverity.DEBUG,
    LogSeverity.INFO,
    LogSeverity.WARNING,
    LogSeverity.ERROR,
    LogSeverity.CRITICAL,
)

# Lower-case level words and the severities they declare. JUL's SEVERE is what Java programs use
# for ordinary errors (Tomcat writes every failed request at SEVERE), so it reads as ERROR.
_WORDS: Final[dict[str, LogSeverity]] = {
    # debug and below
    "trace": _D,
    "finest": _D,
    "finer": _D,
    "fine": _D,
    "verbose": _D,
    "debug": _D,
    "dbg": _D,
    "trc": _D,
    "trac": _D,
    "debu": _D,
    "vrb": _D,
    "all": _D,
    **{f"trace{n}": _D for n in range(1, 9)},  # Apache 2.4 trace1 .. trace8
    **{f"debug{n}": _D for n in range(1, 6)},  # PostgreSQL DEBUG1 .. DEBUG5
    # info
    "info": _I,
    "inf": _I,
    "information": _I,
    "informational": _I,
    "notice": _I,
    "config": _I,
    "log": _I,  # PostgreSQL's LOG
    "statement": _I,
    "detail": _I,
    "hint": _I,
    "context": _I,
    # warning
    "warn": _W,
    "warning": _W,
    "wrn": _W,
    # error
    "error": _E,
    "err": _E,
    "eror": _E,  # short forms: logrus on a terminal (ERRO, WARN, DEBU, ...), zerolog
    "erro": _E,
    "severe": _E,
    # critical
    "critical": _C,
    "crit": _C,
    "crt": _C,
    "fatal": _C,
    "ftl": _C,
    "fata": _C,
    "panic": _C,
    "pnc": _C,
    "pani": _C,
    "alert": _C,
    "emerg": _C,
    "emergency": _C,
}

# One-letter levels: klog/glog (I W E F), Android logcat (V D I W E F A), Serilog-like short forms.
_LETTERS: Final[dict[str, LogSeverity]] = {
    "T": _D,
    "V": _D,
    "D": _D,
    "I": _I,
    "N": _I,
    "W": _W,
    "E": _E,
    "F": _C,
    "C": _C,
    "A": _C,
}

SYSLOG_SEVERITY_NAMES: Final = ("emerg", "alert", "crit", "err", "warning", "notice", "info", "debug")
"""RFC 5424 severity 0..7, by the keywords syslog.conf uses."""

_SYSLOG_NUMBERS: Final = (_C, _C, _C, _E, _W, _I, _I, _D)

# Numeric levels that are not syslog: pino and bunyan (10 trace, 20 debug, 30 info, 40 warn,
# 50 error, 60 fatal), by far the most common numeric levels in JSON logs.
_PINO: Final[dict[int, LogSeverity]] = {10: _D, 20: _D, 30: _I, 40: _W, 50: _E, 60: _C}

_STRIP: Final = " \t[]():<>|-_*\"'"


def from_severity_number(number: int) -> LogSeverity | None:
    """OTLP SeverityNumber 1..24 (1-4 trace, 5-8 debug, 9-12 info, 13-16 warn, 17-20 error,
    21-24 fatal); 0 (unspecified) and anything else: None."""
    if number < 1 or number > 24:
        return None
    if number <= 8:
        return _D
    return (_I, _W, _E, _C)[(number - 9) // 4]


def from_level(level: str) -> LogSeverity | None:
    """A declared level word, letter or number, in any case and with brackets or padding around it."""
    word = level.strip(_STRIP)
    if not word or len(word) > 24:
        return None
    if len(word) == 1:
        if word.isdigit():
            return _SYSLOG_NUMBERS[int(word)] if word < "8" else None
        return _LETTERS.get(word.upper())
    found = _WORDS.get(word.lower())
    if found is not None:
        return found
    if word.isdigit():
        return _PINO.get(int(word))
    if ":" in word:  # Apache 2.4 writes module:level ("core:error", "proxy_fcgi:warn")
        return _WORDS.get(word.rsplit(":", 1)[1].lower())
    return None


def declared_severity(level: str | None, severity_number: int | None) -> LogSeverity | None:
    """The severity a sender declared: the OTLP severity number when it is set (1..24), else the level
    text (words such as 'FATAL', 'crit', 'SEVERE', 'warn'; klog letters I/W/E/F; syslog severity
    numbers 0..7; pino/bunyan numbers 10..60). Unknown: None. Never guesses from the message."""
    if severity_number is not None:
        found = from_severity_number(severity_number)
        if found is not None:
            return found
    if level is None:
        return None
    return from_level(level)


def is_header_level(token: str, *, loose: bool = False) -> bool:
    """Whether a token in a line's header (brackets already removed) is a level word. Upper case
    always counts ("ERROR", "WARN", "ERRO", PostgreSQL's "LOG"); other cases only when ``loose``
    (bracketed, or followed by a tab as zap writes them), so a message starting "error connecting"
    is not read as declaring a level. One-letter tokens never count here."""
    if len(token) < 3 or len(token) > 13:
        return False
    if not loose and not token.isupper():
        return False
    return token.lower() in _WORDS


UPPER_LEVELS: Final = frozenset(word.upper() for word in _WORDS if 3 <= len(word) <= 13)
"""The level words in upper case: the header tokens :func:`is_header_level` always accepts."""
