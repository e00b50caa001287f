"""Declared levels read as severities: words, letters, syslog and OTLP numbers; nothing guessed."""

from __future__ import annotations

import pytest

from holdoff.logs.model import LogSeverity
from holdoff.logs.parse import declared_severity

D, I, W, E, C = (  # noqa: E741 (I for INFO, as klog writes it)
    LogSeverity.DEBUG,
    LogSeverity.INFO,
    LogSeverity.WARNING,
    LogSeverity.ERROR,
    LogSeverity.CRITICAL,
)


@pytest.mark.parametrize(
    ("level", "expected"),
    [
        ("FATAL", C), ("CRIT", C), ("crit", C), ("emerg", C), ("panic", C), ("alert", C), ("CRITICAL", C),
        ("F", C),
        ("SEVERE", E), ("E", E), ("err", E), ("error", E), ("ERRO", E), ("[error]", E), ("core:error", E),
        ("proxy_fcgi:error", E),
        ("warn", W), ("WARNING", W), ("W", W), ("Warn ", W),
        ("notice", I), ("info", I), ("I", I), ("LOG", I), ("INFORMATIONAL", I),
        ("debug", D), ("trace", D), ("trace6", D), ("DEBUG2", D), ("FINEST", D), ("V", D),
    ],
)  # fmt: skip
def test_level_words_and_letters(level: str, expected: LogSeverity) -> None:
    assert declared_severity(level, None) is expected


@pytest.mark.parametrize(
    ("number", "expected"), [("0", C), ("2", C), ("3", E), ("4", W), ("5", I), ("6", I), ("7", D)]
)
def test_syslog_severity_numbers(number: str, expected: LogSeverity) -> None:
    assert declared_severity(number, None) is expected


@pytest.mark.parametrize(
    ("number", "expected"), [("10", D), ("20", D), ("30", I), ("40", W), ("50", E), ("60", C)]
)
def test_pino_and_bunyan_numbers(number: str, expected: LogSeverity) -> None:
    assert declared_severity(number, None) is expected


@pytest.mark.parametrize(
    ("number", "expected"),
    [(1, D), (4, D), (5, D), (8, D), (9, I), (12, I), (13, W), (16, W), (17, E), (20, E), (21, C), (24, C)],
)
def test_otlp_severity_numbers(number: int, expected: LogSeverity) -> None:
    assert declared_severity(None, number) is expected


def test_the_severity_number_wins_over_the_text_and_zero_is_unspecified() -> None:
    assert declared_severity("INFO", 21) is C
    assert declared_severity("ERROR", 0) is E
    assert declared_severity(None, 0) is None
    assert declared_severity("warn", 99) is W


@pytest.mark.parametrize(
    "level", ["", "  ", "8", "99", "loud", "x", "connection refused", "ERROR ERROR", "A" * 40]
)
def test_unknown_levels_are_none(level: str) -> None:
    assert declared_severity(level, None) is None


def test_nothing_declared_is_none() -> None:
    assert declared_severity(None, None) is None
