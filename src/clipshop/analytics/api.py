"""Creators' analytics over the API."""

from __future__ import annotations

from datetime import date
from typing import Annotated

from fastapi import APIRouter, Query
from pydantic import BaseModel, Field

from clipshop.analytics import service
from clipshop.platform.http import CommittingRoute, CurrentActor, PlatformDep, UowDep

router = APIRouter(route_class=CommittingRoute, tags=["analytics"])

Days = Annotated[int, Query(ge=1, le=366, description="How many days back, today (UTC) included.")]


class AnalyticsDayRead(BaseModel):
    day: date
    views: int = Field(description="Plays.")
    watch_time_s: float
    avg_watch_share: float | None = Field(description="0 to 1; null without watches.")
    completion_rate: float | None = Field(description="0 to 1; null without watches.")
    followers_gained: int | None = Field(description="Null in a single video's analytics.")


class AnalyticsTotalsRead(BaseModel):
    views: int
    watch_time_s: float
    avg_watch_share: float | None
    completion_rate: float | None
    followers_gained: int | None
    ad_impressions: int = Field(description="Viewable impressions of ads promoting the videos.")
    ad_clicks: int
    excludes_suppressed: bool = Field(
        description="True when a viewer region was suppressed: its figures are in none of the others."
    )


class SourceRead(BaseModel):
    source: str = Field(
        description="for_you, following, profile, search, shop, hashtag, ad, or other (not said)."
    )
    views: int
    share: float | None = Field(description="Of all views; null without views.")


class VideoFiguresRead(BaseModel):
    video_id: str
    caption: str
    views: int
    watch_time_s: float
    avg_watch_share: float | None
    completion_rate: float | None
    ad_impressions: int
    ad_clicks: int


class AudienceRegionRead(BaseModel):
    region: str
    viewers: int | None
    views: int | None
    suppressed: bool = Field(
        description="Fewer people than the minimum group size behind this region's figures: they are null "
        "and left out of every other figure."
    )


class AnalyticsRead(BaseModel):
    days: list[AnalyticsDayRead]
    totals: AnalyticsTotalsRead
    sources: list[SourceRead]
    videos: list[VideoFiguresRead] = Field(description="Top videos by views (a video's analytics: itself).")
    regions: list[AudienceRegionRead]

    @classmethod
    def of(cls, found: service.Analytics) -> AnalyticsRead:
        return cls.model_validate(found, from_attributes=True)


@router.get("/me/analytics", response_model=AnalyticsRead)
def my_analytics(actor: CurrentActor, uow: UowDep, platform: PlatformDep, days: Days = 28) -> AnalyticsRead:
    """How your videos did per day (UTC): views, watch time, average watch share, completion, followers
    gained, traffic sources, top videos and audience by region. Viewers in other regions count as totals
    through the residency gateway; a region with fewer people behind its figures than the minimum group
    size (`CLIPSHOP_MIN_GROUP_SIZE`, 10) shows as suppressed and is left out of the rest."""
    found = service.creator_analytics(
        uow, actor=actor, days=days, now=platform.clock.now(), min_group=platform.settings.min_group_size
    )
    return AnalyticsRead.of(found)


@router.get("/videos/{video_id}/analytics", response_model=AnalyticsRead)
def video_analytics(
    video_id: str, actor: CurrentActor, uow: UowDep, platform: PlatformDep, days: Days = 28
) -> AnalyticsRead:
    """One of your videos, as `/me/analytics` (followers gained are the account's, so null here)."""
    found = service.video_analytics(
        uow,
        actor=actor,
        video_id=video_id,
        days=days,
        now=platform.clock.now(),
        min_group=platform.settings.min_group_size,
    )
    return AnalyticsRead.of(found)
