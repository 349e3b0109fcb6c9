"""What a case is about: the reported item as the directory shows it (`find_content`), and as a moderator
sees it (`describe`), from its own row in its region even when it is held or taken down. An ad's case opens
when the ad is made or edited (it is reviewed before it serves), never by a report: a viewer reports the
video it shows."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select

from clipshop.accounts.models import PublicProfile
from clipshop.ads.review import AdFacts, describe_ads
from clipshop.errors import NotFound
from clipshop.kit.actors import Actor
from clipshop.kit.db import UnitOfWork
from clipshop.kit.ids import is_valid_id, region_of
from clipshop.kit.ports import MediaStore
from clipshop.moderation.doors import open_region
from clipshop.moderation.models import ContentKind
from clipshop.shop.public import PublicProduct, PublicShop, storefront_item
from clipshop.social.models import Comment, PublicComment
from clipshop.videos.models import PublicVideo, Video


@dataclass(frozen=True)
class Content:
    kind: ContentKind
    id: str
    region: str
    owner_id: str | None


def find_content(uow: UnitOfWork, *, kind: ContentKind, content_id: str) -> Content:
    """The reported item as the directory shows it, or NotFound (also for what is not public)."""
    if kind is ContentKind.AD or not is_valid_id(content_id, set(uow.databases.regions)):
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
        product = directory.get(PublicProduct, content_id)
        shop = directory.get(PublicShop, product.shop_id) if product is not None else None
        owner = shop.owner_id if shop is not None else None
        found = product is not None
    else:
        found_shop = directory.get(PublicShop, content_id)
        owner = found_shop.owner_id if found_shop is not None else None
        found = found_shop is not None
    if not found:
        raise NotFound(str(kind), content_id)
    region = region_of(content_id)
    # The owner is named on the case only where they live in the content's region (a shop lives in its
    # owner's, and a video, comment or profile always does): a case is never a foreign person's row.
    if owner is not None and region_of(owner) != region:
        owner = None
    return Content(kind, content_id, region, owner)


@dataclass
class Description:
    """What a moderator is shown of an item: a video's caption and player, a comment's body, a profile, a
    product's title or a shop's name; whether a decision withholds it, or a check holds it."""

    summary: str = ""
    media_url: str | None = None
    poster_url: str | None = None
    withheld: bool = False
    held_for: str | None = None
    ad: AdFacts | None = None  # an ad's advertiser, headline and call to action, and what it promotes


def describe(
    uow: UnitOfWork,
    *,
    actor: Actor,
    region: str,
    items: list[tuple[ContentKind, str]],
    store: MediaStore,
) -> dict[str, Description]:
    """Describe `items` of `region`, by content id: videos and comments from their own rows (read through the
    gateway), so one held or taken down is still described, and a withheld video's player still plays for
    the moderator (its media route lets moderators of its region through the gateway)."""
    video_ids = [i for k, i in items if k is ContentKind.VIDEO]
    comment_ids = [i for k, i in items if k is ContentKind.COMMENT]
    videos: dict[str, Video] = {}
    comments: dict[str, Comment] = {}
    if video_ids or comment_ids:
        db = open_region(
            uow,
            region,
            actor=actor,
            data_class="private_content",
            records=video_ids + comment_ids,
            why="review reported or held content",
            write=False,
        )
        videos = {v.id: v for v in db.scalars(select(Video).where(Video.id.in_(video_ids)))}
        comments = {c.id: c for c in db.scalars(select(Comment).where(Comment.id.in_(comment_ids)))}
    ad_ids = [i for k, i in items if k is ContentKind.AD]
    ads: dict[str, AdFacts] = {}
    if ad_ids:
        open_region(
            uow, region, actor=actor, data_class="advertising", records=ad_ids, why="review ads", write=False
        )
        ads = describe_ads(uow, region=region, ad_ids=ad_ids)
    directory = uow.directory
    found: dict[str, Description] = {}
    for kind, content_id in items:
        seen = found[content_id] = Description()
        if kind is ContentKind.VIDEO:
            video = videos.get(content_id)
            if video is not None:
                seen.summary = video.caption
                # Through the gate, which lets a reviewer play a withheld or adults-only video (audited).
                seen.media_url = store.gated_url(video.master_key) if video.master_key else None
                seen.poster_url = store.gated_url(video.poster_key) if video.poster_key else None
                seen.withheld = video.withheld_by is not None
                seen.held_for = video.held_for
        elif kind is ContentKind.COMMENT:
            comment = comments.get(content_id)
            if comment is not None:
                seen.summary, seen.held_for = comment.body, comment.held_for
                seen.withheld = comment.withheld_by is not None
        elif kind is ContentKind.AD:
            facts = ads.get(content_id)
            if facts is not None:
                seen.summary, seen.ad = facts.summary, facts
                seen.media_url, seen.poster_url = facts.media_url, facts.poster_url
        elif kind is ContentKind.PROFILE:
            profile = directory.get(PublicProfile, content_id)
            seen.summary = f"@{profile.handle}: {profile.bio}" if profile is not None else ""
        else:
            item = storefront_item(uow, kind=str(kind), item_id=content_id)
            if item is not None:
                seen.summary, seen.withheld = item.name, item.withheld
    return found
