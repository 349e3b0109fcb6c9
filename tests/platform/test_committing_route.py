"""Requests that write, many at once, with fewer worker threads than requests: every one succeeds.

On SQLite a request that has written holds its database's write lock until it commits. If the commit waited
for a worker thread while every thread was held by a request waiting for that lock, all of them would stall
until the busy timeout and fail with "database is locked".
"""

from __future__ import annotations

import asyncio

import anyio.to_thread
import httpx

from clipshop.app import create_app
from clipshop.kit.db import UnitOfWork
from clipshop.kit.everywhere import everywhere
from clipshop.platform import Platform
from clipshop.social.models import Like
from support import a_public_video, quick_members

THREADS = 2
REQUESTS = 12


async def _all_at_once(platform: Platform, calls: list[tuple[str, str, str]]) -> list[httpx.Response]:
    """(method, path, token) each, all sent together to the app, which has THREADS worker threads."""
    anyio.to_thread.current_default_thread_limiter().total_tokens = THREADS
    transport = httpx.ASGITransport(app=create_app(platform=platform))
    async with httpx.AsyncClient(transport=transport, base_url="http://clipshop.test") as client:
        return await asyncio.gather(
            *(
                client.request(method, path, headers={"Authorization": f"Bearer {token}"})
                for method, path, token in calls
            )
        )


def test_concurrent_writes_to_one_region_all_commit(platform: Platform) -> None:
    fans = quick_members(platform, "us", REQUESTS, prefix="fan")
    video_id = a_public_video(platform, fans[0], "#cats")
    responses = asyncio.run(
        _all_at_once(platform, [("POST", f"/api/v1/videos/{video_id}/like", fan.token) for fan in fans])
    )
    assert [r.status_code for r in responses] == [200] * REQUESTS, [r.text for r in responses]
    with everywhere(platform.databases).transaction() as uow:
        likes = uow.region("us").scalars(Like.__table__.select().where(Like.video_id == video_id)).all()
    assert len(likes) == REQUESTS


def test_concurrent_for_you_pages_log_what_they_served(platform: Platform) -> None:
    viewers = quick_members(platform, "us", REQUESTS, prefix="viewer")
    for n in range(8):
        a_public_video(platform, viewers[n % 3], f"clip {n} #cats", hours_ago=n)
    responses = asyncio.run(
        _all_at_once(platform, [("GET", "/api/v1/feed/for-you", viewer.token) for viewer in viewers])
    )
    assert [r.status_code for r in responses] == [200] * REQUESTS, [r.text for r in responses]
    with everywhere(platform.databases).transaction() as uow:
        assert _served_viewers(uow) == {viewer.id for viewer in viewers}


def _served_viewers(uow: UnitOfWork) -> set[str]:
    from clipshop.feed.models import Served

    return set(uow.region("us").scalars(Served.__table__.select().with_only_columns(Served.user_id)))
