"""The operators' API: each region's access audit log and the transparency report. Platform operators only
(`clipshop staff add --role operator`): the gateway decides, so anyone else gets a 403 problem and their
attempt is itself in the log."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Annotated

from fastapi import APIRouter, Query
from pydantic import BaseModel

from clipshop.platform.http import CommittingRoute, CurrentActor, UowDep
from clipshop.residency import oversight

router = APIRouter(route_class=CommittingRoute, tags=["operator"], prefix="/operator")


class AuditEntryRead(BaseModel):
    region: str
    seq: int
    at: datetime
    actor_id: str
    role: str
    jurisdiction: str
    data_class: str
    purpose: str
    records: list[str]
    reason: str
    result: str
    fields: list[str]


class MonthCountRead(BaseModel):
    region: str
    month: str
    purpose: str
    result: str
    count: int


class TransparencyRead(BaseModel):
    since: datetime
    regions: list[str]
    months: list[MonthCountRead]


@router.get("/audit/{region}", response_model=list[AuditEntryRead])
def audit_log(
    region: str,
    _actor: CurrentActor,
    uow: UowDep,
    actor_id: Annotated[str | None, Query(alias="actor", max_length=120)] = None,
    purpose: Annotated[str | None, Query(max_length=40)] = None,
    result: Annotated[str | None, Query(max_length=8)] = None,
    before: Annotated[int | None, Query(ge=1)] = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 50,
) -> list[AuditEntryRead]:
    """The region's latest access decisions, newest first; filter by actor, purpose or result."""
    found = oversight.entries(
        uow, region=region, actor_id=actor_id, purpose=purpose, result=result, before=before, limit=limit
    )
    return [AuditEntryRead.model_validate(e, from_attributes=True) for e in found]


@router.get("/transparency", response_model=TransparencyRead)
def transparency(
    _actor: CurrentActor,
    uow: UowDep,
    months: Annotated[int, Query(ge=1, le=36)] = 12,
) -> TransparencyRead:
    """Access decisions by purpose and outcome, per region and month, over the last `months` months."""
    now = datetime.now(UTC)  # the log keeps wall-clock time
    month_start = now.replace(day=1, hour=0, minute=0, second=0, microsecond=0)
    since = (month_start - timedelta(days=31 * (months - 1))).replace(day=1)
    rows = oversight.transparency(uow, since=since)
    return TransparencyRead(
        since=since,
        regions=list(uow.databases.regions),
        months=[MonthCountRead.model_validate(r, from_attributes=True) for r in rows],
    )
