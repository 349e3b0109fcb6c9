"""Ledger tables, in each region: balanced, append-only transactions and their entries, and payouts."""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import (
    BigInteger,
    ForeignKey,
    Index,
    Integer,
    String,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from clipshop.kit.db import RegionBase, UTCDateTime
from clipshop.kit.db import str_enum as _enum


class PayoutStatus(enum.StrEnum):
    PENDING = "pending"
    PAID = "paid"
    FAILED = "failed"


class LedgerTransaction(RegionBase):
    """One balanced money movement; its entries sum to zero. Append-only, like its entries."""

    __tablename__ = "ledger_transactions"
    __table_args__ = (UniqueConstraint("kind", "reference"),)

    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    kind: Mapped[str] = mapped_column(String(32))
    # What caused it (an order, refund or payout id); with `kind`, unique, so a retried booking is a no-op.
    reference: Mapped[str] = mapped_column(String(80))
    currency: Mapped[str] = mapped_column(String(3))
    memo: Mapped[str] = mapped_column(String(200), default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)


class LedgerEntry(RegionBase):
    """A debit (positive) or credit (negative) of one account in one transaction."""

    __tablename__ = "ledger_entries"
    __table_args__ = (Index("ix_ledger_entries_account", "account", "currency"),)

    id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"), primary_key=True)
    transaction_id: Mapped[str] = mapped_column(ForeignKey("ledger_transactions.id"), index=True)
    account: Mapped[str] = mapped_column(String(80))
    amount: Mapped[int] = mapped_column(BigInteger)
    currency: Mapped[str] = mapped_column(String(3))


class Payout(RegionBase):
    """Money paid out of one ledger account (a merchant's or creator's available balance)."""

    __tablename__ = "payouts"
    __table_args__ = (Index("ix_payouts_account", "account", "created_at"),)

    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    account: Mapped[str] = mapped_column(String(80))
    amount: Mapped[int] = mapped_column(BigInteger)
    currency: Mapped[str] = mapped_column(String(3))
    status: Mapped[PayoutStatus] = mapped_column(_enum(PayoutStatus))
    provider_ref: Mapped[str | None] = mapped_column(String(80), default=None)
    period_start: Mapped[datetime | None] = mapped_column(UTCDateTime, default=None)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)


# Installed by the region migration; kept beside the tables so the rule and its enforcement read together.
SQLITE_TRIGGERS = [
    f"""CREATE TRIGGER {table}_append_only_{op.lower()} BEFORE {op} ON {table}
    BEGIN SELECT RAISE(ABORT, 'ledger rows are append-only'); END"""
    for table in ("ledger_entries", "ledger_transactions")
    for op in ("UPDATE", "DELETE")
]

POSTGRES_TRIGGERS = [
    """CREATE FUNCTION ledger_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN RAISE EXCEPTION 'ledger rows are append-only (% on %)', TG_OP, TG_TABLE_NAME
        USING ERRCODE = 'integrity_constraint_violation'; END $$""",
    """CREATE TRIGGER ledger_entries_append_only BEFORE UPDATE OR DELETE ON ledger_entries
    FOR EACH ROW EXECUTE FUNCTION ledger_append_only()""",
    """CREATE TRIGGER ledger_transactions_append_only BEFORE UPDATE OR DELETE ON ledger_transactions
    FOR EACH ROW EXECUTE FUNCTION ledger_append_only()""",
    """CREATE FUNCTION ledger_transaction_balances() RETURNS trigger LANGUAGE plpgsql AS $$
    DECLARE total numeric;
    BEGIN
        SELECT coalesce(sum(amount), 0) INTO total FROM ledger_entries
            WHERE transaction_id = NEW.transaction_id;
        IF total <> 0 THEN
            RAISE EXCEPTION 'ledger transaction % does not balance (sum %)', NEW.transaction_id, total
                USING ERRCODE = 'integrity_constraint_violation';
        END IF;
        RETURN NULL;
    END $$""",
    """CREATE CONSTRAINT TRIGGER ledger_entries_balanced AFTER INSERT ON ledger_entries
    DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION ledger_transaction_balances()""",
]
