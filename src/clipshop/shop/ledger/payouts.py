"""Payouts: a scheduled job pays every merchant's and creator's available balance out of each region's
ledger, with a statement of what made it up.

A payout row is committed `pending` before the provider is asked to transfer (with the payout id as the
idempotency key), then booked and marked `paid`. An account with a pending payout is skipped by the next
run, and a pending payout left by a crash is finished by the next run, so nothing is paid twice.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from sqlalchemy import select

from clipshop.kit.db import UnitOfWork
from clipshop.kit.ids import new_id
from clipshop.shop.ledger import postings as ledger
from clipshop.shop.ledger.models import Payout, PayoutStatus

if TYPE_CHECKING:
    from clipshop.platform import Platform


def payable_accounts(uow: UnitOfWork, *, region: str, minimum: int) -> list[tuple[str, str, int]]:
    """(account, currency, amount owed) for every available balance at or above `minimum`."""
    owed = []
    for prefix in ("merchant:", "creator:"):
        for (account, currency), total in ledger.balances(uow.region(region), prefix).items():
            if account.endswith(":available") and -total >= minimum:
                owed.append((account, currency, -total))
    return sorted(owed)


def run_payouts(platform: Platform, *, region: str) -> list[Payout]:
    """Pay out every available balance of one region's ledger (see the module docstring)."""
    now = platform.clock.now()
    with platform.uow(home=region).transaction() as uow:
        db = uow.region(region)
        pending = list(db.scalars(select(Payout).where(Payout.status == PayoutStatus.PENDING)))
        busy = {p.account for p in pending}
        for account, currency, amount in payable_accounts(
            uow, region=region, minimum=platform.settings.payout_minimum
        ):
            if account in busy:
                continue
            payout = Payout(
                id=new_id(region),
                account=account,
                amount=amount,
                currency=currency,
                status=PayoutStatus.PENDING,
                created_at=now,
            )
            db.add(payout)
            pending.append(payout)
    paid: list[Payout] = []
    for payout in pending:
        reference = platform.payments.transfer(
            idempotency_key=payout.id,
            destination=payout.account.rsplit(":", 1)[0],
            amount=payout.amount,
            currency=payout.currency,
        )
        with platform.uow(home=region).transaction() as uow:
            db = uow.region(region)
            row = db.get_one(Payout, payout.id)
            if row.status is not PayoutStatus.PENDING:
                continue
            ledger.post(
                db,
                region=region,
                kind="payout",
                reference=row.id,
                currency=row.currency,
                entries={row.account: row.amount, ledger.cash(platform.payments.name): -row.amount},
                now=now,
                memo=f"payout {reference}",
            )
            row.status, row.provider_ref = PayoutStatus.PAID, reference
            paid.append(row)
    return paid


def payouts_of(uow: UnitOfWork, *, region: str, party: str) -> list[Payout]:
    """A party's payouts in one region, newest first."""
    return list(
        uow.region(region).scalars(
            select(Payout)
            .where(Payout.account.startswith(f"{party}:", autoescape=True))
            .order_by(Payout.created_at.desc())
        )
    )


def pay_out(platform: Platform) -> int:
    """The scheduled payouts job: every region's ledger, one after another."""
    return sum(len(run_payouts(platform, region=region)) for region in platform.databases.regions)
