"""The commerce housekeeping job's work: deliver the sandbox processor's due webhooks, then the orders'
scheduled passes (recover interrupted checkouts, expire unpaid orders, release orphan holds, complete
delivered orders) over every region."""

from __future__ import annotations

from clipshop.platform import Platform
from clipshop.shop.orders import housekeeping as orders_housekeeping
from clipshop.shop.payments.sandbox import deliver_sandbox_events


def housekeeping(platform: Platform) -> dict[str, int]:
    delivered = deliver_sandbox_events(platform)
    return {**orders_housekeeping.run(platform), "delivered_events": delivered}
