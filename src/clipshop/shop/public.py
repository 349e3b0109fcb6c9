"""The shop's public surface for other domains (the `protected` import contract in pyproject.toml keeps
every other module of `clipshop.shop` to the shop itself, the composition root and the pages): the
directory's public copies of shops, products and variants, product tags on videos, and the products tagged
in each video (feeds show them as chips). All of it is public, never personal, data."""

from __future__ import annotations

from clipshop.shop.catalog.browse import video_products
from clipshop.shop.catalog.models import PublicProduct, PublicShop, PublicVariant, PublicVideoProduct

__all__ = ["PublicProduct", "PublicShop", "PublicVariant", "PublicVideoProduct", "video_products"]
