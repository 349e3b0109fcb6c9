"""API shapes of a merchant's or creator's money. Amounts are integer minor units beside a currency code."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, ConfigDict

from clipshop.shop.ledger.statements import MoneyBook


class BalanceRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    currency: str
    pending: int
    available: int
    paid_out: int


class PayoutRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: str
    amount: int
    currency: str
    status: str
    provider_ref: str | None
    created_at: datetime


class StatementLineRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    at: datetime
    kind: str
    reference: str
    memo: str
    amount: int
    currency: str


class MoneyBookRead(BaseModel):
    """A merchant's or creator's money: balances, payouts and the statement, per region of the ledger."""

    balances: list[BalanceRead]
    payouts: list[PayoutRead]
    statement: list[StatementLineRead]

    @classmethod
    def of(cls, book: MoneyBook) -> MoneyBookRead:
        return cls(
            balances=[BalanceRead.model_validate(b) for b in book.balances],
            payouts=[PayoutRead.model_validate(p) for p in book.payouts],
            statement=[StatementLineRead.model_validate(s) for s in book.statement],
        )
