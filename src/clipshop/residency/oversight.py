"""What operators read of the door's work: each region's audit log, filtered, and the transparency report
(decisions by purpose and outcome, per region and month). Reading them is itself a decision of the gateway,
recorded in the log it reads: the auditors are audited too."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import InstrumentedAttribute
from sqlalchemy.sql.elements import ColumnElement

from clipshop.errors import Invalid
from clipshop.kit.actors import Role
from clipshop.kit.db import UnitOfWork
from clipshop.residency import gateway
from clipshop.residency.models import AuditEntry

RESULTS = ("allowed", "denied")


@dataclass(frozen=True)
class LoggedDecision:
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


@dataclass(frozen=True)
class MonthCount:
    region: str
    month: str  # YYYY-MM, UTC
    purpose: str
    result: str
    count: int


def _door(uow: UnitOfWork, region: str, reason: str) -> gateway.Door:
    if region not in uow.databases.region_engines:
        raise Invalid(f"There is no region {region!r}.", field="region")
    return gateway.access(
        uow, region, data_class="operational", purpose="oversight", reason=reason, role=Role.OPERATOR
    )


def entries(
    uow: UnitOfWork,
    *,
    region: str,
    actor_id: str | None = None,
    purpose: str | None = None,
    result: str | None = None,
    before: int | None = None,
    limit: int = 50,
) -> list[LoggedDecision]:
    """The region's latest decisions, newest first, optionally of one actor, purpose or result; `before`
    pages back from a sequence number."""
    if result is not None and result not in RESULTS:
        raise Invalid("A result is allowed or denied.", field="result")
    filters = {"actor": actor_id, "purpose": purpose, "result": result}
    said = ", ".join(f"{k}={v}" for k, v in filters.items() if v)
    db = _door(uow, region, f"audit log of {region}" + (f" ({said})" if said else "")).db
    query = select(AuditEntry).order_by(AuditEntry.seq.desc()).limit(max(1, min(limit, 500)))
    if actor_id:
        query = query.where(AuditEntry.actor_id == actor_id)
    if purpose:
        query = query.where(AuditEntry.purpose == purpose)
    if result:
        query = query.where(AuditEntry.result == result)
    if before is not None:
        query = query.where(AuditEntry.seq < before)
    return [
        LoggedDecision(
            region=region,
            seq=e.seq,
            at=e.at,
            actor_id=e.actor_id,
            role=e.role,
            jurisdiction=e.jurisdiction,
            data_class=e.data_class,
            purpose=e.purpose,
            records=list(json.loads(e.records)),
            reason=e.reason,
            result=e.result,
            fields=list(json.loads(e.fields)),
        )
        for e in db.scalars(query)
    ]


def _month(db_dialect: str, column: InstrumentedAttribute[datetime]) -> ColumnElement[str]:
    if db_dialect == "sqlite":
        return func.strftime("%Y-%m", column)
    return func.to_char(func.timezone("UTC", column), "YYYY-MM")


def transparency(uow: UnitOfWork, *, since: datetime) -> list[MonthCount]:
    """Decisions per region, month, purpose and outcome since `since`, every region."""
    counts: list[MonthCount] = []
    for region in uow.databases.regions:
        db = _door(uow, region, "transparency report").db
        month = _month(db.get_bind().dialect.name, AuditEntry.at).label("month")
        query = (
            select(month, AuditEntry.purpose, AuditEntry.result, func.count())
            .where(AuditEntry.at >= since)
            .group_by(month, AuditEntry.purpose, AuditEntry.result)
            .order_by(month, AuditEntry.purpose, AuditEntry.result)
        )
        counts += [MonthCount(region, str(m), p, r, int(n)) for m, p, r, n in db.execute(query)]
    return counts
