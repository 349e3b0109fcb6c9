"""Scheduled work on orders, region by region: finish checkouts whose process died between writing the
orders and recording the provider's answer, cancel orders whose payment never came, give back units held
for orders that were never written, and complete delivered orders once their return window has passed."""

from __future__ import annotations

from datetime import timedelta
from typing import TYPE_CHECKING

from sqlalchemy import select

from clipshop.kit.ids import region_of
from clipshop.residency import gateway
from clipshop.shop.catalog import stock
from clipshop.shop.orders import lifecycle
from clipshop.shop.orders.models import (
    Order,
    OrderStatus,
    Payment,
    PaymentStatus,
    ReturnRequest,
    ReturnStatus,
)
from clipshop.shop.orders.payments import apply_intent, apply_status, connect_checkout

if TYPE_CHECKING:
    from clipshop.platform import Platform

# A checkout whose payment is still `created` this long after it was written lost its process.
INTERRUPTED_AFTER = timedelta(minutes=2)


def expire_unpaid(platform: Platform, *, region: str) -> int:
    """Cancel orders whose payment never came within the reservation window; their units return to stock."""
    now = platform.clock.now()
    with platform.uow(home=region).transaction() as uow:
        checkout_ids = list(
            uow.region(region).scalars(
                select(Order.checkout_id)
                .where(Order.status == OrderStatus.PENDING_PAYMENT, Order.expires_at < now)
                .distinct()
                .limit(200)
            )
        )
    return sum(
        _give_up(platform, region=region, checkout_id=checkout_id, failure_code="expired")
        for checkout_id in checkout_ids
    )


def settle_across_cut(platform: Platform, *, detached: str) -> int:
    """Cancel unpaid orders across the cut when region `detached` leaves the deployment (its buyers' orders
    from shops elsewhere, and other buyers' orders from its shops), giving their held units back; paid
    orders stay as they are, visible to their buyers. Returns the checkouts given up."""
    done = 0
    for region in platform.databases.regions:
        across = Order.shop_region != detached if region == detached else Order.shop_region == detached
        with platform.uow(home=region).transaction() as uow:
            checkout_ids = list(
                uow.region(region).scalars(
                    select(Order.checkout_id)
                    .where(Order.status == OrderStatus.PENDING_PAYMENT, across)
                    .distinct()
                    .order_by(Order.checkout_id)
                )
            )
        for checkout_id in checkout_ids:
            done += _give_up(platform, region=region, checkout_id=checkout_id, failure_code="region_detached")
    return done


def _give_up(platform: Platform, *, region: str, checkout_id: str, failure_code: str) -> int:
    """Cancel a checkout's payment and so its unpaid orders, unless the provider says it was paid meanwhile
    (then it is recorded as paid); 1 if it was cancelled here."""
    with platform.uow(home=region).transaction() as uow:
        connect_checkout(uow, region=region, checkout_id=checkout_id)
        payment = uow.region(region).scalars(select(Payment).where(Payment.checkout_id == checkout_id)).one()
        if payment.provider_ref and payment.status in (
            PaymentStatus.REQUIRES_ACTION,
            PaymentStatus.PROCESSING,
        ):
            intent = platform.payments.cancel_intent(ref=payment.provider_ref)
            if intent.status == "succeeded":
                apply_intent(platform, uow, region=region, checkout_id=checkout_id, intent=intent)
                return 0
        changed = apply_status(
            platform, uow, payment=payment, to=PaymentStatus.CANCELLED, failure_code=failure_code
        )
        return int(changed)


def release_orphan_holds(platform: Platform, *, region: str) -> int:
    """A shop's side: give back units held for orders that were never written (their checkout crashed)."""
    now = platform.clock.now()
    with platform.uow(home=region).transaction() as uow:
        uow.connect(uow.databases.regions)
        order_ids = stock.expired_holds(uow.region(region), now=now)
        released: list[str] = []
        for order_id in order_ids:
            if region_of(order_id) not in uow.databases.region_engines:
                # The buyer's region has left this deployment: that order can no longer be paid here.
                released += stock.release(uow, shop_region=region, order_id=order_id, now=now)
                continue
            door = gateway.access(
                uow, region_of(order_id), data_class="orders", purpose="checkout", records=[order_id]
            )
            status = door.db.scalar(select(Order.status).where(Order.id == order_id))
            if status is None or status in (OrderStatus.CANCELLED, OrderStatus.PENDING_PAYMENT):
                released += stock.release(uow, shop_region=region, order_id=order_id, now=now)
        lifecycle.project_stock_later(platform, uow, released)
    return len(order_ids)


def recover_payments(platform: Platform, *, region: str, older_than: timedelta) -> int:
    """Finish checkouts whose process died between writing the orders and recording the provider's answer:
    adopt the intent the provider made with the payment's key, or cancel the orders if there is none."""
    now = platform.clock.now()
    with platform.uow(home=region).transaction() as uow:
        stuck = list(
            uow.region(region).scalars(
                select(Payment.checkout_id).where(
                    Payment.status == PaymentStatus.CREATED, Payment.created_at < now - older_than
                )
            )
        )
    for checkout_id in stuck:
        with platform.uow(home=region).transaction() as uow:
            connect_checkout(uow, region=region, checkout_id=checkout_id)
            payment = (
                uow.region(region).scalars(select(Payment).where(Payment.checkout_id == checkout_id)).one()
            )
            intent = platform.payments.find_intent(idempotency_key=payment.id)
            if intent is not None:
                apply_intent(platform, uow, region=region, checkout_id=checkout_id, intent=intent)
            else:
                apply_status(
                    platform, uow, payment=payment, to=PaymentStatus.CANCELLED, failure_code="abandoned"
                )
    return len(stuck)


def auto_complete(platform: Platform, *, region: str) -> int:
    """Complete delivered orders once their return window has passed with no return pending."""
    now = platform.clock.now()
    window = timedelta(days=platform.settings.return_window_days)
    with platform.uow(home=region).transaction() as uow:
        db = uow.region(region)
        pending = select(ReturnRequest.order_id).where(ReturnRequest.status == ReturnStatus.REQUESTED)
        due = list(
            db.scalars(
                select(Order)
                .where(
                    Order.status == OrderStatus.DELIVERED,
                    Order.delivered_at < now - window,
                    Order.id.not_in(pending),
                )
                .limit(500)
            )
        )
        for order in due:
            lifecycle.complete(uow, order=order, now=now)
    return len(due)


def run(platform: Platform) -> dict[str, int]:
    """One pass of every kind of order housekeeping over every region."""
    done = {"recovered": 0, "expired": 0, "released": 0, "completed": 0}
    for region in platform.databases.regions:
        done["recovered"] += recover_payments(platform, region=region, older_than=INTERRUPTED_AFTER)
        done["expired"] += expire_unpaid(platform, region=region)
        done["released"] += release_orphan_holds(platform, region=region)
        done["completed"] += auto_complete(platform, region=region)
    return done
