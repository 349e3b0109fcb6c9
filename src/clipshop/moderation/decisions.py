"""Deciding a case: the decision is recorded in the case's region (class `moderation_records`, it names the
account acted on) and carried out at once (`enforcement`); the uploader is told by a job after the commit.
Each step goes through the gateway, in the region's audit log."""

from __future__ import annotations

from datetime import datetime

from clipshop.errors import Conflict
from clipshop.jobs.queue import JobQueue
from clipshop.kit.actors import Actor
from clipshop.kit.db import UnitOfWork
from clipshop.kit.ids import new_id, region_of
from clipshop.kit.ports import MediaStore
from clipshop.moderation.doors import open_record, open_region
from clipshop.moderation.enforcement import carry_out, check_applicable
from clipshop.moderation.models import Action, AppealState, CaseStatus, Decision, ModerationCase
from clipshop.moderation.tasks import enqueue_tell_uploader


def decide(
    uow: UnitOfWork,
    *,
    actor: Actor,
    case_id: str,
    action: Action,
    reason_code: str,
    note: str,
    stores: dict[str, MediaStore],
    jobs: JobQueue,
    now: datetime,
) -> Decision:
    """Decide an open case: record the decision in the case's region and carry it out (see
    `enforcement.carry_out`). A case decided already is 409 `case_decided`."""
    case = open_record(
        uow,
        ModerationCase,
        case_id,
        what="case",
        data_class="moderation",
        actor=actor,
        reason=f"decide case {case_id}: {action} ({reason_code})",
    )
    if case.status is not CaseStatus.OPEN:
        raise Conflict("case_decided", "This case is decided already; new reports open a new case.")
    check_applicable(case, action, reason_code)
    region = region_of(case.id)
    records = open_region(
        uow,
        region,
        actor=actor,
        data_class="moderation_records",
        records=[case_id],
        why="record decision on case",
    )
    decision = Decision(
        id=new_id(region),
        case_id=case.id,
        content_kind=case.content_kind,
        content_id=case.content_id,
        owner_id=case.owner_id,
        action=action,
        reason_code=reason_code,
        note=note.strip(),
        moderator_id=actor.id,
        decided_at=now,
        appeal_state=AppealState.NONE,
        appeal_text="",
    )
    records.add(decision)
    records.flush()
    enqueue_tell_uploader(jobs, uow, decision_id=decision.id)
    case.status, case.open_key, case.decided_at = CaseStatus.DECIDED, None, now
    carry_out(uow, actor=actor, case=case, decision=decision, stores=stores, jobs=jobs, now=now)
    return decision
