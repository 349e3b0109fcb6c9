"""Placing a checkout: one buyer, one payment, one order per shop, in four short transactions.

1. the stock: in each shop's region, the units taken (the variant's count down, the hold written) and the
   COMMIT sent together in one pipeline (`kit.db.pipelined`), so nothing from this process sits between a
   hot variant row's update and its commit, and that commit does not wait for the disk;
2. the orders: the Idempotency-Key claimed inline (`platform.idempotent.answer_inline`), the checkout, its
   orders, lines, timeline and payment row `created`, with prebuilt statements and one round trip; its
   synchronous commit makes the stock's durable too. A crash between 1 and 2 leaves holds without an order,
   which `release_orphan_holds` gives back once they expire; a key found taken gives them back at once;
3. the provider's own: the card charged with the payment id as its idempotency key;
4. the answer: the provider's answer recorded on the payment and the caller's answer, built from the rows
   in memory, stored under the key, in one transaction.
These commits are the design of the path (made here, not in a service): a card is charged between them and
a crash may land anywhere. A crash after 2 leaves a `created` payment and a held key: a retry with the key
(once its lease ran out), or the reconciler, asks the provider for the intent made with that key and
finishes (or cancels) the checkout, so there is never a charge without an order nor an order without one.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any, TypeVar

from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError

from clipshop.errors import Invalid
from clipshop.kit.actors import Actor
from clipshop.kit.db import UnitOfWork, commit_without_flush, pipelined
from clipshop.kit.ids import is_valid_id, new_id, region_of
from clipshop.kit.ports import IntentResult
from clipshop.platform.idempotent import Answer, Claim, KeyTaken, problem_answer
from clipshop.shop.cart import addresses
from clipshop.shop.catalog import stock
from clipshop.shop.catalog.models import DiscountCode
from clipshop.shop.catalog.tasks import enqueue_stock_projection
from clipshop.shop.checkout import admission, errors, pricing, rows
from clipshop.shop.checkout.pricing import LineRequest, OfferedCode
from clipshop.shop.checkout.rows import CheckoutRows, Hold
from clipshop.shop.checkout.schemas import CheckoutRead
from clipshop.shop.orders import payments, service
from clipshop.shop.orders.models import Checkout, PaymentStatus
from clipshop.shop.orders.service import CheckoutView

if TYPE_CHECKING:
    from clipshop.platform import Platform

T = TypeVar("T")


@dataclass(frozen=True)
class CheckoutRequest:
    items: list[LineRequest] | None
    address_id: str | None
    address: dict[str, str] | None
    shipping: dict[str, str]
    discount_codes: list[str]
    payment_method: str

    def fingerprint(self) -> dict[str, Any]:
        return {
            "items": None if self.items is None else [[i.variant_id, i.quantity] for i in self.items],
            "address_id": self.address_id,
            "address": None
            if self.address is None
            else {k: self.address.get(k, "") for k in addresses.FIELDS},
            "shipping": self.shipping,
            "discount_codes": self.discount_codes,
            "payment_method": self.payment_method,
        }


def checkout_answer(view: CheckoutView, *, instance: str) -> Answer:
    """The checkout as its buyer is answered: 201 with the checkout, or the payment's failure (402)."""
    body = CheckoutRead.of(view).model_dump(mode="json")
    failure = errors.payment_failure(view, checkout=body)
    return problem_answer(failure, instance=instance) if failure is not None else Answer(201, body)


def place(platform: Platform, *, actor: Actor, request: CheckoutRequest, claim: Claim) -> Answer:
    """Place the checkout and charge it. With the key claimed beforehand (a retry that took over a dead
    request's claim), finish the checkout that request began, if it began one."""

    def answer(uow: UnitOfWork, view: CheckoutView) -> Answer:
        return claim.record(uow, checkout_answer(view, instance=claim.instance))

    if not claim.inline:
        with platform.uow(actor=actor).transaction() as uow:
            begun = uow.region(actor.region).scalar(
                select(Checkout.id).where(
                    Checkout.buyer_id == actor.id, Checkout.idempotency_key == claim.key
                )
            )
        if begun is not None:
            claim.hold()
            return pay(
                platform, actor=actor, checkout_id=begun, payment_method=request.payment_method, answer=answer
            )
    try:
        with admitted(platform, actor=actor, request=request):
            written = write_orders(platform, actor=actor, request=request, claim=claim)
    except stock.OutOfStock as error:
        if error.available == 0:  # later checkouts of it are answered from memory (admission.py)
            stock.remember_sold_out(error.variant_id, for_s=platform.settings.sold_out_memory_s)
        raise
    claim.hold()  # the orders are written: a retry finishes this checkout, never starts another
    return charge(platform, actor=actor, written=written, payment_method=request.payment_method, claim=claim)


@contextlib.contextmanager
def admitted(platform: Platform, *, actor: Actor, request: CheckoutRequest) -> Iterator[None]:
    """Write the orders as one of the checkouts in flight of the request's items (`admission`): those it
    names, or those of the buyer's cart as it stands (read first, in a transaction of its own, only while
    admission is on; pricing reads the cart again). The turn lasts while the stock is taken and the orders
    written, where checkouts of one item meet, not while the card is charged. Every item is admitted at once
    or none is, so checkouts sharing items never each hold a turn another waits for; nothing is held while
    waiting (no connection: the unit of work opens after)."""
    settings = platform.settings
    if settings.checkout_concurrency <= 0:
        yield
        return
    if request.items is not None:
        quantities = admission.quantities_of((item.variant_id, item.quantity) for item in request.items)
    else:
        with platform.uow(actor=actor).transaction() as uow:
            lines = pricing.cart_lines(uow, actor=actor)
        quantities = admission.quantities_of((line.variant_id, line.quantity) for line in lines)
        admission.refuse_sold_out(quantities)

    def units_left() -> dict[str, int]:
        with platform.uow(actor=actor).transaction() as uow:
            known = set(uow.databases.regions)
            return stock.units_left(uow, [v for v in quantities if is_valid_id(v, known)])

    with admission.admitted(quantities, settings=settings, units_left=units_left):
        yield


def write_orders(platform: Platform, *, actor: Actor, request: CheckoutRequest, claim: Claim) -> CheckoutRows:
    """Transactions 1 and 2: the stock taken in each shop's region, then the orders written at home. Raises
    OutOfStock or KeyTaken having kept nothing, or the pricing's own errors."""
    now = platform.clock.now()
    uow = platform.uow(actor=actor)
    taken: list[Hold] = []  # committed in shops' regions: given back if the orders are not written
    try:
        written = _price(platform, uow, actor=actor, request=request, key=claim.key)
        for region in sorted({hold.shop_region for hold in written.holds}):
            holds = [hold for hold in written.holds if hold.shop_region == region]
            _use_codes(uow, written, region)
            shop = uow.region(region)
            try:
                with pipelined(shop) as send_commit:
                    # Its commit need not wait for the disk: the orders' commit that follows flushes the log
                    # of this server up to it, before any card is charged (and where the shop's region is
                    # another server, a hold lost in a crash is taken again when the payment lands).
                    commit_without_flush(shop)
                    _send_holds(uow, region, holds, now=now)
                    send_commit()
                uow.commit_region(region)
            except IntegrityError as error:
                uow.rollback()
                raise _refusal(uow, holds, error) from None
            taken += holds
        platform.faults.hit("after_stock_taken")
        home = uow.region(actor.region)
        try:
            with pipelined(home) as send_commit:
                if claim.inline:
                    claim.write(home, now=now)
                written.insert(uow, actor.region)
                send_commit()
            enqueue_stock_projection(platform.jobs, uow, variant_ids=written.variant_ids)
            uow.commit()
        except IntegrityError:
            uow.rollback()
            if claim.inline and claim.taken():
                raise KeyTaken() from None
            raise
    except BaseException:
        uow.rollback()
        if taken:
            _give_back(platform, actor=actor, holds=taken)
        raise
    finally:
        uow.close()
    return written


def _send_holds(uow: UnitOfWork, region: str, holds: list[Hold], *, now: datetime) -> None:
    orders = [(hold.order_id, hold.quantities, hold.expires_at) for hold in holds]
    stock.hold(uow, region=region, orders=orders, now=now)


def _refusal(uow: UnitOfWork, holds: list[Hold], error: IntegrityError) -> Exception:
    """Why a transaction with these holds failed: OutOfStock for the first item short of units, else the
    database's own error."""
    wanted: dict[str, int] = {}
    for hold in holds:
        for variant_id, units in hold.quantities.items():
            wanted[variant_id] = wanted.get(variant_id, 0) + units
    short = stock.shortfall(uow, quantities=wanted) if wanted else None
    return short if short is not None else error


def _price(
    platform: Platform, uow: UnitOfWork, *, actor: Actor, request: CheckoutRequest, key: str
) -> CheckoutRows:
    """Price the request and make its rows in memory: reads only, but for the gateway's record, in a shop's
    region elsewhere, of this checkout opening its stock."""
    settings, now = platform.settings, platform.clock.now()
    known = set(uow.databases.regions)
    if request.items is not None:
        # The directory, the shops' audit logs, then every region in name order (UnitOfWork.connect), before
        # anything is read.
        pricing.refuse_detached(uow, variant_ids=[item.variant_id for item in request.items])
        shops = {region_of(item.variant_id) for item in request.items if is_valid_id(item.variant_id, known)}
    lines = pricing.requested_lines(uow, actor=actor, items=request.items)
    if request.items is None:
        shops = {region_of(line.variant_id) for line in lines if is_valid_id(line.variant_id, known)}
        if any(region < actor.region for region in shops):
            uow.end_reads()  # the cart was read first: let go, and take the regions in name order
    checkout_id = new_id(actor.region)
    for region in sorted(shops - {actor.region}):
        # The gateway records this in the shop's audit log on a connection of its own: before this checkout
        # holds one of that region's, or a full pool would leave every checkout waiting for a second one.
        stock.open_shop_side(uow, region, order_id=checkout_id)
    uow.connect({actor.region, *shops})
    priced = pricing.price_lines(
        uow,
        actor=actor,
        requested=lines,
        shipping=request.shipping,
        discount_codes=request.discount_codes,
        terms=pricing.Terms.of(settings, actor.region),
        now=now,
    )
    return rows.build(
        priced,
        checkout_id=checkout_id,
        buyer_id=actor.id,
        region=actor.region,
        key=key,
        from_cart=request.items is None,
        address=shipping_address(uow, actor=actor, request=request),
        provider=platform.payments.name,
        now=now,
        reservation=timedelta(minutes=settings.reservation_minutes),
    )


def _use_codes(uow: UnitOfWork, written: CheckoutRows, region: str) -> None:
    for code in written.codes:
        if region_of(code.shop_id) == region:
            _use_code(uow, code)


def _give_back(platform: Platform, *, actor: Actor, holds: list[Hold]) -> None:
    """Release holds taken in shops' regions for orders that were not written after all."""
    now = platform.clock.now()
    with platform.uow(actor=actor).transaction() as uow:
        released: list[str] = []
        for hold in holds:
            released += stock.release(uow, shop_region=hold.shop_region, order_id=hold.order_id, now=now)
        if released:
            enqueue_stock_projection(platform.jobs, uow, variant_ids=sorted(released))


def charge(
    platform: Platform, *, actor: Actor, written: CheckoutRows, payment_method: str, claim: Claim
) -> Answer:
    """Transactions 2 and 3: charge the payment at the provider, then record its answer and the caller's."""
    payment = written.payment
    platform.faults.hit("before_payment_call")
    intent = platform.payments.create_intent(
        idempotency_key=payment["id"],
        amount=payment["amount"],
        currency=payment["currency"],
        payment_method=payment_method,
        metadata={"payment_id": payment["id"], "checkout_id": written.checkout["id"]},
    )
    platform.faults.hit("after_payment_call")
    to = payments.INTENT_STATUS[intent.status]
    if to in (PaymentStatus.PROCESSING, PaymentStatus.REQUIRES_ACTION):
        uow = platform.uow(actor=actor)
        now = platform.clock.now()
        try:
            if payments.record_progress(uow, payment_id=payment["id"], intent=intent, to=to, now=now):
                payment.update(status=to, provider_ref=intent.ref, card_last4=intent.card_last4,
                               next_action_url=intent.next_action_url, updated_at=now)  # fmt: skip
                # Built from the rows in memory; a payment under way has not failed, so the answer is 201.
                answer = Answer(201, written.answer())
                with pipelined(uow.region(actor.region)) as send_commit:
                    claim.record(uow, answer)
                    send_commit()
                uow.commit()
                return answer
            uow.rollback()
        except BaseException:
            uow.rollback()
            raise
        finally:
            uow.close()

    # A failed card (its orders cancelled, the stock given back), or a payment a webhook moved meanwhile.
    def answer_of(uow: UnitOfWork, view: CheckoutView) -> Answer:
        return claim.record(uow, checkout_answer(view, instance=claim.instance))

    return record_intent(
        platform, actor=actor, checkout_id=written.checkout["id"], intent=intent, answer=answer_of
    )


def shipping_address(uow: UnitOfWork, *, actor: Actor, request: CheckoutRequest) -> dict[str, str]:
    """The address typed into the request, the saved one it names, or the buyer's default."""
    if request.address is not None:
        return addresses.check(request.address)
    if request.address_id is None:
        default = addresses.get_default(uow, actor=actor)
        if default is None:
            raise Invalid("Add a shipping address first.", code="address_required", field="address")
        return addresses.snapshot(default)
    address = addresses.get(uow, actor=actor, address_id=request.address_id, field="address_id")
    return addresses.snapshot(address)


def _use_code(uow: UnitOfWork, code: OfferedCode) -> None:
    db = uow.region(region_of(code.shop_id))
    used = db.execute(
        update(DiscountCode)
        .where(
            DiscountCode.shop_id == code.shop_id,
            DiscountCode.code == code.code,
            (DiscountCode.max_uses.is_(None)) | (DiscountCode.uses < DiscountCode.max_uses),
        )
        .values(uses=DiscountCode.uses + 1)
        .returning(DiscountCode.code)
    ).first()
    if used is None:
        raise Invalid(
            f"The code {code.code} has run out.", code="invalid_discount_code", field="discount_codes"
        )


def pay(
    platform: Platform,
    *,
    actor: Actor,
    checkout_id: str,
    payment_method: str,
    answer: Callable[[UnitOfWork, CheckoutView], T],
) -> T:
    """Finish a checkout written by an earlier attempt: charge its payment if it is still `created` (the
    provider answers a second call with the first one's intent), and record the outcome; `answer` turns the
    checkout as it now stands into the caller's answer inside the transaction that records it."""
    with platform.uow(actor=actor).transaction() as uow:
        due = service.payment_of(uow, region=actor.region, checkout_id=checkout_id)
    intent: IntentResult | None = None
    if due.status is PaymentStatus.CREATED:
        platform.faults.hit("before_payment_call")
        intent = platform.payments.create_intent(
            idempotency_key=due.id,
            amount=due.amount,
            currency=due.currency,
            payment_method=payment_method,
            metadata={"payment_id": due.id, "checkout_id": checkout_id},
        )
        platform.faults.hit("after_payment_call")
    return record_intent(platform, actor=actor, checkout_id=checkout_id, intent=intent, answer=answer)


def record_intent(
    platform: Platform,
    *,
    actor: Actor,
    checkout_id: str,
    intent: IntentResult | None,
    answer: Callable[[UnitOfWork, CheckoutView], T],
) -> T:
    """Record what the provider said (when it said anything) the general way, and answer from the checkout
    as it then stands, read back inside the same transaction."""
    with platform.uow(actor=actor).transaction() as uow:
        payments.connect_checkout(uow, region=actor.region, checkout_id=checkout_id)
        if intent is not None:
            payments.apply_intent(platform, uow, region=actor.region, checkout_id=checkout_id, intent=intent)
        return answer(uow, service.checkout_view(uow, region=actor.region, checkout_id=checkout_id))
