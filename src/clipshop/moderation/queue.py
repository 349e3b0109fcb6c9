"""The review queue: a region's open cases, most severe first, then most seen, then oldest, each with what it
is about, its reasons with counts and the uploader's earlier decisions. Moderators of the region's
jurisdiction and operators only: every read is a gateway decision in that region's audit log."""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import select

from clipshop.errors import NotFound
from clipshop.kit.actors import Actor
from clipshop.kit.db import UnitOfWork
from clipshop.kit.ports import MediaStore
from clipshop.moderation.content import Description, describe
from clipshop.moderation.models import CaseReason, CaseStatus, Decision, ModerationCase
from clipshop.residency import gateway
from clipshop.videos.models import PublicVideo

QUEUE_SCAN = 500  # open cases read per queue request before ordering them
HISTORY = 5  # earlier decisions shown per uploader


@dataclass
class CaseView:
    """A case as the queue shows it: the content, its reasons with counts, its reach and the uploader's
    earlier decisions."""

    case: ModerationCase
    reasons: dict[str, int]
    reach: int
    content: Description = field(default_factory=Description)
    history: list[Decision] = field(default_factory=list)


def review_queue(
    uow: UnitOfWork, *, actor: Actor, region: str, store: MediaStore, limit: int = 50
) -> list[CaseView]:
    """The open cases of `region`, most severe first, then by reach (the video's views), then oldest first.
    Moderators of the region's jurisdiction and operators only (the gateway decides and records)."""
    if region not in uow.databases.region_engines:
        raise NotFound("region", region)
    door = gateway.access(
        uow, region, data_class="moderation", purpose="moderation", reason="review queue", role=actor.role
    )
    cases = list(
        door.db.scalars(
            select(ModerationCase)
            .where(ModerationCase.status == CaseStatus.OPEN)
            .order_by(ModerationCase.severity.desc(), ModerationCase.first_reported_at)
            .limit(QUEUE_SCAN)
        )
    )
    if not cases:
        return []
    ids = [c.id for c in cases]
    reasons: dict[str, dict[str, int]] = {}
    for row in door.db.scalars(select(CaseReason).where(CaseReason.case_id.in_(ids))):
        reasons.setdefault(row.case_id, {})[row.reason] = row.count
    content_ids = [c.content_id for c in cases]
    public = {
        v.id: v for v in uow.directory.scalars(select(PublicVideo).where(PublicVideo.id.in_(content_ids)))
    }
    views = [
        CaseView(
            case=c,
            reasons=dict(sorted(reasons.get(c.id, {}).items(), key=lambda kv: (-kv[1], kv[0]))),
            reach=public[c.content_id].view_count if c.content_id in public else 0,
        )
        for c in cases
    ]
    views.sort(key=lambda v: (-v.case.severity, -v.reach, v.case.first_reported_at, v.case.id))
    views = views[:limit]
    described = describe(
        uow,
        actor=actor,
        region=region,
        items=[(v.case.content_kind, v.case.content_id) for v in views],
        store=store,
    )
    for view in views:
        view.content = described[view.case.content_id]
    owners = sorted({v.case.owner_id for v in views if v.case.owner_id})
    if owners:
        records = gateway.access(
            uow,
            region,
            data_class="moderation_records",
            purpose="moderation",
            records=owners,
            reason="uploaders' earlier decisions",
            role=actor.role,
        )
        history: dict[str, list[Decision]] = {}
        for decision in records.db.scalars(
            select(Decision).where(Decision.owner_id.in_(owners)).order_by(Decision.decided_at.desc())
        ):
            assert decision.owner_id is not None
            history.setdefault(decision.owner_id, []).append(decision)
        for view in views:
            if view.case.owner_id:
                view.history = history.get(view.case.owner_id, [])[:HISTORY]
    return views
