"""API shapes of shops and their catalog, for buyers and for sellers. Money fields are integer minor units
beside a currency code."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from clipshop.kit.ids import region_of
from clipshop.shop.catalog.browse import Listing, Reviewed, Tagged
from clipshop.shop.catalog.models import (
    Product,
    ProductStatus,
    PublicProduct,
    PublicShop,
    PublicVariant,
    Shop,
    Variant,
)
from clipshop.shop.catalog.products import SellerProduct


class ShopCreate(BaseModel):
    handle: Annotated[str, StringConstraints(max_length=40)]
    name: Annotated[str, StringConstraints(max_length=80)]
    currency: Annotated[str, StringConstraints(max_length=3)] = "USD"
    description: Annotated[str, StringConstraints(max_length=2000)] = ""


class ShopRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: str
    region: str
    owner_id: str
    handle: str
    name: str
    description: str
    currency: str
    # Set once the owner closed the shop (only its staff see a closed shop: it left the directory).
    closed_at: datetime | None = None

    @classmethod
    def of_shop(cls, shop: Shop) -> ShopRead:
        """A shop as its staff see it, from its own row."""
        return cls(
            id=shop.id,
            region=region_of(shop.id),
            owner_id=shop.owner_id,
            handle=shop.handle,
            name=shop.name,
            description=shop.description,
            currency=shop.currency,
            closed_at=shop.closed_at,
        )


class StaffIn(BaseModel):
    user_id: Annotated[str, StringConstraints(max_length=40)]


class StaffRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    user_id: str
    role: str


class ShippingOptionIn(BaseModel):
    name: Annotated[str, StringConstraints(max_length=60)]
    price: int = Field(ge=0, le=10**9)
    min_days: int = Field(default=2, ge=0, le=365)
    max_days: int = Field(default=5, ge=0, le=365)


class ShippingOptionRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: str
    name: str
    price: int
    min_days: int
    max_days: int


class DiscountIn(BaseModel):
    code: Annotated[str, StringConstraints(max_length=32)]
    percent_bp: int = Field(default=0, ge=0, le=10_000)
    amount_off: int = Field(default=0, ge=0, le=10**9)
    creator_id: Annotated[str, StringConstraints(max_length=40)] | None = None
    max_uses: int | None = Field(default=None, ge=1)


class DiscountRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    code: str
    percent_bp: int
    amount_off: int
    creator_id: str | None
    max_uses: int | None
    uses: int
    active: bool


class VariantIn(BaseModel):
    sku: Annotated[str, StringConstraints(max_length=64)]
    price: int = Field(ge=0, le=10**9, description="Minor units (cents) in the shop's currency.")
    stock: int = Field(default=0, ge=0, le=10**7)
    options: dict[
        Annotated[str, StringConstraints(max_length=30)], Annotated[str, StringConstraints(max_length=60)]
    ] = Field(default_factory=dict, max_length=5)


class ProductCreate(BaseModel):
    title: Annotated[str, StringConstraints(max_length=140)]
    description: Annotated[str, StringConstraints(max_length=5000)] = ""
    status: ProductStatus = ProductStatus.ACTIVE
    commission_bp: int = Field(default=0, ge=0, le=8000, description="Affiliate commission; 0 = closed.")
    images: list[Annotated[str, StringConstraints(max_length=300)]] = Field(
        default_factory=list, max_length=10
    )
    variants: list[VariantIn] = Field(min_length=1, max_length=100)


class ProductUpdate(BaseModel):
    title: Annotated[str, StringConstraints(max_length=140)] | None = None
    description: Annotated[str, StringConstraints(max_length=5000)] | None = None
    status: ProductStatus | None = None
    commission_bp: int | None = Field(default=None, ge=0, le=8000)
    images: list[Annotated[str, StringConstraints(max_length=300)]] | None = Field(
        default=None, max_length=10
    )


class VariantUpdate(BaseModel):
    price: int | None = Field(default=None, ge=0, le=10**9)
    stock: int | None = Field(default=None, ge=0, le=10**7)
    stock_delta: int | None = Field(default=None, ge=-(10**7), le=10**7)


class VariantRead(BaseModel):
    id: str
    sku: str
    options: dict[str, str]
    price: int
    currency: str
    available: int


class ProductRead(BaseModel):
    id: str
    shop_id: str
    title: str
    description: str
    currency: str
    price_min: int
    price_max: int
    images: list[str]
    commission_bp: int
    in_stock: bool
    rating: float | None
    rating_count: int
    variants: list[VariantRead] = Field(default_factory=list)
    shop: ShopRead | None = None

    @classmethod
    def of(
        cls,
        product: PublicProduct,
        variants: list[PublicVariant] | None = None,
        shop: PublicShop | None = None,
    ) -> ProductRead:
        return cls(
            id=product.id,
            shop_id=product.shop_id,
            title=product.title,
            description=product.description,
            currency=product.currency,
            price_min=product.price_min,
            price_max=product.price_max,
            images=list(product.images),
            commission_bp=product.commission_bp,
            in_stock=product.in_stock,
            rating=round(product.rating_sum / product.rating_count, 2) if product.rating_count else None,
            rating_count=product.rating_count,
            variants=[variant_read(v) for v in variants or []],
            shop=ShopRead.model_validate(shop) if shop else None,
        )

    @classmethod
    def of_listing(cls, listing: Listing) -> ProductRead:
        return cls.of(listing.product, listing.variants, listing.shop)

    @classmethod
    def of_seller(cls, view: SellerProduct) -> ProductRead:
        """The public copy once the product is active; before that, what its own rows say."""
        if view.public is not None:
            return cls.of(view.public, view.public_variants, view.shop)
        product, prices = view.product, [v.price for v in view.variants] or [0]
        return cls(
            id=product.id,
            shop_id=product.shop_id,
            title=product.title,
            description=product.description,
            currency=view.shop.currency if view.shop else "",
            price_min=min(prices),
            price_max=max(prices),
            images=list(product.images),
            commission_bp=product.commission_bp,
            in_stock=any(v.stock > 0 for v in view.variants),
            rating=None,
            rating_count=0,
        )


def variant_read(v: PublicVariant) -> VariantRead:
    return VariantRead(
        id=v.id, sku=v.sku, options=dict(v.options), price=v.price, currency=v.currency, available=v.available
    )


class SellerVariantRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: str
    sku: str
    options: dict[str, str]
    price: int
    stock: int


class SellerProductRead(BaseModel):
    id: str
    title: str
    status: str
    commission_bp: int
    images: list[str]
    variants: list[SellerVariantRead]

    @classmethod
    def of(cls, product: Product, variants: list[Variant]) -> SellerProductRead:
        return cls(
            id=product.id,
            title=product.title,
            status=product.status.value,
            commission_bp=product.commission_bp,
            images=list(product.images),
            variants=[SellerVariantRead.model_validate(v) for v in variants],
        )


class ImportReport(BaseModel):
    created: int
    rows: int
    errors: list[dict[str, Any]]


class VideoProductTag(BaseModel):
    product_id: Annotated[str, StringConstraints(max_length=40)]
    at_s: float | None = Field(default=None, ge=0, le=3600)


class VideoProductsIn(BaseModel):
    products: list[VideoProductTag] = Field(max_length=6)


class TaggedProductRead(BaseModel):
    product: ProductRead
    at_s: float | None

    @classmethod
    def of(cls, tagged: Tagged) -> TaggedProductRead:
        return cls(product=ProductRead.of_listing(tagged.listing), at_s=tagged.at_s)


class ShowcaseIn(BaseModel):
    product_ids: list[Annotated[str, StringConstraints(max_length=40)]] = Field(max_length=50)


class ReviewRead(BaseModel):
    id: str
    product_id: str
    author_id: str
    author_handle: str | None = None
    rating: int
    body: str
    created_at: datetime

    @classmethod
    def of(cls, reviewed: Reviewed) -> ReviewRead:
        r = reviewed.review
        return cls(
            id=r.id,
            product_id=r.product_id,
            author_id=r.author_id,
            author_handle=reviewed.author_handle,
            rating=r.rating,
            body=r.body,
            created_at=r.created_at,
        )
