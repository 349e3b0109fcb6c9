"""An advertiser's prepaid balance, held in the ledger of the advertiser's region.

Ledger accounts (see `shop.ledger.postings`):

    advertiser:<id>:balance   what the platform owes the advertiser: credited by a top-up, debited by spend
    revenue:ads               what the platform earned from ads (credited by spend)

A top-up books `cash:<provider>` +amount, `advertiser:<id>:balance` -amount (kind `ad_topup`); billing books
`advertiser:<id>:balance` +spend, `revenue:ads` -spend (kind `ad_spend`). So the balance is minus the
account's ledger balance: top-ups less spend, to the unit.
"""

from __future__ import annotations

from sqlalchemy.orm import Session

from clipshop.kit.db import UnitOfWork
from clipshop.kit.ids import region_of
from clipshop.shop.public import ledger_balance

AD_REVENUE = "revenue:ads"
AD_TOPUP = "ad_topup"  # ledger kinds
AD_SPEND = "ad_spend"


def account(advertiser_id: str) -> str:
    return f"advertiser:{advertiser_id}:balance"


def balance(uow: UnitOfWork, *, advertiser_id: str, currency: str) -> int:
    """Top-ups less billed spend, in minor units."""
    return -ledger_balance(uow.region(region_of(advertiser_id)), account(advertiser_id), currency)


def paid_in(db: Session, *, advertiser_id: str, currency: str) -> int:
    """What was paid into the balance, in minor units: every movement of the account but spend (`db` is the
    advertiser's region)."""
    return -ledger_balance(db, account(advertiser_id), currency, excluding_kinds=(AD_SPEND,))
