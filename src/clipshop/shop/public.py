"""The shop's public surface for other domains (the `protected` import contract in pyproject.toml keeps
every other module of `clipshop.shop` to the shop itself, the composition root and the pages): the
directory's public copies of shops, products and variants, product tags on videos, and the products tagged
in each video (feeds show them as chips). All of it is public, never personal, data. And the one way to
heal those copies from a region's truth (`heal_projections`, for the composition root's heal job), and what
a moderation decision does to a product or a shop (`withhold_*`, `release_*`, `storefront_item`). For
advertising, which bills and attributes in each person's own region: the ledger (post, balances, an
account's movements) and the lines of a buyer's paid orders (`paid_lines`, personal, read in the buyer's
region only)."""

from __future__ import annotations

from collections import Counter
from datetime import datetime

from clipshop.kit.db import UnitOfWork
from clipshop.kit.watermarks import Window
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
    "heal_projections",
    "ledger_balance",
    "ledger_movements",
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
