"""What a merchant or creator sees of their money: balances, payouts and the statement of movements, summed
over the ledger of every region (each region books its own buyers' orders)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import select

from clipshop.kit.actors import Role
from clipshop.kit.db import UnitOfWork
from clipshop.residency import gateway
from clipshop.shop.ledger import postings as ledger
from clipshop.shop.ledger.models import LedgerEntry, LedgerTransaction, Payout, PayoutStatus
from clipshop.shop.ledger.payouts import payouts_of


@dataclass(frozen=True)
class StatementLine:
    at: datetime
    kind: str
    reference: str
    memo: str
    amount: int  # what the account holder gained (+) or gave back (-)
    currency: str


@dataclass(frozen=True)
class Balance:
    currency: str
    pending: int
    available: int
    paid_out: int


@dataclass(frozen=True)
class MoneyBook:
    balances: list[Balance]
    payouts: list[Payout] = field(default_factory=list)
    statement: list[StatementLine] = field(default_factory=list)


def statement(
    uow: UnitOfWork, *, region: str, party: str, limit: int = 200, memos: bool = True
) -> list[StatementLine]:
    """Movements of a party's accounts (`merchant:<shop>` or `creator:<user>`) in one region, newest first;
    without `memos`, the lines' memos (a refund's reason is the buyer's words) are left out."""
    query = (
        select(LedgerTransaction, LedgerEntry)
        .join(LedgerEntry, LedgerEntry.transaction_id == LedgerTransaction.id)
        .where(LedgerEntry.account.startswith(f"{party}:", autoescape=True))
        .order_by(LedgerTransaction.created_at.desc(), LedgerEntry.id.desc())
        .limit(limit)
    )
    return [
        StatementLine(
            at=t.created_at,
            kind=f"{t.kind}:{e.account.rsplit(':', 1)[1]}",
            reference=t.reference,
            memo=t.memo if memos else "",
            amount=-e.amount,
            currency=e.currency,
        )
        for t, e in uow.region(region).execute(query)
    ]


def _door(uow: UnitOfWork, region: str, party: str) -> gateway.Door:
    """The ledger of `region` opened to the party's own money (the caller checked that the actor is it):
    a shop's staff as its merchant, a creator as themselves."""
    kind, _, holder = party.partition(":")
    role = Role.MERCHANT if kind == "merchant" else Role.CREATOR
    actor = uow.actor
    entitled = kind == "merchant" or (actor is not None and holder == actor.id)
    return gateway.access(
        uow, region, data_class="orders", purpose="earnings", reason=party, role=role, entitled=entitled
    )


def money_book(uow: UnitOfWork, *, party: str) -> MoneyBook:
    """A party's (`merchant:<shop>` or `creator:<user>`) balances, payouts and statement in every region."""
    totals: dict[str, dict[str, int]] = {}
    payout_rows: list[Payout] = []
    lines: list[StatementLine] = []
    for region in uow.databases.regions:
        door = _door(uow, region, party)
        db = door.db
        for (account, currency), amount in ledger.balances(db, f"{party}:").items():
            state = account.rsplit(":", 1)[1]
            bucket = totals.setdefault(currency, {"pending": 0, "available": 0, "paid_out": 0})
            bucket[state] = bucket.get(state, 0) - amount
        payout_rows += payouts_of(uow, region=region, party=party)
        lines += statement(uow, region=region, party=party, memos=door.shows("memo"))
    for p in payout_rows:
        if p.status is PayoutStatus.PAID:
            totals.setdefault(p.currency, {"pending": 0, "available": 0, "paid_out": 0})["paid_out"] += (
                p.amount
            )
    return MoneyBook(
        balances=[
            Balance(currency=c, pending=t["pending"], available=t["available"], paid_out=t["paid_out"])
            for c, t in sorted(totals.items())
        ],
        payouts=sorted(payout_rows, key=lambda p: p.created_at, reverse=True),
        statement=sorted(lines, key=lambda s: s.at, reverse=True),
    )
