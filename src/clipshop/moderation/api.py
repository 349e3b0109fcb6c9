"""Moderation routes: reporting, the review queue and decisions, one's own decisions and appeals."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query

from clipshop.errors import NotFound
from clipshop.moderation import service
from clipshop.moderation.schemas import (
    AppealCreate,
    AppealDecisionCreate,
    CaseRead,
    DecisionCreate,
    DecisionRead,
    HistoryRead,
    ReportCreate,
    ReportRead,
    decision_read,
)
from clipshop.platform.http import CommittingRoute, CurrentActor, PlatformDep, UowDep, write_limit

router = APIRouter(route_class=CommittingRoute, tags=["moderation"])


@router.post("/reports", status_code=201, response_model=ReportRead, dependencies=[write_limit("report")])
def file_report(body: ReportCreate, actor: CurrentActor, uow: UowDep, platform: PlatformDep) -> ReportRead:
    """Report a video, comment, profile, product or shop. Reporting the same item again changes nothing."""
    report = service.file_report(
        uow,
        actor=actor,
        kind=body.content_kind,
        content_id=body.content_id,
        reason=body.reason,
        text=body.text,
        now=platform.clock.now(),
    )
    return ReportRead(
        id=report.id,
        content_kind=report.content_kind,
        content_id=report.content_id,
        reason=report.reason,
        created_at=report.created_at,
    )


@router.get("/moderation/cases", response_model=list[CaseRead])
def review_queue(
    actor: CurrentActor,
    uow: UowDep,
    platform: PlatformDep,
    region: Annotated[str | None, Query(max_length=16)] = None,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
) -> list[CaseRead]:
    """Open cases of a region (the moderator's jurisdiction unless named), most severe and most seen first.
    Moderators of that jurisdiction and operators only: others get 403 `access_denied`."""
    region = region or actor.jurisdiction
    if region not in platform.media:
        raise NotFound("region", region)
    views = service.review_queue(
        uow, actor=actor, region=region, store=platform.media_store(region), limit=limit
    )
    return [
        CaseRead(
            id=v.case.id,
            content_kind=v.case.content_kind,
            content_id=v.case.content_id,
            owner_id=v.case.owner_id,
            status=v.case.status.value,
            report_count=v.case.report_count,
            severity=v.case.severity,
            reach=v.reach,
            reasons=v.reasons,
            first_reported_at=v.case.first_reported_at,
            last_reported_at=v.case.last_reported_at,
            summary=v.summary,
            media_url=v.media_url,
            poster_url=v.poster_url,
            withheld=v.withheld,
            held_for=v.held_for,
            history=[
                HistoryRead(
                    decision=d.action,
                    reason_code=d.reason_code,
                    decided_at=d.decided_at,
                    appeal_state=d.appeal_state.value,
                )
                for d in v.history
            ],
        )
        for v in views
    ]


@router.post("/moderation/cases/{case_id}/decision", status_code=201, response_model=DecisionRead)
def decide(
    case_id: str, body: DecisionCreate, actor: CurrentActor, uow: UowDep, platform: PlatformDep
) -> DecisionRead:
    """Decide an open case: dismiss, age_restrict, remove_from_recommendations, take_down or
    suspend_account, with a reason code. Audited in the case's region. Dismissing the case of content held
    by an automatic check releases it; a take-down keeps it down."""
    decision = service.decide(
        uow,
        actor=actor,
        case_id=case_id,
        action=body.decision,
        reason_code=body.reason_code,
        note=body.note,
        stores=platform.media,
        jobs=platform.jobs,
        now=platform.clock.now(),
    )
    return decision_read(decision)


@router.get("/moderation/appeals", response_model=list[DecisionRead])
def pending_appeals(
    actor: CurrentActor,
    uow: UowDep,
    region: Annotated[str | None, Query(max_length=16)] = None,
) -> list[DecisionRead]:
    """Appeals waiting in a region (the moderator's jurisdiction unless named), oldest first."""
    found = service.pending_appeals(uow, actor=actor, region=region or actor.jurisdiction)
    return [decision_read(d) for d in found]


@router.post("/moderation/appeals/{decision_id}/decision", response_model=DecisionRead)
def decide_appeal(
    decision_id: str, body: AppealDecisionCreate, actor: CurrentActor, uow: UowDep, platform: PlatformDep
) -> DecisionRead:
    """Uphold or overturn an appeal (`outcome`); a moderator other than the one who decided must
    (403 `same_moderator`). Overturning gives back what the decision withheld."""
    decision = service.decide_appeal(
        uow,
        actor=actor,
        decision_id=decision_id,
        overturn=body.outcome == "overturn",
        stores=platform.media,
        now=platform.clock.now(),
        jobs=platform.jobs,
    )
    return decision_read(decision)


@router.get("/me/moderation", response_model=list[DecisionRead])
def my_moderation(actor: CurrentActor, uow: UowDep) -> list[DecisionRead]:
    """What moderation did to your content or account, and why, with the state of any appeal."""
    return [decision_read(d) for d in service.decisions_about(uow, actor=actor)]


@router.post("/me/moderation/{decision_id}/appeal", response_model=DecisionRead)
def appeal(
    decision_id: str, body: AppealCreate, actor: CurrentActor, uow: UowDep, platform: PlatformDep
) -> DecisionRead:
    """Appeal a decision about your content, once (a second time is 409 `already_appealed`)."""
    decision = service.appeal(
        uow, actor=actor, decision_id=decision_id, text=body.text, now=platform.clock.now()
    )
    return decision_read(decision)
