"""Checkout routes: a quote, and buying under an Idempotency-Key (one order per shop, one payment)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated, Any

from fastapi import APIRouter, Header, Request
from fastapi.responses import JSONResponse

from clipshop.kit.actors import Actor
from clipshop.platform import Platform
from clipshop.platform.http import CommittingRoute, CurrentActor, PlatformDep, UowDep
from clipshop.platform.idempotent import Answer, Claim, answer_inline, problem_answer, respond_once
from clipshop.shop.catalog.stock import OutOfStock
from clipshop.shop.checkout import admission, errors, placing, pricing
from clipshop.shop.checkout.placing import CheckoutRequest
from clipshop.shop.checkout.pricing import LineRequest
from clipshop.shop.checkout.schemas import CheckoutIn, QuoteIn, QuoteRead

router = APIRouter(route_class=CommittingRoute, tags=["shop"])

SCOPE = "checkout"
PATH = "/api/v1/checkout"
PROBLEM = {"model": dict[str, Any], "description": "A problem document (RFC 9457) with a stable `code`."}


def _items(body: QuoteIn) -> list[LineRequest] | None:
    return None if body.items is None else [LineRequest(i.variant_id, i.quantity) for i in body.items]


@router.post("/checkout/quote", response_model=QuoteRead)
def quote(body: QuoteIn, actor: CurrentActor, uow: UowDep, platform: PlatformDep) -> QuoteRead:
    """What a checkout would charge, shop by shop (nothing is reserved or charged)."""
    priced = pricing.quote(
        uow,
        actor=actor,
        items=_items(body),
        shipping=dict(body.shipping),
        discount_codes=list(body.discount_codes),
        terms=pricing.Terms.of(platform.settings, actor.region),
        now=platform.clock.now(),
    )
    return QuoteRead.of(priced)


def _placing(platform: Platform, actor: Actor, request: CheckoutRequest) -> Callable[[Claim], Answer]:
    def work(claim: Claim) -> Answer:
        return placing.place(platform, actor=actor, request=request, claim=claim)

    return work


def place(platform: Platform, *, actor: Actor, request: CheckoutRequest, key: str) -> Answer:
    """A checkout under an Idempotency-Key, answered as the route answers it (for callers in a thread of
    their own: benchmarks, tests): refused at once for an item known sold out; CheckoutBusy is raised when
    no turn comes for an item."""
    try:
        admission.refuse_sold_out(_quantities(request))
        return answer_inline(
            platform,
            actor=actor,
            scope=SCOPE,
            key=key,
            fingerprint=request.fingerprint(),
            instance=PATH,
            work=_placing(platform, actor, request),
            stored_errors=errors.ANSWERED,
        )
    except OutOfStock as error:  # known sold out
        return problem_answer(error, instance=PATH)


def _quantities(request: CheckoutRequest) -> dict[str, int]:
    return admission.quantities_of((item.variant_id, item.quantity) for item in request.items or [])


@router.post(
    "/checkout",
    response_model=None,
    status_code=201,
    responses={
        201: {"model": dict[str, Any], "description": "The checkout, its payment and its orders."},
        402: PROBLEM,
        409: PROBLEM,
        429: {
            **PROBLEM,
            "description": "checkout_busy: too many checkouts of an item at once; see Retry-After.",
        },
    },
)
async def place_checkout(
    body: CheckoutIn,
    request: Request,
    actor: CurrentActor,
    platform: PlatformDep,
    idempotency_key: Annotated[str | None, Header(alias="Idempotency-Key", max_length=255)] = None,
) -> JSONResponse:
    """Buy: one order per shop, one payment. Send an `Idempotency-Key`; a retry with it replays the answer."""
    checkout = CheckoutRequest(
        items=_items(body),
        address_id=body.address_id,
        address=body.address.model_dump() if body.address else None,
        shipping=dict(body.shipping),
        discount_codes=list(body.discount_codes),
        payment_method=body.payment_method,
    )
    admission.refuse_sold_out(_quantities(checkout))
    return await respond_once(
        platform,
        request,
        actor=actor,
        scope=SCOPE,
        key=idempotency_key,
        fingerprint=checkout.fingerprint(),
        work=_placing(platform, actor, checkout),
        stored_errors=errors.ANSWERED,
        inline=True,
    )
