"""Pricing a checkout exactly as it will be charged: per shop its items, discount code, shipping and tax,
the platform's fee, and the commission of the creators whose videos or showcases led to the items."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import bindparam, select

from clipshop.config import Settings
from clipshop.errors import Invalid, NotFound
from clipshop.kit.actors import Actor
from clipshop.kit.db import Prebuilt, PrebuiltPerCount, UnitOfWork, table_of
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


@dataclass(frozen=True)
class CatalogVariant:
    """A variant as a checkout prices it (plain values read with one statement, not a mapped row)."""

    id: str
    product_id: str
    shop_id: str
    sku: str
    options: dict[str, str]
    price: int


@dataclass(frozen=True)
class CatalogProduct:
    id: str
    title: str
    status: ProductStatus
    commission_bp: int
    images: list[str]
    withheld_by: str | None


@dataclass(frozen=True)
class CatalogShop:
    id: str
    owner_id: str
    name: str
    currency: str
    closed_at: datetime | None
    withheld_by: str | None


@dataclass(frozen=True)
class OfferedCode:
    """A shop's discount code, as a checkout prices and uses it."""

    shop_id: str
    code: str
    percent_bp: int
    amount_off: int
    creator_id: str | None
    active: bool
    max_uses: int | None
    uses: int


@dataclass
class PricedLine:
    variant: CatalogVariant
    product: CatalogProduct
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
    shop: CatalogShop
    lines: list[PricedLine]
    shipping: Shipping
    discount_code: OfferedCode | None
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
        items = cart_lines(uow, actor=actor)
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


def cart_lines(uow: UnitOfWork, *, actor: Actor) -> list[LineRequest]:
    """The lines of the actor's cart, oldest first (one prebuilt read at home)."""
    return [LineRequest(*row) for row in uow.fetch(actor.region, _CART, {"user_id": actor.id})]


def refuse_detached(uow: UnitOfWork, *, variant_ids: Iterable[str]) -> None:
    """Refuse, before anything is priced or held, a line whose shop's region has left this deployment."""
    regions = {region_of(v) for v in variant_ids if is_valid_id(v)}
    if not regions:
        return
    gone = sorted(regions & recently_detached(uow.databases.directory_engine))
    if gone:
        raise RegionDetached(gone[0])


# Prebuilt: the reads of a quote, compiled once (kit.db.prebuilt), each sent straight to the driver.
_CARTS, _VARIANTS, _PRODUCTS, _SHOPS = (table_of(m).c for m in (CartItem, Variant, Product, Shop))
_CART = Prebuilt(
    select(_CARTS.variant_id, _CARTS.quantity)
    .where(_CARTS.user_id == bindparam("user_id"))
    .order_by(_CARTS.added_at)
)
_SHIPPING = table_of(ShippingOption).c
# Each variant with its product, its shop and each of the shop's shipping options (a row per option; one
# with none when the shop has none): what pricing needs of the catalog, in one statement per region.
_CATALOG = PrebuiltPerCount(
    lambda listed: select(
        _VARIANTS.id, _VARIANTS.product_id, _VARIANTS.shop_id, _VARIANTS.sku, _VARIANTS.options,
        _VARIANTS.price,
        _PRODUCTS.id, _PRODUCTS.title, _PRODUCTS.status, _PRODUCTS.commission_bp, _PRODUCTS.images,
        _PRODUCTS.withheld_by,
        _SHOPS.id, _SHOPS.owner_id, _SHOPS.name, _SHOPS.currency, _SHOPS.closed_at, _SHOPS.withheld_by,
        _SHIPPING.id, _SHIPPING.name, _SHIPPING.price, _SHIPPING.max_days,
    )
    .join_from(table_of(Variant), table_of(Product), _PRODUCTS.id == _VARIANTS.product_id)
    .join(table_of(Shop), _SHOPS.id == _VARIANTS.shop_id)
    .outerjoin(table_of(ShippingOption), _SHIPPING.shop_id == _SHOPS.id)
    .where(_VARIANTS.id.in_(listed)),
    name="variant",
    type_=_VARIANTS.id.type,
)  # fmt: skip
_CODES = table_of(DiscountCode).c
_CODE = Prebuilt(
    select(_CODES.shop_id, _CODES.code, _CODES.percent_bp, _CODES.amount_off, _CODES.creator_id,
           _CODES.active, _CODES.max_uses, _CODES.uses)
    .where(_CODES.shop_id == bindparam("shop_id"), _CODES.code == bindparam("code"))
)  # fmt: skip


@dataclass
class _Catalog:
    """What a quote read of the catalog: the variants with their products and shops, by variant id, and
    each shop's shipping options, by shop id."""

    items: dict[str, tuple[CatalogVariant, CatalogProduct, CatalogShop]] = field(default_factory=dict)
    options: dict[str, dict[str, Shipping]] = field(default_factory=dict)


def _read_catalog(uow: UnitOfWork, variant_ids: list[str]) -> _Catalog:
    """The catalog's part of a quote: one statement per region."""
    by_region: dict[str, list[str]] = {}
    for variant_id in variant_ids:
        by_region.setdefault(region_of(variant_id), []).append(variant_id)
    read = _Catalog()
    for region, ids in by_region.items():
        statement, values = _CATALOG.of(ids)
        for row in uow.fetch(region, statement, values):
            if row[0] not in read.items:
                variant = CatalogVariant(*row[:6])
                read.items[variant.id] = (variant, CatalogProduct(*row[6:12]), CatalogShop(*row[12:18]))
            options = read.options.setdefault(row[12], {})
            if row[18] is not None:
                options[row[18]] = Shipping(*row[18:])
    return read


def _usable_code(uow: UnitOfWork, region: str, *, shop_id: str, code: str) -> OfferedCode | None:
    """The shop's discount code `code`, if it is active and has uses left."""
    for row in uow.fetch(region, _CODE, {"shop_id": shop_id, "code": code}):
        found = OfferedCode(*row)
        if found.active and (found.max_uses is None or found.uses < found.max_uses):
            return found
    return None


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
    requested = requested_lines(uow, actor=actor, items=items)
    return price_lines(
        uow,
        actor=actor,
        requested=requested,
        shipping=shipping,
        discount_codes=discount_codes,
        terms=terms,
        now=now,
    )


def price_lines(
    uow: UnitOfWork,
    *,
    actor: Actor,
    requested: list[LineRequest],
    shipping: dict[str, str],
    discount_codes: list[str],
    terms: Terms,
    now: datetime,
) -> Quote:
    """`quote` for lines already checked (`requested_lines`)."""
    regions = set(uow.databases.regions)
    lines_by_shop: dict[str, list[PricedLine]] = {}
    first_line: dict[str, int] = {}  # shop id -> the index of its first line in the request
    shops_by_id: dict[str, CatalogShop] = {}
    catalog = _read_catalog(uow, [i.variant_id for i in requested if is_valid_id(i.variant_id, regions)])
    for n, item in enumerate(requested):
        found = catalog.items.get(item.variant_id)
        if found is None or found[1].status is not ProductStatus.ACTIVE:
            raise NotFound("item", item.variant_id, field=f"items.{n}.variant_id")
        variant, product, shop = found
        refuse_withheld(product, shop, field=f"items.{n}.variant_id")
        lines_by_shop.setdefault(variant.shop_id, []).append(PricedLine(variant, product, item.quantity))
        shops_by_id[variant.shop_id] = shop
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
        region, shop = region_of(shop_id), shops_by_id[shop_id]
        if shop.closed_at is not None:
            raise ShopClosed(shop, field=f"items.{first_line[shop_id]}.variant_id")
        for line in lines:
            touch = touches.get(line.product.id)
            if touch is not None and line.product.commission_bp > 0 and touch.creator_id != shop.owner_id:
                line.creator_id, line.video_id = touch.creator_id, touch.video_id
        options = catalog.options[shop_id]
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
            code = _usable_code(uow, region, shop_id=shop_id, code=value)
            if code is not None:
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
    return Quote(currency=currencies.pop(), shops=shops)
