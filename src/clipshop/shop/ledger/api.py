"""A shop's money over the API: balances, payouts and the statement, from the ledger of every region."""

from __future__ import annotations

from fastapi import APIRouter

from clipshop.platform.http import CommittingRoute, CurrentActor, UowDep
from clipshop.shop.catalog import shops
from clipshop.shop.ledger import statements
from clipshop.shop.ledger.schemas import MoneyBookRead

router = APIRouter(route_class=CommittingRoute, tags=["seller"])


@router.get("/shops/{shop_id}/money", response_model=MoneyBookRead)
def shop_money(shop_id: str, actor: CurrentActor, uow: UowDep) -> MoneyBookRead:
    shops.get(uow, actor=actor, shop_id=shop_id, owner=True)
    return MoneyBookRead.of(statements.money_book(uow, party=f"merchant:{shop_id}"))
