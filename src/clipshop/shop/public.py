"""The shop's public surface for other domains (the `protected` import contract in pyproject.toml keeps
every other module of `clipshop.shop` to the shop itself, the composition root and the pages): the
directory's public copies of shops, products and variants, product tags on videos, and the products tagged
in each video (feeds show them as chips). All of it is public, never personal, data. And the one way to
heal those copies from a region's truth (`heal_projections`, for the composition root's heal job), and what
a moderation decision does to a product or a shop (`withhold_*`, `release_*`, `storefront_item`). For
advertising: the open shop an actor owns (`owned_shop`) and the currency check; and, as it bills
and attributes in each person's own region, the ledger (post, balances, an account's movements) and
the lines of a buyer's paid orders (`paid_lines`, personal, read in the buyer's region only)."""

from __future__ import annotations

from collections import Counter
from datetime import datetime

from clipshop.errors import Conflict
from clipshop.kit.actors import Actor
from clipshop.kit.db import UnitOfWork
from clipshop.kit.watermarks import Window
from clipshop.shop.catalog import shops
from clipshop.shop.catalog.browse import video_products
from clipshop.shop.catalog.models import PublicProduct, PublicShop, PublicVariant, PublicVideoProduct
from clipshop.shop.catalog.projection import heal_catalog
from clipshop.shop.catalog.withholding import (
    StorefrontItem,
    release_product,
    release_shop,
    storefront_item,
    withhold_product,
    withhold_shop,
)
from clipshop.shop.ledger.postings import balance as ledger_balance
from clipshop.shop.ledger.postings import cash as cash_account
from clipshop.shop.ledger.postings import movements as ledger_movements
from clipshop.shop.ledger.postings import post as post_to_ledger
from clipshop.shop.money import check_currency
from clipshop.shop.orders.purchases import PaidLine, paid_lines
from clipshop.shop.orders.reviews import heal_reviews

__all__ = [
    "PaidLine",
    "PublicProduct",
    "PublicShop",
    "PublicVariant",
    "PublicVideoProduct",
    "StorefrontItem",
    "cash_account",
    "check_currency",
    "heal_projections",
    "ledger_balance",
    "ledger_movements",
    "owned_shop",
    "paid_lines",
    "post_to_ledger",
    "release_product",
    "release_shop",
    "storefront_item",
    "video_products",
    "withhold_product",
    "withhold_shop",
]


def heal_projections(uow: UnitOfWork, *, region: str, window: Window, now: datetime) -> dict[str, int]:
    """Rebuild what the directory lacks, or has stale, of `region`'s shops, products, variants and its
    buyers' reviews written in `window`; returns how many rows of each it fixed."""
    fixed = Counter(heal_catalog(uow, region=region, window=window, now=now))
    fixed.update(heal_reviews(uow, region=region, window=window))
    return dict(fixed)


def owned_shop(uow: UnitOfWork, *, actor: Actor, shop_id: str) -> PublicShop:
    """The public copy of the open shop `shop_id` if `actor` owns it; NotFound if they do not (or there is
    none), ShopClosed (409) if they closed it, 409 `shop_withheld` if a moderator took it down."""
    shop = shops.get(uow, actor=actor, shop_id=shop_id, owner=True)
    shops.require_open(shop)
    public = uow.directory.get(PublicShop, shop.id)
    if public is None:
        raise Conflict("shop_withheld", f"The shop {shop.name} was taken down by a moderation decision.")
    return public
