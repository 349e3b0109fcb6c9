"""The webhook receiver: verify, de-duplicate by event id, move the payment forward (never back). An event
about a payment for something else than a checkout (its metadata names it, e.g. `topup_id`) goes to the
receiver the composition root installed for it (`Platform.payment_receivers`).

Providers deliver at least once, late and in any order. Each event id is recorded in the same transaction
as the change it causes, so a second delivery finds it and changes nothing; an event that would move a
payment backwards (a `processing` arriving after `succeeded`) is recorded as not applied.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from sqlalchemy import select, update

from clipshop.errors import ClipshopError
from clipshop.kit.db import insert_ignore
from clipshop.kit.ids import is_valid_id, region_of
from clipshop.kit.ports import ProviderEvent, WebhookRejected
from clipshop.shop.money import display
from clipshop.shop.orders import bookkeeping, service
from clipshop.shop.orders import payments as outcomes
from clipshop.shop.orders.models import Order, Payment, PaymentEvent, PaymentStatus, Refund

if TYPE_CHECKING:
    from clipshop.kit.db import UnitOfWork
    from clipshop.platform import Platform

log = logging.getLogger(__name__)

STATUS_OF_EVENT = {
    "payment_intent.requires_action": PaymentStatus.REQUIRES_ACTION,
    "payment_intent.processing": PaymentStatus.PROCESSING,
    "payment_intent.succeeded": PaymentStatus.SUCCEEDED,
    "payment_intent.payment_failed": PaymentStatus.FAILED,
    "payment_intent.canceled": PaymentStatus.CANCELLED,
}


class InvalidWebhook(ClipshopError):
    status, code, title = 400, "invalid_webhook", "Webhook refused"


def receive(platform: Platform, *, payload: bytes, signature: str) -> bool:
    """Apply one delivery; True if it changed a payment. Unknown payments are acknowledged and ignored."""
    try:
        event = platform.payments.parse_webhook(payload=payload, signature=signature)
    except WebhookRejected as error:
        raise InvalidWebhook(str(error)) from None
    metadata = event.data.get("metadata") or {}
    for key, receive_other in platform.payment_receivers.items():
        if key in metadata:  # a payment for something other than a checkout (an advertiser's top-up)
            return receive_other(event)
    payment_id = str(metadata.get("payment_id", ""))
    if not is_valid_id(payment_id, set(platform.databases.regions)):
        log.warning("webhook %s names no payment of ours", event.id)
        return False
    region = region_of(payment_id)
    with platform.uow(home=region).transaction() as uow:
        outcomes.connect_checkout(uow, region=region, checkout_id=str(metadata.get("checkout_id", "")))
        db = uow.region(region)
        payment = db.scalars(select(Payment).where(Payment.id == payment_id).with_for_update()).first()
        if payment is None:
            return False
        fresh = insert_ignore(
            db,
            PaymentEvent,
            {
                "id": event.id,
                "payment_id": payment.id,
                "type": event.type,
                "occurred_at": event.occurred_at,
                "applied": False,
                "received_at": platform.clock.now(),
            },
        )
        if not fresh:
            return False
        db.refresh(payment)
        changed = _apply(platform, uow, payment=payment, event=event)
        if changed:
            db.execute(update(PaymentEvent).where(PaymentEvent.id == event.id).values(applied=True))
        return changed


def _apply(platform: Platform, uow: UnitOfWork, *, payment: Payment, event: ProviderEvent) -> bool:
    if payment.provider_ref is None:
        payment.provider_ref = event.intent_ref  # the checkout's own process died before recording it
    elif payment.provider_ref != event.intent_ref:
        log.warning(
            "event %s is for intent %s, payment %s has %s",
            event.id,
            event.intent_ref,
            payment.id,
            payment.provider_ref,
        )
        return False
    target = STATUS_OF_EVENT.get(event.type)
    if target is not None:
        failure = event.data.get("failure_code")
        return outcomes.apply_status(
            platform, uow, payment=payment, to=target, failure_code=str(failure) if failure else None
        )
    if event.type == "charge.refunded":
        return _recover_refund(platform, uow, payment=payment, event=event)
    return False


def _recover_refund(platform: Platform, uow: UnitOfWork, *, payment: Payment, event: ProviderEvent) -> bool:
    """Book a refund the provider made but our side never recorded (its request died before the commit)."""
    meta = event.data.get("refund_metadata") or {}
    refund_id, order_id = str(meta.get("refund_id", "")), str(meta.get("order_id", ""))
    db = uow.region(region_of(payment.id))
    if not refund_id or db.get(Refund, refund_id) is not None:
        return False
    order = db.get(Order, order_id)
    if order is None or order.checkout_id != payment.checkout_id:
        return False
    amount = int(event.data.get("refund_amount", 0))
    now = platform.clock.now()
    db.execute(update(Order).where(Order.id == order.id).values(refunded=Order.refunded + amount))
    db.refresh(order)
    row = Refund(
        id=refund_id,
        order_id=order.id,
        payment_id=payment.id,
        amount=amount,
        reason="recovered from the provider",
        provider_ref=str(event.data.get("refund", "")),
        created_at=now,
    )
    db.add(row)
    db.flush()
    bookkeeping.book_refund(platform, uow, order=order, refund=row, now=now)
    service.note(uow, order, "refunded", now, display(amount, order.currency))
    return True
