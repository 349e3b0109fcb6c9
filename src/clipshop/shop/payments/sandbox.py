"""The sandbox processor's side doors: delivering its due webhooks to our receiver (a job), and its bank's
authentication step (3-D Secure), which a buyer approves or refuses."""

from __future__ import annotations

from typing import TYPE_CHECKING

from clipshop.errors import NotFound
from clipshop.payments.sandbox import SandboxProvider
from clipshop.shop.payments import webhooks

if TYPE_CHECKING:
    from clipshop.platform import Platform


def deliver_sandbox_events(platform: Platform) -> int:
    """Deliver the sandbox's due webhooks (none with another provider); how many were delivered."""
    provider = platform.payments
    if not isinstance(provider, SandboxProvider):
        return 0
    return provider.deliver_due(lambda payload, signature: _sink(platform, payload, signature))


def _sink(platform: Platform, payload: bytes, signature: str) -> None:
    webhooks.receive(platform, payload=payload, signature=signature)


def authenticate(platform: Platform, *, ref: str, approve: bool) -> str:
    """Approve or refuse a sandbox payment that asked for authentication; its intent's status."""
    provider = platform.payments
    if not isinstance(provider, SandboxProvider):
        raise NotFound("sandbox payment", ref)
    try:
        intent = provider.authenticate(ref=ref, approve=approve)
    except KeyError:
        raise NotFound("sandbox payment", ref) from None
    return intent.status
