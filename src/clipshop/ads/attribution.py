"""Conversions: purchases attributed to the ads that led to them, in the buyer's region.

How purchases are found. A paid order writes one `purchase` event per line in the buyer's region (the
shop's payment step); a job (`ATTRIBUTE`, every few minutes over the last hour, and `ATTRIBUTE_DAILY` over
the last two days for what an outage missed) reads the buyers of those events and their orders paid in the
window (`shop.public.paid_lines`), and attributes each line. A job rather than a hook in the payment step:
the shop knows nothing of ads, and a purchase counts for an ad minutes later at no cost. Every run may
re-read what an earlier one did: a conversion's id is derived from (order, ad), so it is written once.

The rule, for each paid line (the product bought, at placing time `placed`):

1. The ads that promote the product: an ad of that product, or an ad whose video tags it.
2. Click-through: the buyer's latest counted click on such an ad within `ads_click_window_days` before
   `placed`. It takes the purchase unless the line carries a creator's affiliate credit whose touch (the
   buyer opening the product from that creator's video or showcase, or the creator's discount code at the
   checkout) is later than the click: between the ad click and the creator's touch, the last one wins.
   The touch of the promoted video's own creator is not a rival: the click went through their video, or
   the ad is a Spark ad of theirs, so the ad takes the purchase and the creator keeps the commission.
3. View-through, when no such click: the buyer's latest counted viewable impression of such an ad within
   `ads_view_window_days`; but a view never takes a purchase that carries a creator's affiliate credit.
4. One conversion per (order, ad): kind "conversion", the order, the value of its lines attributed to the
   ad (minor units, after discounts), the order's currency, the served event of the deciding click or
   impression, at the time of payment.

"Counted" is valid traffic, including events delivered free because the slice was spent ("budget"). The
affiliate commission itself is the checkout's and never changes here: ads decide which ad gets credit for
a purchase, never what a creator earns.
"""

from __future__ import annotations

import logging
import uuid
from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import NamedTuple

from sqlalchemy import select

from clipshop.ads.measuring import COUNTED
from clipshop.ads.models import AdEvent, AdEventKind, PublicAd
from clipshop.events.models import Event, EventKind
from clipshop.kit.db import UnitOfWork, insert_ignore
from clipshop.kit.ids import SEPARATOR
from clipshop.platform import Platform
from clipshop.shop.public import PaidLine, PublicVideoProduct, paid_lines
from clipshop.videos.models import PublicVideo

log = logging.getLogger(__name__)

RECENT = timedelta(hours=1)  # what each frequent run reads
SWEEP = timedelta(days=2)  # what the daily run reads
_IDS = uuid.UUID("1f0b7a52-6c3e-4d4a-9a55-7c1b0e0c2d11")  # the namespace of conversions' ids


@dataclass(frozen=True)
class Windows:
    click: timedelta
    view: timedelta
    affiliate: timedelta

    @classmethod
    def of(cls, platform: Platform) -> Windows:
        s = platform.settings
        return cls(
            click=timedelta(days=s.ads_click_window_days),
            view=timedelta(days=s.ads_view_window_days),
            affiliate=timedelta(days=s.attribution_window_days),
        )


def attribute(platform: Platform, *, since: datetime, before: datetime) -> int:
    """Attribute the purchases paid in [since, before) in every region; returns the conversions written."""
    windows = Windows.of(platform)
    written = 0
    for region in platform.databases.regions:
        with platform.uow(home=region).transaction() as uow:
            written += attribute_region(uow, region=region, since=since, before=before, windows=windows)
    return written


def run_attribution(platform: Platform) -> None:
    """The frequent job's work: the purchases of the last hour."""
    now = platform.clock.now()
    log.info("ad conversions attributed: %d", attribute(platform, since=now - RECENT, before=now))


def run_daily_attribution(platform: Platform) -> None:
    """The daily job's work: the last two days, for what the frequent runs missed."""
    now = platform.clock.now()
    log.info(
        "ad conversions attributed (daily sweep): %d", attribute(platform, since=now - SWEEP, before=now)
    )


class Touch(NamedTuple):
    """A buyer's counted click or viewable impression of an ad."""

    kind: str
    ad_id: str
    campaign_id: str
    served_id: str | None
    at: datetime


class Open(NamedTuple):
    """The buyer opened a product from a video or a creator's showcase (an affiliate touch)."""

    product_id: str | None
    video_id: str | None
    creator_id: str | None
    at: datetime


def attribute_region(
    uow: UnitOfWork, *, region: str, since: datetime, before: datetime, windows: Windows
) -> int:
    """Attribute the purchases of `region`'s buyers paid in [since, before); returns conversions written."""
    db = uow.region(region)
    buyers = sorted(
        set(
            db.scalars(
                select(Event.user_id).where(
                    Event.created_at >= since,
                    Event.created_at < before,
                    Event.kind == EventKind.PURCHASE.value,
                )
            )
        )
    )
    by_buyer: dict[str, list[PaidLine]] = defaultdict(list)
    for line in paid_lines(db, buyer_ids=buyers, paid_since=since, paid_before=before):
        by_buyer[line.buyer_id].append(line)
    written = 0
    for buyer_id, lines in by_buyer.items():
        written += _attribute_buyer(uow, region=region, buyer_id=buyer_id, lines=lines, windows=windows)
    return written


def _attribute_buyer(
    uow: UnitOfWork, *, region: str, buyer_id: str, lines: Sequence[PaidLine], windows: Windows
) -> int:
    db = uow.region(region)
    first, last = min(line.placed_at for line in lines), max(line.placed_at for line in lines)
    touches = [
        Touch(*row)
        for row in db.execute(
            select(
                AdEvent.kind, AdEvent.ad_id, AdEvent.campaign_id, AdEvent.served_id, AdEvent.created_at
            ).where(
                AdEvent.user_id == buyer_id,
                AdEvent.created_at >= first - max(windows.click, windows.view),
                AdEvent.created_at <= last,
                AdEvent.kind.in_([AdEventKind.CLICK.value, AdEventKind.IMPRESSION.value]),
                AdEvent.invalid.in_(COUNTED),
            )
        )
    ]
    if not touches:
        return 0
    products = sorted({line.product_id for line in lines})
    ads = {
        ad.ad_id: ad
        for ad in uow.directory.scalars(
            select(PublicAd).where(PublicAd.ad_id.in_({t.ad_id for t in touches}))
        )
    }
    videos = sorted({ad.video_id for ad in ads.values()})
    tags = select(PublicVideoProduct.video_id, PublicVideoProduct.product_id).where(
        PublicVideoProduct.video_id.in_(videos), PublicVideoProduct.product_id.in_(products)
    )
    tagged = {(video_id, product_id) for video_id, product_id in uow.directory.execute(tags)}
    owners = select(PublicVideo.id, PublicVideo.creator_id).where(PublicVideo.id.in_(videos))
    creators = {video_id: creator_id for video_id, creator_id in uow.directory.execute(owners)}
    opens = [
        Open(*row)
        for row in db.execute(
            select(Event.product_id, Event.video_id, Event.creator_id, Event.created_at).where(
                Event.user_id == buyer_id,
                Event.created_at >= first - windows.affiliate,
                Event.created_at <= last,
                Event.kind == EventKind.PRODUCT_OPEN.value,
                Event.product_id.in_(products),
            )
        )
    ]
    credited: dict[tuple[str, str], list[PaidLine]] = defaultdict(list)
    deciding: dict[tuple[str, str], Touch] = {}
    for line in lines:
        promoting = [
            t
            for t in touches
            if t.ad_id in ads
            and (
                ads[t.ad_id].product_id == line.product_id
                or (ads[t.ad_id].video_id, line.product_id) in tagged
            )
        ]
        touch = decide(line, promoting, ads=ads, creators=creators, opens=opens, windows=windows)
        if touch is not None:
            credited[(line.order_id, touch.ad_id)].append(line)
            deciding.setdefault((line.order_id, touch.ad_id), touch)
    written = 0
    for (order_id, ad_id), attributed in credited.items():
        touch = deciding[(order_id, ad_id)]
        written += insert_ignore(
            db,
            AdEvent,
            {
                "id": conversion_id(region, order_id=order_id, ad_id=ad_id),
                "user_id": buyer_id,
                "kind": AdEventKind.CONVERSION.value,
                "ad_id": ad_id,
                "campaign_id": touch.campaign_id,
                "served_id": touch.served_id,
                "price_micros": 0,
                "invalid": "",
                "order_id": order_id,
                "value": sum(line.value for line in attributed),
                "currency": attributed[0].currency,
                "created_at": attributed[0].paid_at,
            },
        )
    return written


def decide(
    line: PaidLine,
    promoting: Sequence[Touch],
    *,
    ads: Mapping[str, PublicAd],
    creators: Mapping[str, str],
    opens: Sequence[Open],
    windows: Windows,
) -> Touch | None:
    """The click or impression that takes this purchase line, if any (the module's rule)."""
    placed = line.placed_at
    clicks = [
        t for t in promoting if t.kind == AdEventKind.CLICK.value and placed - windows.click <= t.at <= placed
    ]
    if clicks:
        click = max(clicks, key=lambda t: t.at)
        rival = rival_touch(line, creator=creators.get(ads[click.ad_id].video_id), opens=opens)
        return click if rival is None or rival <= click.at else None
    if line.creator_id is not None:
        return None
    views = [
        t
        for t in promoting
        if t.kind == AdEventKind.IMPRESSION.value and placed - windows.view <= t.at <= placed and windows.view
    ]
    return max(views, key=lambda t: t.at) if views else None


def rival_touch(line: PaidLine, *, creator: str | None, opens: Sequence[Open]) -> datetime | None:
    """When the creator credited on the line last touched the buyer, if that creator is not the promoted
    video's own: the latest opening of the product from the credited clip (or the creator's showcase)
    before the order; failing that (a creator's discount code), the checkout itself."""
    if line.creator_id is None or line.creator_id == creator:
        return None
    times = [
        o.at
        for o in opens
        if o.product_id == line.product_id
        and o.at <= line.placed_at
        and (
            o.video_id == line.video_id
            if line.video_id
            else o.video_id is None and o.creator_id == line.creator_id
        )
    ]
    return max(times) if times else line.placed_at


def conversion_id(region: str, *, order_id: str, ad_id: str) -> str:
    """The id of the conversion of `order_id` credited to `ad_id`: the same on every run."""
    return f"{region}{SEPARATOR}{uuid.uuid5(_IDS, f'{order_id}:{ad_id}').hex}"
