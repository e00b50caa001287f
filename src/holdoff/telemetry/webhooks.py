"""ASGI middleware timing every source's webhook and counting the refused ones.

It looks only at the path and the status of the answer: the routes stay as they are, and requests to
anything else pass straight through. Alerts accepted are counted where they are committed (one per
alert event, :class:`~holdoff.service.mediation.Mediator`), since one webhook may carry many.
"""

from __future__ import annotations

import time
from collections.abc import Mapping

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from holdoff.telemetry.metrics import Telemetry


class WebhookTelemetry:
    """Observes ``holdoff_webhook_duration_seconds{source}`` and counts a 4xx/5xx answer as
    ``holdoff_alerts_received_total{source, outcome="refused"}``."""

    def __init__(self, app: ASGIApp, *, endpoints: Mapping[str, str], telemetry: Telemetry) -> None:
        """``endpoints``: each source's webhook path, and the source's name."""
        self.app = app
        self.telemetry = telemetry
        self.sources = dict(endpoints)
        telemetry.sources(self.sources.values())

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        source = self.sources.get(scope["path"]) if scope["type"] == "http" else None
        if source is None:
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        status = 500  # what the client sees if the app raises before answering

        async def observe(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        try:
            await self.app(scope, receive, observe)
        finally:
            self.telemetry.webhook_answered(source, time.perf_counter() - started)
            if status >= 400:
                self.telemetry.refused(source)
