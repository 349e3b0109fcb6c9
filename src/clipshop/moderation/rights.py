"""Moderation's part of data rights: what it holds about a person (the reports they filed, the decisions
about their content) for the export archive, and what erasing the account removes."""

from __future__ import annotations

from sqlalchemy import delete, update

from clipshop.kit.db import UnitOfWork
from clipshop.kit.holdings import Held, rows
from clipshop.kit.ids import region_of
from clipshop.moderation.models import Decision, Report


def held_about(uow: UnitOfWork, *, user_id: str) -> Held:
    """What moderation holds about `user_id`: the reports they filed and the decisions about their content."""
    db = uow.region(region_of(user_id))
    return {
        "region/reports": rows(db, Report, Report.reporter_id == user_id),
        "region/moderation_decisions": rows(db, Decision, Decision.owner_id == user_id),
    }


def erase_user(uow: UnitOfWork, *, user_id: str) -> None:
    """Delete the reports `user_id` filed (the cases keep their counts, which name no one) and take their
    name off decisions about their content (the decisions stay, as a record of what was done)."""
    db = uow.region(region_of(user_id))
    db.execute(delete(Report).where(Report.reporter_id == user_id))
    db.execute(update(Decision).where(Decision.owner_id == user_id).values(owner_id=None))
