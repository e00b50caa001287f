"""critical and new_template: one occurrence per key with a count and samples, the flood of 10,000 lines as
one occurrence, resolving after going quiet, restarts."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from holdoff.logs.detect.critical import CriticalConfig
from holdoff.logs.detect.model import Seen
from holdoff.logs.detect.new_template import NewTemplateConfig
from holdoff.logs.model import LogSeverity
from holdoff.mediate.model import Severity
from tests.logs.test_detect_support import Shell, at, seen

OOM = "Out of memory: Killed process 4242 (java) total-vm:8123456kB, anon-rss:7012345kB"
OOM_TEMPLATE = "Out of memory: Killed process <*> (<*>) total-vm:<*>, anon-rss:<*>"


def oom(second: float, service: str = "kernel", template: str = "t-oom") -> Seen:
    return seen(OOM, second, service=service, template_id=template, template=OOM_TEMPLATE, critical=True)


def test_critical_lines_open_one_finding_per_service_and_template() -> None:
    shell = Shell(CriticalConfig().build())
    batch = [oom(0), oom(1), oom(2, service="db-1"), seen("disk ok", 3, service="kernel")]
    found = {(f.service, f.template_id): f for f in shell.feed(batch)}
    assert set(found) == {("kernel", "t-oom"), ("db-1", "t-oom")}
    kernel = found[("kernel", "t-oom")]
    assert kernel.count == 2 and kernel.severity is Severity.CRITICAL and kernel.opens
    assert kernel.template == OOM_TEMPLATE and kernel.samples == (OOM, OOM)
    assert kernel.summary.startswith("2 critical lines on kernel: Out of memory")


def test_a_flood_of_10000_critical_lines_in_one_batch_is_one_finding() -> None:
    shell = Shell(CriticalConfig(samples=3).build())
    [found] = shell.feed([oom(n / 100) for n in range(10_000)])
    assert found.count == 10_000 and len(found.samples) == 3
    assert found.first_at == at(0) and found.last_at == at(99.99)


def test_a_flood_over_many_batches_is_one_occurrence_counting_every_line() -> None:
    shell = Shell(CriticalConfig().build())
    reports = [shell.feed([oom(b * 10 + n / 100) for n in range(100)]) for b in range(100)]
    assert all(len(r) == 1 for r in reports)
    assert {r[0].first_at for r in reports} == {at(0)}
    assert [r[0].opens for r in reports[:2]] == [True, False]
    assert reports[-1][0].count == 10_000
    assert len(shell.rows) == 1


def test_critical_resolves_after_quiet_for_and_a_later_line_opens_a_new_occurrence() -> None:
    shell = Shell(CriticalConfig(quiet_for="15m").build())
    shell.feed([oom(0), oom(60)])
    assert shell.expires["kernel|t-oom"] == at(960)
    assert shell.sweep(at(959)) == []
    [resolved] = shell.sweep(at(960))
    assert resolved.resolved and resolved.count == 2 and resolved.first_at == at(0)
    assert shell.rows == {}
    [again] = shell.feed([oom(2000)])
    assert again.opens and again.first_at == at(2000) and again.count == 1


def test_a_late_line_resolves_the_old_occurrence_before_opening_the_next() -> None:
    shell = Shell(CriticalConfig(quiet_for=60).build())
    shell.feed([oom(0)])
    old, new = shell.feed([oom(61), oom(62)])
    assert old.resolved and old.count == 1
    assert new.opens and new.count == 2 and new.first_at == at(61)


def test_lines_that_are_not_critical_touch_no_state() -> None:
    detector = CriticalConfig().build()
    batch = [seen("User jdoe logged in", 0, severity=LogSeverity.ERROR)]
    assert detector.keys(batch) == set()
    assert Shell(detector).feed(batch) == []


def test_critical_state_survives_a_restart_through_json() -> None:
    shell = Shell(CriticalConfig().build())
    shell.feed([oom(0)])
    restarted = Shell(CriticalConfig().build(), rows=dict(shell.rows))
    [found] = restarted.feed([oom(5)])
    assert found.count == 2 and found.first_at == at(0) and not found.opens


PANIC_TEMPLATE = "panic: runtime error: index out of range [<*>] with length <*>"


def panic(second: float, *, new: bool = False, severity: LogSeverity = LogSeverity.INFO) -> Seen:
    return seen(
        "panic: runtime error: index out of range [5] with length 3",
        second,
        service="checkout",
        template_id="t-panic",
        template=PANIC_TEMPLATE,
        severity=severity,
        new=new,
    )


def test_a_new_template_with_error_words_opens_a_warning() -> None:
    shell = Shell(NewTemplateConfig(learn_for=0).build())
    [found] = shell.feed([panic(0, new=True), panic(1)])
    assert found.kind == "new_template" and found.severity is Severity.WARNING
    assert found.service == "checkout" and found.template_id == "t-panic" and found.count == 2
    assert found.opens and "New log template on checkout" in found.summary


@pytest.mark.parametrize(
    "message",
    [
        "Upstream payments-api connection refused",
        "Request TIMED OUT after 30s",
        "Could not open ledger file",
        "java.lang.IllegalStateException: ledger closed",  # no whole word: judged ERROR below instead
    ],
)
def test_error_words_or_an_error_verdict_qualify(message: str) -> None:
    severity = LogSeverity.ERROR if "Exception" in message else LogSeverity.INFO
    line = seen(message, 0, service="api", template_id="t-x", new=True, severity=severity)
    [found] = Shell(NewTemplateConfig(learn_for=0).build()).feed([line])
    assert found.samples == (message,)


def test_new_templates_without_error_words_and_old_templates_are_ignored() -> None:
    shell = Shell(NewTemplateConfig(learn_for=0).build())
    calm = seen("Cache warmed with 1200 entries", 0, service="api", template_id="t-warm", new=True)
    old = panic(1, new=False)
    assert shell.feed([calm, old]) == [] and shell.rows == {}


def test_configured_words_replace_the_defaults() -> None:
    shell = Shell(NewTemplateConfig(learn_for=0, words=["quarantined"]).build())
    assert shell.feed([panic(0, new=True)]) == []
    line = seen("Message 77 QUARANTINED by policy", 1, service="mx", template_id="t-q", new=True)
    [found] = shell.feed([line])
    assert found.template_id == "t-q"


def test_new_template_resolves_by_itself_after_resolve_after_and_never_reopens() -> None:
    shell = Shell(NewTemplateConfig(learn_for=0, resolve_after="1h").build())
    shell.feed([panic(0, new=True)])
    assert shell.sweep(at(3599)) == []
    [resolved] = shell.sweep(at(3600))
    assert resolved.resolved and resolved.count == 1
    assert shell.feed([panic(4000)]) == [] and shell.rows == {}


def test_new_template_config_is_checked() -> None:
    assert NewTemplateConfig().since == "ever"
    with pytest.raises(ValidationError, match="since"):
        NewTemplateConfig.model_validate({"since": "deploy"})
    with pytest.raises(ValidationError, match="cannot be empty"):
        NewTemplateConfig(words=["error", " "])
    with pytest.raises(ValidationError, match="extra"):
        NewTemplateConfig.model_validate({"resolve_after": "1h", "colour": "red"})


def test_later_lines_count_when_their_template_has_error_words_or_they_are_judged_errors() -> None:
    shell = Shell(NewTemplateConfig(learn_for=0).build())
    quiet_template = "Job <*> finished with status <*>"
    first = seen(
        "Job 7 finished with status failed",
        0,
        service="cron",
        template_id="t-job",
        template=quiet_template,
        new=True,
    )
    plain = seen(
        "Job 8 finished with status failed", 1, service="cron", template_id="t-job", template=quiet_template
    )
    judged = seen(
        "Job 9 finished with status 137",
        2,
        service="cron",
        template_id="t-job",
        template=quiet_template,
        severity=LogSeverity.ERROR,
    )
    [opened] = shell.feed([first])
    assert opened.count == 1
    assert shell.feed([plain]) == []  # the word is in a parameter, and the verdict is INFO
    [update] = shell.feed([judged])
    assert update.count == 2 and update.first_at == opened.first_at


def test_critical_lines_are_left_to_the_critical_detector_unless_asked() -> None:
    line = seen("Kernel panic - not syncing: Fatal exception", 0, service="kernel", new=True, critical=True)
    assert Shell(NewTemplateConfig(learn_for=0).build()).feed([line]) == []
    [found] = Shell(NewTemplateConfig(learn_for=0, include_critical=True).build()).feed([line])
    assert found.kind == "new_template"


def test_a_services_first_templates_are_learned_not_reported() -> None:
    shell = Shell(NewTemplateConfig(learn_for="1h").build())
    first = seen("Starting worker pool", 0, service="checkout", template_id="t-start", new=True)
    early = seen("Config reload failed: bad yaml", 600, service="checkout", template_id="t-early", new=True)
    assert shell.feed([first, early]) == []
    assert shell.rows.keys() == {"~service|checkout"}  # when the service was first seen, kept for good
    restarted = Shell(NewTemplateConfig(learn_for="1h").build(), rows=dict(shell.rows))
    late = seen(
        "Ledger write failed: disk quota exceeded", 3600, service="checkout", template_id="t-late", new=True
    )
    [found] = restarted.feed([late])
    assert found.template_id == "t-late"
    other = seen("Refund failed: card expired", 3601, service="refunds", template_id="t-refund", new=True)
    assert restarted.feed([other]) == []  # a service seen for the first time learns too
    assert restarted.sweep(at(10**6)) != [] and set(restarted.rows) == {
        "~service|checkout",
        "~service|refunds",
    }
