"""Reports fold into cases. Each item reported has one open case in its own region (the region in its id). A
report is written in the reporter's region and bumps the case's counts through the residency gateway
(purpose `reporting`), so a case never learns who reported.

Automatic checks at upload (`kit.review`) hold content and open its case here too (`ModerationDesk`), in the
content's own region, with the hold's reason in place of a report's."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from clipshop.errors import Invalid
from clipshop.kit.actors import Actor, Role
from clipshop.kit.db import UnitOfWork, insert_ignore, upsert_add
from clipshop.kit.ids import new_id, region_of
from clipshop.kit.review import HeldKind, HoldReason
from clipshop.moderation.content import Content, find_content
from clipshop.moderation.models import (
    HOLD_SEVERITY,
    SEVERITY,
    CaseReason,
    CaseStatus,
    ContentKind,
    ModerationCase,
    Report,
    ReportReason,
)
from clipshop.residency import gateway

MAX_REPORT_TEXT = 1000


@dataclass(frozen=True)
class Filed:
    """A report as filed, and whether its reporter had filed it before (then nothing changed: the first
    report stands, with its reason), so the reporter can be told so."""

    report: Report
    again: bool


def file_report(
    uow: UnitOfWork,
    *,
    actor: Actor,
    kind: ContentKind,
    content_id: str,
    reason: ReportReason,
    text: str,
    now: datetime,
) -> Filed:
    """Report an item: the report stays in the reporter's region; the item's open case (opened if need be)
    counts it. A second report of the same item by the same person changes nothing and returns the first."""
    text = text.strip()
    if len(text) > MAX_REPORT_TEXT:
        raise Invalid(f"A report's text is at most {MAX_REPORT_TEXT} characters.", field="text")
    content = find_content(uow, kind=kind, content_id=content_id)
    home = uow.region(actor.region)
    query = select(Report).where(Report.reporter_id == actor.id, Report.content_id == content_id)
    existing = home.scalar(query)
    if existing is not None:
        return Filed(existing, again=True)
    door = gateway.access(
        uow,
        content.region,
        data_class="moderation",
        purpose="reporting",
        records=[content_id],
        reason=f"report of {kind} {content_id}",
        role=Role.USER,
        write=True,
    )
    case = open_case(door.db, content=content, now=now)
    report_id = new_id(actor.region)
    filed = insert_ignore(
        home,
        Report,
        {
            "id": report_id,
            "reporter_id": actor.id,
            "content_kind": kind,
            "content_id": content_id,
            "reason": reason,
            "text": text,
            "case_id": case.id,
            "created_at": now,
        },
    )
    if not filed:  # the same person's report of it, made a moment ago by another request
        return Filed(home.scalars(query).one(), again=True)
    door.db.execute(
        update(ModerationCase)
        .where(ModerationCase.id == case.id)
        .values(
            report_count=ModerationCase.report_count + 1,
            severity=ModerationCase.severity + SEVERITY[reason],
            last_reported_at=now,
        )
    )
    upsert_add(door.db, CaseReason, {"case_id": case.id, "reason": reason.value}, {"count": 1})
    return Filed(home.get_one(Report, report_id), again=False)


def open_case(db: Session, *, content: Content, now: datetime) -> ModerationCase:
    """The item's open case in its region's session `db`, opened if there is none (one per item at a time,
    kept by the unique `open_key` even when two requests race)."""
    query = select(ModerationCase).where(ModerationCase.open_key == content.id)
    case = db.scalar(query)
    if case is None:
        insert_ignore(
            db,
            ModerationCase,
            {
                "id": new_id(content.region),
                "content_kind": content.kind,
                "content_id": content.id,
                "owner_id": content.owner_id,
                "open_key": content.id,
                "status": CaseStatus.OPEN,
                "report_count": 0,
                "severity": 0,
                "first_reported_at": now,
                "last_reported_at": now,
            },
        )
        case = db.scalars(query).one()
    return case


class ModerationDesk:
    """The review desk (`kit.review.ReviewDesk`) the composition root installs: a held item's case is opened
    (or joined) in its own region, which is the unit of work's home (the upload's or the comment's author's),
    with the hold's reason counted and weighed as a report's would be; no reporter, no report."""

    def hold(
        self,
        uow: UnitOfWork,
        *,
        kind: HeldKind,
        content_id: str,
        owner_id: str,
        reason: HoldReason,
        now: datetime,
    ) -> None:
        region = region_of(content_id)
        db = uow.region(region)
        content = Content(ContentKind(kind.value), content_id, region, owner_id)
        case = open_case(db, content=content, now=now)
        db.execute(
            update(ModerationCase)
            .where(ModerationCase.id == case.id)
            .values(severity=ModerationCase.severity + HOLD_SEVERITY[reason.value], last_reported_at=now)
        )
        upsert_add(db, CaseReason, {"case_id": case.id, "reason": reason.value}, {"count": 1})
