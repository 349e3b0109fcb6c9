"""What a decision does to the content behind its case, and what a won appeal gives back. Each domain does
its own part (videos: `withhold_video`; social: `withhold_comment`; the shop: `withhold_product`,
`withhold_shop`; accounts: `suspend_account`); this module opens the content's region for it through the
gateway first, so every step is in that region's audit log, whichever region the moderator lives in.

Ads: an ad's case is approved (it may serve) or rejected (it never does), and nothing else. A decision that
takes a video, a product or a shop out of public places, or restricts a video, stops the ads promoting it in
the same transaction; giving it back lets them serve again (`ads.review`)."""

from __future__ import annotations

from datetime import datetime

from clipshop.accounts import service as accounts
from clipshop.ads import review as ads
from clipshop.errors import Invalid
from clipshop.jobs.queue import JobQueue
from clipshop.kit.actors import Actor
from clipshop.kit.db import UnitOfWork
from clipshop.kit.ids import region_of
from clipshop.kit.ports import MediaStore
from clipshop.moderation.doors import open_region
from clipshop.moderation.models import Action, ContentKind, Decision, ModerationCase
from clipshop.shop import public as shop
from clipshop.social import service as social
from clipshop.social.models import Comment
from clipshop.videos import service as videos
from clipshop.videos.models import Video

# What each action may be taken on: a take-down needs content that can leave the public places (not a
# profile: suspend its account instead); the restrictions need a video; a suspension an account behind the
# content in the content's own region.
TAKE_DOWN_KINDS = frozenset({ContentKind.VIDEO, ContentKind.COMMENT, ContentKind.PRODUCT, ContentKind.SHOP})
# The decisions that limit a video without withholding it, and how.
RESTRICTIONS = {
    Action.AGE_RESTRICT: videos.Restriction.AGE,
    Action.REMOVE_FROM_RECOMMENDATIONS: videos.Restriction.RECOMMENDATIONS,
}


AD_ACTIONS = frozenset({Action.APPROVE, Action.REJECT})


def check_applicable(case: ModerationCase, action: Action, reason_code: str = "") -> None:
    """Refuse (422 `action_not_applicable`) an action the case's content cannot take, and a rejection of an
    ad without one of the ad policy's reasons (422 `invalid_reason_code`)."""
    kind = case.content_kind
    if (kind is ContentKind.AD) != (action in AD_ACTIONS):
        raise Invalid(
            "An ad is approved or rejected, nothing else."
            if kind is ContentKind.AD
            else f"{action} applies to ads; this case is about a {kind}.",
            code="action_not_applicable",
            field="decision",
        )
    if action is Action.REJECT and reason_code not in ads.REJECTION_REASONS:
        raise Invalid(
            f"An ad is rejected for one of: {', '.join(ads.REJECTION_REASONS)}.",
            code="invalid_reason_code",
            field="reason_code",
            allowed=list(ads.REJECTION_REASONS),
        )
    if (action is Action.TAKE_DOWN and kind not in TAKE_DOWN_KINDS) or (
        action in RESTRICTIONS and kind is not ContentKind.VIDEO
    ):
        what = "videos" if action in RESTRICTIONS else "videos, comments, products and shops"
        raise Invalid(
            f"{action} applies to {what}; this case is about a {kind}.",
            code="action_not_applicable",
            field="decision",
        )
    if action is Action.SUSPEND_ACCOUNT and case.owner_id is None:
        raise Invalid(
            "No account of this region stands behind this content to suspend.",
            code="action_not_applicable",
            field="decision",
        )


def carry_out(
    uow: UnitOfWork,
    *,
    actor: Actor,
    case: ModerationCase,
    decision: Decision,
    stores: dict[str, MediaStore],
    jobs: JobQueue,
    now: datetime,
) -> None:
    """Do what `decision` says to the content of `case`: a take-down withholds it from every public place at
    once (a video's signature is listed, so re-uploads are held); a restriction limits a video; a suspension
    logs the account out for good and withholds every video of it; dismissing the case of content held by an
    automatic check releases it; an ad's approval lets it serve, its rejection keeps it from serving. Ads that
    promote what a take-down or a restriction concerns stop at once."""
    region, action, kind, item = region_of(case.id), decision.action, case.content_kind, case.content_id
    if action in AD_ACTIONS:
        open_region(uow, region, actor=actor, data_class="advertising", records=[item], why="review ad")
        ads.apply_review(
            uow, ad_id=item, approved=action is Action.APPROVE, reason=decision.reason_code, now=now
        )
    elif action is Action.TAKE_DOWN:
        _take_down(
            uow,
            actor=actor,
            region=region,
            kind=kind,
            item=item,
            decision=decision,
            store=stores[region],
            jobs=jobs,
            now=now,
        )
        _stop_ads(uow, kind=kind, item=item, now=now)
    elif action is Action.DISMISS and kind is ContentKind.VIDEO:
        db = open_region(uow, region, actor=actor, data_class="private_content", records=[item], why="review")
        video = db.get(Video, item)
        if video is not None and video.held_for is not None:
            videos.release_hold(uow, video=video, store=stores[region], now=now)
    elif action is Action.DISMISS and kind is ContentKind.COMMENT:
        comment = _open_comment(uow, actor=actor, region=region, comment_id=item, why="release")
        if comment is not None and comment.held_for is not None:
            social.release_comment(uow, comment=comment, jobs=jobs, now=now)
    elif action in RESTRICTIONS:
        db = open_region(uow, region, actor=actor, data_class="private_content", records=[item], why=action)
        video = db.get(Video, item)
        if video is not None:
            videos.restrict_video(
                uow,
                video=video,
                restriction=RESTRICTIONS[action],
                decision_id=decision.id,
                store=stores[region],
                now=now,
            )
            # A held video that a moderator only restricts is let out, with its restriction.
            if video.held_for is not None:
                videos.release_hold(uow, video=video, store=stores[region], now=now)
        ads.stop_promoting(uow, video_ids=[item], now=now)
    elif action is Action.SUSPEND_ACCOUNT:
        assert case.owner_id is not None
        owner = case.owner_id
        open_region(uow, region, actor=actor, data_class="contact", records=[owner], why="suspend account")
        accounts.suspend_account(uow, user_id=owner, now=now)
        open_region(
            uow, region, actor=actor, data_class="private_content", records=[owner], why="withhold all of"
        )
        withheld = videos.published_videos_of(uow, user_id=owner)
        for video in withheld:
            videos.withhold_video(uow, video=video, decision_id=decision.id, store=stores[region], now=now)
        ads.stop_promoting(uow, video_ids=[video.id for video in withheld], now=now)
        open_region(uow, region, actor=actor, data_class="advertising", records=[owner], why="pause ads of")
        ads.pause_advertising_of(uow, owner_id=owner, now=now)


def _stop_ads(uow: UnitOfWork, *, kind: ContentKind, item: str, now: datetime) -> None:
    """Stop the ads that promote what a take-down withheld."""
    if kind is ContentKind.VIDEO:
        ads.stop_promoting(uow, video_ids=[item], now=now)
    elif kind is ContentKind.PRODUCT:
        ads.stop_promoting(uow, product_ids=[item], now=now)
    elif kind is ContentKind.SHOP:
        ads.stop_promoting(uow, shop_ids=[item], now=now)


def _take_down(
    uow: UnitOfWork,
    *,
    actor: Actor,
    region: str,
    kind: ContentKind,
    item: str,
    decision: Decision,
    store: MediaStore,
    jobs: JobQueue,
    now: datetime,
) -> None:
    if kind is ContentKind.VIDEO:
        db = open_region(
            uow, region, actor=actor, data_class="private_content", records=[item], why="take down"
        )
        video = db.get(Video, item)
        if video is not None:
            videos.withhold_video(uow, video=video, decision_id=decision.id, store=store, now=now)
            videos.block_signature(uow, video=video, decision_id=decision.id, now=now)
    elif kind is ContentKind.COMMENT:
        comment = _open_comment(uow, actor=actor, region=region, comment_id=item, why="take down")
        if comment is not None:
            social.withhold_comment(uow, comment=comment, decision_id=decision.id, jobs=jobs, now=now)
    else:
        open_region(uow, region, actor=actor, data_class="public_content", records=[item], why="take down")
        if kind is ContentKind.PRODUCT:
            shop.withhold_product(uow, product_id=item, decision_id=decision.id, now=now)
        else:
            shop.withhold_shop(uow, shop_id=item, decision_id=decision.id, now=now)


def give_back(
    uow: UnitOfWork,
    *,
    actor: Actor,
    decision: Decision,
    stores: dict[str, MediaStore],
    jobs: JobQueue,
    now: datetime,
) -> None:
    """Undo what an overturned `decision` did: the content returns to every public place it left, with its
    counters; a suspension is lifted; a restriction ends."""
    region, action, kind, item = (
        region_of(decision.id),
        decision.action,
        decision.content_kind,
        decision.content_id,
    )
    if action is Action.REJECT:
        open_region(uow, region, actor=actor, data_class="advertising", records=[item], why="approve ad")
        ads.apply_review(uow, ad_id=item, approved=True, reason="", now=now)
        return
    if action is Action.SUSPEND_ACCOUNT and decision.owner_id is not None:
        owner = decision.owner_id
        open_region(uow, region, actor=actor, data_class="contact", records=[owner], why="lift suspension of")
        accounts.lift_suspension(uow, user_id=owner)
        open_region(uow, region, actor=actor, data_class="advertising", records=[owner], why="resume ads of")
        ads.resume_advertising_of(uow, owner_id=owner, now=now)
    if action in RESTRICTIONS:
        db = open_region(uow, region, actor=actor, data_class="private_content", records=[item], why="lift")
        video = db.get(Video, item)
        if video is not None:
            videos.lift_restriction(uow, video=video, decision_id=decision.id, store=stores[region], now=now)
            ads.resume_promoting(uow, jobs, video_ids=[item])
    if action is Action.TAKE_DOWN and kind is ContentKind.COMMENT:
        comment = _open_comment(uow, actor=actor, region=region, comment_id=item, why="give back")
        if comment is not None:
            social.release_withheld_comment(uow, comment=comment, decision_id=decision.id, jobs=jobs, now=now)
    elif action is Action.TAKE_DOWN and kind in (ContentKind.PRODUCT, ContentKind.SHOP):
        open_region(uow, region, actor=actor, data_class="public_content", records=[item], why="give back")
        if kind is ContentKind.PRODUCT:
            shop.release_product(uow, product_id=item, decision_id=decision.id, now=now)
            ads.resume_promoting(uow, jobs, product_ids=[item])
        else:
            shop.release_shop(uow, shop_id=item, decision_id=decision.id, now=now)
            ads.resume_promoting(uow, jobs, shop_ids=[item])
    elif action in (Action.TAKE_DOWN, Action.SUSPEND_ACCOUNT):
        if action is Action.TAKE_DOWN:
            videos.unblock_signature(uow, decision_id=decision.id)
        open_region(uow, region, actor=actor, data_class="private_content", records=[item], why="give back")
        for video in videos.videos_withheld_by(uow, region=region, decision_id=decision.id):
            released = videos.release_video(
                uow, video=video, decision_id=decision.id, store=stores[region], now=now
            )
            if released is not None:
                uow.directory.flush()
                social.resum_video_counts(uow, video_id=video.id)
                ads.resume_promoting(uow, jobs, video_ids=[video.id])


def _open_comment(uow: UnitOfWork, *, actor: Actor, region: str, comment_id: str, why: str) -> Comment | None:
    """A comment of a case, opened through the gateway with its region's counters (taking it down or giving
    it back moves its video's comment count there)."""
    db = open_region(uow, region, actor=actor, data_class="private_content", records=[comment_id], why=why)
    open_region(
        uow, region, actor=actor, data_class="operational", records=[comment_id], why=f"{why} count of"
    )
    return db.get(Comment, comment_id)
