"""Every commerce router, in the order the app mounts them: the buyer's, then the seller center's."""

from __future__ import annotations

from fastapi import APIRouter

from clipshop.shop.cart import api as cart_api
from clipshop.shop.catalog import api as catalog_api
from clipshop.shop.catalog import seller_api as catalog_seller_api
from clipshop.shop.checkout import api as checkout_api
from clipshop.shop.ledger import api as ledger_api
from clipshop.shop.orders import api as orders_api
from clipshop.shop.orders import seller_api as orders_seller_api
from clipshop.shop.payments import api as payments_api

ROUTERS: tuple[APIRouter, ...] = (
    catalog_api.router,
    cart_api.router,
    checkout_api.router,
    orders_api.router,
    payments_api.router,
    catalog_seller_api.router,
    orders_seller_api.router,
    ledger_api.router,
)
