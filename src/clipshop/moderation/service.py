"""Moderation: reports fold into cases, moderators decide cases, uploaders appeal. No HTTP, no commits.

Each item reported has one open case in its own region (the region in its id). A report is written in the
reporter's region and bumps the case's counts through the residency gateway (purpose `reporting`), so a
case never learns who reported. Reading the queue, deciding, withholding a video, suspending an account and
deciding an appeal all open the case's region through the gateway (purpose `moderation`): moderators of
that jurisdiction or operators, each step in that region's audit log.

Automatic checks at upload (`kit.review`) hold content and open its case here too (`ModerationDesk`), in the
content's own region, with the hold's reason in place of a report's; dismissing the case releases the
content, a take-down keeps it down (and lists a video's signature, so re-uploads of it are held)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import delete, select, update
from sqlalchemy.orm import Session

from clipshop.accounts import service as accounts
from clipshop.accounts.models import PublicProfile
from clipshop.errors import Conflict, Forbidden, Invalid, NotFound
from clipshop.jobs.queue import JobQueue
from clipshop.kit.actors import Actor, Role
from clipshop.kit.db import UnitOfWork, insert_ignore, upsert_add
from clipshop.kit.holdings import Held, rows
from clipshop.kit.ids import is_valid_id, new_id, region_of
from clipshop.kit.ports import MediaStore
from clipshop.kit.review import HeldKind, HoldReason
from clipshop.moderation.models import (
    HOLD_SEVERITY,
    SEVERITY,
    Action,
    AppealState,
    CaseReason,
    CaseStatus,
    ContentKind,
    Decision,
    ModerationCase,
    Report,
    ReportReason,
)
from clipshop.moderation.tasks import enqueue_tell_uploader
from clipshop.residency import gateway
from clipshop.shop.public import PublicProduct, PublicShop
from clipshop.social import service as social
from clipshop.social.models import Comment, PublicComment
from clipshop.videos import service as videos
from clipshop.videos.models import PublicVideo, Video

MAX_REPORT_TEXT = 1000
QUEUE_SCAN = 500  # open cases read per queue request before ordering them
HISTORY = 5  # earlier decisions shown per uploader
# What each action may be taken on: the video actions need a video; a suspension needs an account behind
# the content in the content's own region.
VIDEO_ONLY = frozenset({Action.AGE_RESTRICT, Action.REMOVE_FROM_RECOMMENDATIONS, Action.TAKE_DOWN})
# The decisions that limit a video without withholding it, and how.
RESTRICTIONS = {
    Action.AGE_RESTRICT: videos.Restriction.AGE,
    Action.REMOVE_FROM_RECOMMENDATIONS: videos.Restriction.RECOMMENDATIONS,
}


@dataclass(frozen=True)
class Content:
    kind: ContentKind
    id: str
    region: str
    owner_id: str | None


def find_content(uow: UnitOfWork, *, kind: ContentKind, content_id: str) -> Content:
    """The reported item as the directory shows it, or NotFound (also for what is not public)."""
    if not is_valid_id(content_id, set(uow.databases.regions)):
        raise NotFound(str(kind), content_id)
    owner: str | None = None
    directory = uow.directory
    if kind is ContentKind.VIDEO:
        video = directory.get(PublicVideo, content_id)
        owner = video.creator_id if video is not None else None
        found = video is not None
    elif kind is ContentKind.COMMENT:
        comment = directory.get(PublicComment, content_id)
        owner = comment.author_id if comment is not None else None
        found = comment is not None
    elif kind is ContentKind.PROFILE:
        found = directory.get(PublicProfile, content_id) is not None
        owner = content_id
    elif kind is ContentKind.PRODUCT:
        found = directory.get(PublicProduct, content_id) is not None
    else:
        found = directory.get(PublicShop, content_id) is not None
    if not found:
        raise NotFound(str(kind), content_id)
    region = region_of(content_id)
    # The owner is named on the case only where they live in the content's region (videos, comments and
    # profiles always do): a case is never a foreign person's row.
    if owner is not None and region_of(owner) != region:
        owner = None
    return Content(kind, content_id, region, owner)


# -- Reports -----------------------------------------------------------------------------------------------


def file_report(
    uow: UnitOfWork,
    *,
    actor: Actor,
    kind: ContentKind,
    content_id: str,
    reason: ReportReason,
    text: str,
    now: datetime,
) -> Report:
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
        return existing
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
    case = _open_case(door.db, content=content, now=now)
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
        return home.scalars(query).one()
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
    return home.get_one(Report, report_id)


def _open_case(db: Session, *, content: Content, now: datetime) -> ModerationCase:
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


# -- Holds by automatic checks ----------------------------------------------------------------------------


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
        case = _open_case(db, content=content, now=now)
        db.execute(
            update(ModerationCase)
            .where(ModerationCase.id == case.id)
            .values(severity=ModerationCase.severity + HOLD_SEVERITY[reason.value], last_reported_at=now)
        )
        upsert_add(db, CaseReason, {"case_id": case.id, "reason": reason.value}, {"count": 1})


# -- The review queue --------------------------------------------------------------------------------------


@dataclass
class CaseView:
    """A case as the queue shows it: the content, its reasons with counts, its reach and the uploader's
    earlier decisions."""

    case: ModerationCase
    reasons: dict[str, int]
    reach: int
    summary: str
    media_url: str | None = None
    poster_url: str | None = None
    withheld: bool = False
    held_for: str | None = None
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
            summary="",
        )
        for c in cases
    ]
    views.sort(key=lambda v: (-v.case.severity, -v.reach, v.case.first_reported_at, v.case.id))
    views = views[:limit]
    _describe(uow, actor=actor, region=region, views=views, store=store)
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


def _describe(
    uow: UnitOfWork, *, actor: Actor, region: str, views: list[CaseView], store: MediaStore
) -> None:
    """What each case is about: a video's caption and playable URL (from its own row, so a withheld or held
    one is still described), a comment's body (from its own row when it is held), a profile's handle, a
    product's title, a shop's name."""
    video_ids = [v.case.content_id for v in views if v.case.content_kind is ContentKind.VIDEO]
    comment_ids = [v.case.content_id for v in views if v.case.content_kind is ContentKind.COMMENT]
    found: dict[str, Video] = {}
    held_comments: dict[str, Comment] = {}
    if video_ids or comment_ids:
        door = gateway.access(
            uow,
            region,
            data_class="private_content",
            purpose="moderation",
            records=video_ids + comment_ids,
            reason="reported or held content",
            role=actor.role,
        )
        found = {v.id: v for v in door.db.scalars(select(Video).where(Video.id.in_(video_ids)))}
        held_comments = {
            c.id: c
            for c in door.db.scalars(
                select(Comment).where(Comment.id.in_(comment_ids), Comment.held_for.is_not(None))
            )
        }
    directory = uow.directory
    for view in views:
        kind, content_id = view.case.content_kind, view.case.content_id
        if kind is ContentKind.VIDEO:
            video = found.get(content_id)
            if video is not None:
                view.summary = video.caption
                view.media_url = store.url(video.master_key) if video.master_key else None
                view.poster_url = store.url(video.poster_key) if video.poster_key else None
                view.withheld = video.withheld_by is not None
                view.held_for = video.held_for
        elif kind is ContentKind.COMMENT:
            held = held_comments.get(content_id)
            comment = directory.get(PublicComment, content_id)
            if held is not None:
                view.summary, view.held_for = held.body, held.held_for
            else:
                view.summary = comment.body if comment is not None else ""
        elif kind is ContentKind.PROFILE:
            profile = directory.get(PublicProfile, content_id)
            view.summary = f"@{profile.handle}: {profile.bio}" if profile is not None else ""
        elif kind is ContentKind.PRODUCT:
            product = directory.get(PublicProduct, content_id)
            view.summary = product.title if product is not None else ""
        else:
            shop = directory.get(PublicShop, content_id)
            view.summary = shop.name if shop is not None else ""


# -- Decisions ---------------------------------------------------------------------------------------------


def _region_of_record(uow: UnitOfWork, record_id: str, what: str) -> str:
    if not is_valid_id(record_id, set(uow.databases.regions)):
        raise NotFound(what, record_id)
    return region_of(record_id)


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
    """Decide an open case: record the decision in the case's region and carry it out (a take-down
    withholds the video everywhere at once and lists its signature, so re-uploads are held; a suspension
    logs the account out for good and withholds every video of it; dismissing the case of held content
    releases it). Each step goes through the gateway and is in the region's audit log."""
    region = _region_of_record(uow, case_id, "case")
    door = gateway.access(
        uow,
        region,
        data_class="moderation",
        purpose="moderation",
        records=[case_id],
        reason=f"decide case {case_id}: {action} ({reason_code})",
        role=actor.role,
        write=True,
    )
    case = door.db.get(ModerationCase, case_id)
    if case is None:
        raise NotFound("case", case_id)
    if case.status is not CaseStatus.OPEN:
        raise Conflict("case_decided", "This case is decided already; new reports open a new case.")
    held_comment = (
        _held_comment(uow, actor=actor, region=region, comment_id=case.content_id)
        if case.content_kind is ContentKind.COMMENT
        else None
    )
    # A comment held for review may be kept down: it simply stays held.
    kept_down = action is Action.TAKE_DOWN and held_comment is not None
    if action in VIDEO_ONLY and case.content_kind is not ContentKind.VIDEO and not kept_down:
        raise Invalid(
            f"{action} applies to videos; this case is about a {case.content_kind}.",
            code="action_not_applicable",
            field="decision",
        )
    if action is Action.SUSPEND_ACCOUNT and case.owner_id is None:
        raise Invalid(
            "No account of this region stands behind this content to suspend.",
            code="action_not_applicable",
            field="decision",
        )
    records = gateway.access(
        uow,
        region,
        data_class="moderation_records",
        purpose="moderation",
        records=[case_id],
        reason=f"record decision on case {case_id}",
        role=actor.role,
        write=True,
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
    records.db.add(decision)
    records.db.flush()
    enqueue_tell_uploader(jobs, uow, decision_id=decision.id)
    case.status, case.open_key, case.decided_at = CaseStatus.DECIDED, None, now
    if action is Action.TAKE_DOWN and case.content_kind is ContentKind.VIDEO:
        content = _open_videos(uow, actor=actor, region=region, records=[case.content_id], why="take down")
        video = content.get(Video, case.content_id)
        if video is not None:
            videos.withhold_video(uow, video=video, decision_id=decision.id, now=now)
            videos.block_signature(uow, video=video, decision_id=decision.id, now=now)
    elif action is Action.DISMISS and case.content_kind is ContentKind.VIDEO:
        content = _open_videos(uow, actor=actor, region=region, records=[case.content_id], why="review")
        video = content.get(Video, case.content_id)
        if video is not None and video.held_for is not None:
            videos.release_hold(uow, video=video, store=stores[region], now=now)
    elif action is Action.DISMISS and held_comment is not None:
        social.release_comment(uow, comment=held_comment, jobs=jobs, now=now)
    elif action in RESTRICTIONS:
        content = _open_videos(uow, actor=actor, region=region, records=[case.content_id], why=str(action))
        video = content.get(Video, case.content_id)
        if video is not None:
            videos.restrict_video(
                uow, video=video, restriction=RESTRICTIONS[action], decision_id=decision.id, now=now
            )
            # A held video that a moderator only restricts is let out, with its restriction.
            if video.held_for is not None:
                videos.release_hold(uow, video=video, store=stores[region], now=now)
    elif action is Action.SUSPEND_ACCOUNT:
        assert case.owner_id is not None
        _open_accounts(uow, actor=actor, region=region, user_id=case.owner_id, why="suspend")
        accounts.suspend_account(uow, user_id=case.owner_id, now=now)
        _open_videos(uow, actor=actor, region=region, records=[case.owner_id], why="withhold all of")
        for video in videos.published_videos_of(uow, user_id=case.owner_id):
            videos.withhold_video(uow, video=video, decision_id=decision.id, now=now)
    return decision


def _open_videos(uow: UnitOfWork, *, actor: Actor, region: str, records: list[str], why: str) -> Session:
    door = gateway.access(
        uow,
        region,
        data_class="private_content",
        purpose="moderation",
        records=records,
        reason=f"{why} {', '.join(records)}",
        role=actor.role,
        write=True,
    )
    return door.db


def _held_comment(uow: UnitOfWork, *, actor: Actor, region: str, comment_id: str) -> Comment | None:
    """The comment of a case if it is held for review (read through the gateway), else None."""
    door = gateway.access(
        uow,
        region,
        data_class="private_content",
        purpose="moderation",
        records=[comment_id],
        reason=f"review comment {comment_id}",
        role=actor.role,
        write=True,
    )
    comment = door.db.get(Comment, comment_id)
    return comment if comment is not None and comment.held_for is not None else None


def _open_accounts(uow: UnitOfWork, *, actor: Actor, region: str, user_id: str, why: str) -> None:
    gateway.access(
        uow,
        region,
        data_class="contact",
        purpose="moderation",
        records=[user_id],
        reason=f"{why} account {user_id}",
        role=actor.role,
        write=True,
    )


# -- Appeals -----------------------------------------------------------------------------------------------


def decisions_about(uow: UnitOfWork, *, actor: Actor) -> list[Decision]:
    """What moderation did to the actor's content or account (dismissals left out), newest first."""
    query = (
        select(Decision)
        .where(Decision.owner_id == actor.id, Decision.action != Action.DISMISS)
        .order_by(Decision.decided_at.desc())
    )
    return list(uow.region(actor.region).scalars(query))


def appeal(uow: UnitOfWork, *, actor: Actor, decision_id: str, text: str, now: datetime) -> Decision:
    """Appeal a decision about one's own content, once (a second appeal is 409 `already_appealed`)."""
    decision = uow.find(Decision, decision_id, region=actor.region)
    if decision is None or decision.owner_id != actor.id or decision.action is Action.DISMISS:
        raise NotFound("decision", decision_id)
    if decision.appeal_state is not AppealState.NONE:
        raise Conflict(
            "already_appealed",
            "This decision was appealed already; each decision may be appealed once.",
            appeal_state=decision.appeal_state.value,
        )
    if len(text.strip()) > MAX_REPORT_TEXT:
        raise Invalid(f"An appeal's text is at most {MAX_REPORT_TEXT} characters.", field="text")
    decision.appeal_state, decision.appeal_text, decision.appealed_at = AppealState.PENDING, text.strip(), now
    return decision


def pending_appeals(uow: UnitOfWork, *, actor: Actor, region: str, limit: int = 50) -> list[Decision]:
    """Appeals of `region` waiting for a moderator, oldest first."""
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
    return list(door.db.scalars(query))


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
    everything the decision withheld (the video everywhere, with its counters; the account's log-in)."""
    region = _region_of_record(uow, decision_id, "decision")
    door = gateway.access(
        uow,
        region,
        data_class="moderation_records",
        purpose="moderation",
        records=[decision_id],
        reason=f"{'overturn' if overturn else 'uphold'} appeal of decision {decision_id}",
        role=actor.role,
        write=True,
    )
    decision = door.db.get(Decision, decision_id)
    if decision is None:
        raise NotFound("decision", decision_id)
    if decision.appeal_state is not AppealState.PENDING:
        raise Conflict("no_pending_appeal", "This decision has no appeal waiting.")
    if decision.moderator_id == actor.id:
        raise Forbidden(
            "You made this decision; another moderator decides its appeal.", code="same_moderator"
        )
    decision.appeal_state = AppealState.OVERTURNED if overturn else AppealState.UPHELD
    decision.appeal_moderator_id, decision.appeal_decided_at = actor.id, now
    enqueue_tell_uploader(jobs, uow, decision_id=decision.id)
    if not overturn:
        return decision
    if decision.action is Action.SUSPEND_ACCOUNT and decision.owner_id is not None:
        _open_accounts(uow, actor=actor, region=region, user_id=decision.owner_id, why="lift suspension of")
        accounts.lift_suspension(uow, user_id=decision.owner_id)
    if decision.action is Action.TAKE_DOWN:
        videos.unblock_signature(uow, decision_id=decision.id)
    if decision.action in RESTRICTIONS:
        content = _open_videos(uow, actor=actor, region=region, records=[decision.content_id], why="lift")
        video = content.get(Video, decision.content_id)
        if video is not None:
            videos.lift_restriction(uow, video=video, decision_id=decision.id, now=now)
    if decision.action in (Action.TAKE_DOWN, Action.SUSPEND_ACCOUNT):
        _open_videos(uow, actor=actor, region=region, records=[decision.content_id], why="give back")
        for video in videos.videos_withheld_by(uow, region=region, decision_id=decision.id):
            released = videos.release_video(
                uow, video=video, decision_id=decision.id, store=stores[region], now=now
            )
            if released is not None:
                uow.directory.flush()
                social.resum_video_counts(uow, video_id=video.id)
    return decision


# -- Data rights -------------------------------------------------------------------------------------------


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
