"""A person's controls over whom they deal with: blocking and muting. Each is the person's own record, in
their home region; what they do to feeds, comments, profiles and follows is read through `social.shield`.

Blocking holds both ways, so it also ends the follows between the two: the blocker's at once, the blocked
account's in its own region (at once in the same region, by that region's job otherwise). When the
blocked account lives in another region, the block leaves a `BlockHint` there through the residency
gateway (purpose `blocking`): the region of the blocker, never who, so that region's requests know where
to ask. The block and its hint are two regions' commits; a crash between them can leave the block without
its hint, so the heal (`heal_block_hints`, run by `clipshop.healing` every minute) writes back the hints of
the blocks made since its last run."""

from __future__ import annotations

from collections import Counter, defaultdict
from datetime import datetime

from sqlalchemy import delete, func, select

from clipshop.accounts.models import PublicProfile
from clipshop.errors import Invalid, NotFound
from clipshop.jobs.queue import JobQueue
from clipshop.kit.actors import Actor
from clipshop.kit.db import UnitOfWork, insert_ignore
from clipshop.kit.holdings import Held, rows
from clipshop.kit.ids import region_of
from clipshop.kit.watermarks import Window, rows_in_batches
from clipshop.residency import gateway
from clipshop.residency.carving import detached_regions
from clipshop.social import service
from clipshop.social.models import Block, BlockHint, Mute
from clipshop.social.tasks import enqueue_drop_follow

MAX_LISTED = 1000


def _account(uow: UnitOfWork, actor: Actor, user_id: str, *, verb: str) -> None:
    if user_id == actor.id:
        raise Invalid(f"You cannot {verb} yourself.", code=f"self_{verb}", field="handle")
    if uow.directory.get(PublicProfile, user_id) is None:
        raise NotFound("user", user_id)


def block(uow: UnitOfWork, *, actor: Actor, user_id: str, now: datetime, jobs: JobQueue) -> bool:
    """Block an account: no follows, comments or videos between the two from now on, and the follows
    between them end. True if this changed anything (blocking twice is not an error)."""
    _account(uow, actor, user_id, verb="block")
    row = {"blocker_id": actor.id, "blocked_id": user_id, "created_at": now}
    if not insert_ignore(uow.region(actor.region), Block, row):
        return False
    service.remove_follow(uow, follower_id=actor.id, followee_id=user_id, now=now, jobs=jobs)
    region = region_of(user_id)
    if region == actor.region:
        service.remove_follow(uow, follower_id=user_id, followee_id=actor.id, now=now, jobs=jobs)
        return True
    door = gateway.access(
        uow,
        region,
        data_class="block_hints",
        purpose="blocking",
        records=[user_id],
        reason=f"an account of {actor.region} blocked {user_id}",
        write=True,
    )
    insert_ignore(door.db, BlockHint, {"user_id": user_id, "region": actor.region, "since": now})
    enqueue_drop_follow(jobs, uow, follower_id=user_id, followee_id=actor.id)
    return True


def heal_block_hints(uow: UnitOfWork, *, region: str, window: Window) -> dict[str, int]:
    """Write back the hint each block of `region`'s accounts made in `window` left in the blocked account's
    region, where a crash between the two commits lost it: one gateway access (as the region's service,
    purpose `blocking`) per region and batch, only when there are such blocks. A hint that is there already
    stays as it is; an account erased since, or a region carved out, gets none. Returns how many it wrote."""
    fixed: Counter[str] = Counter()
    gone = detached_regions(uow.directory) | {region}
    query = (
        select(Block.blocked_id, func.min(Block.created_at))
        .where(window.holds(Block.created_at), ~Block.blocked_id.startswith(f"{region}_", autoescape=True))
        .group_by(Block.blocked_id)
    )
    for batch in rows_in_batches(uow.region(region), query, key=Block.blocked_id):
        abroad: defaultdict[str, dict[str, datetime]] = defaultdict(dict)
        for blocked_id, since in batch:
            there = region_of(blocked_id)
            if there in uow.databases.region_engines and there not in gone:
                abroad[there][blocked_id] = since
        for there, blocked in sorted(abroad.items()):
            query_profiles = select(PublicProfile.user_id).where(PublicProfile.user_id.in_(blocked))
            alive = sorted(uow.directory.scalars(query_profiles))
            if not alive:
                continue
            door = gateway.access(
                uow,
                there,
                data_class="block_hints",
                purpose="blocking",
                records=alive,
                reason=f"heal: blocks by accounts of {region} whose hint a crash may have lost",
                write=True,
            )
            for user_id in alive:
                row = {"user_id": user_id, "region": region, "since": blocked[user_id]}
                if insert_ignore(door.db, BlockHint, row):
                    fixed["block hints"] += 1
    return dict(fixed)


def unblock(uow: UnitOfWork, *, actor: Actor, user_id: str) -> bool:
    """Lift a block (follows that ended stay ended); False if there was none. The hint in the other
    region stays: it names no one, and a question that finds no block shows everything."""
    result = uow.region(actor.region).execute(
        delete(Block).where(Block.blocker_id == actor.id, Block.blocked_id == user_id)
    )
    return bool(getattr(result, "rowcount", 0))


def blocks_of(uow: UnitOfWork, *, actor: Actor) -> list[tuple[Block, PublicProfile | None]]:
    """The accounts the actor blocked, newest first, with their public profiles (None once erased)."""
    query = (
        select(Block)
        .where(Block.blocker_id == actor.id)
        .order_by(Block.created_at.desc(), Block.blocked_id)
        .limit(MAX_LISTED)
    )
    found = list(uow.region(actor.region).scalars(query))
    ids = [b.blocked_id for b in found]
    profiles = (
        {
            p.user_id: p
            for p in uow.directory.scalars(select(PublicProfile).where(PublicProfile.user_id.in_(ids)))
        }
        if ids
        else {}
    )
    return [(b, profiles.get(b.blocked_id)) for b in found]


def mute(uow: UnitOfWork, *, actor: Actor, user_id: str, now: datetime) -> bool:
    """Mute an account: the actor's feeds skip its videos; it is not told, and nothing else changes."""
    _account(uow, actor, user_id, verb="mute")
    row = {"muter_id": actor.id, "muted_id": user_id, "created_at": now}
    return insert_ignore(uow.region(actor.region), Mute, row)


def unmute(uow: UnitOfWork, *, actor: Actor, user_id: str) -> bool:
    result = uow.region(actor.region).execute(
        delete(Mute).where(Mute.muter_id == actor.id, Mute.muted_id == user_id)
    )
    return bool(getattr(result, "rowcount", 0))


def is_muted(uow: UnitOfWork, *, actor: Actor, user_id: str) -> bool:
    return uow.region(actor.region).get(Mute, (actor.id, user_id)) is not None


def drop_follow(
    uow: UnitOfWork, *, follower_id: str, followee_id: str, now: datetime, jobs: JobQueue
) -> None:
    """The job's work in the follower's region: end a follow a block cut (idempotent)."""
    service.remove_follow(uow, follower_id=follower_id, followee_id=followee_id, now=now, jobs=jobs)


# -- Data rights -------------------------------------------------------------------------------------------


def held_about(uow: UnitOfWork, *, user_id: str) -> Held:
    """The person's blocks, and the notes that someone in another region may have blocked them."""
    db = uow.region(region_of(user_id))
    return {
        "region/blocks": rows(db, Block, Block.blocker_id == user_id),
        "region/block_hints": rows(db, BlockHint, BlockHint.user_id == user_id),
        "region/mutes": rows(db, Mute, Mute.muter_id == user_id),
    }


def erase_user(uow: UnitOfWork, *, user_id: str) -> None:
    """Delete the person's blocks, hints and mutes (others' blocks of them are the others' records)."""
    db = uow.region(region_of(user_id))
    db.execute(delete(Mute).where(Mute.muter_id == user_id))
    db.execute(delete(Block).where(Block.blocker_id == user_id))
    db.execute(delete(BlockHint).where(BlockHint.user_id == user_id))
