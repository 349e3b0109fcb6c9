"""At scale: the app enqueues on Redis and a separate `clipshop worker` process does the work."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from clipshop.app import create_app
from clipshop.assembly import build_platform
from clipshop.config import Settings
from support import REDIS_URL, Member, queue_name, redis_reason, settings_environ, upload_file, wait_until

pytestmark = pytest.mark.xdist_group("worker-process")


@pytest.fixture
def redis_settings(settings: Settings, tmp_path: Path) -> Settings:
    if reason := redis_reason():
        pytest.skip(reason)
    return settings.with_overrides(
        jobs_backend="redis", redis_url=REDIS_URL, jobs_queue_name=queue_name(tmp_path)
    )


def worker_env(settings: Settings) -> dict[str, str]:
    return {**os.environ, **settings_environ(settings)}


@pytest.fixture
def worker(redis_settings: Settings) -> Iterator[subprocess.Popen[bytes]]:
    process = subprocess.Popen(
        [sys.executable, "-m", "clipshop.cli", "worker", "--workers", "1"],
        env=worker_env(redis_settings),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    yield process
    process.terminate()
    process.wait(timeout=30)


def test_a_worker_process_transcodes_what_the_app_enqueued(
    redis_settings: Settings, worker: subprocess.Popen[bytes], clips: dict[str, Path]
) -> None:
    platform = build_platform(redis_settings)
    with TestClient(create_app(platform=platform)) as client:
        r = client.post(
            "/api/v1/auth/signup",
            json={
                "email": "w@example.com",
                "password": "a fine password",
                "handle": "worker",
                "country": "NL",
            },
        )
        token = r.json()["token"]
        member = Member(id=r.json()["user"]["id"], handle="worker", region="eu", email="", token=token)
        upload_id = upload_file(client, member, clips["vertical"])
        video = client.post(
            "/api/v1/videos", headers=member.auth, json={"upload_id": upload_id, "caption": "hi"}
        )
        video_id = video.json()["id"]

        def settled() -> dict[str, Any] | None:
            # Another process runs the job: nothing here can drain its queue.
            assert worker.poll() is None, worker.stderr.read().decode() if worker.stderr else ""
            status: dict[str, Any] = client.get(
                f"/api/v1/videos/{video_id}/status", headers=member.auth
            ).json()
            return None if status["status"] == "processing" else status

        status = wait_until(
            settled, timeout_s=120, every_s=0.2, what="the worker process to transcode the clip"
        )
        assert status["status"] == "ready", status
        assert client.get("/api/v1/feed/for-you").json()["items"][0]["id"] == video_id
    platform.close()
