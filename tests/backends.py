"""The test databases and settings: every database test runs on SQLite and on PostgreSQL (when
CLIPSHOP_TEST_POSTGRES names a reachable server), each test on freshly migrated databases. A module of its own
(not conftest.py) so that test modules and other conftests can import it by one unambiguous name."""

from __future__ import annotations

import hashlib
import os
import shutil
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from clipshop.config import RegionConfig, Settings
from clipshop.kit.db import DirectoryBase, RegionBase, make_engine
from clipshop.migrations import load_models, upgrade

TEST_REGIONS = {"us": ["US", "MX"], "eu": ["DE", "FR", "NL", "IE", "GB"], "au": ["AU"]}
POSTGRES_URL = os.environ.get("CLIPSHOP_TEST_POSTGRES")
START = datetime(2026, 6, 1, 12, 0, tzinfo=UTC)


def postgres_reason() -> str | None:
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


def postgres_backend() -> Backend:
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


def sqlite_template(root: Path) -> Backend:
    urls = {name: f"sqlite:///{root / f'{name}.db'}" for name in ("directory", *TEST_REGIONS)}
    for name, url in urls.items():
        engine = make_engine(url)
        upgrade(engine, "directory" if name == "directory" else "region")
        engine.dispose()
    return Backend("sqlite", urls.pop("directory"), urls)


def fresh_databases(backend: Backend, tmp_path: Path) -> tuple[str, dict[str, str]]:
    """SQLite: copy the migrated template files. PostgreSQL: empty every table of the migrated databases
    and restart their sequences."""
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
        tables = [t.name for t in metadata.sorted_tables]
        if metadata is DirectoryBase.metadata:
            # The search index's hashtag counts are kept by row triggers, which TRUNCATE does not fire.
            tables.append("search_hashtags")
        with engine.begin() as conn:
            # TRUNCATE costs a new file per table: only the tables the last test wrote to (found in one
            # round trip), and the sequences it moved.
            written = " UNION ALL ".join(
                f"SELECT '{name}' WHERE EXISTS (SELECT 1 FROM \"{name}\")" for name in tables
            )
            filled = list(conn.execute(text(written)).scalars())
            if filled:
                names = ", ".join(f'"{name}"' for name in filled)
                conn.execute(text(f"TRUNCATE {names} CASCADE"))
            moved = conn.execute(
                text("SELECT schemaname, sequencename FROM pg_sequences WHERE last_value IS NOT NULL")
            )
            for schema, sequence in moved.all():
                conn.execute(text(f'ALTER SEQUENCE "{schema}"."{sequence}" RESTART'))
        engine.dispose()
    return backend.directory_url, dict(backend.region_urls)


def make_settings(
    backend: Backend, root: Path, *, media_buckets: dict[str, str] | None = None, **overrides: Any
) -> Settings:
    """Test settings on fresh databases of `backend`, with media and data under `root` (or, for the regions
    `media_buckets` names, media in those buckets: give the `s3` settings in `overrides`)."""
    directory_url, region_urls = fresh_databases(backend, root)
    buckets = media_buckets or {}
    values: dict[str, Any] = {
        "env": "test",
        "data_dir": root / "data",
        "secret_key": "test-secret",
        "base_url": "http://testserver",
        "directory_url": directory_url,
        "regions": {
            name: RegionConfig(
                database_url=region_urls[name],
                media_root=root / "media" / name,
                media_bucket=buckets.get(name),
                countries=countries,
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
        # Each For You decision reads the ads changed since the last (tests/ads/test_index.py times it).
        "ads_index_s": 0,
    }
    return Settings(**{**values, **overrides})
