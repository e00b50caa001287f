"""The replay report as tables on a terminal."""

from __future__ import annotations

from rich.console import Console
from rich.table import Table

from holdoff.replay.report import Report


def show(report: Report, console: Console) -> None:
    summary = Table(title="Replay", show_header=False)
    summary.add_column("what")
    summary.add_column("count", justify="right")
    rows = [
        ("events in", report.events),
        ("alerts (distinct)", report.alerts),
        ("alert occurrences (fired)", report.occurrences),
        ("incidents (grouped)", report.incidents),
        ("incident groups correlated into another", report.correlated),
        ("transients held (nobody paged)", report.transients_held),
        ("escalations", report.escalations),
    ]
    rows += [(f"held back: {reason}", count) for reason, count in report.held.items()]
    rows += [
        ("pages sent", report.pages),
        ("pages if every alert paged", report.baseline_pages),
    ]
    for label, value in rows:
        summary.add_row(label, f"{value:,}")
    summary.add_row("page reduction", f"{report.reduction:.1%}")
    summary.add_row("late escalations", f"{len(report.late):,}")
    summary.add_row("replay speed", f"{report.events_per_second:,.0f} events/s ({report.seconds:.2f} s)")
    console.print(summary)

    messages = Table(title="Messages per channel and kind")
    kinds = sorted({kind for per in report.messages.values() for kind in per})
    messages.add_column("channel")
    for kind in kinds:
        messages.add_column(kind, justify="right")
    for channel, per in report.messages.items():
        messages.add_row(channel, *(f"{per.get(kind, 0):,}" for kind in kinds))
    console.print(messages)

    for late in report.late[:10]:
        console.print(
            f"[yellow]late:[/] {late['alert']} paged after {late['paged_after_s']:.0f}s "
            f"(policy allows {late['allowed_s']:.0f}s)"
        )
    truth = report.truth
    if truth is None:
        return
    verdict = Table(title="Against the stream's ground truth", show_header=False)
    verdict.add_column("what")
    verdict.add_column("value", justify="right")
    verdict.add_row("real incidents", f"{truth['real_incidents']:,}")
    missed = truth["missed"]
    verdict.add_row("missed or late", f"[{'red' if missed else 'green'}]{len(missed)}[/]")
    verdict.add_row("pages naming a real incident", f"{truth['pages_with_real_incident']:,}")
    verdict.add_row("pages per real incident", str(truth["pages_per_real_incident"]))
    verdict.add_row("pages about no real incident", f"{truth['noise_pages']:,}")
    verdict.add_row("real incidents paged more than once", f"{len(truth['split']):,}")
    joined = truth["wrongly_joined"]
    verdict.add_row("real incidents joined with another", f"[{'red' if joined else 'green'}]{len(joined)}[/]")
    if truth["max_first_page_delay_s"] is not None:
        verdict.add_row("slowest first page", f"{truth['max_first_page_delay_s']:.0f} s")
    console.print(verdict)
    for item in missed[:20]:
        console.print(f"[red]missed:[/] {item['incident']}: {item['why']}")
