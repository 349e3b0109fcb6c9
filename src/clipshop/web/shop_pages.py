"""The shopping pages: cart, checkout, the buyer's orders, the seller center and a creator's earnings.

Each is a shell that its module under static/js fills from the commerce API; all of them are for members, so
a visitor is sent to log in and brought back.
"""

from __future__ import annotations

from typing import Any

from fastapi import Request
from fastapi.responses import RedirectResponse, Response
from starlette.concurrency import run_in_threadpool

from clipshop.accounts import service as accounts
from clipshop.errors import NotFound
from clipshop.payments.sandbox import SandboxProvider
from clipshop.platform.http import get_uow
from clipshop.shop.catalog import shops
from clipshop.shop.money import display
from clipshop.web.rendering import (
    SIGNUP_COUNTRIES,
    login_redirect,
    not_found,
    release_reads,
    render,
    viewer_of,
)

# Currencies offered when opening a shop; any ISO 4217 code works through the API.
SHOP_CURRENCIES: tuple[str, ...] = ("USD", "EUR", "GBP", "CAD", "AUD", "NZD", "JPY", "CHF", "SEK", "MXN")


def cart_page(request: Request) -> Response:
    viewer = viewer_of(request)
    if viewer is None:
        return login_redirect(request)
    return render(request, "cart.html", viewer=viewer, nav="cart")


def checkout_page(request: Request) -> Response:
    viewer = viewer_of(request)
    if viewer is None:
        return login_redirect(request)
    return render(request, "checkout.html", viewer=viewer, nav="cart", countries=SIGNUP_COUNTRIES)


def orders_page(request: Request) -> Response:
    viewer = viewer_of(request)
    if viewer is None:
        return login_redirect(request)
    return render(request, "orders.html", viewer=viewer, nav="orders")


def order_page(request: Request, order_id: str) -> Response:
    viewer = viewer_of(request)
    if viewer is None:
        return login_redirect(request)
    if len(order_id) > 40:
        return not_found(
            request, viewer, title="Order not found", message="Check the link, or find it in your orders."
        )
    return render(request, "order.html", viewer=viewer, nav="orders", order_id=order_id)


def seller_page(request: Request) -> Response:
    viewer = viewer_of(request)
    if viewer is None:
        return login_redirect(request)
    return render(request, "seller.html", viewer=viewer, nav="seller", currencies=SHOP_CURRENCIES)


def earnings_page(request: Request) -> Response:
    viewer = viewer_of(request)
    if viewer is None:
        return login_redirect(request)
    return render(request, "earnings.html", viewer=viewer, nav="earnings")


def sandbox_bank_page(request: Request, ref: str) -> Response:
    """The sandbox processor's authentication step (what a bank's 3-D Secure page is for a real card)."""
    viewer = viewer_of(request)
    provider = request.app.state.platform.payments
    intent = provider.find_intent_by_ref(ref) if isinstance(provider, SandboxProvider) else None
    if intent is None:
        return not_found(
            request, viewer, title="Payment not found", message="This payment link is not valid."
        )
    amount = display(intent.amount, intent.currency)
    return render(request, "sandbox_bank.html", viewer=viewer, nav="cart", intent=intent, amount=amount)


async def sandbox_bank_answer(request: Request, ref: str) -> Response:
    provider = request.app.state.platform.payments
    form = await request.form()
    if isinstance(provider, SandboxProvider):
        try:
            await run_in_threadpool(provider.authenticate, ref=ref, approve=form.get("approve") == "yes")
        except KeyError:
            return not_found(request, viewer_of(request), title="Payment not found", message="")
    return RedirectResponse("/orders", status_code=303)


def shop_page(request: Request, handle: str) -> Response:
    """A shop's public page: its products and the clips that sell them."""

    viewer = viewer_of(request)
    try:
        uow = get_uow(request)
        try:
            shop = shops.get_public(uow, shop=handle)
        except NotFound:
            view = None
        else:
            owner = accounts.get_profile_by_id(uow, user_id=shop.owner_id)
            view = {
                "id": shop.id,
                "handle": shop.handle,
                "name": shop.name,
                "description": shop.description,
                "owner_handle": owner.handle if owner else None,
            }
    finally:
        release_reads(request)
    if view is None:
        return not_found(
            request,
            viewer,
            title="Couldn't find this shop",
            message="Check the link, or find the shop from one of its videos.",
        )
    return render(request, "shop.html", viewer=viewer, nav="", shop=view)


SHOP_FORMS: list[tuple[str, Any]] = [("/sandbox/payments/{ref}/authenticate", sandbox_bank_answer)]

SHOP_PAGES: list[tuple[str, Any]] = [
    ("/shop/{handle}", shop_page),
    ("/sandbox/payments/{ref}/authenticate", sandbox_bank_page),
    ("/cart", cart_page),
    ("/checkout", checkout_page),
    ("/orders", orders_page),
    ("/orders/{order_id}", order_page),
    ("/seller", seller_page),
    ("/earnings", earnings_page),
]
