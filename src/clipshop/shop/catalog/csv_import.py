"""Bulk import of products from CSV, one row per variant, with a report of every row that was refused.

Columns (a header row is required; only title, sku and price are mandatory):
    handle, title, description, status, commission_percent, image_url, sku, price, stock,
    option1_name, option1_value, option2_name, option2_value, option3_name, option3_value
Rows with the same `handle` (or, without one, the same title) are variants of one product. A product is
created only if all its rows are valid; the others are created regardless.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal, InvalidOperation
from typing import TYPE_CHECKING, Any

from clipshop.errors import ClipshopError, Invalid
from clipshop.kit.actors import Actor
from clipshop.kit.db import UnitOfWork
from clipshop.kit.ids import region_of
from clipshop.shop.catalog import products as catalog_products
from clipshop.shop.catalog import shops
from clipshop.shop.catalog.models import ProductStatus, Shop
from clipshop.shop.catalog.products import VariantSpec
from clipshop.shop.money import to_minor

if TYPE_CHECKING:
    from clipshop.platform import Platform

MAX_ROWS = 10_000
REQUIRED = ("title", "sku", "price")


@dataclass
class PendingProduct:
    first_row: int
    title: str
    description: str = ""
    status: ProductStatus = ProductStatus.ACTIVE
    commission_bp: int = 0
    images: list[str] = field(default_factory=list)
    variants: list[VariantSpec] = field(default_factory=list)
    rows: list[int] = field(default_factory=list)
    broken: bool = False


@dataclass
class ImportResult:
    created: int
    rows: int
    errors: list[dict[str, Any]]


def _error(row: int, fieldname: str | None, code: str, message: str) -> dict[str, Any]:
    return {"row": row, "field": fieldname, "code": code, "message": message}


def import_csv(platform: Platform, *, actor: Actor, shop_id: str, text: str) -> ImportResult:
    """Create the products of a CSV in the actor's shop, in a transaction of its own (each product in a
    savepoint, so one refused product leaves the others); one report line per refused row."""
    with platform.uow(actor=actor).transaction() as uow:
        shop = shops.get(uow, actor=actor, shop_id=shop_id)
        return _import(uow, shop=shop, text=text, now=platform.clock.now())


def _import(uow: UnitOfWork, *, shop: Shop, text: str, now: datetime) -> ImportResult:
    if "\x00" in text:
        raise Invalid(
            "The CSV contains a NUL character; save it as plain UTF-8 text.", code="invalid_csv", field="file"
        )
    reader = csv.DictReader(io.StringIO(text))
    if reader.fieldnames is None or not set(REQUIRED) <= {h.strip().lower() for h in reader.fieldnames}:
        raise Invalid(
            f"The CSV needs a header row with at least: {', '.join(REQUIRED)}.",
            code="invalid_csv",
            field="file",
        )
    products: dict[str, PendingProduct] = {}
    errors: list[dict[str, Any]] = []
    count = 0
    for number, raw in enumerate(reader, start=2):  # row 1 is the header
        count += 1
        if count > MAX_ROWS:
            raise Invalid(f"Import at most {MAX_ROWS} rows at a time.", code="too_many_rows", field="file")
        row = {(k or "").strip().lower(): (v or "").strip() for k, v in raw.items()}
        key = row.get("handle") or row.get("title", "")
        if not key:
            errors.append(_error(number, "title", "missing_value", "Every row needs a title (or a handle)."))
            continue
        product = products.get(key)
        if product is None:
            product = products[key] = PendingProduct(first_row=number, title=row.get("title") or key)
        product.rows.append(number)
        row_errors = _read_row(product, row, number, currency=shop.currency)
        if row_errors:
            product.broken = True
            errors += row_errors
    created = 0
    db = uow.region(region_of(shop.id))
    for product in products.values():
        if product.broken:
            continue
        try:
            with db.begin_nested():
                catalog_products.add(
                    uow,
                    shop=shop,
                    title=product.title,
                    description=product.description,
                    status=product.status,
                    commission_bp=product.commission_bp,
                    images=product.images,
                    variants=product.variants,
                    now=now,
                )
            created += 1
        except ClipshopError as error:
            errors.append(_error(product.first_row, error.field, error.code, error.detail))
    errors.sort(key=lambda e: e["row"])
    return ImportResult(created=created, rows=count, errors=errors)


def _read_row(
    product: PendingProduct, row: dict[str, str], number: int, *, currency: str
) -> list[dict[str, Any]]:
    problems: list[dict[str, Any]] = []
    for name in REQUIRED:
        if not row.get(name) and not (name == "title" and product.title):
            problems.append(_error(number, name, "missing_value", f"The {name} is empty."))
    if row.get("description"):
        product.description = row["description"]
    if row.get("status"):
        try:
            product.status = ProductStatus(row["status"].lower())
        except ValueError:
            problems.append(
                _error(number, "status", "invalid_status", "Status is draft, active or archived.")
            )
    if row.get("commission_percent"):
        try:
            percent = Decimal(row["commission_percent"])
            if not 0 <= percent <= 80:
                raise InvalidOperation
            product.commission_bp = int(percent * 100)
        except InvalidOperation:
            problems.append(
                _error(number, "commission_percent", "invalid_commission", "Give 0 to 80 (percent).")
            )
    if row.get("image_url"):
        if row["image_url"].startswith(("https://", "http://", "/")):
            product.images.append(row["image_url"])
        else:
            problems.append(_error(number, "image_url", "invalid_url", "Image URLs start with https://."))
    price = 0
    if row.get("price"):
        try:
            price = to_minor(row["price"], currency)
        except Invalid as error:
            problems.append(_error(number, "price", error.code, error.detail))
    stock = 0
    if row.get("stock"):
        if row["stock"].isdigit():
            stock = int(row["stock"])
        else:
            problems.append(_error(number, "stock", "invalid_stock", "Stock is a whole number ≥ 0."))
    options = {
        row[f"option{n}_name"]: row.get(f"option{n}_value", "")
        for n in (1, 2, 3)
        if row.get(f"option{n}_name")
    }
    if not problems:
        product.variants.append(VariantSpec(sku=row["sku"], price=price, stock=stock, options=options))
    return problems
