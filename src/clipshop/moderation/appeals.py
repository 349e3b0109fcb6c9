"""Appeals: the person whose content or account was acted on sees each decision and may appeal it once; a
moderator other than the one who decided upholds or overturns it, and an overturned decision gives back
what it took (`enforcement.give_back`).

A suspended account cannot log in, so its log-in answer carries an appeal pass instead (see
`accounts.appeal_pass`): with it the person reads what was decided and appeals the suspension, and
nothing else (`suspended_only`)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import select

from clipshop.errors import Conflict, Forbidden, Invalid, NotFound
from clipshop.jobs.queue import JobQueue
from clipshop.kit.actors import Actor
from clipshop.kit.db import UnitOfWork
from clipshop.kit.ports import MediaStore
from clipshop.moderation.content import Description, describe
from clipshop.moderation.doors import open_record
from clipshop.moderation.enforcement import give_back
from clipshop.moderation.models import Action, AppealState, Decision
from clipshop.moderation.tasks import enqueue_tell_uploader
from clipshop.residency import gateway

MAX_APPEAL_TEXT = 1000
# Decisions that take nothing from anyone: nothing to appeal, nothing to tell.
NOT_ADVERSE = (Action.DISMISS, Action.APPROVE)


@dataclass
class AppealView:
    """An appeal waiting for a moderator, with what the decision was about (a withheld video still plays
    for them)."""

    decision: Decision
    content: Description = field(default_factory=Description)


def decisions_about(uow: UnitOfWork, *, actor: Actor) -> list[Decision]:
    """What moderation did to the actor's content or account (dismissals and ads' approvals left out), newest
    first."""
    query = (
        select(Decision)
        .where(Decision.owner_id == actor.id, Decision.action.not_in(NOT_ADVERSE))
        .order_by(Decision.decided_at.desc())
    )
    return list(uow.region(actor.region).scalars(query))


def appeal(
    uow: UnitOfWork,
    *,
    actor: Actor,
    decision_id: str,
    text: str,
    now: datetime,
    suspended_only: bool = False,
) -> Decision:
    """Appeal a decision about one's own content, once (a second appeal is 409 `already_appealed`). With
    `suspended_only` (an appeal pass), only the decision that suspended the account may be appealed (403
    `appeal_pass_scope` for another)."""
    decision = uow.find(Decision, decision_id, region=actor.region)
    if decision is None or decision.owner_id != actor.id or decision.action in NOT_ADVERSE:
        raise NotFound("decision", decision_id)
    if suspended_only and decision.action is not Action.SUSPEND_ACCOUNT:
        raise Forbidden(
            "While the account is suspended, only the suspension may be appealed; appeal other decisions "
            "once you can log in again.",
            code="appeal_pass_scope",
        )
    if decision.appeal_state is not AppealState.NONE:
        raise Conflict(
            "already_appealed",
            "This decision was appealed already; each decision may be appealed once.",
            appeal_state=decision.appeal_state.value,
        )
    if len(text.strip()) > MAX_APPEAL_TEXT:
        raise Invalid(f"An appeal's text is at most {MAX_APPEAL_TEXT} characters.", field="text")
    decision.appeal_state, decision.appeal_text, decision.appealed_at = AppealState.PENDING, text.strip(), now
    return decision


def pending_appeals(
    uow: UnitOfWork, *, actor: Actor, region: str, store: MediaStore, limit: int = 50
) -> list[AppealView]:
    """Appeals of `region` waiting for a moderator, oldest first, each with what it is about."""
    if region not in uow.databases.region_engines:
        raise NotFound("region", region)
    door = gateway.access(
        uow,
        region,
        data_class="moderation_records",
        purpose="moderation",
        reason="appeals queue",
        role=actor.role,
    )
    query = (
        select(Decision)
        .where(Decision.appeal_state == AppealState.PENDING)
        .order_by(Decision.appealed_at, Decision.id)
        .limit(limit)
    )
    found = list(door.db.scalars(query))
    if not found:
        return []
    items = list(dict.fromkeys((d.content_kind, d.content_id) for d in found))
    described = describe(uow, actor=actor, region=region, items=items, store=store)
    return [AppealView(d, described[d.content_id]) for d in found]


def decide_appeal(
    uow: UnitOfWork,
    *,
    actor: Actor,
    decision_id: str,
    overturn: bool,
    stores: dict[str, MediaStore],
    now: datetime,
    jobs: JobQueue,
) -> Decision:
    """Uphold or overturn an appeal; a moderator other than the one who decided must. Overturning gives back
    everything the decision withheld (the content everywhere, with its counters; the account's log-in)."""
    decision = open_record(
        uow,
        Decision,
        decision_id,
        what="decision",
        data_class="moderation_records",
        actor=actor,
        reason=f"{'overturn' if overturn else 'uphold'} appeal of decision {decision_id}",
    )
    if decision.appeal_state is not AppealState.PENDING:
        raise Conflict("no_pending_appeal", "This decision has no appeal waiting.")
    if decision.moderator_id == actor.id:
        raise Forbidden(
            "You made this decision; another moderator decides its appeal.", code="same_moderator"
        )
    decision.appeal_state = AppealState.OVERTURNED if overturn else AppealState.UPHELD
    decision.appeal_moderator_id, decision.appeal_decided_at = actor.id, now
    enqueue_tell_uploader(jobs, uow, decision_id=decision.id)
    if overturn:
        give_back(uow, actor=actor, decision=decision, stores=stores, jobs=jobs, now=now)
    return decision
