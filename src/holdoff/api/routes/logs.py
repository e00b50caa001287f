"""``GET /logs``: log analysis results (a later release fills it; the shape is fixed now)."""

from __future__ import annotations

from datetime import datetime

from fastapi import APIRouter, Depends
from pydantic import BaseModel, Field

from holdoff.api.auth import AUTH_RESPONSES, by_method

router = APIRouter(prefix="/logs", tags=["logs"], dependencies=[Depends(by_method)], responses=AUTH_RESPONSES)

NOT_YET = "log analysis arrives in a later release"


class LogEntry(BaseModel):
    at: datetime
    source: str
    level: str
    message: str
    labels: dict[str, str] = Field(default_factory=dict)


class LogPage(BaseModel):
    items: list[LogEntry]
    detail: str | None = Field(default=None, description="Why the list is empty, when it is.")


@router.get("", response_model=LogPage)
async def list_logs() -> LogPage:
    """Log lines related to alerts; empty until log analysis arrives."""
    return LogPage(items=[], detail=NOT_YET)
