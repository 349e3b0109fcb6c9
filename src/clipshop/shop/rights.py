"""The shop's part of a person's data rights: what it holds about them (their addresses, cart, orders,
payments with the processor's own records, reviews, the shops they run, their money as a creator) and what
an erasure removes from it. Orders, payments and the ledger stay: the law requires them; so do the shops
they closed, which orders and books point at."""

from __future__ import annotations

import dataclasses
from typing import Any

from sqlalchemy import delete, select, update

from clipshop.kit.db import UnitOfWork
from clipshop.kit.holdings import Held, json_ready, rows
from clipshop.kit.ids import region_of
from clipshop.kit.ports import PaymentProvider
from clipshop.shop.cart.models import Address, AttributionTouch, CartItem
from clipshop.shop.catalog.models import (
    PublicProduct,
    PublicReview,
    PublicShop,
    PublicShowcaseItem,
    PublicVideoProduct,
    Shop,
    ShopStaff,
)
from clipshop.shop.catalog.projection import unlist_shop
from clipshop.shop.ledger.statements import money_book
from clipshop.shop.orders.models import (
    Checkout,
    Order,
    OrderEvent,
    OrderLine,
    Payment,
    PaymentEvent,
    Refund,
    ReturnRequest,
    Review,
)


def held_about(uow: UnitOfWork, *, user_id: str, payments: PaymentProvider) -> Held:
    """Everything the shop holds about `user_id` at home and in the directory, the payment processor's
    record of each of their payments (its intents are keyed by our payment id), and their creator money in
    every region (read through the residency gateway, as their earnings page does)."""
    db = uow.region(region_of(user_id))
    directory = uow.directory
    order_ids = list(db.scalars(select(Order.id).where(Order.buyer_id == user_id)))
    payment_ids = list(db.scalars(select(Payment.id).where(Payment.buyer_id == user_id)))
    held: Held = {
        "region/addresses": rows(db, Address, Address.user_id == user_id),
        "region/cart_items": rows(db, CartItem, CartItem.user_id == user_id),
        "region/attribution_touches": rows(db, AttributionTouch, AttributionTouch.user_id == user_id),
        "region/checkouts": rows(db, Checkout, Checkout.buyer_id == user_id),
        "region/orders": rows(db, Order, Order.buyer_id == user_id),
        "region/order_lines": rows(db, OrderLine, OrderLine.order_id.in_(order_ids)),
        "region/order_events": rows(db, OrderEvent, OrderEvent.order_id.in_(order_ids)),
        "region/payments": rows(db, Payment, Payment.buyer_id == user_id),
        "region/payment_events": rows(db, PaymentEvent, PaymentEvent.payment_id.in_(payment_ids)),
        "region/refunds": rows(db, Refund, Refund.order_id.in_(order_ids)),
        "region/return_requests": rows(db, ReturnRequest, ReturnRequest.buyer_id == user_id),
        "region/reviews": rows(db, Review, Review.buyer_id == user_id),
        "region/shops": rows(db, Shop, Shop.owner_id == user_id),
        "region/shop_staff": rows(db, ShopStaff, ShopStaff.user_id == user_id),
        "directory/public_shops": rows(directory, PublicShop, PublicShop.owner_id == user_id),
        "directory/public_reviews": rows(directory, PublicReview, PublicReview.author_id == user_id),
        "directory/public_showcase_items": rows(
            directory, PublicShowcaseItem, PublicShowcaseItem.creator_id == user_id
        ),
        "directory/public_video_products": rows(
            directory, PublicVideoProduct, PublicVideoProduct.creator_id == user_id
        ),
        "payments/processor_intents": _intents(payments, payment_ids),
    }
    book = money_book(uow, party=f"creator:{user_id}")
    held["ledger/creator_money_book"] = [
        {
            "balances": [dataclasses.asdict(b) for b in book.balances],
            "payouts": rows_of_payouts(book.payouts),
            "statement": [
                {k: json_ready(v) for k, v in dataclasses.asdict(line).items()} for line in book.statement
            ],
        }
    ]
    return held


def rows_of_payouts(payouts: list[Any]) -> list[dict[str, Any]]:
    return [
        {column.name: json_ready(getattr(p, column.name)) for column in p.__table__.columns} for p in payouts
    ]


def _intents(payments: PaymentProvider, payment_ids: list[str]) -> list[dict[str, Any]]:
    found = []
    for payment_id in payment_ids:
        intent = payments.find_intent(idempotency_key=payment_id)
        if intent is not None:
            found.append({"payment_id": payment_id, "provider": payments.name, **dataclasses.asdict(intent)})
    return found


def open_shops(uow: UnitOfWork, *, user_id: str) -> list[tuple[str, str]]:
    """(id, handle) of the shops `user_id` owns and has not closed: an account is not erased while it runs
    one (a closed shop stays, pointing at the blanked account)."""
    query = (
        select(Shop.id, Shop.handle)
        .where(Shop.owner_id == user_id, Shop.closed_at.is_(None))
        .order_by(Shop.handle)
    )
    return [(shop_id, handle) for shop_id, handle in uow.region(region_of(user_id)).execute(query)]


def erase_user(uow: UnitOfWork, *, user_id: str) -> None:
    """Remove what the shop holds about `user_id` that no law asks it to keep (idempotent): their address
    book, cart, attribution, reviews (and their weight in products' ratings), their staff places in shops
    of their region, the products they show and tag. Orders, payments, refunds, returns and the ledger stay;
    an order that was never paid loses its shipping address, a paid one keeps it (the merchant ships it and
    must keep it with the sale). The shops they closed stay too, and stay off the directory (unlisted again
    here, in case a crash left a copy behind)."""
    db = uow.region(region_of(user_id))
    directory = uow.directory
    for shop in list(db.scalars(select(Shop).where(Shop.owner_id == user_id, Shop.closed_at.is_not(None)))):
        unlist_shop(uow, shop=shop)
    db.execute(delete(Address).where(Address.user_id == user_id))
    db.execute(delete(CartItem).where(CartItem.user_id == user_id))
    db.execute(delete(AttributionTouch).where(AttributionTouch.user_id == user_id))
    db.execute(delete(ShopStaff).where(ShopStaff.user_id == user_id))
    for review in list(db.scalars(select(Review).where(Review.buyer_id == user_id))):
        public = directory.get(PublicReview, review.id)
        if public is not None:
            directory.execute(
                update(PublicProduct)
                .where(PublicProduct.id == public.product_id)
                .values(
                    rating_sum=PublicProduct.rating_sum - public.rating,
                    rating_count=PublicProduct.rating_count - 1,
                )
            )
            directory.delete(public)
        db.delete(review)
    db.execute(
        update(Order).where(Order.buyer_id == user_id, Order.paid_at.is_(None)).values(shipping_address={})
    )
    directory.execute(delete(PublicShowcaseItem).where(PublicShowcaseItem.creator_id == user_id))
    directory.execute(delete(PublicVideoProduct).where(PublicVideoProduct.creator_id == user_id))
