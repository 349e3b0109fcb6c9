"""Measurement: what the player and the product sheet report of an ad the viewer was served, checked for
invalid traffic, and charged to the campaign's budget slice in the viewer's region.

A report names a served event (`AdEvent` of kind "served", written by serving in the viewer's region; its id
is the `served_id` the client holds). Reports of served events that are not the viewer's own, in their home
region, or that are older than `REPORT_WITHIN`, are skipped, as are impressions whose `seen_s` says they were
on screen for less than `ads_viewable_s`. Every other report is recorded as an impression or click row,
valid or not; only a valid one of the kind the ad pays for is charged (CPM and optimised CPM: viewable
impressions; CPC: clicks), at the price its auction set. Invalid traffic (the row's `invalid`):

    repeat  an impression of a served ad already counted (one per served id), or a click of a served ad
            already clicked longer than `RAPID_CLICK_S` ago: at most one of each is billed per served id
    rapid   an impression reported sooner than `ads_viewable_s` after the ad was served (it cannot have been
            on screen that long), a click sooner than `CLICK_AFTER_SERVED_S` after it was served, or a click
            on an ad the same viewer clicked less than `RAPID_CLICK_S` ago (whatever the served id)
    staff   the viewer is staff of the advertiser (`PublicAd.staff_ids`: the account's owner, the shop's)
    self    the viewer is the creator of the promoted video (a creator's own clicks of their Spark ad)
    budget  valid, but the campaign's slice here cannot take its price: delivered free, never overspent

For an impression "repeat" is checked before "rapid", for a click after; then "staff", "self", and
"budget" last; the first that holds names the row. A served event is locked while its
reports are recorded (PostgreSQL), so two copies of one report racing each other count once.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from clipshop.ads import budgets
from clipshop.ads.models import AdEvent, AdEventKind, BidType, PublicAd
from clipshop.kit.actors import Actor
from clipshop.kit.db import UnitOfWork
from clipshop.kit.ids import is_valid_id, new_id
from clipshop.videos.models import PublicVideo

RAPID_CLICK_S = 10.0
CLICK_AFTER_SERVED_S = 1.0
REPORT_WITHIN = timedelta(days=1)
# What a counted event may be marked: a "budget" one was a genuine event, delivered free.
COUNTED = ("", "budget")
BILLED_BY = {
    AdEventKind.IMPRESSION: (BidType.CPM, BidType.OCPM),
    AdEventKind.CLICK: (BidType.CPC,),
}


@dataclass(frozen=True)
class Report:
    """One thing the client reports of a served ad."""

    served_id: str
    kind: AdEventKind  # impression or click
    seen_s: float | None = None


def record_reports(
    uow: UnitOfWork, *, actor: Actor, reports: Sequence[Report], viewable_s: float, now: datetime
) -> tuple[list[AdEvent], list[str]]:
    """Record each report as an impression or click row, charging the valid billable ones; returns the rows
    recorded and the served ids skipped (unknown, not the viewer's, too old, not viewable)."""
    db = uow.region(actor.region)
    recorded: list[AdEvent] = []
    skipped: list[str] = []
    ads: dict[str, PublicAd | None] = {}
    for report in reports:
        served = _served(db, actor=actor, served_id=report.served_id, now=now)
        if served is None:
            skipped.append(report.served_id)
            continue
        if served.ad_id not in ads:
            ads[served.ad_id] = uow.directory.get(PublicAd, served.ad_id)
        ad = ads[served.ad_id]
        not_viewable = report.seen_s is not None and report.seen_s < viewable_s
        if ad is None or (report.kind is AdEventKind.IMPRESSION and not_viewable):
            skipped.append(report.served_id)
            continue
        invalid = invalid_reason(
            uow, actor=actor, served=served, ad=ad, kind=report.kind, viewable_s=viewable_s, now=now
        )
        charged = 0
        if not invalid and ad.bid_type in BILLED_BY[report.kind] and served.price_micros > 0:
            day = now.date()
            if budgets.spend(
                uow,
                region=actor.region,
                campaign_id=served.campaign_id,
                day=day,
                price_micros=served.price_micros,
                now=now,
            ):
                charged = served.price_micros
            else:
                invalid = "budget"
        row = AdEvent(
            id=new_id(actor.region),
            user_id=actor.id,
            kind=str(report.kind),
            ad_id=served.ad_id,
            campaign_id=served.campaign_id,
            served_id=served.id,
            price_micros=charged,
            invalid=invalid,
            created_at=now,
        )
        db.add(row)
        db.flush()  # the batch's next report sees this one
        recorded.append(row)
    return recorded, skipped


def _served(db: Session, *, actor: Actor, served_id: str, now: datetime) -> AdEvent | None:
    if not is_valid_id(served_id, {actor.region}):
        return None
    served = db.scalars(
        select(AdEvent)
        .where(AdEvent.id == served_id, AdEvent.user_id == actor.id, AdEvent.kind == AdEventKind.SERVED.value)
        .with_for_update()
    ).first()
    if served is None or now - served.created_at > REPORT_WITHIN:
        return None
    return served


def invalid_reason(
    uow: UnitOfWork,
    *,
    actor: Actor,
    served: AdEvent,
    ad: PublicAd,
    kind: AdEventKind,
    viewable_s: float,
    now: datetime,
) -> str:
    """Why this report is invalid traffic ("" when it is not); see the module's list."""
    db = uow.region(actor.region)
    since_served = (now - served.created_at).total_seconds()
    counted_before = db.scalar(
        select(AdEvent.id)
        .where(AdEvent.served_id == served.id, AdEvent.kind == str(kind), AdEvent.invalid.in_(COUNTED))
        .limit(1)
    )
    if kind is AdEventKind.IMPRESSION:
        if counted_before is not None:
            return "repeat"
        if since_served < viewable_s:
            return "rapid"
    else:
        if since_served < CLICK_AFTER_SERVED_S:
            return "rapid"
        clicked_lately = db.scalar(
            select(AdEvent.id)
            .where(
                AdEvent.user_id == actor.id,
                AdEvent.created_at >= now - timedelta(seconds=RAPID_CLICK_S),
                AdEvent.kind == AdEventKind.CLICK.value,
                AdEvent.ad_id == served.ad_id,
            )
            .limit(1)
        )
        if clicked_lately is not None:
            return "rapid"
        if counted_before is not None:
            return "repeat"
    if actor.id in ad.staff_ids.split():
        return "staff"
    creator = uow.directory.scalar(select(PublicVideo.creator_id).where(PublicVideo.id == ad.video_id))
    if creator == actor.id:
        return "self"
    return ""
