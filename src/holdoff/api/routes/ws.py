"""``/ws/alerts``: a snapshot on connect, then a delta frame for every change.

Frames are JSON text:

- ``{"type": "snapshot", "cursor", "alerts": [...], "summary": {state: count, "open": n}, "truncated"}``:
  the open alerts and the 100 most recently changed ones, items as in ``GET /alerts``;
- ``{"type": "delta", "cursor", "alerts": [...], "summary": {...}}``: alerts changed since the last frame;
- ``{"type": "ping", "at"}``: every 20 s without other traffic.

A client that reconnects with ``?cursor=`` (the last cursor it received) is sent a delta of what it
missed, or a snapshot when the cursor is not one this server made or is too far behind.
"""

from __future__ import annotations

import asyncio
import contextlib
from typing import Annotated, Final, Literal

from fastapi import APIRouter, Depends, WebSocket, WebSocketDisconnect
from pydantic import BaseModel, Field

from holdoff.api.auth import Principal, require_ws
from holdoff.api.presenters import alert_out
from holdoff.api.schemas import AlertOut
from holdoff.auth.roles import Role
from holdoff.mediate.model import OPEN_STATES
from holdoff.runtime import Runtime
from holdoff.service.changes import RESYNC, ChangeFeed, Frame

router = APIRouter(tags=["live"])

HEARTBEAT_SECONDS: Final = 20.0
MAX_CURSOR_LENGTH: Final = 200


class AlertsFrame(BaseModel):
    type: Literal["snapshot", "delta"]
    cursor: str = Field(description="Reconnect with ?cursor= this value to get what was missed.")
    alerts: list[AlertOut]
    summary: dict[str, int] = Field(description="Alerts per state now, and open: all open states.")
    truncated: bool = False


class PingFrame(BaseModel):
    type: Literal["ping"] = "ping"
    at: str


class ChangeFeedEncoder:
    """Frames to JSON text, alerts shaped as ``GET /alerts`` items."""

    def __init__(self, runtime: Runtime) -> None:
        self.runtime = runtime

    def __call__(self, frame: Frame) -> str:
        now = self.runtime.clock()
        public_url = self.runtime.settings.resolved_public_url
        summary = dict(frame.summary)
        summary["open"] = sum(frame.summary.get(state.value, 0) for state in OPEN_STATES)
        return AlertsFrame(
            type=frame.type,
            cursor=frame.cursor,
            alerts=[alert_out(stored, public_url, now) for stored in frame.alerts],
            summary=summary,
            truncated=frame.truncated,
        ).model_dump_json()


def change_feed(websocket: WebSocket) -> ChangeFeed:
    """The process's feed (one per application), made at the first connection."""
    state = websocket.app.state
    feed: ChangeFeed | None = getattr(state, "change_feed", None)
    if feed is None:
        runtime: Runtime = state.runtime
        feed = ChangeFeed(runtime.db, ChangeFeedEncoder(runtime))
        state.change_feed = feed
    return feed


async def _until_closed(websocket: WebSocket) -> None:
    with contextlib.suppress(WebSocketDisconnect):
        while True:
            await websocket.receive_text()  # clients have nothing to say; read to notice a close


@router.websocket("/ws/alerts")
async def alerts_socket(
    websocket: WebSocket,
    _principal: Annotated[Principal, Depends(require_ws(Role.VIEWER))],
    cursor: str | None = None,
) -> None:
    """The live alert list: snapshot, then deltas (see the module docstring)."""
    feed = change_feed(websocket)
    await websocket.accept()
    subscription = await feed.subscribe()
    closed = asyncio.create_task(_until_closed(websocket))
    try:
        first = None
        if cursor is not None and len(cursor) <= MAX_CURSOR_LENGTH:
            first = await feed.catch_up(cursor)
        await websocket.send_text(first if first is not None else await feed.snapshot())
        while not closed.done():
            waiting = asyncio.create_task(subscription.next(HEARTBEAT_SECONDS))
            await asyncio.wait({closed, waiting}, return_when=asyncio.FIRST_COMPLETED)
            if not waiting.done():
                waiting.cancel()
                break
            item = waiting.result()
            if item is None:
                runtime: Runtime = websocket.app.state.runtime
                ping = PingFrame(at=runtime.clock().isoformat())
                await websocket.send_text(ping.model_dump_json())
            elif item is RESYNC:
                await websocket.send_text(await feed.snapshot())
            else:
                assert isinstance(item, str)
                await websocket.send_text(item)
    except (WebSocketDisconnect, RuntimeError):
        pass  # the client went away while we were sending
    finally:
        feed.unsubscribe(subscription)
        closed.cancel()
