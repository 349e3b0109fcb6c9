"""A shop's orders over the API (read wherever the buyer lives): fulfil, deliver, cancel, refund, returns,
sales over time; closing the shop once they are done; and a creator's earnings from affiliate
commission."""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated, Literal

from fastapi import APIRouter, Header, Query, Request
from fastapi.responses import JSONResponse

from clipshop.kit.actors import Actor
from clipshop.platform import Platform
from clipshop.platform.http import CommittingRoute, CurrentActor, PlatformDep, UowDep
from clipshop.platform.idempotent import Answer, Claim, respond_once
from clipshop.shop.catalog.schemas import ShopRead
from clipshop.shop.ledger import statements
from clipshop.shop.ledger.schemas import MoneyBookRead
from clipshop.shop.orders import closing, for_merchants, merchant, service
from clipshop.shop.orders.models import OrderStatus
from clipshop.shop.orders.schemas import (
    DailySalesRead,
    EarningRead,
    EarningsRead,
    FulfilIn,
    OrderRead,
    RefundIn,
    RegionSalesRead,
    ResolveReturnIn,
    ReturnRead,
)

router = APIRouter(route_class=CommittingRoute, tags=["seller"])


@router.get("/shops/{shop_id}/orders", response_model=list[OrderRead])
def shop_orders(
    shop_id: str, actor: CurrentActor, uow: UowDep, status: Annotated[OrderStatus | None, Query()] = None
) -> list[OrderRead]:
    found = merchant.get_all(uow, actor=actor, shop_id=shop_id, status=status)
    return [OrderRead.of(v, address=v.order.status is OrderStatus.PAID) for v in found]


@router.get("/shops/{shop_id}/orders/{order_id}", response_model=OrderRead)
def shop_order(shop_id: str, order_id: str, actor: CurrentActor, uow: UowDep) -> OrderRead:
    order = merchant.get(uow, actor=actor, shop_id=shop_id, order_id=order_id)
    return OrderRead.of(service.view(uow, order), address=True)


@router.post("/shops/{shop_id}/orders/{order_id}/fulfil", response_model=OrderRead)
def fulfil(
    shop_id: str, order_id: str, body: FulfilIn, actor: CurrentActor, uow: UowDep, platform: PlatformDep
) -> OrderRead:
    order = merchant.fulfil(
        platform,
        uow,
        actor=actor,
        shop_id=shop_id,
        order_id=order_id,
        carrier=body.carrier,
        tracking_number=body.tracking_number,
        now=platform.clock.now(),
    )
    return OrderRead.of(service.view(uow, order), address=True)


@router.post("/shops/{shop_id}/orders/{order_id}/deliver", response_model=OrderRead)
def deliver(
    shop_id: str, order_id: str, actor: CurrentActor, uow: UowDep, platform: PlatformDep
) -> OrderRead:
    order = merchant.deliver(uow, actor=actor, shop_id=shop_id, order_id=order_id, now=platform.clock.now())
    return OrderRead.of(service.view(uow, order), address=True)


@router.post("/shops/{shop_id}/orders/{order_id}/cancel", response_model=OrderRead)
def cancel(shop_id: str, order_id: str, actor: CurrentActor, uow: UowDep, platform: PlatformDep) -> OrderRead:
    order = merchant.cancel(
        platform, uow, actor=actor, shop_id=shop_id, order_id=order_id, now=platform.clock.now()
    )
    return OrderRead.of(service.view(uow, order), address=True)


def _refunding(
    platform: Platform, actor: Actor, shop_id: str, order_id: str, body: RefundIn
) -> Callable[[Claim], Answer]:
    def work(claim: Claim) -> Answer:
        view = merchant.refund_alone(
            platform, actor=actor, shop_id=shop_id, order_id=order_id, amount=body.amount, reason=body.reason
        )
        return Answer(200, OrderRead.of(view).model_dump(mode="json"))

    return work


@router.post("/shops/{shop_id}/orders/{order_id}/refunds", response_model=OrderRead)
async def refund(
    shop_id: str,
    order_id: str,
    body: RefundIn,
    request: Request,
    actor: CurrentActor,
    platform: PlatformDep,
    idempotency_key: Annotated[str | None, Header(alias="Idempotency-Key", max_length=255)] = None,
) -> JSONResponse:
    """A partial or full refund. Send an `Idempotency-Key`: a retry never refunds twice."""
    return await respond_once(
        platform,
        request,
        actor=actor,
        scope="refund",
        key=idempotency_key,
        fingerprint={"order": order_id, **body.model_dump()},
        work=_refunding(platform, actor, shop_id, order_id, body),
    )


@router.get("/shops/{shop_id}/returns", response_model=list[ReturnRead])
def shop_returns(shop_id: str, actor: CurrentActor, uow: UowDep) -> list[ReturnRead]:
    shop, found = merchant.get_returns(uow, actor=actor, shop_id=shop_id)
    return [ReturnRead.of(r, shop.currency) for r in found]


@router.post("/shops/{shop_id}/orders/{order_id}/returns/{return_id}", response_model=ReturnRead)
def resolve_return(
    shop_id: str,
    order_id: str,
    return_id: str,
    body: ResolveReturnIn,
    actor: CurrentActor,
    uow: UowDep,
    platform: PlatformDep,
) -> ReturnRead:
    order, request = merchant.resolve_return(
        platform,
        uow,
        actor=actor,
        shop_id=shop_id,
        order_id=order_id,
        return_id=return_id,
        approve=body.approve,
        now=platform.clock.now(),
    )
    return ReturnRead.of(request, order.currency)


@router.get("/shops/{shop_id}/sales", response_model=list[DailySalesRead])
def sales(
    shop_id: str,
    actor: CurrentActor,
    uow: UowDep,
    platform: PlatformDep,
    days: Annotated[int, Query(ge=1, le=366)] = 30,
) -> list[DailySalesRead]:
    found = merchant.sales(uow, actor=actor, shop_id=shop_id, days=days, now=platform.clock.now())
    return [DailySalesRead.model_validate(d) for d in found]


@router.get("/shops/{shop_id}/sales/regions", response_model=list[RegionSalesRead])
def sales_by_region(
    shop_id: str,
    actor: CurrentActor,
    uow: UowDep,
    platform: PlatformDep,
    days: Annotated[int, Query(ge=1, le=366)] = 30,
) -> list[RegionSalesRead]:
    """Sales by the buyers' home region, as totals; a region with fewer buyers than the minimum group size
    (`CLIPSHOP_MIN_GROUP_SIZE`, 10) shows as suppressed."""
    found = merchant.sales_by_region(
        uow,
        actor=actor,
        shop_id=shop_id,
        days=days,
        now=platform.clock.now(),
        min_group=platform.settings.min_group_size,
    )
    return [RegionSalesRead.model_validate(r, from_attributes=True) for r in found]


@router.post("/shops/{shop_id}/close", response_model=ShopRead)
def close_shop(shop_id: str, actor: CurrentActor, uow: UowDep, platform: PlatformDep) -> ShopRead:
    """Close your shop for good (its owner only): it leaves every feed, search and shop page, and nothing
    more is sold. Refused (409) while a paid order is still to ship (`shop_has_unfinished_orders`) or a
    return waits for an answer (`shop_has_open_returns`). Closing a closed shop answers the same."""
    shop = closing.close_shop(uow, actor=actor, shop_id=shop_id, now=platform.clock.now())
    return ShopRead.of_shop(shop)


@router.get("/me/earnings", response_model=EarningsRead)
def earnings(actor: CurrentActor, uow: UowDep) -> EarningsRead:
    """A creator's affiliate commission per video and per product, with balances and payouts."""

    def reads(by: Literal["video", "product"]) -> list[EarningRead]:
        found = for_merchants.creator_earnings(uow, creator_id=actor.id, by=by)
        return [EarningRead.model_validate(e) for e in found]

    book = statements.money_book(uow, party=f"creator:{actor.id}")
    return EarningsRead(by_video=reads("video"), by_product=reads("product"), money=MoneyBookRead.of(book))
