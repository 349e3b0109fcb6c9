"""The checkout's domain errors, each with its stable `code`; the edge renders them as problem details.

OutOfStock      409  out_of_stock: the items ran out before the orders were written (nothing was
                     charged); the answer to that request, replayed to its retries
PaymentFailed   402  the card was declined, or the bank refused it: `code` says why (card_declined,
                     insufficient_funds, …), `checkout` carries the checkout and its cancelled orders
CheckoutBusy    429  checkout_busy: too many checkouts of the item at once (admission.py); Retry-After says
                     when to try again with the same key; nothing was done, nothing is stored
"""

from __future__ import annotations

from typing import Any

from clipshop.errors import ClipshopError
from clipshop.shop.catalog.stock import OutOfStock
from clipshop.shop.orders.models import PaymentStatus
from clipshop.shop.orders.service import CheckoutView

__all__ = ["ANSWERED", "OutOfStock", "PaymentFailed", "payment_failure"]

# Refusals that are the answer to a checkout request: stored under its Idempotency-Key and replayed.
ANSWERED: tuple[type[ClipshopError], ...] = (OutOfStock,)


class PaymentFailed(ClipshopError):
    status, code, title = 402, "payment_failed", "Payment failed"


FAILURE_TEXT = {
    "card_declined": "The card was declined. Try another card.",
    "insufficient_funds": "The card has insufficient funds. Try another card.",
    "invalid_number": "That card number is not valid. Check it and try again.",
    "authentication_failed": "The bank did not authenticate the payment. Try again or use another card.",
}


def payment_failure(view: CheckoutView, *, checkout: dict[str, Any]) -> PaymentFailed | None:
    """The error a checkout whose payment failed answers with (None while it has not failed); `checkout` is
    the checkout as the client would have been shown it."""
    if view.payment.status is not PaymentStatus.FAILED:
        return None
    code = view.payment.failure_code or "payment_failed"
    return PaymentFailed(FAILURE_TEXT.get(code, "The payment failed."), code=code, checkout=checkout)
