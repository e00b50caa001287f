"""``holdoff test-channel NAME``: one test message through one channel, and what came back."""

from __future__ import annotations

import secrets
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path

from holdoff.mediate.model import NotificationKind
from holdoff.notify.catalog import AnyChannelConfig
from holdoff.notify.message import Fact, Message
from holdoff.notify.registry import build_channels


def sample_message(kind: NotificationKind, key: str, public_url: str) -> Message:
    now = datetime.now(UTC)
    return Message(
        kind=kind,
        title="Holdoff test message" + (" (resolved)" if kind is NotificationKind.RESOLVED else ""),
        summary="Sent by `holdoff test-channel` to check this channel. No action needed.",
        facts=[
            Fact(name="Sent at", value=f"{now:%Y-%m-%d %H:%M:%S} UTC"),
            Fact(name="Source", value="holdoff"),
        ],
        url=public_url,
        severity="info",
        name="Holdoff test message",
        source="holdoff",
        thread_key=key,
    )


def send_test(
    configs: Sequence[AnyChannelConfig], templates_dir: Path | None, public_url: str, name: str
) -> tuple[list[str], bool]:
    """Lines to print, and whether every send worked."""
    channels = build_channels(configs, templates_dir)
    channel = channels.get(name)
    if channel is None:
        known = f"configured: {', '.join(sorted(channels))}" if channels else "no channel is configured"
        return [f"holdoff: no channel named {name!r} is configured ({known})"], False
    key = f"holdoff-test-{secrets.token_hex(4)}"
    kinds = [NotificationKind.ESCALATED]
    if channel.kinds is not None and NotificationKind.ACKNOWLEDGED in channel.kinds:
        kinds.append(NotificationKind.RESOLVED)  # a pager: close the test incident again
    lines: list[str] = []
    ok = True
    ref: str | None = None
    try:
        for kind in kinds:
            result = channel.send(sample_message(kind, key, public_url), ref)
            ref = result.ref or ref
            status = f"HTTP {result.status_code}" if result.status_code is not None else "no HTTP status"
            if result.ok:
                lines.append(f"{name}: {kind.value} delivered ({status}, {result.latency_ms:.0f} ms)")
            else:
                ok = False
                again = "would be retried" if result.retryable else "would not be retried"
                lines.append(
                    f"{name}: {kind.value} FAILED ({status}, {result.latency_ms:.0f} ms; {again}): {result.error}"
                )
                break
    finally:
        for each in channels.values():
            each.close()
    return lines, ok
