"""The buyer's address book, and the check every shipping address passes (saved or typed at checkout)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select, update

from clipshop.errors import Invalid, NotFound
from clipshop.kit.actors import Actor
from clipshop.kit.db import UnitOfWork
from clipshop.kit.ids import new_id
from clipshop.shop.cart.models import Address

MAX_ADDRESSES = 20
FIELDS = ("name", "line1", "line2", "city", "state", "postal_code", "country", "phone")


def check(fields: dict[str, str]) -> dict[str, str]:
    """A complete shipping address with every field present and trimmed, or Invalid naming what is missing."""
    clean = {k: str(fields.get(k) or "").strip()[:200] for k in FIELDS}
    for required in ("name", "line1", "city", "postal_code", "country"):
        if not clean[required]:
            raise Invalid(
                f"The address needs its {required.replace('_', ' ')}.",
                code="address_incomplete",
                field=f"address.{required}",
            )
    clean["country"] = clean["country"].upper()
    if len(clean["country"]) != 2 or not clean["country"].isalpha():
        raise Invalid(
            "Give the country as a two-letter code (US, DE…).",
            code="invalid_country",
            field="address.country",
        )
    return clean


def snapshot(address: Address) -> dict[str, str]:
    """The address as an order keeps it (a copy: later edits of the address book do not change orders)."""
    return {field: getattr(address, field) for field in FIELDS}


def create(
    uow: UnitOfWork, *, actor: Actor, fields: dict[str, str], make_default: bool, now: datetime
) -> Address:
    db = uow.region(actor.region)
    existing = list(db.scalars(select(Address).where(Address.user_id == actor.id)))
    if len(existing) >= MAX_ADDRESSES:
        raise Invalid(f"Keep at most {MAX_ADDRESSES} addresses; remove one first.", code="too_many_addresses")
    clean = check(fields)
    default = make_default or not existing
    if default:
        db.execute(update(Address).where(Address.user_id == actor.id).values(is_default=False))
    address = Address(
        id=new_id(actor.region),
        user_id=actor.id,
        is_default=default,
        created_at=now,
        **clean,
    )
    db.add(address)
    return address


def get_all(uow: UnitOfWork, *, actor: Actor) -> list[Address]:
    """The actor's addresses, the default first."""
    db = uow.region(actor.region)
    return list(
        db.scalars(
            select(Address)
            .where(Address.user_id == actor.id)
            .order_by(Address.is_default.desc(), Address.created_at)
        )
    )


def get(uow: UnitOfWork, *, actor: Actor, address_id: str, field: str | None = None) -> Address:
    """The actor's address, or NotFound (missing and not yours answer alike)."""
    address = uow.find(Address, address_id, region=actor.region)
    if address is None or address.user_id != actor.id:
        raise NotFound("address", address_id, field=field)
    return address


def get_default(uow: UnitOfWork, *, actor: Actor) -> Address | None:
    """The actor's default address (or their oldest), None if they have none."""
    db = uow.region(actor.region)
    return db.scalars(
        select(Address)
        .where(Address.user_id == actor.id)
        .order_by(Address.is_default.desc(), Address.created_at)
    ).first()


def delete(uow: UnitOfWork, *, actor: Actor, address_id: str) -> None:
    uow.region(actor.region).delete(get(uow, actor=actor, address_id=address_id))
