"""Engagement under concurrency: no lost counter updates, no duplicate rows, no errors (runs on PostgreSQL
too, where concurrent transactions really interleave)."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from typing import Any

from clipshop.kit.actors import Actor
from clipshop.kit.everywhere import everywhere
from clipshop.platform import Platform
from clipshop.social import service
from clipshop.social.models import Like, RegionVideoCounts
from clipshop.social.tasks import NOTIFY, PROJECT_VIDEO_COUNTS
from clipshop.videos.models import PublicVideo
from support import Member, a_public_video


def test_concurrent_likes_from_many_users_and_repeated_likes_from_one(
    platform: Platform, sign_up: Any
) -> None:
    members: list[Member] = [sign_up(f"fan{n}", "DE") for n in range(12)]
    platform.jobs.drain()  # their sign-up mails, sent
    video_id = a_public_video(platform, members[0])
    actors = [Actor(id=m.id, region=m.region, handle=m.handle) for m in members]

    def like(actor: Actor) -> bool:
        with everywhere(platform.databases).transaction() as uow:
            return service.like(
                uow, actor=actor, video_id=video_id, now=platform.clock.now(), jobs=platform.jobs
            )

    with ThreadPoolExecutor(max_workers=8) as pool:
        results = list(pool.map(like, actors + [actors[0]] * 8))
    assert results.count(True) == 12 and results.count(False) == 8
    with everywhere(platform.databases).transaction() as uow:
        assert uow.region("eu").get_one(RegionVideoCounts, video_id).likes == 12
        assert len(list(uow.region("eu").scalars(Like.__table__.select()))) == 12
    # Each like that counted asked, once committed, for the public copy and for the creator to be told.
    waiting = [name for _, name, _, _ in platform.jobs.waiting()]
    assert (waiting.count(PROJECT_VIDEO_COUNTS.name), waiting.count(NOTIFY.name)) == (12, 12)
    assert platform.jobs.drain() == len(waiting)
    with everywhere(platform.databases).transaction() as uow:
        assert uow.directory.get_one(PublicVideo, video_id).like_count == 12
