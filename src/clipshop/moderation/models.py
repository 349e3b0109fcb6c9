"""Moderation tables. A report is its reporter's personal data and stays in the reporter's region; the case
it opens or joins lives in the content's region (the region in the content's id) and names no reporter,
only counts; a decision names the account it acted on and lives in that account's region."""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import Enum, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from clipshop.kit.db import RegionBase, UTCDateTime, str_enum


class ContentKind(enum.StrEnum):
    VIDEO = "video"
    COMMENT = "comment"
    PROFILE = "profile"
    PRODUCT = "product"
    SHOP = "shop"
    AD = "ad"  # an advertiser's ad, reviewed before it serves (its case opens when it is made or edited)


class ReportReason(enum.StrEnum):
    SPAM = "spam"
    NUDITY = "nudity"
    VIOLENCE = "violence"
    HATE = "hate"
    HARASSMENT = "harassment"
    SCAM = "scam"
    COUNTERFEIT = "counterfeit"
    DANGEROUS = "dangerous"
    MINOR_SAFETY = "minor_safety"
    OTHER = "other"


# How much one report of each reason weighs in the queue's order (a child at risk first, spam last).
SEVERITY: dict[ReportReason, int] = {
    ReportReason.MINOR_SAFETY: 100,
    ReportReason.VIOLENCE: 60,
    ReportReason.DANGEROUS: 60,
    ReportReason.HATE: 50,
    ReportReason.NUDITY: 40,
    ReportReason.HARASSMENT: 40,
    ReportReason.SCAM: 30,
    ReportReason.COUNTERFEIT: 20,
    ReportReason.SPAM: 10,
    ReportReason.OTHER: 5,
}


# How much a hold by an automatic check weighs in the queue (`kit.review.HoldReason`), as a report would.
HOLD_SEVERITY: dict[str, int] = {
    "matches_removed_content": 50,
    "blocked_words": 10,
    "ad_review": 15,
}


class Action(enum.StrEnum):
    DISMISS = "dismiss"
    AGE_RESTRICT = "age_restrict"
    REMOVE_FROM_RECOMMENDATIONS = "remove_from_recommendations"
    TAKE_DOWN = "take_down"
    SUSPEND_ACCOUNT = "suspend_account"
    APPROVE = "approve"  # an ad may serve
    REJECT = "reject"  # an ad never serves until its advertiser edits it and a moderator approves it


class CaseStatus(enum.StrEnum):
    OPEN = "open"
    DECIDED = "decided"


class AppealState(enum.StrEnum):
    NONE = "none"
    PENDING = "pending"
    UPHELD = "upheld"
    OVERTURNED = "overturned"


class Report(RegionBase):
    """One person's report of one item; a second report of the same item by the same person folds into it."""

    __tablename__ = "reports"
    __table_args__ = (UniqueConstraint("reporter_id", "content_id"),)

    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    reporter_id: Mapped[str] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    content_kind: Mapped[ContentKind] = mapped_column(str_enum(ContentKind))
    content_id: Mapped[str] = mapped_column(String(40))
    reason: Mapped[ReportReason] = mapped_column(str_enum(ReportReason))
    text: Mapped[str] = mapped_column(Text, default="")
    # The case it went to, in the content's region (an id, never a join across databases).
    case_id: Mapped[str] = mapped_column(String(40))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)


class ModerationCase(RegionBase):
    """Everything reported about one item until a moderator decides it: counts and times, no reporter."""

    __tablename__ = "moderation_cases"

    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    content_kind: Mapped[ContentKind] = mapped_column(str_enum(ContentKind))
    content_id: Mapped[str] = mapped_column(String(40), index=True)
    # The account behind the content as the directory shows it (a video's creator), when it has one.
    owner_id: Mapped[str | None] = mapped_column(String(40), default=None, index=True)
    # The content id while the case is open, NULL once decided: at most one open case per item, and new
    # reports after a decision open a new one.
    open_key: Mapped[str | None] = mapped_column(String(40), unique=True, default=None)
    status: Mapped[CaseStatus] = mapped_column(str_enum(CaseStatus), default=CaseStatus.OPEN, index=True)
    report_count: Mapped[int] = mapped_column(Integer, default=0)
    severity: Mapped[int] = mapped_column(Integer, default=0)
    first_reported_at: Mapped[datetime] = mapped_column(UTCDateTime)
    last_reported_at: Mapped[datetime] = mapped_column(UTCDateTime)
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime, default=None)


class CaseReason(RegionBase):
    """How many reports of a case gave each reason."""

    __tablename__ = "moderation_case_reasons"

    case_id: Mapped[str] = mapped_column(
        ForeignKey("moderation_cases.id", ondelete="CASCADE"), primary_key=True
    )
    reason: Mapped[str] = mapped_column(String(24), primary_key=True)
    count: Mapped[int] = mapped_column(Integer, default=0)


class Decision(RegionBase):
    """A moderator's decision on a case, what it did to the account behind the content, and its appeal."""

    __tablename__ = "moderation_decisions"

    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    case_id: Mapped[str] = mapped_column(ForeignKey("moderation_cases.id"), index=True)
    content_kind: Mapped[ContentKind] = mapped_column(str_enum(ContentKind))
    content_id: Mapped[str] = mapped_column(String(40))
    owner_id: Mapped[str | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), default=None, index=True
    )
    action: Mapped[Action] = mapped_column(
        Enum(Action, native_enum=False, length=32, values_callable=lambda members: [m.value for m in members])
    )
    reason_code: Mapped[str] = mapped_column(String(40))
    note: Mapped[str] = mapped_column(Text, default="")
    moderator_id: Mapped[str] = mapped_column(String(40))
    decided_at: Mapped[datetime] = mapped_column(UTCDateTime)
    appeal_state: Mapped[AppealState] = mapped_column(str_enum(AppealState), default=AppealState.NONE)
    appeal_text: Mapped[str] = mapped_column(Text, default="")
    appealed_at: Mapped[datetime | None] = mapped_column(UTCDateTime, default=None)
    appeal_moderator_id: Mapped[str | None] = mapped_column(String(40), default=None)
    appeal_decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime, default=None)
