"""Deleting an account. The request checks the password, locks the account (sessions revoked, password
unusable) and writes an `erasures` row; a job then erases the account's data domain by domain, one
transaction per step, recording each step on the row. A step is idempotent and a crash between steps leaves
the row pending, so the every-minute reconciler re-enqueues it and the next run finishes the work.

What stays, and why, is in README.md ("Your data"): orders, payments, refunds, returns and ledger lines
(the law requires them), and the shops the account closed, kept against a blanked account row. An account
that still runs an open shop is refused: its owner closes it first (`clipshop.shop.orders.closing`)."""

from __future__ import annotations

import logging

from sqlalchemy import delete, select

from clipshop.accounts import service as accounts
from clipshop.ads import rights as ads
from clipshop.errors import Conflict
from clipshop.events import service as events
from clipshop.feed import not_interested, served
from clipshop.inbox import service as inbox
from clipshop.kit.actors import Actor
from clipshop.kit.db import UnitOfWork
from clipshop.kit.idempotency import IdempotencyKey
from clipshop.kit.ids import region_of
from clipshop.mailing import service as mailing
from clipshop.moderation import rights as moderation
from clipshop.platform import Platform
from clipshop.rights.models import Erasure, ErasureState
from clipshop.rights.tasks import ERASE, enqueue_erasure
from clipshop.shop import rights as shop
from clipshop.social import controls as social_controls
from clipshop.social import filtering
from clipshop.social import service as social
from clipshop.videos import service as videos

log = logging.getLogger(__name__)

# Social goes before videos (it drops the counters of the account's videos, found by their rows) and the
# account row goes last (until then the job can still find everything by it).
STEPS = ("social", "videos", "shop", "account")


def request_erasure(platform: Platform, uow: UnitOfWork, *, actor: Actor, password: str) -> Erasure:
    """Check `password`, lock the account at once and queue its erasure (asking twice changes nothing)."""
    accounts.confirm_password(uow, actor=actor, password=password)
    shops = shop.open_shops(uow, user_id=actor.id)
    if shops:
        shop_id, handle = shops[0]
        raise Conflict(
            "owns_shop",
            f"Your account runs the shop @{handle}. Close the shop first: in the seller center (/seller, "
            f"“Close shop”) or with POST /api/v1/shops/{shop_id}/close, once its paid orders are shipped "
            "and its returns answered. Then delete your account; the closed shop's orders and books stay.",
            shop_id=shop_id,
        )
    now = platform.clock.now()
    db = uow.region(actor.region)
    accounts.lock_account(uow, user_id=actor.id, now=now)
    erasure = db.get(Erasure, actor.id)
    if erasure is None:
        erasure = Erasure(user_id=actor.id, state=ErasureState.PENDING, steps=[], requested_at=now)
        db.add(erasure)
    enqueue_erasure(platform.jobs, uow, user_id=actor.id)
    return erasure


def _run_step(platform: Platform, uow: UnitOfWork, step: str, user_id: str) -> None:
    region = region_of(user_id)
    if step == "social":
        own = videos.own_video_ids(uow, user_id=user_id)
        social.erase_user(uow, user_id=user_id, video_ids=own, jobs=platform.jobs, now=platform.clock.now())
        social_controls.erase_user(uow, user_id=user_id)
        filtering.erase_user(uow, user_id=user_id)
        events.erase_user(uow, user_id=user_id)
        served.erase_user(uow, user_id=user_id)
        not_interested.erase_user(uow, user_id=user_id)
        moderation.erase_user(uow, user_id=user_id)
    elif step == "videos":
        store, volume = platform.media_store(region), platform.upload_volumes[region]
        videos.erase_user(uow, user_id=user_id, store=store, volume=volume)
    elif step == "shop":
        shop.erase_user(uow, user_id=user_id)
        ads.erase_user(uow, user_id=user_id)
        # Stored responses to retried requests (a checkout's carries the address it shipped to).
        uow.region(region).execute(delete(IdempotencyKey).where(IdempotencyKey.user_id == user_id))
    elif step == "account":
        mailing.erase_user(uow, user_id=user_id)
        # Last, with the profile: once it is gone no notification is written to the account again.
        inbox.erase_user(uow, user_id=user_id)
        avatars = accounts.erase_account(uow, user_id=user_id)
        if avatars is not None:
            platform.media_store(region).delete_prefix(avatars)
    else:  # pragma: no cover - STEPS names every step
        raise ValueError(step)


def erase(platform: Platform, user_id: str) -> bool:
    """Carry out the erasure of `user_id` from the first step not done yet; True once it is done. Each step
    commits with its record on the erasure row, then passes the fault point `erasure_after_<step>`."""
    region = region_of(user_id)
    for step in STEPS:
        with platform.uow(home=region).transaction() as uow:
            erasure = uow.region(region).get(Erasure, user_id)
            if erasure is None or erasure.state is ErasureState.DONE:
                return erasure is not None
            if step in erasure.steps:
                continue
            _run_step(platform, uow, step, user_id)
            erasure.steps = [*erasure.steps, step]
        platform.faults.hit(f"erasure_after_{step}")
    with platform.uow(home=region).transaction() as uow:
        erasure = uow.region(region).get_one(Erasure, user_id)
        erasure.state, erasure.finished_at = ErasureState.DONE, platform.clock.now()
    log.info("erased account %s", user_id)
    return True


def reconcile(platform: Platform) -> int:
    """Re-enqueue every erasure that is not done (its job was lost, or a worker died mid-way); returns how
    many."""
    pending: list[str] = []
    for region in platform.databases.regions:
        with platform.uow(home=region).transaction() as uow:
            query = select(Erasure.user_id).where(Erasure.state == ErasureState.PENDING)
            pending.extend(uow.region(region).scalars(query))
    for user_id in pending:
        platform.jobs.enqueue(ERASE, user_id)
    return len(pending)


def erasure_of(uow: UnitOfWork, *, user_id: str) -> Erasure | None:
    """The erasure asked for `user_id`, if any."""
    return uow.region(region_of(user_id)).get(Erasure, user_id)
