"""error_rate: ratio and floor over a sliding window per service, one occurrence, hysteresis on resolve,
the most frequent error template, restarts."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from holdoff.logs.detect.error_rate import ErrorRateConfig
from holdoff.logs.detect.model import Seen
from holdoff.logs.model import LogSeverity
from tests.logs.test_detect_support import Shell, at, seen

TIMEOUT = "upstream timed out (110: Connection timed out) while reading response header from upstream"


def ok(second: float, service: str = "checkout") -> Seen:
    return seen("GET /cart 200 12ms", second, service=service, template_id="t-ok")


def error(
    second: float, service: str = "checkout", template: str = "t-timeout", message: str = TIMEOUT
) -> Seen:
    return seen(message, second, service=service, template_id=template, severity=LogSeverity.ERROR)


def mixed(start: float, seconds: int, errors_every: int, service: str = "checkout") -> list[Seen]:
    """One line a second; every ``errors_every``-th one an error."""
    return [
        error(start + n, service) if n % errors_every == 0 else ok(start + n, service) for n in range(seconds)
    ]


def test_ratio_and_floor_together_open_one_finding() -> None:
    shell = Shell(ErrorRateConfig(ratio=0.2, floor=20).build())
    [found] = shell.feed(mixed(0, 200, 4))  # 25% errors; the 20th error comes at second 76
    assert found.kind == "error_rate" and found.service == "checkout" and found.opens
    assert found.first_at == at(76)
    assert found.count == 50 and found.template_id == "t-timeout" and found.template == TIMEOUT
    assert "Error rate 25% on checkout" in found.summary
    assert found.samples and all(s == TIMEOUT for s in found.samples)


def test_below_the_ratio_or_below_the_floor_nothing_opens() -> None:
    assert Shell(ErrorRateConfig(ratio=0.2, floor=20).build()).feed(mixed(0, 290, 6)) == []  # 17%
    assert Shell(ErrorRateConfig(ratio=0.2, floor=20).build()).feed([error(s) for s in range(19)]) == []


def test_errors_leaving_the_window_do_not_count() -> None:
    shell = Shell(ErrorRateConfig(window="60s", ratio=0.5, floor=10).build())
    # 9 errors, then 70 s later 9 more: never 10 within one minute.
    assert shell.feed([error(s) for s in range(9)] + [error(80 + s) for s in range(9)]) == []
    [found] = shell.feed([error(89)])
    assert found.count == 10


def test_the_most_frequent_error_template_names_the_occurrence() -> None:
    shell = Shell(ErrorRateConfig(ratio=0.5, floor=6).build())
    batch = [error(s, template="t-db", message="could not connect to db") for s in range(4)]
    batch += [error(5, template="t-timeout"), error(6, template="t-db", message="could not connect to db")]
    [found] = shell.feed(batch)
    assert found.template_id == "t-db" and found.template == "could not connect to db"


def test_updates_keep_the_occurrence_and_count_every_error() -> None:
    shell = Shell(ErrorRateConfig(ratio=0.2, floor=5).build())
    [opened] = shell.feed([error(s) for s in range(5)])
    assert opened.count == 5
    [update] = shell.feed([error(10), ok(11), error(12)])
    assert update.first_at == opened.first_at and update.count == 7 and not update.opens
    assert shell.feed([ok(13), ok(14)]) == []  # no new error: nothing to report


def test_a_line_its_sender_declared_an_error_counts_even_when_judged_milder() -> None:
    shell = Shell(ErrorRateConfig(ratio=0.2, floor=5).build())
    declared = [
        seen(
            "retrying upstream",
            s,
            service="checkout",
            severity=LogSeverity.WARNING,
            declared=LogSeverity.ERROR,
        )
        for s in range(5)
    ]
    [found] = shell.feed(declared)
    assert found.count == 5 and found.samples and set(found.samples) == {"retrying upstream"}
    milder = [seen("slow", 10 + s, service="checkout", declared=LogSeverity.WARNING) for s in range(30)]
    assert shell.feed(milder) == []  # declared below ERROR and judged INFO: not errors


def test_it_resolves_only_after_a_whole_calm_window() -> None:
    shell = Shell(ErrorRateConfig(window="60s", ratio=0.2, floor=10).build())
    shell.feed([error(s) for s in range(10)])
    # Healthy traffic only: the errors leave the window at about 69 s, calm from then on.
    assert shell.feed([ok(s) for s in range(10, 120)]) == []
    [resolved] = shell.feed([ok(s) for s in range(120, 140)])
    assert resolved.resolved and resolved.count == 10 and resolved.first_at == at(9)
    assert "back to 0%" in resolved.summary


def test_hysteresis_keeps_it_open_between_half_the_ratio_and_the_ratio() -> None:
    shell = Shell(ErrorRateConfig(window="60s", ratio=0.2, floor=4).build())
    shell.feed(mixed(0, 60, 4))  # 25%
    found = shell.feed(mixed(60, 600, 7))  # 14%: below the ratio, above half of it
    assert found and not any(f.resolved for f in found)
    [resolved] = shell.feed(mixed(660, 200, 20))  # 5%
    assert resolved.resolved


def test_the_sweep_resolves_a_service_that_went_silent_and_then_forgets_it() -> None:
    shell = Shell(ErrorRateConfig(window="60s", ratio=0.2, floor=10).build())
    shell.feed([error(s) for s in range(10)])
    first_look = shell.expires["checkout"]
    assert first_look == at(70)  # when the window is empty again
    assert shell.sweep(first_look) == []
    [resolved] = shell.sweep(shell.expires["checkout"])
    assert resolved.resolved
    assert shell.rows == {}


def test_services_are_counted_apart() -> None:
    shell = Shell(ErrorRateConfig(ratio=0.5, floor=5).build())
    batch = [error(s, service="a") for s in range(5)] + [ok(s, service="b") for s in range(50)]
    batch += [error(s, service="b") for s in range(45, 50)]
    [found] = shell.feed(batch)
    assert found.service == "a"


def test_error_rate_state_survives_a_restart_through_json() -> None:
    config = ErrorRateConfig(ratio=0.2, floor=10)
    shell = Shell(config.build())
    shell.feed(mixed(0, 40, 2))  # 20 lines, 20 errors... in two halves
    restarted = Shell(config.build(), rows=dict(shell.rows))
    one = Shell(config.build())
    assert [f.count for f in restarted.feed(mixed(40, 40, 2))] == [
        f.count for f in (one.feed(mixed(0, 40, 2)) + one.feed(mixed(40, 40, 2)))[1:]
    ]


def test_error_rate_config_is_checked() -> None:
    with pytest.raises(ValidationError, match="ratio"):
        ErrorRateConfig(ratio=1.5)
    with pytest.raises(ValidationError, match="floor"):
        ErrorRateConfig(floor=0)
    with pytest.raises(ValidationError, match="duration"):
        ErrorRateConfig.model_validate({"window": "soon"})
