"""What the player and the product sheet report of an ad (viewable impressions and clicks), and an
advertiser's daily statements."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Literal

from fastapi import APIRouter, Query
from pydantic import BaseModel, Field

from clipshop.ads import billing, measuring
from clipshop.ads.models import AdEventKind
from clipshop.platform.http import CommittingRoute, CurrentActor, PlatformDep, UowDep

router = APIRouter(route_class=CommittingRoute, tags=["ads"])


class AdEventIn(BaseModel):
    served_id: str = Field(max_length=40, description="the `served_id` of the sponsored feed item")
    kind: Literal["impression", "click"]
    seen_s: float | None = Field(default=None, ge=0, description="seconds the ad was on screen (impressions)")


class AdEventsIn(BaseModel):
    events: list[AdEventIn] = Field(min_length=1, max_length=100)


class AdEventsAccepted(BaseModel):
    accepted: int = Field(description="events recorded (invalid traffic is recorded too, and not billed)")
    skipped: list[str] = Field(default_factory=list, description="served ids not known here, or not viewable")


@router.post("/ads/events", response_model=AdEventsAccepted, status_code=202)
def report_ad_events(
    body: AdEventsIn, actor: CurrentActor, uow: UowDep, platform: PlatformDep
) -> AdEventsAccepted:
    """Viewable impressions and clicks of ads served to the signed-in viewer."""
    reports = [measuring.Report(e.served_id, AdEventKind(e.kind), e.seen_s) for e in body.events]
    recorded, skipped = measuring.record_reports(
        uow,
        actor=actor,
        reports=reports,
        viewable_s=platform.settings.ads_viewable_s,
        now=platform.clock.now(),
    )
    return AdEventsAccepted(accepted=len(recorded), skipped=skipped)


class CampaignSpendRead(BaseModel):
    campaign_id: str
    name: str
    spend: int = Field(description="minor units billed that day")


class StatementDayRead(BaseModel):
    day: date
    opening: int
    topups: int
    spend: int
    closing: int
    currency: str
    campaigns: list[CampaignSpendRead]


@router.get("/advertisers/{advertiser_id}/statements", response_model=list[StatementDayRead])
def advertiser_statements(
    advertiser_id: str,
    actor: CurrentActor,
    uow: UowDep,
    platform: PlatformDep,
    days: Annotated[int, Query(ge=1, le=366)] = 30,
) -> list[StatementDayRead]:
    """The advertiser's balance day by day (UTC), oldest first: opening, top-ups, spend billed (by
    campaign), closing. The account's owner only."""
    lines = billing.statements(
        uow, actor=actor, advertiser_id=advertiser_id, days=days, now=platform.clock.now()
    )
    return [
        StatementDayRead(
            day=line.day,
            opening=line.opening,
            topups=line.topups,
            spend=line.spend,
            closing=line.closing,
            currency=line.currency,
            campaigns=[
                CampaignSpendRead(campaign_id=c.campaign_id, name=c.name, spend=c.spend)
                for c in line.campaigns
            ],
        )
        for line in lines
    ]
