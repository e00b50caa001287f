"""Correlation: split a wrong join, merge two incidents, and what correlation learned and was told.

``GET /incidents/{id}`` carries the incident's correlation (:class:`CorrelationOut`, built here by
:func:`correlation_out`); the changes are :mod:`holdoff.service.correlation_ops`.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Body, Depends, HTTPException, Path, Query
from fastapi.concurrency import run_in_threadpool
from pydantic import BaseModel, Field

from holdoff.api.auth import AUTH_RESPONSES, ByMethod, by_method
from holdoff.api.deps import RuntimeDep
from holdoff.api.schemas import IncidentDetail
from holdoff.correlate.model import Reason
from holdoff.ingest.text import Text
from holdoff.service import correlation_ops
from holdoff.service.correlation_ops import (
    CorrelationRefused,
    IncidentCorrelation,
    MergeIntoItself,
)
from holdoff.service.mediation import IncidentNotFound
from holdoff.store.correlation_views import FeedbackRow, LearnedRow

router = APIRouter(tags=["correlation"], dependencies=[Depends(by_method)], responses=AUTH_RESPONSES)

IncidentId = Annotated[int, Path(ge=1, le=2**62, description="The incident's id, as in its URL.")]


class ReasonOut(BaseModel):
    kind: str = Field(description="topology, learned, labels, same_service, template, earliest, infra ...")
    text: str = Field(description="What a person reads: 'checkout depends on payments-db (topology)'.")
    weight: float = Field(description="What it added to the score.")


class MemberOut(BaseModel):
    """A group incident of a correlated incident, and why it joined."""

    incident_id: int
    title: str
    url: str
    service: str
    source: str
    name: str = Field(description="Its first alert's name.")
    started: datetime
    score: float = Field(description="The evidence it joined on (0 for the lead and operator merges).")
    reasons: list[ReasonOut] = Field(description="Why it joined (the lead: why it opened its own).")
    joined_at: datetime
    joined_by: str | None = Field(description="None: correlation joined it; else the operator who merged.")
    open: bool = Field(description="Its group incident is still open.")
    lead: bool


class RootOut(BaseModel):
    """A member's rank as probable root."""

    incident_id: int
    service: str
    name: str
    score: float
    reasons: list[ReasonOut]


class CorrelationOut(BaseModel):
    """The correlated incident a group incident belongs to: one page went out for all its members."""

    id: int = Field(description="The correlated incident's id: its lead group incident's id.")
    open: bool = Field(description="At least one member is still open.")
    members: list[MemberOut] = Field(description="The lead first, then the others in join order.")
    probable_root: list[RootOut] = Field(description="The members ranked as probable root, first first.")


class IncidentCorrelated(IncidentDetail):
    correlation: CorrelationOut | None = Field(
        description="The correlated incident it belongs to; null when it never paged (or correlation "
        "was off when it did)."
    )


class MergeIn(BaseModel):
    into: int = Field(ge=1, le=2**62, description="The incident to merge this one into.")
    by: Text | None = Field(default=None, max_length=255, description="Who is acting.")


class LearnedOut(BaseModel):
    """Two services whose alerts start together far more often than chance."""

    a: str
    b: str
    together: int = Field(description="How often the rarer one started within the window of the other.")
    expected: float = Field(description="How often that would happen by chance.")
    lift: float = Field(description="together / expected.")
    a_first: int = Field(description="Of those co-starts, how often a started first.")
    b_first: int
    text: str
    learned_at: datetime


class LearnedPage(BaseModel):
    items: list[LearnedOut]


class FeedbackOut(BaseModel):
    """An operator's split or merge, by group key: kept and used by every later decision."""

    id: int
    kind: str = Field(description="split or merge")
    a_key: str
    b_key: str
    a_incident: int
    b_incident: int
    by: str
    at: datetime


class FeedbackPage(BaseModel):
    items: list[FeedbackOut]


def _reasons(reasons: tuple[Reason, ...]) -> list[ReasonOut]:
    return [ReasonOut(kind=reason.kind.value, text=reason.text, weight=reason.weight) for reason in reasons]


def correlation_out(found: IncidentCorrelation, public_url: str) -> CorrelationOut:
    base = public_url.rstrip("/")
    return CorrelationOut(
        id=found.lead_id,
        open=found.is_open,
        members=[
            MemberOut(
                incident_id=member.incident_id,
                title=member.title,
                url=f"{base}/incidents/{member.incident_id}",
                service=member.service,
                source=member.source,
                name=member.name,
                started=member.started,
                score=member.score,
                reasons=_reasons(member.reasons),
                joined_at=member.joined_at,
                joined_by=member.joined_by,
                open=member.open,
                lead=member.lead,
            )
            for member in found.members
        ],
        probable_root=[
            RootOut(
                incident_id=rank.incident_id,
                service=rank.service,
                name=rank.name,
                score=rank.score,
                reasons=_reasons(rank.reasons),
            )
            for rank in found.root
        ],
    )


def learned_out(row: LearnedRow) -> LearnedOut:
    pair = row.dependency
    return LearnedOut(
        a=pair.a,
        b=pair.b,
        together=pair.together,
        expected=pair.expected,
        lift=pair.lift,
        a_first=pair.a_first,
        b_first=pair.b_first,
        text=pair.text(),
        learned_at=row.learned_at,
    )


def feedback_out(row: FeedbackRow) -> FeedbackOut:
    return FeedbackOut(
        id=row.id,
        kind=row.kind,
        a_key=row.a_key,
        b_key=row.b_key,
        a_incident=row.a_incident,
        b_incident=row.b_incident,
        by=row.by,
        at=row.at,
    )


def refused(exc: Exception) -> HTTPException:
    """The HTTP answer to a split or merge the service refused."""
    if isinstance(exc, IncidentNotFound):
        return HTTPException(404, str(exc))
    if isinstance(exc, MergeIntoItself):
        return HTTPException(422, str(exc))
    return HTTPException(409, str(exc))


_CHANGE_RESPONSES: dict[int | str, dict[str, str]] = {
    404: {"description": "No such incident"},
    409: {"description": "It never paged, is alone in its correlated incident, or is already merged"},
    422: {"description": "Merging an incident into itself"},
}


async def _after(runtime: RuntimeDep, incident_id: int) -> CorrelationOut:
    found = await run_in_threadpool(
        correlation_ops.correlation_of, runtime.db, incident_id, runtime.settings.correlation
    )
    assert found is not None, "a split or merged incident is a member"
    return correlation_out(found, runtime.settings.resolved_public_url)


@router.post("/incidents/{incident_id}/split", response_model=CorrelationOut, responses=_CHANGE_RESPONSES)
async def split_incident(incident_id: IncidentId, runtime: RuntimeDep, principal: ByMethod) -> CorrelationOut:
    """Take the incident out of its correlated incident (a wrong join): it becomes an incident of its own,
    and correlation never joins it with those members again. Answers its correlated incident now."""
    try:
        await run_in_threadpool(
            correlation_ops.split,
            runtime.db,
            incident_id,
            by=principal.actor(None),
            now=runtime.clock(),
        )
    except (IncidentNotFound, CorrelationRefused) as exc:
        raise refused(exc) from None
    return await _after(runtime, incident_id)


@router.post("/incidents/{incident_id}/merge", response_model=CorrelationOut, responses=_CHANGE_RESPONSES)
async def merge_incident(
    incident_id: IncidentId,
    runtime: RuntimeDep,
    principal: ByMethod,
    body: Annotated[MergeIn, Body()],
) -> CorrelationOut:
    """Merge the incident (and its correlated incident's members) into the correlated incident of
    ``into``; correlation joins the two whenever both are open from now on. Both must have paged.
    Answers the merged correlated incident."""
    try:
        await run_in_threadpool(
            correlation_ops.merge,
            runtime.db,
            body.into,
            incident_id,
            by=principal.actor(body.by),
            now=runtime.clock(),
        )
    except (IncidentNotFound, CorrelationRefused) as exc:
        raise refused(exc) from None
    return await _after(runtime, incident_id)


@router.get("/correlation/learned", response_model=LearnedPage)
async def learned(runtime: RuntimeDep) -> LearnedPage:
    """The dependencies learned from the alert history (the strongest first), with their evidence:
    how often the two started together, how often chance would give, and which one usually starts first."""
    rows = await run_in_threadpool(correlation_ops.learned_pairs, runtime.db)
    return LearnedPage(items=[learned_out(row) for row in rows])


@router.get("/correlation/feedback", response_model=FeedbackPage)
async def feedback(runtime: RuntimeDep, limit: Annotated[int, Query(ge=1, le=1000)] = 200) -> FeedbackPage:
    """The operators' splits and merges, newest first."""
    rows = await run_in_threadpool(correlation_ops.feedback_given, runtime.db, limit=limit)
    return FeedbackPage(items=[feedback_out(row) for row in rows])
