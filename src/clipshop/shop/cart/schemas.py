"""API shapes of the cart, the address book and product opens (attribution)."""

from __future__ import annotations

from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from clipshop.shop.catalog.schemas import ProductRead, VariantRead


class CartAdd(BaseModel):
    variant_id: Annotated[str, StringConstraints(max_length=40)]
    quantity: int = Field(default=1, ge=1, le=99)


class CartUpdate(BaseModel):
    quantity: int = Field(ge=0, le=99)


class CartLineRead(BaseModel):
    variant_id: str
    quantity: int
    product: ProductRead | None
    variant: VariantRead | None


class CartRead(BaseModel):
    items: list[CartLineRead]
    count: int


class AddressIn(BaseModel):
    name: Annotated[str, StringConstraints(max_length=120)]
    line1: Annotated[str, StringConstraints(max_length=200)]
    line2: Annotated[str, StringConstraints(max_length=200)] = ""
    city: Annotated[str, StringConstraints(max_length=100)]
    state: Annotated[str, StringConstraints(max_length=100)] = ""
    postal_code: Annotated[str, StringConstraints(max_length=20)]
    country: Annotated[str, StringConstraints(max_length=2)]
    phone: Annotated[str, StringConstraints(max_length=40)] = ""
    make_default: bool = False


class AddressRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: str
    name: str
    line1: str
    line2: str
    city: str
    state: str
    postal_code: str
    country: str
    phone: str
    is_default: bool


class ProductOpenIn(BaseModel):
    video_id: Annotated[str, StringConstraints(max_length=40)] | None = None
    creator_id: Annotated[str, StringConstraints(max_length=40)] | None = None
