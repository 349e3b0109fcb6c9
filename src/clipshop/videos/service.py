"""Videos: from a finished upload to a published, playable clip. No HTTP, no commits."""

from __future__ import annotations

import enum
import json
import logging
import math
import re
from collections import Counter
from datetime import UTC, date, datetime, timedelta

from sqlalchemy import delete, func, select

from clipshop.accounts.models import PublicProfile
from clipshop.errors import Conflict, Forbidden, Invalid, NotFound
from clipshop.events import service as events
from clipshop.jobs.queue import JobQueue
from clipshop.kit.actors import Actor, Role
from clipshop.kit.blocklist import Blocklist
from clipshop.kit.db import UnitOfWork
from clipshop.kit.holdings import Held, rows
from clipshop.kit.ids import new_id, region_of
from clipshop.kit.ports import MediaStore, ProbeResult, UploadVolume
from clipshop.kit.review import HeldKind, HoldReason, ReviewDesk
from clipshop.kit.watermarks import Window, in_batches
from clipshop.media.signature import DEFAULT_MATCHING, Matching
from clipshop.media.transcode import Rung, plan_ladder
from clipshop.residency import gateway
from clipshop.residency.carving import is_detached
from clipshop.videos.models import (
    BlockedSignature,
    PublicVideo,
    PublicVideoTag,
    Rendition,
    RenditionStatus,
    Upload,
    UploadStatus,
    Video,
    VideoStatus,
    WithheldVideo,
)
from clipshop.videos.tasks import enqueue_transcode

# The hook point for a CDN in front of the media stores: a withheld video's files are refused here at once,
# but a CDN (and browsers) may keep its segments, served `immutable` for a year. An operator's log shipper
# (or a handler added to this logger) turns each entry into a purge of the prefix it names.
purge_log = logging.getLogger("clipshop.media.purge")

HASHTAG = re.compile(r"#(\w{1,50})", re.UNICODE)
MAX_CAPTION = 2200
# Time-decayed engagement as one static, indexable number: ln(engagement) + age/TAU, so a video twice as
# engaging ranks like one ln(2)*TAU seconds (about 8 hours) fresher.
TAU_S = 12 * 3600.0
EPOCH = datetime(2024, 1, 1, tzinfo=UTC)


def parse_hashtags(caption: str) -> list[str]:
    seen: dict[str, None] = {}
    for tag in HASHTAG.findall(caption):
        seen.setdefault(tag.lower(), None)
    return list(seen)[:30]


def hot_score(
    *, published_at: datetime, likes: int, comments: int, shares: int, views: int, completes: int
) -> float:
    engagement = 1.0 + likes + 2.0 * comments + 3.0 * shares + 0.5 * completes + 0.05 * views
    return math.log(engagement) + (published_at - EPOCH).total_seconds() / TAU_S


def create_video(
    uow: UnitOfWork,
    *,
    actor: Actor,
    upload_id: str,
    caption: str,
    publish: bool,
    now: datetime,
    jobs: JobQueue,
) -> Video:
    """Turn a finished upload into a video with one queued rendition per rung, transcoded once this is
    committed; idempotent per upload."""
    db = uow.region(actor.region)
    upload = uow.find(Upload, upload_id, region=actor.region)
    if upload is None or upload.owner_id != actor.id:
        raise NotFound("upload", upload_id)
    caption = caption.strip()
    if len(caption) > MAX_CAPTION:
        raise Invalid(f"A caption is at most {MAX_CAPTION} characters.", field="caption")
    existing = db.scalar(select(Video).where(Video.upload_id == upload_id))
    if existing is not None:
        if existing.caption != caption:
            raise Conflict(
                "upload_used",
                "This upload already became a video; edit that video instead.",
                video_id=existing.id,
            )
        return existing
    if upload.status is not UploadStatus.COMPLETE:
        raise Conflict(
            "upload_incomplete",
            f"The upload has {upload.offset} of {upload.length} bytes; finish sending it first.",
        )
    assert upload.duration_s is not None and upload.width is not None and upload.height is not None
    video = Video(
        id=new_id(actor.region),
        owner_id=actor.id,
        upload_id=upload.id,
        status=VideoStatus.PROCESSING,
        caption=caption,
        hashtags=" ".join(parse_hashtags(caption)),
        duration_s=upload.duration_s,
        width=upload.width,
        height=upload.height,
        has_audio=upload.has_audio,
        publish_when_ready=publish,
        created_at=now,
        updated_at=now,
    )
    db.add(video)
    db.flush()  # the renditions below refer to it
    probe = upload_probe(upload)
    for rung, (width, height) in zip(plan := plan_ladder(probe), ladder_sizes(probe, plan), strict=True):
        db.add(
            Rendition(
                video_id=video.id,
                name=rung.name,
                width=width,
                height=height,
                bandwidth=(rung.video_kbps + (rung.audio_kbps if upload.has_audio else 0)) * 1000,
                status=RenditionStatus.QUEUED,
                percent=0.0,
                updated_at=now,
            )
        )
    enqueue_transcode(jobs, uow, video_id=video.id)
    return video


def upload_probe(upload: Upload) -> ProbeResult:
    """The probe facts recorded when the upload finished."""
    if upload.probe_json is None:
        raise Conflict("upload_incomplete", "The upload has not been checked yet; finish sending it first.")
    return ProbeResult(**json.loads(upload.probe_json))


def ladder_sizes(probe: ProbeResult, rungs: list[Rung]) -> list[tuple[int, int]]:
    return [rung.frame_size(width=probe.width, height=probe.height) for rung in rungs]


def get_public_video(uow: UnitOfWork, *, video_id: str) -> PublicVideo:
    """A published video's public copy, or not found (also once it is taken down)."""
    video = uow.directory.get(PublicVideo, video_id)
    if video is None:
        raise NotFound("video", video_id)
    return video


class AgeRestricted(Forbidden):
    code = "age_restricted"


def may_see(video: PublicVideo, viewer: Actor | None, *, today: date) -> bool:
    """Whether `viewer` may see `video`: an age-restricted one only by an adult (known birth date, 18+)."""
    return not video.age_restricted or (viewer is not None and viewer.is_adult_on(today))


def ensure_may_see(video: PublicVideo, viewer: Actor | None, *, today: date) -> None:
    """Refuse (403 `age_restricted`) an age-restricted video to a minor, an account with no birth date, or a
    signed-out visitor."""
    if not may_see(video, viewer, today=today):
        hint = "log in" if viewer is None else "add your birth date in settings"
        raise AgeRestricted(
            f"This video is for adults only; if you are 18 or older, {hint} to see it.", video_id=video.id
        )


def get_own_video(uow: UnitOfWork, *, actor: Actor, video_id: str) -> Video:
    video = uow.find(Video, video_id, region=actor.region)
    if video is None or video.owner_id != actor.id:
        raise NotFound("video", video_id)
    return video


def renditions_of(uow: UnitOfWork, video: Video) -> list[Rendition]:
    db = uow.region(region_of(video.id))
    return list(
        db.scalars(select(Rendition).where(Rendition.video_id == video.id).order_by(Rendition.height.desc()))
    )


def list_own_videos(uow: UnitOfWork, *, actor: Actor, limit: int = 50) -> list[Video]:
    db = uow.region(actor.region)
    query = select(Video).where(Video.owner_id == actor.id).order_by(Video.created_at.desc()).limit(limit)
    return list(db.scalars(query))


def publish_video(
    uow: UnitOfWork, *, video: Video, stores: dict[str, MediaStore], now: datetime
) -> PublicVideo | None:
    """Make a ready video public: its projection goes into the directory that feeds read (None when its
    region has left this deployment, see `project_video`)."""
    if video.status is not VideoStatus.READY:
        raise Conflict("video_not_ready", "The video is still processing; it is published once it is ready.")
    if video.held_for is not None:
        raise Conflict(
            "video_held",
            "The video is held for a moderator's review; it is published if the review releases it.",
            held_for=video.held_for,
        )
    if video.published_at is None:
        video.published_at = now
    video.publish_when_ready, video.updated_at = True, now
    return project_video(uow, video=video, store=stores[region_of(video.id)])


def project_video(uow: UnitOfWork, *, video: Video, store: MediaStore) -> PublicVideo | None:
    """Write (or rewrite) the public copy of a published video; idempotent. Nothing of a region carved out
    of this deployment is projected again (None)."""
    assert video.published_at is not None and video.master_key is not None
    if is_detached(uow.directory, region_of(video.id)):
        return None
    if video.withheld_by is not None or uow.directory.get(WithheldVideo, video.id) is not None:
        return None  # a moderation decision took it out; only giving it back (`release_video`) projects it
    if video.held_for is not None:
        return None  # held for review; only a moderator's release (`release_hold`) projects it
    public = uow.directory.get(PublicVideo, video.id)
    if public is None:
        profile = uow.directory.get(PublicProfile, video.owner_id)
        if profile is not None:
            profile.video_count = PublicProfile.video_count + 1
        public = PublicVideo(
            id=video.id,
            region=region_of(video.id),
            creator_id=video.owner_id,
            like_count=0,
            comment_count=0,
            share_count=0,
            view_count=0,
            complete_count=0,
        )
        uow.directory.add(public)
    public.caption, public.hashtags = video.caption, video.hashtags
    public.duration_s, public.width, public.height = video.duration_s, video.width, video.height
    public.master_url = store.url(video.master_key)
    public.poster_url = store.url(video.poster_key) if video.poster_key else None
    public.thumb_url = store.url(video.thumb_key) if video.thumb_key else None
    public.published_at = video.published_at
    public.age_restricted = video.age_restricted_by is not None
    public.unrecommended = video.unrecommended_by is not None
    public.hot_score = hot_score(
        published_at=video.published_at,
        likes=public.like_count,
        comments=public.comment_count,
        shares=public.share_count,
        views=public.view_count,
        completes=public.complete_count,
    )
    uow.directory.flush()
    uow.directory.execute(delete(PublicVideoTag).where(PublicVideoTag.video_id == video.id))
    for tag in video.hashtag_list:
        uow.directory.add(PublicVideoTag(tag=tag, video_id=video.id, published_at=video.published_at))
    return public


def update_caption(
    uow: UnitOfWork,
    *,
    actor: Actor,
    video_id: str,
    caption: str,
    stores: dict[str, MediaStore],
    blocklist: Blocklist,
    desk: ReviewDesk,
    now: datetime,
) -> Video:
    """Change a video's caption (and hashtags). A caption with a blocked word holds a ready video for review
    at once (out of every public place); one still processing is checked when it is ready."""
    video = get_own_video(uow, actor=actor, video_id=video_id)
    if len(caption) > MAX_CAPTION:
        raise Invalid(f"A caption is at most {MAX_CAPTION} characters.", field="caption")
    video.caption, video.updated_at = caption.strip(), now
    video.hashtags = " ".join(parse_hashtags(video.caption))
    if video.status is VideoStatus.READY and blocklist.found_in(video.caption):
        hold_video(uow, video=video, reason=HoldReason.BLOCKED_WORDS, desk=desk, now=now)
    if video.published_at is not None:
        project_video(uow, video=video, store=stores[actor.region])
    return video


def lease(video: Video, now: datetime, *, seconds: float = 120) -> None:
    video.lease_until = now + timedelta(seconds=seconds)


def audience(uow: UnitOfWork, *, actor: Actor, min_group: int) -> list[events.RegionAudience]:
    """Who played the actor's published videos, per region of the viewers, as totals over at least
    `min_group` people: each region counts its own and is opened to the creator through the gateway."""
    video_ids = list(uow.directory.scalars(select(PublicVideo.id).where(PublicVideo.creator_id == actor.id)))
    found = []
    for region in uow.databases.regions:
        gateway.access(
            uow,
            region,
            data_class="behaviour",
            purpose="aggregate_analytics",
            reason=f"audience of creator {actor.id}",
            role=Role.CREATOR,
        )
        found.append(events.audience(uow, region=region, video_ids=video_ids, min_group=min_group))
    return found


def _public_copy_is_current(
    public: PublicVideo | None, tags: set[str], *, video: Video, store: MediaStore
) -> bool:
    """Whether a published video's public copy (and its hashtags) says what `project_video` would write."""
    if public is None or tags != set(video.hashtag_list):
        return False
    assert video.master_key is not None
    expected = {
        "region": region_of(video.id),
        "creator_id": video.owner_id,
        "caption": video.caption,
        "hashtags": video.hashtags,
        "duration_s": video.duration_s,
        "width": video.width,
        "height": video.height,
        "master_url": store.url(video.master_key),
        "poster_url": store.url(video.poster_key) if video.poster_key else None,
        "thumb_url": store.url(video.thumb_key) if video.thumb_key else None,
        "published_at": video.published_at,
        "age_restricted": video.age_restricted_by is not None,
        "unrecommended": video.unrecommended_by is not None,
    }
    return all(getattr(public, name) == value for name, value in expected.items())


def heal_projections(uow: UnitOfWork, *, region: str, window: Window, store: MediaStore) -> dict[str, int]:
    """Rebuild the public copies the directory lacks, or has stale, of the videos of `region` published and
    written in `window` (a publish whose process died before its directory commit); the creators' video
    counts are recounted where a copy was added. Returns how many rows of each it fixed."""
    fixed: Counter[str] = Counter()
    creators: set[str] = set()
    query = select(Video).where(
        Video.published_at.is_not(None),
        Video.status == VideoStatus.READY,
        Video.withheld_by.is_(None),
        Video.held_for.is_(None),
        window.holds(Video.updated_at),
    )
    for videos in in_batches(uow.region(region), query, key=Video.id):
        ids = [video.id for video in videos]
        public = {v.id: v for v in uow.directory.scalars(select(PublicVideo).where(PublicVideo.id.in_(ids)))}
        tags: dict[str, set[str]] = {}
        for tag, video_id in uow.directory.execute(
            select(PublicVideoTag.tag, PublicVideoTag.video_id).where(PublicVideoTag.video_id.in_(ids))
        ):
            tags.setdefault(video_id, set()).add(tag)
        for video in videos:
            copy = public.get(video.id)
            if _public_copy_is_current(copy, tags.get(video.id, set()), video=video, store=store):
                continue
            project_video(uow, video=video, store=store)
            fixed["public videos"] += 1
            if copy is None:
                creators.add(video.owner_id)
    uow.directory.flush()
    for creator_id in sorted(creators):
        profile = uow.directory.get(PublicProfile, creator_id)
        count = uow.directory.scalar(
            select(func.count()).select_from(PublicVideo).where(PublicVideo.creator_id == creator_id)
        )
        if profile is not None and profile.video_count != count:
            profile.video_count = int(count or 0)
            fixed["public profiles' video counts"] += 1
    return dict(fixed)


# -- Moderation ---------------------------------------------------------------------------------------------


def is_withheld(uow: UnitOfWork, *, video_id: str) -> bool:
    """Whether a moderation decision withheld this video (its media are refused)."""
    return uow.directory.get(WithheldVideo, video_id) is not None


def may_review_withheld(uow: UnitOfWork, *, actor: Actor | None, video_id: str) -> bool:
    """Whether `actor` may play a withheld video to review it (a case, an appeal): moderators of its region's
    jurisdiction and operators, as the gateway decides. Each file they fetch is a decision in the region's
    audit log, and so is a refusal; anyone else is refused without asking."""
    if actor is None or actor.role not in (Role.MODERATOR, Role.OPERATOR):
        return False
    try:
        gateway.access(
            uow,
            region_of(video_id),
            data_class="private_content",
            purpose="moderation",
            records=[video_id],
            reason=f"play withheld video {video_id} for review",
            role=actor.role,
        )
    except gateway.AccessDenied:
        return False
    return True


def withhold_video(uow: UnitOfWork, *, video: Video, decision_id: str, now: datetime) -> bool:
    """Take a video out of every public place at once: its public copy and hashtags leave the directory (so
    every feed, search, profile, hashtag and shop page skips it), its creator's counts drop by it, and its
    media are refused from now on. False when another decision already withholds it. `video` must come
    through the residency gateway when its region is not the unit of work's home."""
    if video.withheld_by is not None:
        return False
    # A hold for review ends here: the decision governs the video now (and giving it back publishes it).
    video.withheld_by, video.held_for, video.updated_at = decision_id, None, now
    region = region_of(video.id)
    _take_public_copy_down(uow, video=video)
    if uow.directory.get(WithheldVideo, video.id) is None:
        uow.directory.add(WithheldVideo(video_id=video.id, region=region, decision_id=decision_id, since=now))
    prefix = f"/media/{region}/{media_prefix(video.id)}"
    uow.after_commit(lambda: purge_log.warning("purge CDN: %s (video %s withheld)", prefix, video.id))
    return True


def _take_public_copy_down(uow: UnitOfWork, *, video: Video) -> None:
    """Remove a video's public copy and hashtags from the directory, and its weight from its creator's
    counts (nothing if it has none)."""
    public = uow.directory.get(PublicVideo, video.id)
    if public is None:
        return
    profile = uow.directory.get(PublicProfile, video.owner_id)
    if profile is not None:
        profile.video_count = max(0, profile.video_count - 1)
        profile.like_count = max(0, profile.like_count - public.like_count)
    uow.directory.execute(delete(PublicVideoTag).where(PublicVideoTag.video_id == video.id))
    uow.directory.delete(public)


def release_video(
    uow: UnitOfWork, *, video: Video, decision_id: str, store: MediaStore, now: datetime
) -> PublicVideo | None:
    """Give back a video `decision_id` withheld (a won appeal): its media are served again and, if it was
    published (or held for review before it could be, its creator asking for it), its public copy returns
    (its counters are the caller's to re-sum)."""
    if video.withheld_by != decision_id:
        return None
    video.withheld_by, video.updated_at = None, now
    uow.directory.execute(delete(WithheldVideo).where(WithheldVideo.video_id == video.id))
    if video.status is not VideoStatus.READY or video.master_key is None:
        return None
    if video.published_at is None:
        if not video.publish_when_ready:
            return None
        video.published_at = now  # a held upload's take-down overturned: it is published only now
    uow.directory.flush()
    return project_video(uow, video=video, store=store)


# -- Automatic checks: holds for review and the signatures of removed videos ---------------------------------


def hold_video(uow: UnitOfWork, *, video: Video, reason: HoldReason, desk: ReviewDesk, now: datetime) -> None:
    """Hold a video for a moderator's review: out of every public place at once (as a take-down, but its
    media stay playable for its creator and the moderator) and before a moderator through `desk`. A video
    held already, or withheld by a decision, is left as it is."""
    if video.held_for is not None or video.withheld_by is not None:
        return
    video.held_for, video.updated_at = reason.value, now
    _take_public_copy_down(uow, video=video)
    desk.hold(uow, kind=HeldKind.VIDEO, content_id=video.id, owner_id=video.owner_id, reason=reason, now=now)


def release_hold(uow: UnitOfWork, *, video: Video, store: MediaStore, now: datetime) -> PublicVideo | None:
    """A moderator found nothing wrong with a held video: it is published (now) if its creator asked for
    that, and projected everywhere. None if it was not held or stays unpublished."""
    if video.held_for is None:
        return None
    video.held_for, video.updated_at = None, now
    if video.status is not VideoStatus.READY or video.withheld_by is not None or not video.publish_when_ready:
        return None
    return publish_video(uow, video=video, stores={region_of(video.id): store}, now=now)


def check_ready_video(
    uow: UnitOfWork,
    *,
    video: Video,
    signature: bytes,
    blocklist: Blocklist,
    desk: ReviewDesk,
    now: datetime,
    matching: Matching = DEFAULT_MATCHING,
) -> HoldReason | None:
    """The checks a video passes once transcoded, before it may be published: its signature is kept, and it
    is held for review if it is a re-upload of a video taken down (any region's) or its caption holds a
    blocked word. Returns the reason it was held, if it was."""
    video.signature = signature or None
    reason: HoldReason | None = None
    if signature and matching_removed(uow, signature=signature, matching=matching) is not None:
        reason = HoldReason.MATCHES_REMOVED_CONTENT
    elif blocklist.found_in(video.caption):
        reason = HoldReason.BLOCKED_WORDS
    if reason is not None:
        hold_video(uow, video=video, reason=reason, desk=desk, now=now)
    return reason


def matching_removed(
    uow: UnitOfWork, *, signature: bytes, matching: Matching = DEFAULT_MATCHING
) -> str | None:
    """The decision whose taken-down video `signature` matches (the first by id), or None."""
    query = select(BlockedSignature.decision_id, BlockedSignature.signature).order_by(
        BlockedSignature.decision_id
    )
    for decision_id, blocked in uow.directory.execute(query):
        if matching.same_clip(signature, blocked):
            return str(decision_id)
    return None


def block_signature(uow: UnitOfWork, *, video: Video, decision_id: str, now: datetime) -> bool:
    """List a taken-down video's signature in the directory, so any region's re-upload of it is held. False
    when it has none (transcoded before signatures were made)."""
    if not video.signature or uow.directory.get(BlockedSignature, decision_id) is not None:
        return False
    uow.directory.add(BlockedSignature(decision_id=decision_id, signature=video.signature, since=now))
    return True


def unblock_signature(uow: UnitOfWork, *, decision_id: str) -> None:
    """Forget the signature a decision listed (the decision was overturned)."""
    uow.directory.execute(delete(BlockedSignature).where(BlockedSignature.decision_id == decision_id))


# -- Moderation's restrictions: age and recommendations ------------------------------------------------------


class Restriction(enum.StrEnum):
    """What a moderation decision may limit about a video without withholding it."""

    AGE = (
        "age"  # adults only: hidden from minors, from accounts with no birth date and from signed-out viewers
    )
    RECOMMENDATIONS = "recommendations"  # out of For You, trending and hashtags; still on the profile


def restrict_video(
    uow: UnitOfWork, *, video: Video, restriction: Restriction, decision_id: str, now: datetime
) -> bool:
    """Record a moderation restriction on a video and on its public copy at once; False when one of the
    kind is recorded already. `video` comes through the residency gateway when not at home."""
    column = "age_restricted_by" if restriction is Restriction.AGE else "unrecommended_by"
    if getattr(video, column) is not None:
        return False
    setattr(video, column, decision_id)
    video.updated_at = now
    _copy_restrictions(uow, video)
    if restriction is Restriction.AGE:
        # Its files were served to anyone until now, `immutable`: a CDN must forget them (`videos.serving`).
        prefix = f"/media/{region_of(video.id)}/{media_prefix(video.id)}"
        uow.after_commit(
            lambda: purge_log.warning("purge CDN: %s (video %s age-restricted)", prefix, video.id)
        )
    return True


def lift_restriction(uow: UnitOfWork, *, video: Video, decision_id: str, now: datetime) -> bool:
    """Lift whatever restriction `decision_id` put on the video (a won appeal)."""
    lifted = False
    for column in ("age_restricted_by", "unrecommended_by"):
        if getattr(video, column) == decision_id:
            setattr(video, column, None)
            lifted = True
    if lifted:
        video.updated_at = now
        _copy_restrictions(uow, video)
    return lifted


def _copy_restrictions(uow: UnitOfWork, video: Video) -> None:
    public = uow.directory.get(PublicVideo, video.id)
    if public is not None:
        public.age_restricted = video.age_restricted_by is not None
        public.unrecommended = video.unrecommended_by is not None


def videos_withheld_by(uow: UnitOfWork, *, region: str, decision_id: str) -> list[Video]:
    query = select(Video).where(Video.withheld_by == decision_id).order_by(Video.id)
    return list(uow.region(region).scalars(query))


def published_videos_of(uow: UnitOfWork, *, user_id: str) -> list[Video]:
    """Every published video of `user_id`, withheld or not."""
    query = select(Video).where(Video.owner_id == user_id, Video.published_at.is_not(None)).order_by(Video.id)
    return list(uow.region(region_of(user_id)).scalars(query))


# -- Data rights -------------------------------------------------------------------------------------------


def held_about(uow: UnitOfWork, *, user_id: str) -> Held:
    """What videos holds about `user_id`: their uploads, videos and renditions at home, and the public copies
    of their published videos in the directory."""
    db = uow.region(region_of(user_id))
    video_ids = own_video_ids(uow, user_id=user_id)
    return {
        "region/uploads": rows(db, Upload, Upload.owner_id == user_id),
        "region/videos": rows(db, Video, Video.owner_id == user_id),
        "region/renditions": rows(db, Rendition, Rendition.video_id.in_(video_ids)),
        "directory/public_videos": rows(uow.directory, PublicVideo, PublicVideo.creator_id == user_id),
        "directory/public_video_tags": rows(
            uow.directory, PublicVideoTag, PublicVideoTag.video_id.in_(video_ids)
        ),
    }


def own_video_ids(uow: UnitOfWork, *, user_id: str) -> list[str]:
    """Ids of every video `user_id` made, published or not."""
    query = select(Video.id).where(Video.owner_id == user_id).order_by(Video.id)
    return list(uow.region(region_of(user_id)).scalars(query))


def own_upload_ids(uow: UnitOfWork, *, user_id: str) -> list[str]:
    """Ids of every upload `user_id` started."""
    query = select(Upload.id).where(Upload.owner_id == user_id).order_by(Upload.id)
    return list(uow.region(region_of(user_id)).scalars(query))


def media_prefix(video_id: str) -> str:
    """Where a video's renditions, poster and thumbnail are kept in its region's media store."""
    return f"videos/{video_id}/"


def erase_user(uow: UnitOfWork, *, user_id: str, store: MediaStore, volume: UploadVolume) -> list[str]:
    """Delete every video and upload of `user_id`: their files first, then their rows and public copies, so
    a run cut short anywhere is finished by the next (idempotent). Returns the ids of the videos."""
    db = uow.region(region_of(user_id))
    video_ids = own_video_ids(uow, user_id=user_id)
    upload_ids = own_upload_ids(uow, user_id=user_id)
    for video_id in video_ids:
        store.delete_prefix(media_prefix(video_id))
    held = set(volume.upload_ids())
    for upload_id in upload_ids:
        if upload_id in held:
            volume.delete(upload_id)
    if video_ids:
        uow.directory.execute(delete(PublicVideoTag).where(PublicVideoTag.video_id.in_(video_ids)))
        uow.directory.execute(delete(PublicVideo).where(PublicVideo.id.in_(video_ids)))
        db.execute(delete(Rendition).where(Rendition.video_id.in_(video_ids)))
        db.execute(delete(Video).where(Video.id.in_(video_ids)))
    if upload_ids:
        db.execute(delete(Upload).where(Upload.id.in_(upload_ids)))
    return video_ids
