"""The double-entry ledger of a region: every money movement is one balanced transaction, never updated.

Amounts are integer minor units; a debit is positive, a credit negative, and a transaction's entries sum to
zero. Balances are always derived by summing entries. The accounts:

    cash:<provider>              money held at the payment provider (an asset: debit balance)
    tax:<region>                 tax collected, owed to the authority of the buyer's region
    fees:platform                the platform's fee on each sale
    merchant:<shop>:pending      what a shop is owed for orders not yet completed
    merchant:<shop>:available    what a shop is owed and may be paid out
    creator:<user>:pending       affiliate commission on orders not yet completed
    creator:<user>:available     commission that may be paid out

The database refuses UPDATE and DELETE of ledger rows (triggers made by the migration from `ledger.models`,
on SQLite and PostgreSQL alike), and on PostgreSQL a deferred constraint trigger refuses an unbalanced
transaction at commit.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import NamedTuple

from sqlalchemy import func, insert, select
from sqlalchemy.orm import Session

from clipshop.kit.db import insert_ignore
from clipshop.kit.ids import new_id
from clipshop.shop.ledger.models import LedgerEntry, LedgerTransaction

PLATFORM_FEES = "fees:platform"


def cash(provider: str) -> str:
    return f"cash:{provider}"


def tax(region: str) -> str:
    return f"tax:{region}"


def merchant(shop_id: str, state: str) -> str:
    return f"merchant:{shop_id}:{state}"


def creator(user_id: str, state: str) -> str:
    return f"creator:{user_id}:{state}"


class Unbalanced(ValueError):
    pass


def post(
    session: Session,
    *,
    region: str,
    kind: str,
    reference: str,
    currency: str,
    entries: Mapping[str, int],
    now: datetime,
    memo: str = "",
) -> bool:
    """Book one transaction; False (and nothing booked) if `kind` + `reference` was booked already."""
    lines = {account: amount for account, amount in entries.items() if amount != 0}
    if sum(lines.values()) != 0:
        raise Unbalanced(f"{kind} {reference} does not balance: {lines}")
    if not lines:
        return False
    transaction_id = new_id(region)
    inserted = insert_ignore(
        session,
        LedgerTransaction,
        {
            "id": transaction_id,
            "kind": kind,
            "reference": reference,
            "currency": currency,
            "memo": memo,
            "created_at": now,
        },
    )
    if not inserted:
        return False
    session.execute(
        insert(LedgerEntry),
        [
            {"transaction_id": transaction_id, "account": account, "amount": amount, "currency": currency}
            for account, amount in sorted(lines.items())
        ],
    )
    return True


def balance(
    session: Session,
    account: str,
    currency: str | None = None,
    *,
    excluding_kinds: Sequence[str] = (),
    before: datetime | None = None,
) -> int:
    """The account's debit balance (negative for what the platform owes: payables, fees, tax); with
    `excluding_kinds`, leaving out the transactions of those kinds; with `before`, as it stood then."""
    query = select(func.coalesce(func.sum(LedgerEntry.amount), 0)).where(LedgerEntry.account == account)
    if currency is not None:
        query = query.where(LedgerEntry.currency == currency)
    if excluding_kinds or before is not None:
        query = query.join(LedgerTransaction, LedgerTransaction.id == LedgerEntry.transaction_id)
    if excluding_kinds:
        query = query.where(LedgerTransaction.kind.not_in(excluding_kinds))
    if before is not None:
        query = query.where(LedgerTransaction.created_at < before)
    return int(session.scalar(query) or 0)


def balances(session: Session, prefix: str = "") -> dict[tuple[str, str], int]:
    """Every account's balance by (account, currency), optionally only accounts starting with `prefix`."""
    query = select(LedgerEntry.account, LedgerEntry.currency, func.sum(LedgerEntry.amount)).group_by(
        LedgerEntry.account, LedgerEntry.currency
    )
    if prefix:
        query = query.where(LedgerEntry.account.startswith(prefix, autoescape=True))
    return {(account, currency): int(total) for account, currency, total in session.execute(query)}


class Movement(NamedTuple):
    """One entry of an account, with its transaction's kind, reference and time."""

    kind: str
    reference: str
    at: datetime
    amount: int


def movements(session: Session, account: str, currency: str, *, since: datetime) -> list[Movement]:
    """The account's entries in `currency` booked at or after `since`, oldest first."""
    query = (
        select(
            LedgerTransaction.kind,
            LedgerTransaction.reference,
            LedgerTransaction.created_at,
            LedgerEntry.amount,
        )
        .join(LedgerTransaction, LedgerTransaction.id == LedgerEntry.transaction_id)
        .where(
            LedgerEntry.account == account,
            LedgerEntry.currency == currency,
            LedgerTransaction.created_at >= since,
        )
        .order_by(LedgerTransaction.created_at, LedgerEntry.id)
    )
    return [
        Movement(kind, reference, at, int(amount)) for kind, reference, at, amount in session.execute(query)
    ]
