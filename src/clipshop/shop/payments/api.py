"""The payment provider's routes: its webhooks, and the sandbox bank's authentication step."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from starlette.concurrency import run_in_threadpool

from clipshop.platform.http import CommittingRoute, PlatformDep
from clipshop.shop.payments import sandbox, webhooks
from clipshop.shop.payments.schemas import AuthenticateIn

router = APIRouter(route_class=CommittingRoute, tags=["shop"])

PROBLEM = {"model": dict[str, Any], "description": "A problem document (RFC 9457) with a stable `code`."}


@router.post("/payments/webhooks/sandbox", tags=["payments"], responses={400: PROBLEM})
async def sandbox_webhook(request: Request, platform: PlatformDep) -> dict[str, bool]:
    """Signed events from the sandbox processor (header `Clipshop-Signature: t=…,v1=…`)."""
    payload = await request.body()
    signature = request.headers.get("clipshop-signature", "")
    applied = await run_in_threadpool(
        lambda: webhooks.receive(platform, payload=payload, signature=signature)
    )
    return {"received": True, "applied": applied}


@router.post("/sandbox/payments/{ref}/authenticate", tags=["payments"])
def sandbox_authenticate(ref: str, body: AuthenticateIn, platform: PlatformDep) -> dict[str, str]:
    """The sandbox bank's authentication step (3-D Secure): approve or refuse a payment that asked for it."""
    return {"status": sandbox.authenticate(platform, ref=ref, approve=body.approve)}
