"""The test harness: every database test runs on SQLite and on PostgreSQL (when CLIPSHOP_TEST_POSTGRES names a
reachable server), each test on freshly migrated databases, with a job queue drained explicitly."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest
from fastapi.testclient import TestClient

from backends import START, Backend, make_settings, postgres_backend, postgres_reason, sqlite_template
from clipshop.app import create_app
from clipshop.assembly import build_platform
from clipshop.config import Settings
from clipshop.jobs.queue import JobQueue
from clipshop.platform import Platform
from doubles import FrozenClock
from support import PASSWORD, Member

if TYPE_CHECKING:
    from s3_server import S3Server


@pytest.fixture(scope="session", params=["sqlite", "postgres"])
def backend(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Backend:
    if request.param == "postgres":
        reason = postgres_reason()
        if reason:
            pytest.skip(reason)
        return postgres_backend()
    return sqlite_template(tmp_path_factory.mktemp("sqlite-template"))


@pytest.fixture(scope="session")
def s3() -> Iterator[S3Server]:
    """An S3-compatible server on loopback (moto's), for the whole session; each test makes its buckets."""
    from s3_server import s3_server  # moto and boto3 load only when a test asks

    with s3_server() as server:
        yield server


@pytest.fixture
def settings(backend: Backend, tmp_path: Path) -> Settings:
    return make_settings(backend, tmp_path)


@pytest.fixture
def clock() -> FrozenClock:
    return FrozenClock(START)


@pytest.fixture
def platform(settings: Settings, clock: FrozenClock) -> Iterator[Platform]:
    platform = build_platform(
        settings,
        clock=clock,
        jobs=JobQueue.from_settings(
            backend="memory",
            sqlite_path=settings.jobs_sqlite_path(),
            redis_url=settings.redis_url,
            name=f"test-{id(settings)}",
        ),
    )
    yield platform
    platform.close()


@pytest.fixture
def client(platform: Platform) -> Iterator[TestClient]:
    with TestClient(create_app(platform=platform)) as test_client:
        yield test_client


@pytest.fixture
def sign_up(client: TestClient) -> Any:
    def make(handle: str, country: str = "US", **extra: Any) -> Member:
        email = f"{handle}@example.com"
        response = client.post(
            "/api/v1/auth/signup",
            json={"email": email, "password": PASSWORD, "handle": handle, "country": country, **extra},
        )
        assert response.status_code == 201, response.text
        body = response.json()
        client.cookies.clear()
        return Member(
            id=body["user"]["id"],
            handle=handle,
            region=body["user"]["region"],
            email=email,
            token=body["token"],
        )

    return make


@pytest.fixture
def alice(sign_up: Any) -> Member:
    return sign_up("alice", "US")


@pytest.fixture
def bob(sign_up: Any) -> Member:
    return sign_up("bob", "DE")


@pytest.fixture(scope="session")
def clips(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """Small real clips, made once per session with the demo generator."""
    from clipshop.demo.clips import generate_clip

    root = tmp_path_factory.mktemp("app-clips")
    return {
        "vertical": generate_clip(root / "vertical.mp4", width=360, height=640, duration_s=3, seed=3),
        "silent": generate_clip(
            root / "silent.mp4", width=360, height=640, duration_s=2, seed=4, audio=False
        ),
    }
