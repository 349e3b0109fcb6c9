"""Moderation API shapes."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, Field

from clipshop.ads.review import AdFacts
from clipshop.moderation.models import Action, ContentKind, Decision, ReportReason


class ReportCreate(BaseModel):
    content_kind: ContentKind
    content_id: str = Field(max_length=40)
    reason: ReportReason
    text: str = Field(default="", max_length=1000)


class ReportRead(BaseModel):
    id: str
    content_kind: ContentKind
    content_id: str
    reason: ReportReason
    created_at: datetime
    already_reported: bool = Field(
        description="true when this account had reported the item before: that first report (its reason "
        "and text) stands and nothing changed"
    )


class DecisionCreate(BaseModel):
    decision: Action
    reason_code: str = Field(min_length=1, max_length=40, pattern=r"^[a-z0-9_]+$")
    note: str = Field(default="", max_length=2000)


class DecisionRead(BaseModel):
    id: str
    case_id: str
    content_kind: ContentKind
    content_id: str
    decision: Action
    reason_code: str
    note: str
    decided_at: datetime
    appeal_state: str
    appeal_text: str
    appealed_at: datetime | None
    appeal_decided_at: datetime | None


def decision_read(decision: Decision) -> DecisionRead:
    return DecisionRead(
        id=decision.id,
        case_id=decision.case_id,
        content_kind=decision.content_kind,
        content_id=decision.content_id,
        decision=decision.action,
        reason_code=decision.reason_code,
        note=decision.note,
        decided_at=decision.decided_at,
        appeal_state=decision.appeal_state.value,
        appeal_text=decision.appeal_text,
        appealed_at=decision.appealed_at,
        appeal_decided_at=decision.appeal_decided_at,
    )


class HistoryRead(BaseModel):
    decision: Action
    reason_code: str
    decided_at: datetime
    appeal_state: str


class AdCaseRead(BaseModel):
    """What an ad's case is about: who pays for it, what it says and what it promotes."""

    advertiser_id: str
    advertiser_name: str
    kind: str = Field(description="video | product")
    headline: str
    call_to_action: str
    video_id: str
    product_id: str | None
    product_title: str | None
    authorized_by: str | None = Field(
        description="the creator whose code let the advertiser promote their video"
    )
    review: str
    rejection_reasons: list[str] = Field(description="the reason codes a rejection may give")

    @classmethod
    def of(cls, facts: AdFacts | None, reasons: tuple[str, ...]) -> AdCaseRead | None:
        if facts is None:
            return None
        return cls(
            advertiser_id=facts.advertiser_id,
            advertiser_name=facts.advertiser_name,
            kind=facts.kind,
            headline=facts.headline,
            call_to_action=facts.call_to_action,
            video_id=facts.video_id,
            product_id=facts.product_id,
            product_title=facts.product_title,
            authorized_by=facts.authorized_by,
            review=facts.review,
            rejection_reasons=list(reasons),
        )


class CaseRead(BaseModel):
    id: str
    content_kind: ContentKind
    content_id: str
    owner_id: str | None
    status: str
    report_count: int
    severity: int
    reach: int
    reasons: dict[str, int]
    first_reported_at: datetime
    last_reported_at: datetime
    summary: str
    media_url: str | None
    poster_url: str | None
    withheld: bool
    held_for: str | None = Field(
        default=None,
        description="why an automatic check holds the content (`matches_removed_content`, `blocked_words`); "
        "dismissing the case releases it",
    )
    history: list[HistoryRead]
    ad: AdCaseRead | None = Field(default=None, description="an ad's case: approve or reject it")


class AppealRead(DecisionRead):
    """An appeal waiting for a moderator, with what the decision was about."""

    summary: str
    media_url: str | None
    poster_url: str | None
    withheld: bool
    ad: AdCaseRead | None = None


class AppealCreate(BaseModel):
    text: str = Field(default="", max_length=1000)


class AppealDecisionCreate(BaseModel):
    outcome: str = Field(pattern=r"^(uphold|overturn)$")
