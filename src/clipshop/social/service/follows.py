"""Follows: the follower's row and counters in the follower's region; the followee's public follower count
follows by a job."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select

from clipshop.accounts.models import PublicProfile
from clipshop.errors import Invalid, NotFound
from clipshop.events import service as events
from clipshop.events.models import EventKind
from clipshop.jobs.queue import JobQueue
from clipshop.kit.actors import Actor
from clipshop.kit.db import UnitOfWork, insert_ignore
from clipshop.kit.ids import region_of
from clipshop.social import notices
from clipshop.social.models import Follow
from clipshop.social.notices import FOLLOW
from clipshop.social.service.counters import bump_followers
from clipshop.social.shield import refuse_across_block, shield_of


def follow(uow: UnitOfWork, *, actor: Actor, followee_id: str, now: datetime, jobs: JobQueue) -> bool:
    """Follow an account; refused (403 `blocked`) across a block, either way."""
    if followee_id == actor.id:
        raise Invalid("You cannot follow yourself.", code="self_follow", field="handle")
    if uow.directory.get(PublicProfile, followee_id) is None:
        raise NotFound("user", followee_id)
    refuse_across_block(shield_of(uow, actor), [followee_id], doing="follow it")
    row = {"follower_id": actor.id, "followee_id": followee_id, "created_at": now}
    if not insert_ignore(uow.region(actor.region), Follow, row):
        return False
    events.record(uow, actor=actor, kind=EventKind.FOLLOW, now=now, creator_id=followee_id)
    bump_followers(uow, jobs, actor.id, followee_id, 1, now)
    notices.queue(uow, jobs, kind=FOLLOW, actor_id=actor.id, subject_id=followee_id, now=now)
    return True


def unfollow(uow: UnitOfWork, *, actor: Actor, followee_id: str, now: datetime, jobs: JobQueue) -> bool:
    return remove_follow(uow, follower_id=actor.id, followee_id=followee_id, now=now, jobs=jobs)


def remove_follow(
    uow: UnitOfWork, *, follower_id: str, followee_id: str, now: datetime, jobs: JobQueue
) -> bool:
    """Take `follower_id`'s follow of `followee_id` away, in the follower's region, with the counters it
    moved; False if there was none (idempotent)."""
    db = uow.region(region_of(follower_id))
    existing = db.get(Follow, (follower_id, followee_id))
    if existing is None:
        return False
    db.delete(existing)
    db.flush()
    bump_followers(uow, jobs, follower_id, followee_id, -1, now)
    return True


def is_following(uow: UnitOfWork, *, follower: Actor, followee_id: str) -> bool:
    return uow.region(follower.region).get(Follow, (follower.id, followee_id)) is not None


def followed_among(uow: UnitOfWork, *, actor: Actor, user_ids: set[str]) -> set[str]:
    """Which of `user_ids` the actor follows."""
    if not user_ids:
        return set()
    query = select(Follow.followee_id).where(Follow.follower_id == actor.id, Follow.followee_id.in_(user_ids))
    return set(uow.region(actor.region).scalars(query))


def following_ids(uow: UnitOfWork, *, actor: Actor, limit: int = 5000) -> list[str]:
    query = select(Follow.followee_id).where(Follow.follower_id == actor.id).limit(limit)
    return list(uow.region(actor.region).scalars(query))
