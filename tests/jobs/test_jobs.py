"""The job queue on both storages: enqueued only after commit, drained explicitly, lost work reconciled."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from clipshop.app import create_app
from clipshop.assembly import build_platform
from clipshop.config import Settings
from clipshop.jobs.queue import JobQueue
from clipshop.kit.everywhere import everywhere
from clipshop.platform import Platform
from clipshop.social.tasks import enqueue_video_counts
from clipshop.videos.models import Video, VideoStatus
from clipshop.videos.tasks import TRANSCODE
from clipshop.videos.transcoding import reconcile
from doubles import FrozenClock
from support import REDIS_URL, Member, a_public_video, queue_name, redis_reason, upload_file


@pytest.fixture(params=["sqlite", "redis"])
def durable_platform(
    request: pytest.FixtureRequest, settings: Settings, clock: FrozenClock, tmp_path: Path
) -> Iterator[Platform]:
    if request.param == "redis" and (reason := redis_reason()):
        pytest.skip(reason)
    queue = JobQueue.from_settings(
        backend=request.param,
        sqlite_path=tmp_path / "jobs.db",
        redis_url=REDIS_URL,
        name=queue_name(tmp_path),
    )
    queue.flush()
    platform = build_platform(settings, clock=clock, jobs=queue)
    yield platform
    queue.flush()
    platform.close()


@pytest.fixture
def durable_client(durable_platform: Platform) -> Iterator[TestClient]:
    with TestClient(create_app(platform=durable_platform)) as client:
        yield client


def test_jobs_are_enqueued_only_after_commit(durable_platform: Platform) -> None:
    queue = durable_platform.jobs
    with pytest.raises(RuntimeError), everywhere(durable_platform.databases).transaction() as uow:
        enqueue_video_counts(queue, uow, region="us", video_id="us_" + "0" * 32)
        raise RuntimeError("the request failed")
    assert queue.pending() == 0
    with everywhere(durable_platform.databases).transaction() as uow:
        enqueue_video_counts(queue, uow, region="us", video_id="us_" + "0" * 32)
        assert queue.pending() == 0  # not before the commit
    assert queue.pending() == 1
    assert queue.drain() == 1 and queue.pending() == 0


def _signed_up(client: TestClient) -> dict[str, str]:
    r = client.post(
        "/api/v1/auth/signup",
        json={"email": "w@example.com", "password": "a fine password", "handle": "worker", "country": "AU"},
    )
    client.cookies.clear()
    return {"Authorization": f"Bearer {r.json()['token']}"}


def test_a_lost_transcode_is_reconciled_and_runs_once(
    durable_platform: Platform, durable_client: TestClient, clock: FrozenClock, clips: dict[str, Path]
) -> None:
    auth = _signed_up(durable_client)
    member = Member(id="", handle="worker", region="au", email="", token=auth["Authorization"][7:])
    upload_id = upload_file(durable_client, member, clips["silent"])
    video_id = durable_client.post("/api/v1/videos", headers=auth, json={"upload_id": upload_id}).json()["id"]
    durable_platform.jobs.flush()  # the wake-up call is lost (say, the queue's host died)
    assert reconcile(durable_platform) == 0  # too recent to call lost
    clock.advance(minutes=3)
    assert reconcile(durable_platform) == 1
    assert durable_platform.jobs.drain() == 1
    with everywhere(durable_platform.databases).transaction() as uow:
        video = uow.region("au").get_one(Video, video_id)
        assert video.status is VideoStatus.READY and video.attempts == 1
    # Running the same job again changes nothing.
    durable_platform.jobs.enqueue(TRANSCODE, video_id)
    durable_platform.jobs.drain()
    assert reconcile(durable_platform) == 0
    with everywhere(durable_platform.databases).transaction() as uow:
        assert uow.region("au").get_one(Video, video_id).attempts == 1


def test_a_worker_killed_mid_transcode_leaves_work_that_resumes(
    durable_platform: Platform, durable_client: TestClient, clock: FrozenClock, clips: dict[str, Path]
) -> None:
    auth = _signed_up(durable_client)
    member = Member(id="", handle="worker", region="au", email="", token=auth["Authorization"][7:])
    upload_id = upload_file(durable_client, member, clips["silent"])
    video_id = durable_client.post("/api/v1/videos", headers=auth, json={"upload_id": upload_id}).json()["id"]
    # A worker took the job (lease set) and died: the task is gone from the queue, the row says processing.
    durable_platform.jobs.flush()
    with everywhere(durable_platform.databases).transaction() as uow:
        video = uow.region("au").get_one(Video, video_id)
        video.lease_until = clock.now() + timedelta(seconds=120)
    assert reconcile(durable_platform) == 0  # the lease is still live
    clock.advance(seconds=121)
    assert reconcile(durable_platform) == 1
    durable_platform.jobs.drain()
    status = durable_client.get(f"/api/v1/videos/{video_id}/status", headers=auth).json()
    assert status["status"] == "ready" and {r["status"] for r in status["renditions"]} == {"ready"}


def test_a_job_is_named_by_its_declaration_and_still_runs_under_its_former_name(
    platform: Platform, client: TestClient, alice: Member, bob: Member
) -> None:
    registered = platform.jobs.huey._registry._registry
    assert "clipshop.jobs.project_video_counts" in registered  # wherever its work is written
    assert "clipshop.jobs.tasks.project_video_counts" in registered  # as the previous version queued it
    video = a_public_video(platform, alice)
    client.post(f"/api/v1/videos/{video}/like", headers=bob.auth)
    platform.jobs.flush()  # the new message is lost: only the one the previous version queued is left
    queued_before = platform.jobs.huey._registry.string_to_task("clipshop.jobs.tasks.project_video_counts")
    platform.jobs.huey.enqueue(queued_before(args=(bob.region, video)))

    assert platform.jobs.drain() == 1

    assert client.get(f"/api/v1/videos/{video}").json()["counts"]["likes"] == 1
