"""No notification is lost with its job. A like, comment or follow writes an unsent notice in its own
transaction; the job deletes it once the notification is committed, and the sweep (every minute) sends again
what a process that died between the action's commit and the job's enqueue left, or a job that failed. Telling
twice counts no one twice; a notice that keeps failing is given up after `MAX_ATTEMPTS` tries of the sweep."""

from __future__ import annotations

import itertools
import logging
from datetime import datetime, timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from test_inbox import lines

from clipshop.kit.db import AFTER_COMMIT
from clipshop.kit.everywhere import everywhere
from clipshop.platform import Platform
from clipshop.residency.check import check_residency
from clipshop.social import notices
from clipshop.social import service as social
from clipshop.social.models import Like, UnsentNotice
from clipshop.social.tasks import NOTIFY, RESEND_NOTICES
from doubles import FrozenClock
from support import Member, a_public_video, run_killed_request


def unsent(platform: Platform) -> list[tuple[str, str, str, int]]:
    with everywhere(platform.databases).transaction() as uow:
        return [
            (n.kind, n.actor_id, n.subject_id, n.attempts)
            for region in uow.databases.regions
            for n in uow.region(region).scalars(select(UnsentNotice).order_by(UnsentNotice.kind))
        ]


@pytest.mark.slow
def test_a_like_killed_between_its_commit_and_the_enqueue_is_told_by_the_sweep(
    client: TestClient, platform: Platform, clock: FrozenClock, alice: Member, bob: Member
) -> None:
    video = a_public_video(platform, alice)  # alice lives in us, bob in eu: the notice crosses the door
    run_killed_request(platform, "POST", f"/api/v1/videos/{video}/like", headers=bob.auth, fault=AFTER_COMMIT)
    with everywhere(platform.databases).transaction() as uow:
        assert uow.region("eu").get(Like, (bob.id, video)) is not None  # the like stands
    assert unsent(platform) == [("like", bob.id, video, 0)]
    assert lines(client, alice) == []

    assert notices.resend_unsent(platform) == 0  # its own job may still be on its way
    clock.advance(minutes=1)
    assert notices.resend_unsent(platform) == 1
    assert [args for _, name, args, _ in platform.jobs.waiting() if name == NOTIFY.name] == [
        ("like", bob.id, video)
    ]
    platform.jobs.drain()
    assert lines(client, alice) == [("like", "bob liked your video", 1, False)]
    assert unsent(platform) == []
    clock.advance(hours=1)
    assert notices.resend_unsent(platform) == 0
    assert check_residency(platform) == []


def test_the_job_forgets_the_notice_once_told_and_telling_again_counts_no_one_twice(
    client: TestClient, platform: Platform, clock: FrozenClock, sign_up: Any, alice: Member, bob: Member
) -> None:
    video = a_public_video(platform, alice)
    carol = sign_up("carol", "AU")
    for who in (bob, carol):
        assert client.post(f"/api/v1/videos/{video}/like", headers=who.auth).status_code == 200
    assert client.post(f"/api/v1/users/{alice.handle}/follow", headers=bob.auth).status_code == 200
    assert sorted(unsent(platform)) == sorted(
        [("like", bob.id, video, 0), ("follow", bob.id, alice.id, 0), ("like", carol.id, video, 0)]
    )
    # A job that died after telling and before forgetting: the notification is committed, the notice stays.
    with platform.uow(home="eu").transaction() as uow:
        notices.tell(uow, kind="like", actor_id=bob.id, subject_id=video)
    assert len([name for _, name, _, _ in platform.jobs.waiting() if name == NOTIFY.name]) == 3
    platform.jobs.drain()
    assert unsent(platform) == []
    with platform.uow(home="eu").transaction() as uow:  # and the sweep sent it again
        notices.tell(uow, kind="like", actor_id=bob.id, subject_id=video)
    assert lines(client, alice) == [
        ("follow", "bob started following you", 1, False),
        ("like", "carol and bob liked your video", 2, False),
    ]


def test_a_notice_that_keeps_failing_is_retried_with_back_off_then_given_up(
    client: TestClient,
    platform: Platform,
    clock: FrozenClock,
    alice: Member,
    bob: Member,
    caplog: pytest.LogCaptureFixture,
) -> None:
    video = a_public_video(platform, alice)
    assert client.post(f"/api/v1/videos/{video}/like", headers=bob.auth).status_code == 200
    platform.jobs.flush()  # as if every job for it were lost
    tries = []
    for _ in range(notices.MAX_ATTEMPTS):
        with everywhere(platform.databases).transaction() as uow:
            due = uow.region("eu").scalars(select(UnsentNotice.due_at)).one()
        clock.current = due - timedelta(seconds=1)
        assert notices.resend_unsent(platform) == 0
        clock.current = due
        assert notices.resend_unsent(platform) == 1
        platform.jobs.flush()
        tries.append(due)
    assert [b - a for a, b in itertools.pairwise(tries)] == [
        timedelta(minutes=2**n) for n in range(notices.MAX_ATTEMPTS - 1)
    ]
    clock.advance(days=1)
    with caplog.at_level(logging.WARNING, logger="clipshop.social.notices"):
        assert notices.resend_unsent(platform) == 0
    assert [r.getMessage() for r in caplog.records] == [f"gave up telling about like by {bob.id} on {video}"]
    assert unsent(platform) == []


def test_the_sweep_runs_every_minute(platform: Platform) -> None:
    for at in (datetime(2026, 6, 1, 0, 0), datetime(2026, 6, 1, 0, 1), datetime(2026, 6, 1, 12, 7)):
        assert RESEND_NOTICES.name in platform.jobs.periodic_due(at)


def test_the_unsent_notices_are_the_actors_in_their_export_and_go_with_their_erasure(
    client: TestClient, platform: Platform, alice: Member, bob: Member
) -> None:
    video = a_public_video(platform, alice)
    assert client.post(f"/api/v1/videos/{video}/like", headers=bob.auth).status_code == 200
    with everywhere(platform.databases).transaction() as uow:
        held = social.held_about(uow, user_id=bob.id)["region/unsent_notices"]
        assert [(n["kind"], n["actor_id"], n["subject_id"]) for n in held] == [("like", bob.id, video)]
        social.erase_user(uow, user_id=bob.id, video_ids=[], jobs=platform.jobs, now=platform.clock.now())
    assert unsent(platform) == []
