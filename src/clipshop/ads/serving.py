"""Sponsored slots in For You: where they go on a page, which ads may fill them for a viewer, one auction per
slot, and the "served" event each placed ad leaves in the viewer's region (its id is the token the player
reports impressions and clicks with).

Where: one item in `ads_load` is sponsored (0: none), counted across the pages of a scrolling session by the
cursor: a slot is due once `ads_load - 1` organic items have passed since the last sponsored one (or since
the session began). So an ad is never the first item of a session, and two never follow each other, within
a page or across pages (a load of 1 is taken as 2). A slot no ad wins goes to the next organic item; the
next due slot then comes as soon as an ad can fill it.

Which ads may fill a slot (in this order, cheapest first):
- the index (`ads.index`): region, hashtag interests (the viewer's own, from their latest events), schedule;
  retargeting of shop engagers: the viewer opened, carted or bought a product of the ad's shop lately;
- an expected value per impression at the reserve (`ads.auction`), with the region's predicted rates;
- frequency cap: the viewer's viewable impressions of the campaign today, plus what was served to them in
  the last `PENDING_S` and not yet reported seen (so a fast scroller does not pass the cap meanwhile);
- budget and pacing: the campaign's slice in the viewer's region today can take the ad's bid per billable
  event, the most one event can cost (`budgets.SliceState.may_spend`);
- one ad per advertiser per page, and one per video (a promoted video leaves the page's organic items: it
  is shown as the ad);
- checked against the directory and the region as they are now, for the few ads about to enter auctions:
  the ad still serving, its video public (not taken down, not kept out of recommendations, its age
  restriction respected), its product public for a product ad, its shop (a product's, or a shop
  advertiser's) open and not taken down, its creator not blocked or muted by the
  viewer nor marked "not interested", and its slice's fresh figures. An ad that fails leaves, and the next
  in line is checked.

Signed-out visitors see no ads: For You for them is the public hot ranking, unchanged.
"""

from __future__ import annotations

import heapq
import math
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, time, timedelta
from typing import TYPE_CHECKING, TypeVar

import numpy as np
from sqlalchemy import and_, bindparam, exists, func, insert, or_, select
from sqlalchemy.orm import aliased

from clipshop.ads import auction, budgets
from clipshop.ads.index import AdFacts, Snapshot, ads_runtime
from clipshop.ads.models import AdEvent, AdEventKind, AdKind, PublicAd
from clipshop.events.models import EventKind
from clipshop.events.service import RecentEvent
from clipshop.kit.actors import Actor
from clipshop.kit.db import UnitOfWork
from clipshop.kit.ids import new_id
from clipshop.shop.public import PublicProduct, PublicShop
from clipshop.videos.models import PublicVideo

if TYPE_CHECKING:
    from clipshop.platform import Platform

T = TypeVar("T")
LABEL = "Sponsored"
PENDING_S = 600  # how long a served ad counts toward the cap before its impression is reported
TOP_TAGS = 30  # the viewer's strongest hashtag interests an ad's interests are matched against
SHOP_SIGNALS = (EventKind.PRODUCT_OPEN, EventKind.ADD_TO_CART, EventKind.PURCHASE)


# -- Where the slots go --


def spacing(ads_load: int) -> int:
    """Organic items between two sponsored ones: `ads_load - 1`, at least one; 0 when ads are off."""
    return 0 if ads_load <= 0 else max(ads_load - 1, 1)


def slots_due(*, ads_load: int, gap: int, limit: int) -> int:
    """How many sponsored slots a page of `limit` items has, `gap` organic items after the last sponsored
    one (or the session's start). A page keeps at least one organic item."""
    between = spacing(ads_load)
    if between == 0 or limit < 2:
        return 0
    first = max(between - gap, 0)
    if first >= limit:
        return 0
    return min(1 + (limit - 1 - first) // (between + 1), limit - 1)


def interleave(
    organic: Sequence[T], sponsored: Sequence[T], *, ads_load: int, gap: int
) -> tuple[list[T], int]:
    """The page in order, each sponsored item where its slot falls due, and the organic items since the last
    sponsored one when the page ends (the next page's `gap`)."""
    between = spacing(ads_load)
    waiting = list(sponsored)
    page: list[T] = []
    for item in organic:
        if waiting and between and gap >= between:
            page.append(waiting.pop(0))
            gap = 0
        page.append(item)
        gap += 1
    if waiting and between and gap >= between:
        page.append(waiting.pop(0))
        gap = 0
    return page, gap


# -- Who is served --


@dataclass(frozen=True)
class Viewer:
    """What a decision knows of the signed-in viewer, all of it read in their own region."""

    actor: Actor
    tags: Mapping[str, float]  # hashtag interests (decayed weights; only positive ones match)
    products: tuple[str, ...] = ()  # products they opened, carted or bought lately, newest first
    hidden_creators: frozenset[str] = frozenset()  # blocked either way, or muted
    adult: bool = False
    # The feed's "not interested" marks: (video id, creator id, hashtags) -> kept out.
    keeps_out: Callable[[str, str, str], bool] = field(default=lambda _v, _c, _h: False)

    @staticmethod
    def shop_products(recent: Iterable[RecentEvent], limit: int = 50) -> tuple[str, ...]:
        """The products a viewer engaged with, from their latest events (newest first)."""
        found: dict[str, None] = {}
        for event in recent:
            if event.kind in SHOP_SIGNALS and event.product_id:
                found.setdefault(event.product_id)
                if len(found) >= limit:
                    break
        return tuple(found)

    def top_tags(self) -> list[str]:
        positive = ((w, t) for t, w in self.tags.items() if w > 0)
        return [tag for _, tag in heapq.nlargest(TOP_TAGS, positive)]


@dataclass(frozen=True)
class Sponsored:
    """An ad placed on a page, as the feed shows it."""

    ad: AdFacts
    served_id: str
    price_micros: int
    reasons: list[str]
    label: str = LABEL


@dataclass(frozen=True)
class Decision:
    """An auction's winner for one slot (the caller loads its video with the page's)."""

    sponsored: Sponsored

    @property
    def video_id(self) -> str:
        return self.sponsored.ad.video_id


@dataclass
class _Pick:
    position: int
    per_event: float
    p_click: float
    p_purchase: float


def decide(
    uow: UnitOfWork,
    *,
    platform: Platform,
    viewer: Viewer,
    slots: int,
    now: datetime,
) -> list[Decision]:
    """The ads for `slots` sponsored slots of one page, in slot order (fewer when too few may serve). Reads
    only; `record_served` writes what was placed."""
    if slots <= 0:
        return []
    region = viewer.actor.region
    settings = platform.settings
    snapshot, delivery = ads_runtime(platform).view(region, now.date())
    if not snapshot.ads:
        return []
    along = delivery.along(snapshot, settings.ads_reserve_cpm)
    found = np.flatnonzero(snapshot.matching(tags=viewer.top_tags(), now=now) & along.ready)
    if found.size == 0:
        return []
    value, bid = along.value[found], snapshot.bid[found]
    seen = _seen_today(uow, viewer.actor, now)
    shops: set[str] | None = None
    rejected: set[int] = set()
    while True:
        picks: list[_Pick] = []
        advertisers: set[str] = set()
        videos: set[str] = set()
        for i in _rank_order(found, value, bid):
            position = int(found[i])
            ad = snapshot.ads[position]
            if position in rejected or ad.advertiser_id in advertisers or ad.video_id in videos:
                continue
            if seen.get(ad.campaign_id, 0) >= ad.frequency_cap:
                continue
            per_event = float(along.per_event[position])
            budget = delivery.slices.get(ad.campaign_id)
            if budget is None or not budget.may_spend(math.floor(per_event), now):
                continue
            if snapshot.retarget[position]:
                shops = _shops_of(uow, viewer.products) if shops is None else shops
                if ad.shop_id not in shops:
                    continue
            p_click, p_purchase = float(along.p_click[position]), float(along.p_purchase[position])
            picks.append(_Pick(position, per_event, p_click, p_purchase))
            advertisers.add(ad.advertiser_id)
            videos.add(ad.video_id)
            if len(picks) > slots:  # the winners and the one that prices the last of them
                break
        if not picks:
            return []
        failed = _check_now(uow, viewer, snapshot, picks, now)
        if not failed:
            break
        rejected |= failed
    entries = [
        auction.Entry(
            ad_id=snapshot.ads[pick.position].ad_id,
            advertiser_id=snapshot.ads[pick.position].advertiser_id,
            bid_type=snapshot.ads[pick.position].bid_type,
            bid=snapshot.ads[pick.position].bid,
            p_click=pick.p_click,
            p_purchase=pick.p_purchase,
            quality=snapshot.ads[pick.position].quality,
        )
        for pick in picks
    ]
    wins = auction.run(entries, slots=slots, reserve_cpm=settings.ads_reserve_cpm)
    winners = [snapshot.ads[snapshot.position[win.entry.ad_id]] for win in wins]
    shop_names = _shop_names(uow, [ad.shop_id for ad in winners if ad.retarget and ad.shop_id])
    return [
        Decision(
            sponsored=Sponsored(
                ad=ad,
                served_id=new_id(region),
                price_micros=win.price_micros,
                reasons=reasons(ad, viewer, shop_names),
            ),
        )
        for ad, win in zip(winners, wins, strict=True)
    ]


FULL_SORT = 64  # the best this many candidates are sorted first; the rest only if the walk gets to them


def _rank_order(found: np.ndarray, value: np.ndarray, bid: np.ndarray) -> Iterator[int]:
    """Indices into `found` in auction order (`auction.Entry.rank_key`: value, then bid, then position,
    which is id order): the top `FULL_SORT` by value first, ties at the cut included, then the rest."""
    if found.size <= FULL_SORT:
        yield from np.lexsort((found, -bid, -value)).tolist()
        return
    cut = np.partition(value, found.size - FULL_SORT)[found.size - FULL_SORT]
    top = value >= cut
    for part in (np.flatnonzero(top), np.flatnonzero(~top)):
        yield from part[np.lexsort((found[part], -bid[part], -value[part]))].tolist()


def reasons(ad: AdFacts, viewer: Viewer, shop_names: Mapping[str, str]) -> list[str]:
    """Why this ad reached this viewer, in words: who pays, and each of its targeting rules they met."""
    out = [f"{LABEL} by {ad.advertiser_name}"]
    matched = [(viewer.tags.get(tag, 0.0), tag) for tag in ad.interests.split()]
    matched = [m for m in matched if m[0] > 0]
    if matched:
        out.append(f"Because you watch #{max(matched)[1]}")
    if ad.retarget and ad.shop_id:
        out.append(f"Because you visited {shop_names.get(ad.shop_id, 'its shop')}")
    if ad.target_regions:
        out.append(f"Shown to people in {viewer.actor.region.upper()}")
    return out


_RECORD = insert(AdEvent)


def record_served(uow: UnitOfWork, *, actor: Actor, decisions: Sequence[Decision], now: datetime) -> None:
    """Write a "served" event per placed ad in the viewer's region (one statement): its id is the token the
    player reports back, its price what each billable event of it will cost."""
    if not decisions:
        return
    rows = [
        {
            "id": d.sponsored.served_id,
            "user_id": actor.id,
            "kind": AdEventKind.SERVED.value,
            "ad_id": d.sponsored.ad.ad_id,
            "campaign_id": d.sponsored.ad.campaign_id,
            "served_id": None,
            "price_micros": d.sponsored.price_micros,
            "invalid": "",
            "order_id": None,
            "value": 0,
            "currency": "",
            "created_at": now,
        }
        for d in decisions
    ]
    uow.region(actor.region).connection().execute(_RECORD, rows)


# -- What a decision reads --


_SEEN_BY = aliased(AdEvent)
_IMPRESSION = AdEventKind.IMPRESSION.value
# Per campaign, in one statement: the viewer's impressions since the day began, and what was served to them
# since `pending` whose impression has not come back (yet).
_SEEN = (
    select(AdEvent.campaign_id, func.count())
    .where(
        AdEvent.user_id == bindparam("user"),
        AdEvent.created_at >= bindparam("since"),
        or_(
            AdEvent.kind == _IMPRESSION,
            and_(
                AdEvent.kind == AdEventKind.SERVED.value,
                AdEvent.created_at >= bindparam("pending"),
                ~exists().where(
                    _SEEN_BY.served_id == AdEvent.id,
                    _SEEN_BY.user_id == AdEvent.user_id,
                    _SEEN_BY.kind == _IMPRESSION,
                ),
            ),
        ),
    )
    .group_by(AdEvent.campaign_id)
)


def _seen_today(uow: UnitOfWork, actor: Actor, now: datetime) -> dict[str, int]:
    """Per campaign: the viewer's viewable impressions today, plus ads served in the last `PENDING_S` whose
    impression has not come back."""
    values = {
        "user": actor.id,
        "since": datetime.combine(now.date(), time(), tzinfo=UTC),
        "pending": now - timedelta(seconds=PENDING_S),
    }
    rows = uow.region(actor.region).connection().execute(_SEEN, values)
    return {campaign: int(count) for campaign, count in rows}


def _shops_of(uow: UnitOfWork, product_ids: Sequence[str]) -> set[str]:
    if not product_ids:
        return set()
    query = select(PublicProduct.shop_id).where(PublicProduct.id.in_(product_ids))
    return set(uow.directory.scalars(query))


def _shop_names(uow: UnitOfWork, shop_ids: list[str]) -> dict[str, str]:
    if not shop_ids:
        return {}
    query = select(PublicShop.id, PublicShop.name).where(PublicShop.id.in_(shop_ids))
    return {shop: name for shop, name in uow.directory.execute(query)}


_CURRENT = (
    select(
        PublicAd.ad_id,
        PublicAd.serving,
        PublicVideo.id,
        PublicVideo.creator_id,
        PublicVideo.hashtags,
        PublicVideo.unrecommended,
        PublicVideo.age_restricted,
        PublicProduct.id,
        PublicShop.id,
    )
    .select_from(PublicAd)
    .join(PublicVideo, PublicVideo.id == PublicAd.video_id, isouter=True)
    .join(PublicProduct, PublicProduct.id == PublicAd.product_id, isouter=True)
    .join(PublicShop, PublicShop.id == PublicAd.shop_id, isouter=True)
    .where(PublicAd.ad_id.in_(bindparam("ads", expanding=True)))
)


def _check_now(
    uow: UnitOfWork, viewer: Viewer, snapshot: Snapshot, picks: list[_Pick], now: datetime
) -> set[int]:
    """The positions of the picks that may not serve after all, by their ads, videos, products and slices
    as they are now."""
    ads = {snapshot.ads[pick.position].ad_id: pick for pick in picks}
    rows = uow.directory.connection().execute(_CURRENT, {"ads": list(ads)})
    current = {row[0]: row[1:] for row in rows}
    fresh = budgets.slices_of(
        uow,
        region=viewer.actor.region,
        day=now.date(),
        campaign_ids={snapshot.ads[p.position].campaign_id for p in picks},
    )
    failed: set[int] = set()
    for ad_id, pick in ads.items():
        ad = snapshot.ads[pick.position]
        serving, video, creator, hashtags, unrecommended, age_restricted, product, shop = current.get(
            ad_id, (False, None, None, "", False, False, None, None)
        )
        budget = fresh.get(ad.campaign_id)
        if (
            not serving
            or video is None
            or creator is None
            or unrecommended
            or (age_restricted and not viewer.adult)
            or creator in viewer.hidden_creators
            or viewer.keeps_out(video, creator, hashtags)
            or (ad.kind == AdKind.PRODUCT and product is None)
            or (ad.shop_id is not None and shop is None)
            or budget is None
            or not budget.may_spend(math.floor(pick.per_event), now)
        ):
            failed.add(pick.position)
    return failed
