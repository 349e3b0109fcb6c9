"""The work behind the commerce jobs: webhook delivery from the sandbox processor, public stock copies, and
the scheduled housekeeping (expire unpaid orders, recover interrupted checkouts, complete orders, pay out
balances)."""

from __future__ import annotations

import logging
from datetime import timedelta

from clipshop.payments.sandbox import SandboxProvider
from clipshop.platform import Platform
from clipshop.shop import catalog, orders, payouts
from clipshop.shop.payments import webhooks

log = logging.getLogger(__name__)

# A checkout whose payment is still `created` this long after it was written lost its process.
INTERRUPTED_AFTER = timedelta(minutes=2)


def deliver_sandbox_events(platform: Platform) -> int:
    provider = platform.payments
    if not isinstance(provider, SandboxProvider):
        return 0
    return provider.deliver_due(lambda payload, signature: _sink(platform, payload, signature))


def _sink(platform: Platform, payload: bytes, signature: str) -> None:
    webhooks.receive(platform, payload=payload, signature=signature)


def project_stock(platform: Platform, variant_ids: list[str]) -> None:
    with platform.uow().transaction() as uow:
        catalog.project_stock(uow, variant_ids=variant_ids)


def housekeeping(platform: Platform) -> dict[str, int]:
    done = {"recovered": 0, "expired": 0, "released": 0, "completed": 0, "delivered_events": 0}
    done["delivered_events"] = deliver_sandbox_events(platform)
    for region in platform.databases.regions:
        done["recovered"] += orders.recover_payments(platform, region=region, older_than=INTERRUPTED_AFTER)
        done["expired"] += orders.expire_unpaid(platform, region=region)
        done["released"] += orders.release_orphan_holds(platform, region=region)
        done["completed"] += orders.auto_complete(platform, region=region)
    return done


def pay_out(platform: Platform) -> int:
    return sum(len(payouts.run_payouts(platform, region=region)) for region in platform.databases.regions)
