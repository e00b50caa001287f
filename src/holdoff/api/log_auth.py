"""Who may send logs: a sender's own token (``logs.senders``), the shared source token
(``sources.token``), an operator's API credential, or anyone when ``logs.open`` is set on purpose.

A sender named with ``services:`` may only post lines of those services: :func:`check_services`
refuses a batch with any other (403), so one leaked token cannot speak for every service.
"""

from __future__ import annotations

import hmac
from collections.abc import Iterable
from dataclasses import dataclass

from fastapi import HTTPException, Request

from holdoff.api.auth import identify, require
from holdoff.api.ingest_auth import presented_token
from holdoff.auth.roles import Role
from holdoff.logs.model import LogRecord
from holdoff.runtime import Runtime


@dataclass(frozen=True, slots=True)
class LogSender:
    name: str
    """The sender's name in ``logs.senders``; ``sources`` for the shared token, ``operator`` for an API
    credential, ``open`` without any."""
    services: frozenset[str] = frozenset()
    """The services it may post for; empty: any."""


def _same(presented: str, expected: str) -> bool:
    return hmac.compare_digest(presented.encode("utf-8"), expected.encode("utf-8"))


async def log_sender(request: Request) -> LogSender:
    """The sender of this request, or 401/403 (raised) when it is not allowed to send logs."""
    runtime: Runtime = request.app.state.runtime
    settings = runtime.settings
    presented = presented_token(request)
    if presented is not None:
        for name, sender in settings.logs.senders.items():
            if _same(presented, sender.token.get_secret_value()):
                return LogSender(name, frozenset(sender.services))
        shared = settings.sources.token
        if shared is not None and _same(presented, shared.get_secret_value()):
            return LogSender("sources")
    if settings.logs.open and presented is None:
        return LogSender("open")
    await require(Role.OPERATOR)(request, await identify(request))
    return LogSender("operator")


def check_services(sender: LogSender, records: Iterable[LogRecord]) -> None:
    """403 when ``sender`` is held to services and a record is of another."""
    if not sender.services:
        return
    others = sorted({record.service for record in records} - sender.services)
    if others:
        allowed = ", ".join(sorted(sender.services))
        raise HTTPException(
            403, f"sender {sender.name!r} may post lines of {allowed} only, not of {', '.join(others[:5])}"
        )
