"""Pricing a checkout exactly as it will be charged: per shop its items, discount code, shipping and tax,
the platform's fee, and the commission of the creators whose videos or showcases led to the items."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import select

from clipshop.config import Settings
from clipshop.errors import Invalid, NotFound
from clipshop.kit.actors import Actor
from clipshop.kit.db import UnitOfWork
from clipshop.kit.ids import is_valid_id, region_of
from clipshop.residency.carving import RegionDetached, recently_detached
from clipshop.shop.cart import attribution
from clipshop.shop.cart.models import CartItem
from clipshop.shop.catalog.models import DiscountCode, Product, ProductStatus, ShippingOption, Shop, Variant
from clipshop.shop.catalog.shops import ShopClosed
from clipshop.shop.catalog.withholding import refuse_withheld
from clipshop.shop.money import basis_points

MAX_LINES = 50
MAX_QUANTITY = 99


@dataclass(frozen=True)
class Terms:
    """What a buyer's region charges on top of the items, and how long a touch earns a creator commission."""

    tax_bp: int
    fee_bp: int
    attribution_window: timedelta

    @classmethod
    def of(cls, settings: Settings, region: str) -> Terms:
        return cls(
            tax_bp=settings.tax_rates_bp.get(region, 0),
            fee_bp=settings.platform_fee_bp,
            attribution_window=timedelta(days=settings.attribution_window_days),
        )


@dataclass(frozen=True)
class LineRequest:
    variant_id: str
    quantity: int


@dataclass
class PricedLine:
    variant: Variant
    product: Product
    quantity: int
    discount: int = 0
    creator_id: str | None = None
    video_id: str | None = None

    @property
    def amount(self) -> int:
        return self.variant.price * self.quantity

    @property
    def commission(self) -> int:
        if self.creator_id is None:
            return 0
        return basis_points(self.amount - self.discount, self.product.commission_bp)


@dataclass(frozen=True)
class Shipping:
    """A shop's shipping option, as a checkout prices it."""

    id: str
    name: str
    price: int
    max_days: int


@dataclass
class ShopQuote:
    shop: Shop
    lines: list[PricedLine]
    shipping: Shipping
    discount_code: DiscountCode | None
    tax_bp: int
    fee_bp: int
    subtotal: int = 0
    discount: int = 0
    tax: int = 0
    total: int = 0
    fee: int = 0
    commission: int = 0
    creators: dict[str, int] = field(default_factory=dict)

    def price(self) -> None:
        self.subtotal = sum(line.amount for line in self.lines)
        code = self.discount_code
        if code is not None:
            wanted = basis_points(self.subtotal, code.percent_bp) if code.percent_bp else code.amount_off
            self.discount = min(wanted, self.subtotal)
            remaining = self.discount
            for n, line in enumerate(self.lines):
                part = remaining if n == len(self.lines) - 1 else self.discount * line.amount // self.subtotal
                line.discount, remaining = part, remaining - part
            if code.creator_id:
                for line in self.lines:
                    if line.product.commission_bp > 0 and code.creator_id != self.shop.owner_id:
                        line.creator_id, line.video_id = code.creator_id, None
        taxable = self.subtotal - self.discount + self.shipping.price
        self.tax = basis_points(taxable, self.tax_bp)
        self.total = taxable + self.tax
        self.fee = basis_points(self.subtotal - self.discount, self.fee_bp)
        self.creators = defaultdict(int)
        for line in self.lines:
            if line.commission:
                self.creators[line.creator_id or ""] += line.commission
        self.creators = dict(self.creators)
        self.commission = sum(self.creators.values())


@dataclass
class Quote:
    currency: str
    shops: list[ShopQuote]

    @property
    def total(self) -> int:
        return sum(s.total for s in self.shops)


def requested_lines(uow: UnitOfWork, *, actor: Actor, items: list[LineRequest] | None) -> list[LineRequest]:
    """The lines asked for (the cart's when `items` is None), one per variant, checked."""
    if items is None:
        db = uow.region(actor.region)
        items = [
            LineRequest(c.variant_id, c.quantity)
            for c in db.scalars(
                select(CartItem).where(CartItem.user_id == actor.id).order_by(CartItem.added_at)
            )
        ]
        if not items:
            raise Invalid("Your cart is empty.", code="cart_empty", field="items")
    if not items:
        raise Invalid("Choose at least one item.", code="no_items", field="items")
    if len(items) > MAX_LINES:
        raise Invalid(
            f"At most {MAX_LINES} different items per checkout.", code="too_many_items", field="items"
        )
    merged: dict[str, int] = {}
    for n, item in enumerate(items):
        if not 1 <= item.quantity <= MAX_QUANTITY:
            raise Invalid(
                f"Quantities are 1 to {MAX_QUANTITY}.", code="invalid_quantity", field=f"items.{n}.quantity"
            )
        merged[item.variant_id] = merged.get(item.variant_id, 0) + item.quantity
    refuse_detached(uow, variant_ids=merged)
    return [LineRequest(v, q) for v, q in merged.items()]


def refuse_detached(uow: UnitOfWork, *, variant_ids: Iterable[str]) -> None:
    """Refuse, before anything is priced or held, a line whose shop's region has left this deployment."""
    regions = {region_of(v) for v in variant_ids if is_valid_id(v)}
    if not regions:
        return
    gone = sorted(regions & recently_detached(uow.databases.directory_engine))
    if gone:
        raise RegionDetached(gone[0])


def _read_catalog(uow: UnitOfWork, variant_ids: list[str]) -> list[object]:
    """Read the variants with their products and shops in one statement per region, so the lookups that
    follow find them in the session without asking the database again (while the caller keeps what this
    returns: a session holds its rows only as long as someone else does)."""
    by_region: dict[str, list[str]] = {}
    for variant_id in variant_ids:
        by_region.setdefault(region_of(variant_id), []).append(variant_id)
    read: list[object] = []
    for region, ids in by_region.items():
        read += (
            uow.region(region)
            .execute(
                select(Variant, Product, Shop)
                .join(Product, Product.id == Variant.product_id)
                .join(Shop, Shop.id == Variant.shop_id)
                .where(Variant.id.in_(ids))
            )
            .all()
        )
    return read


def quote(
    uow: UnitOfWork,
    *,
    actor: Actor,
    items: list[LineRequest] | None,
    shipping: dict[str, str],
    discount_codes: list[str],
    terms: Terms,
    now: datetime,
) -> Quote:
    """Price a checkout exactly as it will be charged: per shop items, discount, shipping, tax."""
    regions = set(uow.databases.regions)
    lines_by_shop: dict[str, list[PricedLine]] = {}
    first_line: dict[str, int] = {}  # shop id -> the index of its first line in the request
    requested = requested_lines(uow, actor=actor, items=items)
    # Kept to the end: the session finds these rows by id below only while someone holds them.
    catalog = _read_catalog(uow, [i.variant_id for i in requested if is_valid_id(i.variant_id, regions)])
    for n, item in enumerate(requested):
        variant = (
            uow.region(region_of(item.variant_id)).get(Variant, item.variant_id)
            if is_valid_id(item.variant_id, regions)
            else None
        )
        product = uow.region(region_of(variant.id)).get(Product, variant.product_id) if variant else None
        if variant is None or product is None or product.status is not ProductStatus.ACTIVE:
            raise NotFound("item", item.variant_id, field=f"items.{n}.variant_id")
        shop = uow.region(region_of(variant.id)).get_one(Shop, variant.shop_id)
        refuse_withheld(product, shop, field=f"items.{n}.variant_id")
        lines_by_shop.setdefault(variant.shop_id, []).append(PricedLine(variant, product, item.quantity))
        first_line.setdefault(variant.shop_id, n)
    touches = attribution.recent(
        uow,
        actor=actor,
        since=now - terms.attribution_window,
        product_ids=[line.product.id for lines in lines_by_shop.values() for line in lines],
    )
    codes = [c.strip().upper() for c in discount_codes if c.strip()]
    used_codes: set[str] = set()
    shops: list[ShopQuote] = []
    for shop_id, lines in lines_by_shop.items():
        db = uow.region(region_of(shop_id))
        shop = db.get_one(Shop, shop_id)
        if shop.closed_at is not None:
            raise ShopClosed(shop, field=f"items.{first_line[shop_id]}.variant_id")
        for line in lines:
            touch = touches.get(line.product.id)
            if touch is not None and line.product.commission_bp > 0 and touch.creator_id != shop.owner_id:
                line.creator_id, line.video_id = touch.creator_id, touch.video_id
        columns = (ShippingOption.id, ShippingOption.name, ShippingOption.price, ShippingOption.max_days)
        options = {
            row.id: Shipping(*row)
            for row in db.execute(select(*columns).where(ShippingOption.shop_id == shop_id))
        }
        if not options:
            raise Invalid(f"The shop {shop.name} does not ship yet.", code="no_shipping", field="shipping")
        chosen = shipping.get(shop_id)
        if chosen is not None and chosen not in options:
            raise Invalid(
                "That shipping option is not one of the shop's.",
                code="invalid_shipping_option",
                field=f"shipping.{shop_id}",
            )
        option = options[chosen] if chosen else min(options.values(), key=lambda o: (o.price, o.max_days))
        code = None
        for value in codes:
            found = db.get(DiscountCode, (shop_id, value))
            if found is not None and found.active and (found.max_uses is None or found.uses < found.max_uses):
                code = found
                used_codes.add(value)
                break
        shop_quote = ShopQuote(
            shop=shop,
            lines=lines,
            shipping=option,
            discount_code=code,
            tax_bp=terms.tax_bp,
            fee_bp=terms.fee_bp,
        )
        shop_quote.price()
        shops.append(shop_quote)
    unknown = [c for c in codes if c not in used_codes]
    if unknown:
        raise Invalid(
            f"The code {unknown[0]} is not valid for these shops (or has run out).",
            code="invalid_discount_code",
            field="discount_codes",
        )
    currencies = {s.shop.currency for s in shops}
    if len(currencies) > 1:
        raise Invalid(
            f"These items are priced in {', '.join(sorted(currencies))}; check out one currency at a time.",
            code="mixed_currencies",
            field="items",
        )
    del catalog
    return Quote(currency=currencies.pop(), shops=shops)
