"""Prebuilt statements read back what the ORM reads (enums, aware datetimes, JSON), fill in the plain
defaults of the columns an INSERT leaves out, write several rows in one INSERT (and several tables' rows in
one statement on PostgreSQL), and go through a region's fence like every other statement."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import bindparam, select
from sqlalchemy.exc import IntegrityError

from clipshop.kit.db import ForeignRegion, Prebuilt, PrebuiltInsert, PrebuiltInserts, table_of
from clipshop.kit.everywhere import everywhere
from clipshop.payments.sandbox import SandboxEvent, SandboxIntent
from clipshop.platform import Platform
from clipshop.shop.cart.models import CartItem
from clipshop.shop.catalog.models import Product, ProductStatus, Shop, Variant
from support import Member, a_product, open_shop

_PRODUCTS, _VARIANTS, _SHOPS = table_of(Product).c, table_of(Variant).c, table_of(Shop).c
_ITEM = Prebuilt(
    select(_PRODUCTS.status, _PRODUCTS.images, _PRODUCTS.updated_at, _VARIANTS.options, _SHOPS.created_at)
    .join_from(table_of(Variant), table_of(Product), _PRODUCTS.id == _VARIANTS.product_id)
    .join(table_of(Shop), _SHOPS.id == _VARIANTS.shop_id)
    .where(_VARIANTS.id == bindparam("variant_id"))
)


def test_a_prebuilt_read_gives_back_the_values_the_orm_reads(
    client: TestClient, platform: Platform, sign_up: Any
) -> None:
    merchant: Member = sign_up("merchant", "US")
    variant_id = a_product(client, merchant, open_shop(client, merchant, "reads"), skus=("TEE-M",))[
        "variants"
    ][0]["id"]
    with everywhere(platform.databases).transaction() as uow:
        (row,) = uow.fetch("us", _ITEM, {"variant_id": variant_id})
        variant = uow.region("us").get_one(Variant, variant_id)
        product = uow.region("us").get_one(Product, variant.product_id)
        shop = uow.region("us").get_one(Shop, variant.shop_id)
        assert row == (product.status, product.images, product.updated_at, variant.options, shop.created_at)
    status, images, updated_at, options, _ = row
    assert status is ProductStatus.ACTIVE
    assert images == ["/static/img/favicon.svg"] and options == {"size": "M"}
    assert updated_at.utcoffset() is not None and updated_at.utcoffset().total_seconds() == 0


def test_an_insert_fills_in_the_plain_defaults_of_the_columns_it_leaves_out(platform: Platform) -> None:
    intents = table_of(SandboxIntent)
    statement = PrebuiltInsert(intents)
    now = platform.clock.now()
    engine = platform.payments.engine  # type: ignore[attr-defined]
    with engine.connect() as conn:
        given = {
            "ref": "pi_defaults",
            "idempotency_key": "defaults",
            "amount": 500,
            "currency": "USD",
            "status": "processing",
            "card_last4": "4242",
            "failure_code": None,
            "created_at": now,
        }
        assert statement.run(conn, given) == 1
        conn.commit()
        refunded, metadata = conn.execute(
            select(intents.c.refunded, intents.c.metadata_json).where(intents.c.ref == "pi_defaults")
        ).one()
    assert (refunded, metadata) == (0, "{}")


def test_an_insert_of_several_rows_writes_each_with_its_own_values_and_the_defaults(
    platform: Platform,
) -> None:
    intents = table_of(SandboxIntent)
    statement = PrebuiltInsert(intents)
    now = platform.clock.now()
    rows = [
        {"ref": f"pi_{n}", "idempotency_key": f"many-{n}", "amount": 100 * n, "currency": "USD",
         "status": "processing", "card_last4": None, "failure_code": None, "created_at": now}
        for n in range(1, 4)
    ]  # fmt: skip
    with platform.payments.engine.connect() as conn:  # type: ignore[attr-defined]
        assert statement.run(conn, rows) == 3
        conn.commit()
        written = conn.execute(
            select(intents.c.ref, intents.c.amount, intents.c.refunded, intents.c.created_at)
            .where(intents.c.ref.in_(["pi_1", "pi_2", "pi_3"]))
            .order_by(intents.c.ref)
        ).all()
    assert [tuple(row) for row in written] == [(f"pi_{n}", 100 * n, 0, now) for n in range(1, 4)]


def test_a_prebuilt_statement_meets_the_fence_of_a_region_away_from_home(
    client: TestClient, platform: Platform, sign_up: Any
) -> None:
    merchant: Member = sign_up("merchant", "US")
    variant_id = a_product(client, merchant, open_shop(client, merchant, "fenced"))["variants"][0]["id"]
    carts = table_of(CartItem).c
    cart = Prebuilt(select(carts.variant_id).where(carts.user_id == bindparam("user_id")))
    uow = platform.databases.unit_of_work(home="eu")
    try:
        # Public content is read from anywhere; a buyer's cart in another region is not, without the gateway.
        assert len(uow.fetch("us", _ITEM, {"variant_id": variant_id})) == 1
        with pytest.raises(ForeignRegion):
            uow.fetch("us", cart, {"user_id": merchant.id})
        assert cart.tables == {"cart_items"} and not cart.writes
    finally:
        uow.rollback()
        uow.close()


def _intent(ref: str, key: str, now: Any) -> dict[str, Any]:
    return {"ref": ref, "idempotency_key": key, "amount": 700, "currency": "USD", "status": "succeeded",
            "card_last4": "4242", "failure_code": None, "created_at": now}  # fmt: skip


def _event(event_id: str, ref: str, now: Any) -> dict[str, Any]:
    return {"id": event_id, "intent_ref": ref, "type": "payment_intent.succeeded", "payload": "{}",
            "created_at": now, "deliver_after": now}  # fmt: skip


def test_inserts_of_several_tables_write_every_row_with_its_own_values_and_defaults(
    platform: Platform,
) -> None:
    intents, events = table_of(SandboxIntent), table_of(SandboxEvent)
    statement = PrebuiltInserts(intents, events)
    now = platform.clock.now()
    rows = {
        "sandbox_intents": [_intent("pi_a", "both-a", now), _intent("pi_b", "both-b", now)],
        "sandbox_events": [
            _event("ev_1", "pi_a", now),
            _event("ev_2", "pi_a", now),
            _event("ev_3", "pi_b", now),
        ],
    }
    assert statement.tables == {"sandbox_intents", "sandbox_events"} and statement.writes
    with platform.payments.engine.connect() as conn:  # type: ignore[attr-defined]
        statement.run(conn, rows)
        conn.commit()
        written = conn.execute(
            select(intents.c.ref, intents.c.idempotency_key, intents.c.refunded, intents.c.metadata_json)
            .where(intents.c.ref.in_(["pi_a", "pi_b"]))
            .order_by(intents.c.ref)
        ).all()
        sent = conn.execute(
            select(events.c.id, events.c.intent_ref, events.c.attempts, events.c.delivered_at)
            .where(events.c.id.in_(["ev_1", "ev_2", "ev_3"]))
            .order_by(events.c.id)
        ).all()
    assert [tuple(row) for row in written] == [("pi_a", "both-a", 0, "{}"), ("pi_b", "both-b", 0, "{}")]
    assert [tuple(row) for row in sent] == [("ev_1", "pi_a", 0, None), ("ev_2", "pi_a", 0, None),
                                            ("ev_3", "pi_b", 0, None)]  # fmt: skip


def test_inserts_of_several_tables_refused_by_a_later_table_keep_nothing_of_the_earlier(
    platform: Platform,
) -> None:
    intents, events = table_of(SandboxIntent), table_of(SandboxEvent)
    statement = PrebuiltInserts(intents, events)
    now = platform.clock.now()
    with platform.payments.engine.connect() as conn:  # type: ignore[attr-defined]
        statement.run(
            conn, {"sandbox_events": [_event("ev_taken", "pi_x", now)]}
        )  # one table: as PrebuiltInsert
        conn.commit()
        with pytest.raises(IntegrityError):
            statement.run(
                conn,
                {"sandbox_intents": [_intent("pi_new", "refused", now)],
                 "sandbox_events": [_event("ev_taken", "pi_new", now)]},
            )  # fmt: skip
        conn.rollback()
        kept = conn.execute(select(intents.c.ref).where(intents.c.ref == "pi_new")).all()
    assert kept == []
