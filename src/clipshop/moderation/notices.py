"""Moderation outcomes in the uploader's inbox: what was decided about their content or account, and how
their appeal ended. A job of the decision's region writes them after the decision's commit: the decision
and the account it concerns live in that region, so nothing crosses and no door is opened."""

from __future__ import annotations

from clipshop.inbox import service as inbox
from clipshop.inbox.models import NoticeKind
from clipshop.kit.db import UnitOfWork
from clipshop.kit.ids import region_of
from clipshop.moderation.models import Action, AppealState, Decision


def tell_uploader(uow: UnitOfWork, *, decision_id: str) -> None:
    """The decision, unless a dismissal; and the appeal's outcome once decided (idempotent)."""
    decision = uow.region(region_of(decision_id)).get(Decision, decision_id)
    if decision is None or decision.owner_id is None or decision.action is Action.DISMISS:
        return
    about = {
        "decision_id": decision.id,
        "content_kind": decision.content_kind.value,
        "action": decision.action.value,
        "reason_code": decision.reason_code,
    }
    inbox.notify(
        uow,
        recipient_id=decision.owner_id,
        kind=NoticeKind.MODERATION,
        target_id=decision.content_id,
        cause=f"decision:{decision.id}",
        detail=about,
        at=decision.decided_at,
    )
    if decision.appeal_state in (AppealState.UPHELD, AppealState.OVERTURNED):
        inbox.notify(
            uow,
            recipient_id=decision.owner_id,
            kind=NoticeKind.APPEAL,
            target_id=decision.content_id,
            cause=f"appeal:{decision.id}",
            detail={**about, "outcome": decision.appeal_state.value},
            at=decision.appeal_decided_at or decision.decided_at,
        )
