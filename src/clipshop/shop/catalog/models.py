"""Catalog tables.

Where each row lives:
- the **merchant's region** (the shop owner's home): shops, staff, shipping options, products, variants and
  their stock, discount codes, stock reservations (which name an order id, never a buyer);
- the **directory**: public projections of shops, active products and variants (price, stock state),
  product tags on videos, creators' showcases and reviews, so buyers in every region can browse.

The directory tables are the shop's public surface: other domains read them (see `clipshop.shop.public`).
Money is always an integer number of minor units with a three-letter currency.
"""

from __future__ import annotations

import enum
from datetime import datetime
from typing import Protocol

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    CheckConstraint,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from clipshop.kit.db import DirectoryBase, RegionBase, UTCDateTime
from clipshop.kit.db import str_enum as _enum


class ProductStatus(enum.StrEnum):
    DRAFT = "draft"
    ACTIVE = "active"
    ARCHIVED = "archived"


class StaffRole(enum.StrEnum):
    OWNER = "owner"
    STAFF = "staff"


class ReservationStatus(enum.StrEnum):
    HELD = "held"
    COMMITTED = "committed"
    RELEASED = "released"


class ShopNamed(Protocol):
    """What a buyer is told of a shop they reached for: a `Shop` row, or the plain copy a checkout reads."""

    @property
    def id(self) -> str: ...
    @property
    def name(self) -> str: ...
    @property
    def withheld_by(self) -> str | None: ...


class ProductNamed(Protocol):
    """What a buyer is told of a product they reached for (as `ShopNamed`)."""

    @property
    def id(self) -> str: ...
    @property
    def title(self) -> str: ...
    @property
    def withheld_by(self) -> str | None: ...


# ---------------------------------------------------------------------------------------------------------
# The merchant's region


class Shop(RegionBase):
    __tablename__ = "shops"

    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    owner_id: Mapped[str] = mapped_column(ForeignKey("users.id", ondelete="RESTRICT"), unique=True)
    handle: Mapped[str] = mapped_column(String(40), unique=True)
    name: Mapped[str] = mapped_column(String(80))
    description: Mapped[str] = mapped_column(Text, default="")
    currency: Mapped[str] = mapped_column(String(3))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    # When the owner closed it: off the directory for good, nothing more sold; its orders and books stay.
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime, default=None, index=True)
    # The moderation decision that took it down (`catalog.withholding`): off the directory with its products
    # while set; a won appeal clears it.
    withheld_by: Mapped[str | None] = mapped_column(String(40), default=None)


class ShopStaff(RegionBase):
    """Who may run a shop. Staff may live in any region, so the user id is opaque here (no foreign key)."""

    __tablename__ = "shop_staff"

    shop_id: Mapped[str] = mapped_column(ForeignKey("shops.id", ondelete="CASCADE"), primary_key=True)
    user_id: Mapped[str] = mapped_column(String(40), primary_key=True)
    role: Mapped[StaffRole] = mapped_column(_enum(StaffRole))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)


class ShippingOption(RegionBase):
    __tablename__ = "shipping_options"

    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    shop_id: Mapped[str] = mapped_column(ForeignKey("shops.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(60))
    price: Mapped[int] = mapped_column(BigInteger)
    min_days: Mapped[int] = mapped_column(Integer, default=2)
    max_days: Mapped[int] = mapped_column(Integer, default=5)


class Product(RegionBase):
    __tablename__ = "products"

    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    shop_id: Mapped[str] = mapped_column(ForeignKey("shops.id", ondelete="CASCADE"), index=True)
    title: Mapped[str] = mapped_column(String(140))
    description: Mapped[str] = mapped_column(Text, default="")
    status: Mapped[ProductStatus] = mapped_column(_enum(ProductStatus), default=ProductStatus.DRAFT)
    # Affiliate commission in basis points of the line's price; 0 means not open to affiliates.
    commission_bp: Mapped[int] = mapped_column(Integer, default=0)
    images: Mapped[list[str]] = mapped_column(JSON, default=list)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    # The moderation decision that took it down (`catalog.withholding`): no public copy while set.
    withheld_by: Mapped[str | None] = mapped_column(String(40), default=None)


class Variant(RegionBase):
    __tablename__ = "variants"
    __table_args__ = (
        UniqueConstraint("shop_id", "sku"),
        CheckConstraint("stock >= 0", name="stock_not_negative"),
        CheckConstraint("price >= 0", name="price_not_negative"),
    )

    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    product_id: Mapped[str] = mapped_column(ForeignKey("products.id", ondelete="CASCADE"), index=True)
    shop_id: Mapped[str] = mapped_column(String(40))
    sku: Mapped[str] = mapped_column(String(64))
    options: Mapped[dict[str, str]] = mapped_column(JSON, default=dict)
    price: Mapped[int] = mapped_column(BigInteger)
    currency: Mapped[str] = mapped_column(String(3))
    # Units that may still be sold: reservations take from it, releases give back.
    stock: Mapped[int] = mapped_column(Integer, default=0)
    position: Mapped[int] = mapped_column(Integer, default=0)
    # The last change of price or stock after the product was made (then its own `updated_at` covers it).
    updated_at: Mapped[datetime | None] = mapped_column(UTCDateTime, default=None, index=True)


class StockReservation(RegionBase):
    """Units of a variant held for an order: held until paid (or expired), then committed or released."""

    __tablename__ = "stock_reservations"
    __table_args__ = (Index("ix_stock_reservations_status_expiry", "status", "expires_at"),)

    order_id: Mapped[str] = mapped_column(String(40), primary_key=True)
    variant_id: Mapped[str] = mapped_column(ForeignKey("variants.id", ondelete="CASCADE"), primary_key=True)
    quantity: Mapped[int] = mapped_column(Integer)
    status: Mapped[ReservationStatus] = mapped_column(_enum(ReservationStatus))
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)


class DiscountCode(RegionBase):
    """A shop's code: a percentage or a fixed amount off the shop's items; a creator's code credits them."""

    __tablename__ = "discount_codes"

    shop_id: Mapped[str] = mapped_column(ForeignKey("shops.id", ondelete="CASCADE"), primary_key=True)
    code: Mapped[str] = mapped_column(String(32), primary_key=True)
    percent_bp: Mapped[int] = mapped_column(Integer, default=0)
    amount_off: Mapped[int] = mapped_column(BigInteger, default=0)
    creator_id: Mapped[str | None] = mapped_column(String(40), default=None)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    max_uses: Mapped[int | None] = mapped_column(Integer, default=None)
    uses: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)


# ---------------------------------------------------------------------------------------------------------
# The directory: public projections


class PublicShop(DirectoryBase):
    __tablename__ = "public_shops"

    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    region: Mapped[str] = mapped_column(String(16))
    owner_id: Mapped[str] = mapped_column(String(40), unique=True)
    handle: Mapped[str] = mapped_column(String(40), unique=True)
    name: Mapped[str] = mapped_column(String(80))
    description: Mapped[str] = mapped_column(Text, default="")
    currency: Mapped[str] = mapped_column(String(3))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)


class PublicProduct(DirectoryBase):
    """An active product as every region sees it."""

    __tablename__ = "public_products"
    __table_args__ = (Index("ix_public_products_shop", "shop_id", "updated_at"),)

    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    shop_id: Mapped[str] = mapped_column(String(40))
    region: Mapped[str] = mapped_column(String(16))
    title: Mapped[str] = mapped_column(String(140))
    description: Mapped[str] = mapped_column(Text, default="")
    currency: Mapped[str] = mapped_column(String(3))
    price_min: Mapped[int] = mapped_column(BigInteger)
    price_max: Mapped[int] = mapped_column(BigInteger)
    images: Mapped[list[str]] = mapped_column(JSON, default=list)
    commission_bp: Mapped[int] = mapped_column(Integer, default=0)
    in_stock: Mapped[bool] = mapped_column(Boolean, default=False)
    rating_sum: Mapped[int] = mapped_column(Integer, default=0)
    rating_count: Mapped[int] = mapped_column(Integer, default=0)
    search_text: Mapped[str] = mapped_column(Text, default="")
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)


class PublicVariant(DirectoryBase):
    __tablename__ = "public_variants"

    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    product_id: Mapped[str] = mapped_column(String(40), index=True)
    sku: Mapped[str] = mapped_column(String(64))
    options: Mapped[dict[str, str]] = mapped_column(JSON, default=dict)
    price: Mapped[int] = mapped_column(BigInteger)
    currency: Mapped[str] = mapped_column(String(3))
    available: Mapped[int] = mapped_column(Integer, default=0)
    position: Mapped[int] = mapped_column(Integer, default=0)


class PublicVideoProduct(DirectoryBase):
    """A product tagged in a published (or to-be-published) video, optionally at a moment of the clip."""

    __tablename__ = "public_video_products"

    video_id: Mapped[str] = mapped_column(String(40), primary_key=True)
    product_id: Mapped[str] = mapped_column(String(40), primary_key=True, index=True)
    creator_id: Mapped[str] = mapped_column(String(40), index=True)
    at_s: Mapped[float | None] = mapped_column(Float, default=None)
    position: Mapped[int] = mapped_column(Integer, default=0)


class PublicShowcaseItem(DirectoryBase):
    __tablename__ = "public_showcase_items"

    creator_id: Mapped[str] = mapped_column(String(40), primary_key=True)
    product_id: Mapped[str] = mapped_column(String(40), primary_key=True)
    position: Mapped[int] = mapped_column(Integer, default=0)
    added_at: Mapped[datetime] = mapped_column(UTCDateTime)


class PublicReview(DirectoryBase):
    __tablename__ = "public_reviews"
    __table_args__ = (Index("ix_public_reviews_product", "product_id", "created_at"),)

    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    product_id: Mapped[str] = mapped_column(String(40))
    author_id: Mapped[str] = mapped_column(String(40))
    rating: Mapped[int] = mapped_column(Integer)
    body: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
