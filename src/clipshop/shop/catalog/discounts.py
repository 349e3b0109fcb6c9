"""A shop's discount codes: a percentage or a fixed amount off; a creator's code credits that creator."""

from __future__ import annotations

import re
from datetime import datetime

from sqlalchemy import select

from clipshop.errors import Conflict, Invalid
from clipshop.kit.actors import Actor
from clipshop.kit.db import UnitOfWork
from clipshop.kit.ids import region_of
from clipshop.shop.catalog import shops
from clipshop.shop.catalog.models import DiscountCode


def create(
    uow: UnitOfWork,
    *,
    actor: Actor,
    shop_id: str,
    code: str,
    percent_bp: int,
    amount_off: int,
    creator_id: str | None,
    max_uses: int | None,
    now: datetime,
) -> DiscountCode:
    shop = shops.get(uow, actor=actor, shop_id=shop_id)
    value = code.strip().upper()
    if not re.fullmatch(r"[A-Z0-9_-]{3,32}", value):
        raise Invalid(
            "A code is 3 to 32 letters, digits, '_' or '-'.", code="invalid_discount_code", field="code"
        )
    if (percent_bp > 0) == (amount_off > 0) or not 0 <= percent_bp <= 10_000 or amount_off < 0:
        raise Invalid(
            "Give either percent_bp (1-10000) or amount_off (> 0), not both.",
            code="invalid_discount",
        )
    db = uow.region(region_of(shop.id))
    if db.get(DiscountCode, (shop.id, value)) is not None:
        raise Conflict("discount_code_exists", f"The shop already has a code {value}.", field="code")
    discount = DiscountCode(
        shop_id=shop.id,
        code=value,
        percent_bp=percent_bp,
        amount_off=amount_off,
        creator_id=creator_id,
        active=True,
        max_uses=max_uses,
        uses=0,
        created_at=now,
    )
    db.add(discount)
    return discount


def get_all(uow: UnitOfWork, *, actor: Actor, shop_id: str) -> list[DiscountCode]:
    shop = shops.get(uow, actor=actor, shop_id=shop_id)
    db = uow.region(region_of(shop.id))
    return list(db.scalars(select(DiscountCode).where(DiscountCode.shop_id == shop.id)))
