"""Advertisers' reports over the API: spend, impressions, reach, clicks, conversions per day, and CSV."""

from __future__ import annotations

import csv
import io
from datetime import date
from typing import Annotated

from fastapi import APIRouter, Query
from fastapi.responses import Response
from pydantic import BaseModel, Field

from clipshop.ads import reports
from clipshop.platform.http import CommittingRoute, CurrentActor, PlatformDep, UowDep

router = APIRouter(route_class=CommittingRoute, tags=["ads"])

Days = Annotated[int, Query(ge=1, le=366, description="How many days back, today (UTC) included.")]
CampaignFilter = Annotated[
    str | None, Query(max_length=40, description="One campaign of the account; all of them when left out.")
]


class ReportDayRead(BaseModel):
    day: date
    spend: float = Field(description="Minor units of the account's currency (fractions of a cent kept).")
    impressions: int = Field(
        description="Viewable impressions (at least 2 s on screen), invalid traffic left out."
    )
    reach: int = Field(description="Distinct viewers with a viewable impression.")
    clicks: int
    conversions: int = Field(description="Purchases attributed to the ads.")
    conversion_value: int = Field(description="What those purchases were worth, minor units.")
    ctr: float | None = Field(description="Clicks per impression; null without impressions.")
    conversion_rate: float | None = Field(description="Conversions per click; null without clicks.")
    cost_per_purchase: float | None = Field(description="Spend per conversion; null without conversions.")
    roas: float | None = Field(description="Conversion value per unit of spend; null without spend.")

    @classmethod
    def of(cls, figures: reports.Figures) -> ReportDayRead:
        return cls.model_validate(figures, from_attributes=True)


class ReportTotalsRead(BaseModel):
    spend: float
    impressions: int
    reach: int
    clicks: int
    conversions: int
    conversion_value: int
    ctr: float | None
    conversion_rate: float | None
    cost_per_purchase: float | None
    roas: float | None
    excludes_suppressed: bool = Field(
        description="True when a viewer region was suppressed: its figures are in neither the totals nor "
        "the days."
    )


class ReportRegionRead(BaseModel):
    region: str
    impressions: int | None
    reach: int | None
    clicks: int | None
    conversions: int | None
    suppressed: bool = Field(
        description="Fewer people than the minimum group size behind this region's figures: they are null "
        "and left out of the days and totals."
    )


class ReportRead(BaseModel):
    currency: str
    days: list[ReportDayRead]
    totals: ReportTotalsRead
    regions: list[ReportRegionRead]

    @classmethod
    def of(cls, found: reports.Report) -> ReportRead:
        totals = found.totals
        return cls(
            currency=found.currency,
            days=[ReportDayRead.of(f) for f in found.days],
            totals=ReportTotalsRead(
                spend=totals.spend,
                impressions=totals.impressions,
                reach=totals.reach,
                clicks=totals.clicks,
                conversions=totals.conversions,
                conversion_value=totals.conversion_value,
                ctr=totals.ctr,
                conversion_rate=totals.conversion_rate,
                cost_per_purchase=totals.cost_per_purchase,
                roas=totals.roas,
                excludes_suppressed=found.excludes_suppressed,
            ),
            regions=[ReportRegionRead.model_validate(r, from_attributes=True) for r in found.regions],
        )


@router.get("/advertisers/{advertiser_id}/report", response_model=ReportRead)
def advertiser_report(
    advertiser_id: str,
    actor: CurrentActor,
    uow: UowDep,
    platform: PlatformDep,
    days: Days = 30,
    campaign_id: CampaignFilter = None,
) -> ReportRead:
    """Your advertiser account's figures per day (UTC) and in total, and per viewer region. Viewers in other
    regions count as totals through the residency gateway; a region with fewer people behind its figures
    than the minimum group size (`CLIPSHOP_MIN_GROUP_SIZE`, 10) shows as suppressed and is left out of the
    days and totals (`totals.excludes_suppressed`)."""
    found = reports.report(
        uow,
        actor=actor,
        advertiser_id=advertiser_id,
        campaign_id=campaign_id,
        days=days,
        now=platform.clock.now(),
        min_group=platform.settings.min_group_size,
    )
    return ReportRead.of(found)


@router.get(
    "/advertisers/{advertiser_id}/report.csv",
    response_class=Response,
    responses={200: {"content": {"text/csv": {}}, "description": "The report's days and a total row."}},
)
def advertiser_report_csv(
    advertiser_id: str,
    actor: CurrentActor,
    uow: UowDep,
    platform: PlatformDep,
    days: Days = 30,
    campaign_id: CampaignFilter = None,
) -> Response:
    """The report's days and totals as CSV, one row a day and a last row "total" (amounts in minor units;
    an undefined rate is an empty cell)."""
    now = platform.clock.now()
    found = reports.report(
        uow,
        actor=actor,
        advertiser_id=advertiser_id,
        campaign_id=campaign_id,
        days=days,
        now=now,
        min_group=platform.settings.min_group_size,
    )
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(reports.CSV_COLUMNS)
    writer.writerows(reports.csv_rows(found))
    first = found.days[0].day
    name = f"ads-{campaign_id or advertiser_id}-{first:%Y%m%d}-{now:%Y%m%d}.csv"
    return Response(
        out.getvalue(),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="{name}"'},
    )
