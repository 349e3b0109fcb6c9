"""The test harness: every database test runs on SQLite and on PostgreSQL (when CLIPSHOP_TEST_POSTGRES names a
reachable server), each test on freshly migrated databases, with a job queue drained explicitly."""

from __future__ import annotations

import hashlib
import os
import shutil
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from clipshop.app import create_app
from clipshop.assembly import build_platform
from clipshop.config import RegionConfig, Settings
from clipshop.jobs.queue import JobQueue
from clipshop.kit.db import DirectoryBase, RegionBase, make_engine
from clipshop.migrations import load_models, upgrade
from clipshop.platform import Platform
from doubles import FrozenClock
from support import PASSWORD, Member

TEST_REGIONS = {"us": ["US", "MX"], "eu": ["DE", "FR", "NL", "IE", "GB"], "au": ["AU"]}
POSTGRES_URL = os.environ.get("CLIPSHOP_TEST_POSTGRES")
START = datetime(2026, 6, 1, 12, 0, tzinfo=UTC)


def _postgres_reason() -> str | None:
    if not POSTGRES_URL:
        return "PostgreSQL tests need CLIPSHOP_TEST_POSTGRES, e.g. postgresql+psycopg://postgres@127.0.0.1:5432/test"
    try:
        engine = create_engine(POSTGRES_URL)
        with engine.connect() as conn:
            conn.execute(text("select 1"))
        engine.dispose()
    except Exception as error:  # any failure to connect means: say so and skip
        return f"PostgreSQL at CLIPSHOP_TEST_POSTGRES is not reachable: {error.__class__.__name__}: {error}"
    return None


@dataclass
class Backend:
    name: str
    directory_url: str
    region_urls: dict[str, str]


def _worker() -> str:
    """This test process, unique across checkouts on one machine: each names its own PostgreSQL databases."""
    checkout = hashlib.sha1(str(Path(__file__).resolve().parent).encode()).hexdigest()[:6]
    return f"{checkout}_{os.environ.get('PYTEST_XDIST_WORKER', 'solo')}"


def _postgres_backend() -> Backend:
    assert POSTGRES_URL
    base = make_url(POSTGRES_URL)
    admin = create_engine(base, isolation_level="AUTOCOMMIT")
    prefix = f"clipshop_test_{_worker()}"
    urls: dict[str, str] = {}
    with admin.connect() as conn:
        for name in ("directory", *TEST_REGIONS):
            db = f"{prefix}_{name}"
            conn.execute(text(f'DROP DATABASE IF EXISTS "{db}" WITH (FORCE)'))
            conn.execute(text(f'CREATE DATABASE "{db}"'))
            urls[name] = base.set(database=db).render_as_string(hide_password=False)
    admin.dispose()
    for name, url in urls.items():
        engine = make_engine(url, pool=False)
        upgrade(engine, "directory" if name == "directory" else "region")
        engine.dispose()
    return Backend("postgres", urls.pop("directory"), urls)


def _sqlite_template(root: Path) -> Backend:
    urls = {name: f"sqlite:///{root / f'{name}.db'}" for name in ("directory", *TEST_REGIONS)}
    for name, url in urls.items():
        engine = make_engine(url)
        upgrade(engine, "directory" if name == "directory" else "region")
        engine.dispose()
    return Backend("sqlite", urls.pop("directory"), urls)


@pytest.fixture(scope="session", params=["sqlite", "postgres"])
def backend(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Backend:
    if request.param == "postgres":
        reason = _postgres_reason()
        if reason:
            pytest.skip(reason)
        return _postgres_backend()
    return _sqlite_template(tmp_path_factory.mktemp("sqlite-template"))


def _fresh_databases(backend: Backend, tmp_path: Path) -> tuple[str, dict[str, str]]:
    """SQLite: copy the migrated template files. PostgreSQL: empty every table of the migrated databases."""
    if backend.name == "sqlite":

        def copy(url: str) -> str:
            src = Path(make_url(url).database or "")
            dst = tmp_path / "db" / src.name
            dst.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(src, dst)
            return f"sqlite:///{dst}"

        return copy(backend.directory_url), {r: copy(u) for r, u in backend.region_urls.items()}
    load_models()
    for url, metadata in [
        (backend.directory_url, DirectoryBase.metadata),
        *[(u, RegionBase.metadata) for u in backend.region_urls.values()],
    ]:
        engine = make_engine(url, pool=False)
        names = ", ".join(f'"{t.name}"' for t in metadata.sorted_tables)
        with engine.begin() as conn:
            conn.execute(text(f"TRUNCATE {names} RESTART IDENTITY CASCADE"))
        engine.dispose()
    return backend.directory_url, dict(backend.region_urls)


def make_settings(backend: Backend, root: Path, **overrides: Any) -> Settings:
    """Test settings on fresh databases of `backend`, with media and data under `root`."""
    directory_url, region_urls = _fresh_databases(backend, root)
    values: dict[str, Any] = {
        "env": "test",
        "data_dir": root / "data",
        "secret_key": "test-secret",
        "base_url": "http://testserver",
        "directory_url": directory_url,
        "regions": {
            name: RegionConfig(
                database_url=region_urls[name], media_root=root / "media" / name, countries=countries
            )
            for name, countries in TEST_REGIONS.items()
        },
        "default_region": "us",
        "jobs_backend": "memory",
        "jobs_consumer_in_app": False,
        "login_rate": "5/minute",
        "max_upload_bytes": 50 * 1024 * 1024,
        # Tests see each change at once; tests/feed/test_facts_cache.py turns the cache on.
        "recs_cache_s": 0,
    }
    return Settings(**{**values, **overrides})


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
