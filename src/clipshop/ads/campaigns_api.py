"""Advertiser accounts, top-ups, campaigns, ad groups, ads and creators' authorisation codes over the API. All
of it is the account owner's alone: anyone else is answered 404, as for an id that does not exist."""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated, Any

from fastapi import APIRouter, Header, Request
from fastapi.responses import JSONResponse
from starlette.concurrency import run_in_threadpool

from clipshop.ads import advertisers, authorizations, campaigns
from clipshop.ads.advertisers import TopUpView
from clipshop.ads.models import Advertiser, Campaign, CampaignStatus
from clipshop.ads.schemas import (
    AdCreate,
    AdGroupCreate,
    AdGroupRead,
    AdGroupUpdate,
    AdRead,
    AdUpdate,
    AdvertiserCreate,
    AdvertiserRead,
    AuthorizationRead,
    CampaignCreate,
    CampaignRead,
    CampaignUpdate,
    TopUpCreate,
    TopUpRead,
)
from clipshop.kit.actors import Actor
from clipshop.kit.db import UnitOfWork
from clipshop.platform import Platform
from clipshop.platform.http import CommittingRoute, CurrentActor, PlatformDep, UowDep
from clipshop.platform.idempotent import Answer, Claim, respond_once

router = APIRouter(route_class=CommittingRoute, tags=["ads"])

PROBLEM = {"model": dict[str, Any], "description": "A problem document (RFC 9457) with a stable `code`."}
ERRORS: dict[int | str, dict[str, Any]] = {404: PROBLEM, 409: PROBLEM, 422: PROBLEM}


def _advertiser_read(uow: UnitOfWork, advertiser: Advertiser) -> AdvertiserRead:
    return AdvertiserRead.of(advertiser, balance=advertisers.balance_of(uow, advertiser))


@router.post("/advertisers", status_code=201, response_model=AdvertiserRead, responses=ERRORS)
def open_account(
    body: AdvertiserCreate, actor: CurrentActor, uow: UowDep, platform: PlatformDep
) -> AdvertiserRead:
    """Open an advertiser account in your home region: a brand's (in `currency`, USD unless given), or your
    shop's (`kind` shop, `shop_id`: one you own; the shop's currency)."""
    advertiser = advertisers.open_account(
        uow,
        actor=actor,
        name=body.name,
        kind=body.kind,
        shop_id=body.shop_id,
        currency=body.currency,
        now=platform.clock.now(),
    )
    return _advertiser_read(uow, advertiser)


@router.get("/advertisers", response_model=list[AdvertiserRead])
def my_accounts(actor: CurrentActor, uow: UowDep) -> list[AdvertiserRead]:
    """Your advertiser accounts, with their balances."""
    return [_advertiser_read(uow, a) for a in advertisers.get_all(uow, actor=actor)]


@router.get("/advertisers/{advertiser_id}", response_model=AdvertiserRead, responses=ERRORS)
def account(advertiser_id: str, actor: CurrentActor, uow: UowDep) -> AdvertiserRead:
    return _advertiser_read(uow, advertisers.get(uow, actor=actor, advertiser_id=advertiser_id))


def _topup_read(view: TopUpView) -> TopUpRead:
    topup = view.topup
    return TopUpRead(
        id=topup.id,
        amount=topup.amount,
        currency=topup.currency,
        status=topup.status.value,
        next_url=view.next_url,
        created_at=topup.created_at,
    )


def _topping_up(
    platform: Platform, actor: Actor, advertiser_id: str, body: TopUpCreate
) -> Callable[[Claim | None], Answer]:
    def work(claim: Claim | None) -> Answer:
        view = advertisers.top_up(
            platform,
            actor=actor,
            advertiser_id=advertiser_id,
            amount=body.amount,
            payment_method=body.payment_method,
            key=claim.key if claim is not None else None,
            on_begun=claim.hold if claim is not None else None,
        )
        return Answer(201, _topup_read(view).model_dump(mode="json"))

    return work


@router.post(
    "/advertisers/{advertiser_id}/topups", status_code=201, response_model=TopUpRead, responses=ERRORS
)
async def top_up(
    advertiser_id: str,
    body: TopUpCreate,
    request: Request,
    actor: CurrentActor,
    platform: PlatformDep,
    idempotency_key: Annotated[str | None, Header(alias="Idempotency-Key", max_length=255)] = None,
) -> JSONResponse:
    """Pay into the account's balance through the payment provider. `status` is `paid` once the provider
    confirms it (at once, or by its webhook a moment later: read the top-up again), `failed` for a refused
    card, `pending` with `next_url` when the payer has a step to take there (e.g. the bank's check). Send an
    `Idempotency-Key`: a retry with it never charges twice and answers as the first request was answered."""
    work = _topping_up(platform, actor, advertiser_id, body)
    if idempotency_key is None:
        answer = await run_in_threadpool(work, None)
        return JSONResponse(answer.body, status_code=answer.status)
    return await respond_once(
        platform,
        request,
        actor=actor,
        scope="ad_topup",
        key=idempotency_key,
        fingerprint={"advertiser": advertiser_id, **body.model_dump()},
        work=work,
    )


@router.get("/advertisers/{advertiser_id}/topups", response_model=list[TopUpRead], responses=ERRORS)
def topups(advertiser_id: str, actor: CurrentActor, uow: UowDep, platform: PlatformDep) -> list[TopUpRead]:
    """The account's latest top-ups, newest first."""
    found = advertisers.topups_of(platform, uow, actor=actor, advertiser_id=advertiser_id)
    return [_topup_read(view) for view in found]


# -- campaigns ---------------------------------------------------------------------------------------------


def _campaign_read(campaign: Campaign, platform: Platform) -> CampaignRead:
    return CampaignRead.of(campaign, status=campaigns.shown_status(campaign, platform.clock.now()).value)


@router.post(
    "/advertisers/{advertiser_id}/campaigns", status_code=201, response_model=CampaignRead, responses=ERRORS
)
def create_campaign(
    advertiser_id: str, body: CampaignCreate, actor: CurrentActor, uow: UowDep, platform: PlatformDep
) -> CampaignRead:
    """A campaign: its objective (views, product_visits, purchases), budgets in minor units and schedule."""
    campaign = campaigns.create_campaign(
        uow,
        actor=actor,
        advertiser_id=advertiser_id,
        name=body.name,
        objective=body.objective,
        daily_budget=body.daily_budget,
        lifetime_budget=body.lifetime_budget,
        starts_at=body.starts_at,
        ends_at=body.ends_at,
        settings=platform.settings,
        now=platform.clock.now(),
    )
    return _campaign_read(campaign, platform)


@router.get("/advertisers/{advertiser_id}/campaigns", response_model=list[CampaignRead], responses=ERRORS)
def account_campaigns(
    advertiser_id: str, actor: CurrentActor, uow: UowDep, platform: PlatformDep
) -> list[CampaignRead]:
    found = campaigns.campaigns_of(uow, actor=actor, advertiser_id=advertiser_id)
    return [_campaign_read(c, platform) for c in found]


@router.get("/campaigns/{campaign_id}", response_model=CampaignRead, responses=ERRORS)
def campaign(campaign_id: str, actor: CurrentActor, uow: UowDep, platform: PlatformDep) -> CampaignRead:
    return _campaign_read(campaigns.get_campaign(uow, actor=actor, campaign_id=campaign_id), platform)


@router.patch("/campaigns/{campaign_id}", response_model=CampaignRead, responses=ERRORS)
def update_campaign(
    campaign_id: str, body: CampaignUpdate, actor: CurrentActor, uow: UowDep, platform: PlatformDep
) -> CampaignRead:
    """Edit a campaign, or pause (`status` paused) and resume (active) it. A `lifetime_budget` or `ends_at`
    sent as null removes it."""
    changes = body.model_dump(exclude_unset=True)
    for field in ("name", "daily_budget", "status"):
        if changes.get(field, ...) is None:
            del changes[field]
    if "status" in changes:
        changes["status"] = CampaignStatus(changes["status"])
    updated = campaigns.update_campaign(
        uow,
        actor=actor,
        campaign_id=campaign_id,
        **changes,
        settings=platform.settings,
        now=platform.clock.now(),
    )
    return _campaign_read(updated, platform)


# -- ad groups ---------------------------------------------------------------------------------------------


@router.post(
    "/campaigns/{campaign_id}/ad-groups", status_code=201, response_model=AdGroupRead, responses=ERRORS
)
def create_group(
    campaign_id: str, body: AdGroupCreate, actor: CurrentActor, uow: UowDep, platform: PlatformDep
) -> AdGroupRead:
    """An ad group: its bid (minor units; per 1000 impressions for cpm, per click for cpc, the target cost per
    purchase for ocpm), where and whom it reaches (regions, hashtag interests, retargeting a shop's
    engagers) and how often one viewer may see its ads a day."""
    group = campaigns.create_group(
        uow,
        actor=actor,
        campaign_id=campaign_id,
        name=body.name,
        bid_type=body.bid_type,
        bid=body.bid,
        regions=body.regions,
        interests=body.interests,
        retarget=body.retarget,
        frequency_cap=body.frequency_cap,
        settings=platform.settings,
        now=platform.clock.now(),
    )
    return AdGroupRead.of(group)


@router.get("/campaigns/{campaign_id}/ad-groups", response_model=list[AdGroupRead], responses=ERRORS)
def campaign_groups(campaign_id: str, actor: CurrentActor, uow: UowDep) -> list[AdGroupRead]:
    return [AdGroupRead.of(g) for g in campaigns.groups_of(uow, actor=actor, campaign_id=campaign_id)]


@router.get("/ad-groups/{ad_group_id}", response_model=AdGroupRead, responses=ERRORS)
def ad_group(ad_group_id: str, actor: CurrentActor, uow: UowDep) -> AdGroupRead:
    return AdGroupRead.of(campaigns.get_group(uow, actor=actor, ad_group_id=ad_group_id))


@router.patch("/ad-groups/{ad_group_id}", response_model=AdGroupRead, responses=ERRORS)
def update_group(
    ad_group_id: str, body: AdGroupUpdate, actor: CurrentActor, uow: UowDep, platform: PlatformDep
) -> AdGroupRead:
    changes = {k: v for k, v in body.model_dump(exclude_unset=True).items() if v is not None}
    group = campaigns.update_group(
        uow,
        actor=actor,
        ad_group_id=ad_group_id,
        **changes,
        settings=platform.settings,
        now=platform.clock.now(),
    )
    return AdGroupRead.of(group)


# -- ads ---------------------------------------------------------------------------------------------------


@router.post("/ad-groups/{ad_group_id}/ads", status_code=201, response_model=AdRead, responses=ERRORS)
def create_ad(
    ad_group_id: str, body: AdCreate, actor: CurrentActor, uow: UowDep, platform: PlatformDep
) -> AdRead:
    """An ad promoting a video (`kind` video: yours, or another creator's with their `authorization_code`) or
    a product (`kind` product: shown through `video_id`, a public video that tags it). It waits for a
    moderator's review (`review` pending) and serves once approved."""
    ad = campaigns.create_ad(
        uow,
        actor=actor,
        ad_group_id=ad_group_id,
        kind=body.kind,
        video_id=body.video_id,
        product_id=body.product_id,
        authorization_code=body.authorization_code,
        headline=body.headline,
        call_to_action=body.call_to_action,
        desk=platform.review_desk,
        now=platform.clock.now(),
    )
    return AdRead.of(ad)


@router.get("/ad-groups/{ad_group_id}/ads", response_model=list[AdRead], responses=ERRORS)
def group_ads(ad_group_id: str, actor: CurrentActor, uow: UowDep) -> list[AdRead]:
    return [AdRead.of(a) for a in campaigns.ads_of(uow, actor=actor, ad_group_id=ad_group_id)]


@router.get("/ads/{ad_id}", response_model=AdRead, responses=ERRORS)
def ad(ad_id: str, actor: CurrentActor, uow: UowDep) -> AdRead:
    return AdRead.of(campaigns.get_ad(uow, actor=actor, ad_id=ad_id))


@router.patch("/ads/{ad_id}", response_model=AdRead, responses=ERRORS)
def update_ad(ad_id: str, body: AdUpdate, actor: CurrentActor, uow: UowDep, platform: PlatformDep) -> AdRead:
    """Edit what an ad shows (it goes back to review, and stops serving until approved) or pause it."""
    changes = {k: v for k, v in body.model_dump(exclude_unset=True).items() if v is not None}
    updated = campaigns.update_ad(
        uow, actor=actor, ad_id=ad_id, **changes, desk=platform.review_desk, now=platform.clock.now()
    )
    return AdRead.of(updated)


# -- creators' authorisation codes -------------------------------------------------------------------------


@router.post(
    "/videos/{video_id}/ad-authorizations",
    status_code=201,
    response_model=AuthorizationRead,
    responses=ERRORS,
)
def authorize_promotion(
    video_id: str, actor: CurrentActor, uow: UowDep, platform: PlatformDep
) -> AuthorizationRead:
    """A code that lets one advertiser promote your published video (shown this once; it expires after
    `ads_authorization_days`, 30 unless set)."""
    issued = authorizations.issue(
        uow,
        actor=actor,
        video_id=video_id,
        days=platform.settings.ads_authorization_days,
        now=platform.clock.now(),
    )
    return AuthorizationRead(code=issued.code, video_id=issued.video_id, expires_at=issued.expires_at)
