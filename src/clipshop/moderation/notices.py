"""Moderation outcomes in the uploader's inbox: what was decided about their content or account, and how
their appeal ended. A job of the decision's region writes them after the decision's commit: the decision
and the account it concerns live in that region, so nothing crosses and no door is opened. A process that
dies between the commit and the enqueue loses no outcome: the heal (`heal_outcomes`, every minute) tells
what was decided in its window and is not in the inbox yet."""

from __future__ import annotations

from collections import Counter
from datetime import timedelta

from sqlalchemy import or_, select

from clipshop.inbox import service as inbox
from clipshop.inbox.models import NoticeKind
from clipshop.kit.db import UnitOfWork
from clipshop.kit.ids import region_of
from clipshop.kit.watermarks import Window, in_batches
from clipshop.moderation.models import Action, AppealState, Decision

# A lost outcome is told late within this long of its decision; a full sweep looks no further back (every
# decision ever made would be a read per decision a day, for news no one waits for any more).
TELL_WITHIN = timedelta(days=7)


def tell_uploader(uow: UnitOfWork, *, decision_id: str) -> None:
    """The decision, unless a dismissal or an ad's approval; and the appeal's outcome once decided
    (idempotent)."""
    decision = uow.region(region_of(decision_id)).get(Decision, decision_id)
    if decision is None or decision.owner_id is None or decision.action in (Action.DISMISS, Action.APPROVE):
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


def heal_outcomes(uow: UnitOfWork, *, region: str, window: Window) -> Counter[str]:
    """Tell the uploaders of the region's decisions (and appeals) decided in `window` what their inbox does
    not hold yet: the job that should have was lost with its process."""
    fixed: Counter[str] = Counter()
    if window.full:
        window = Window(since=window.before - TELL_WITHIN, before=window.before)
    db = uow.region(region)
    decided = select(Decision.id).where(
        or_(window.holds(Decision.decided_at), window.holds(Decision.appeal_decided_at)),
        Decision.owner_id.is_not(None),
        Decision.action.not_in((Action.DISMISS, Action.APPROVE)),
    )
    for ids in in_batches(db, decided, key=Decision.id):
        for decision in db.scalars(select(Decision).where(Decision.id.in_(ids))):
            assert decision.owner_id is not None
            causes = [(NoticeKind.MODERATION, f"decision:{decision.id}")]
            if decision.appeal_state in (AppealState.UPHELD, AppealState.OVERTURNED):
                causes.append((NoticeKind.APPEAL, f"appeal:{decision.id}"))
            missing = [
                kind
                for kind, cause in causes
                if not inbox.told(uow, recipient_id=decision.owner_id, kind=kind, cause=cause)
            ]
            if missing:
                tell_uploader(uow, decision_id=decision.id)
                fixed.update("moderation outcomes" for _ in missing)
    return fixed
