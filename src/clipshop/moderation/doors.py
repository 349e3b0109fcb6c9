"""Moderation's ways through the residency gateway. Every step a moderator or an operator takes on a case,
a decision or the content behind them opens that record's region for purpose `moderation`, so it is a
decision of the policy and an entry in that region's audit log, even when the region is the moderator's own.
"""

from __future__ import annotations

from typing import TypeVar

from sqlalchemy.orm import Session

from clipshop.errors import NotFound
from clipshop.kit.actors import Actor
from clipshop.kit.db import RegionBase, UnitOfWork
from clipshop.kit.ids import is_valid_id, region_of
from clipshop.residency import gateway

Row = TypeVar("Row", bound=RegionBase)


def open_record(
    uow: UnitOfWork,
    model: type[Row],
    record_id: str,
    *,
    what: str,
    data_class: str,
    actor: Actor,
    reason: str,
) -> Row:
    """The `model` row `record_id` in the region its id names, opened for writing through the gateway;
    NotFound for a string that is no id of ours or a row that is not there."""
    if not is_valid_id(record_id, set(uow.databases.regions)):
        raise NotFound(what, record_id)
    door = gateway.access(
        uow,
        region_of(record_id),
        data_class=data_class,
        purpose="moderation",
        records=[record_id],
        reason=reason,
        role=actor.role,
        write=True,
    )
    row = door.db.get(model, record_id)
    if row is None:
        raise NotFound(what, record_id)
    return row


def open_region(
    uow: UnitOfWork,
    region: str,
    *,
    actor: Actor,
    data_class: str,
    records: list[str],
    why: str,
    write: bool = True,
) -> Session:
    """`data_class` of `region` for the rest of the unit of work: private content (videos, comments), an
    account (`contact`), a shop's storefront (`public_content`) or the region's counters (`operational`)."""
    door = gateway.access(
        uow,
        region,
        data_class=data_class,
        purpose="moderation",
        records=records,
        reason=f"{why} {', '.join(records)}",
        role=actor.role,
        write=write,
    )
    return door.db
