"""The buyer's order routes: their orders, cancelling, confirming receipt, returns and reviews."""

from __future__ import annotations

from datetime import timedelta
from typing import Annotated

from fastapi import APIRouter, Query

from clipshop.platform.http import CommittingRoute, CurrentActor, PlatformDep, UowDep
from clipshop.shop.catalog.schemas import ReviewRead
from clipshop.shop.orders import lifecycle, returns, reviews, service
from clipshop.shop.orders.schemas import CancelIn, OrderRead, ReturnIn, ReturnRead, ReviewIn

router = APIRouter(route_class=CommittingRoute, tags=["shop"])


@router.get("/orders", response_model=list[OrderRead])
def my_orders(
    actor: CurrentActor, uow: UowDep, limit: Annotated[int, Query(ge=1, le=100)] = 50
) -> list[OrderRead]:
    return [OrderRead.of(v) for v in service.get_all(uow, actor=actor, limit=limit)]


@router.get("/orders/{order_id}", response_model=OrderRead)
def my_order(order_id: str, actor: CurrentActor, uow: UowDep) -> OrderRead:
    order = service.get(uow, actor=actor, order_id=order_id)
    return OrderRead.of(service.view(uow, order), address=True)


@router.post("/orders/{order_id}/cancel", response_model=OrderRead)
def cancel_my_order(
    order_id: str, body: CancelIn, actor: CurrentActor, uow: UowDep, platform: PlatformDep
) -> OrderRead:
    order = lifecycle.cancel(
        platform,
        uow,
        order=service.get(uow, actor=actor, order_id=order_id),
        reason=body.reason or "by buyer",
        now=platform.clock.now(),
    )
    return OrderRead.of(service.view(uow, order), address=True)


@router.post("/orders/{order_id}/confirm-receipt", response_model=OrderRead)
def confirm_receipt(order_id: str, actor: CurrentActor, uow: UowDep, platform: PlatformDep) -> OrderRead:
    order = service.get(uow, actor=actor, order_id=order_id)
    lifecycle.complete(uow, order=order, now=platform.clock.now())
    return OrderRead.of(service.view(uow, order), address=True)


@router.post("/orders/{order_id}/returns", response_model=ReturnRead, status_code=201)
def request_return(
    order_id: str, body: ReturnIn, actor: CurrentActor, uow: UowDep, platform: PlatformDep
) -> ReturnRead:
    order = service.get(uow, actor=actor, order_id=order_id)
    request = returns.request_return(
        uow,
        order=order,
        reason=body.reason,
        amount=body.amount,
        now=platform.clock.now(),
        return_window=timedelta(days=platform.settings.return_window_days),
    )
    return ReturnRead.of(request, order.currency)


@router.post("/orders/{order_id}/reviews", response_model=ReviewRead, status_code=201)
def review(
    order_id: str, body: ReviewIn, actor: CurrentActor, uow: UowDep, platform: PlatformDep
) -> ReviewRead:
    row = reviews.review(
        uow,
        order=service.get(uow, actor=actor, order_id=order_id),
        product_id=body.product_id,
        rating=body.rating,
        body=body.body,
        now=platform.clock.now(),
    )
    return ReviewRead(
        id=row.id,
        product_id=row.product_id,
        author_id=row.buyer_id,
        author_handle=actor.handle,
        rating=row.rating,
        body=row.body,
        created_at=row.created_at,
    )
