"""Moderation routes: reporting, the review queue and decisions, the appeals queue, one's own decisions and
appeals (also with a suspended account's appeal pass)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request

from clipshop.accounts import appeal_pass
from clipshop.accounts import service as accounts
from clipshop.ads.review import REJECTION_REASONS
from clipshop.errors import NotFound, Unauthenticated
from clipshop.kit.actors import Actor
from clipshop.moderation import appeals, decisions, queue, reports
from clipshop.moderation.schemas import (
    AdCaseRead,
    AppealCreate,
    AppealDecisionCreate,
    AppealRead,
    CaseRead,
    DecisionCreate,
    DecisionRead,
    HistoryRead,
    ReportCreate,
    ReportRead,
    decision_read,
)
from clipshop.platform.http import (
    CommittingRoute,
    CurrentActor,
    OptionalActor,
    PlatformDep,
    UowDep,
    request_token,
    write_limit,
)

router = APIRouter(route_class=CommittingRoute, tags=["moderation"])


@dataclass(frozen=True)
class Appellant:
    """Who reads their decisions or appeals: a signed-in account, or a suspended one with its appeal pass."""

    actor: Actor
    suspended: bool


def appellant(request: Request, actor: OptionalActor, uow: UowDep, platform: PlatformDep) -> Appellant:
    """The signed-in actor, or the holder of a valid appeal pass (sent as the bearer token); else 401."""
    if actor is not None:
        return Appellant(actor, suspended=False)
    token = request_token(request)
    user = (
        appeal_pass.holder(uow, token=token, secret=platform.settings.secret_key, now=platform.clock.now())
        if token
        else None
    )
    if user is None:
        raise Unauthenticated()
    held = accounts.actor_of(user)
    uow.act_for(held)
    return Appellant(held, suspended=True)


AppellantDep = Annotated[Appellant, Depends(appellant)]


@router.post("/reports", status_code=201, response_model=ReportRead, dependencies=[write_limit("report")])
def file_report(body: ReportCreate, actor: CurrentActor, uow: UowDep, platform: PlatformDep) -> ReportRead:
    """Report a video, comment, profile, product or shop. Reporting the same item again changes nothing: the
    answer is the first report, with `already_reported` true."""
    filed = reports.file_report(
        uow,
        actor=actor,
        kind=body.content_kind,
        content_id=body.content_id,
        reason=body.reason,
        text=body.text,
        now=platform.clock.now(),
    )
    report = filed.report
    return ReportRead(
        id=report.id,
        content_kind=report.content_kind,
        content_id=report.content_id,
        reason=report.reason,
        created_at=report.created_at,
        already_reported=filed.again,
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
    views = queue.review_queue(
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
            summary=v.content.summary,
            media_url=v.content.media_url,
            poster_url=v.content.poster_url,
            withheld=v.content.withheld,
            held_for=v.content.held_for,
            history=[
                HistoryRead(
                    decision=d.action,
                    reason_code=d.reason_code,
                    decided_at=d.decided_at,
                    appeal_state=d.appeal_state.value,
                )
                for d in v.history
            ],
            ad=AdCaseRead.of(v.content.ad, REJECTION_REASONS),
        )
        for v in views
    ]


@router.post("/moderation/cases/{case_id}/decision", status_code=201, response_model=DecisionRead)
def decide(
    case_id: str, body: DecisionCreate, actor: CurrentActor, uow: UowDep, platform: PlatformDep
) -> DecisionRead:
    """Decide an open case: dismiss, age_restrict, remove_from_recommendations, take_down (a video, comment,
    product or shop) or suspend_account, with a reason code; an ad's case is approved or rejected (with one of
    the ad policy's reasons: prohibited_product, misleading_claim, adult_content, ...). Audited in the case's
    region. Dismissing the case of content held by an automatic check releases it; a take-down keeps it
    down, and stops the ads that promote it."""
    decision = decisions.decide(
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


@router.get("/moderation/appeals", response_model=list[AppealRead])
def pending_appeals(
    actor: CurrentActor,
    uow: UowDep,
    platform: PlatformDep,
    region: Annotated[str | None, Query(max_length=16)] = None,
) -> list[AppealRead]:
    """Appeals waiting in a region (the moderator's jurisdiction unless named), oldest first, each with what
    the decision was about (a withheld video's player plays for moderators of its region)."""
    region = region or actor.jurisdiction
    if region not in platform.media:
        raise NotFound("region", region)
    found = appeals.pending_appeals(uow, actor=actor, region=region, store=platform.media_store(region))
    return [
        AppealRead(
            **decision_read(v.decision).model_dump(),
            summary=v.content.summary,
            media_url=v.content.media_url,
            poster_url=v.content.poster_url,
            withheld=v.content.withheld,
            ad=AdCaseRead.of(v.content.ad, REJECTION_REASONS),
        )
        for v in found
    ]


@router.post("/moderation/appeals/{decision_id}/decision", response_model=DecisionRead)
def decide_appeal(
    decision_id: str, body: AppealDecisionCreate, actor: CurrentActor, uow: UowDep, platform: PlatformDep
) -> DecisionRead:
    """Uphold or overturn an appeal (`outcome`); a moderator other than the one who decided must
    (403 `same_moderator`). Overturning gives back what the decision withheld."""
    decision = appeals.decide_appeal(
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
def my_moderation(who: AppellantDep, uow: UowDep) -> list[DecisionRead]:
    """What moderation did to your content or account, and why, with the state of any appeal. A suspended
    account reads it with the appeal pass its log-in answer carries."""
    return [decision_read(d) for d in appeals.decisions_about(uow, actor=who.actor)]


@router.post("/me/moderation/{decision_id}/appeal", response_model=DecisionRead)
def appeal(
    decision_id: str, body: AppealCreate, who: AppellantDep, uow: UowDep, platform: PlatformDep
) -> DecisionRead:
    """Appeal a decision about your content, once (a second time is 409 `already_appealed`). With an appeal
    pass, only the suspension may be appealed (403 `appeal_pass_scope`)."""
    decision = appeals.appeal(
        uow,
        actor=who.actor,
        decision_id=decision_id,
        text=body.text,
        now=platform.clock.now(),
        suspended_only=who.suspended,
    )
    return decision_read(decision)
