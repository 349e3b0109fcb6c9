"""Everything a running Clipshop needs, built once from settings: databases, media, jobs, clock, limits."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from typing import TYPE_CHECKING

from limits import parse as parse_rate
from limits.storage import storage_from_string
from limits.strategies import MovingWindowRateLimiter

from clipshop.config import Settings
from clipshop.errors import RateLimited
from clipshop.jobs.queue import JobQueue
from clipshop.kit.clock import Clock, SystemClock
from clipshop.kit.db import Databases, PoolLimits, UnitOfWork
from clipshop.kit.faults import Faults
from clipshop.kit.ports import MediaStore, PaymentProvider, Transcoder, UploadVolume
from clipshop.media.storage import LocalMediaStore, LocalUploadVolume
from clipshop.media.transcoder import FfmpegTranscoder
from clipshop.residency.regions import Regions

if TYPE_CHECKING:
    from clipshop.feed.facts import DirectoryMirror


class Platform:
    def __init__(
        self, settings: Settings, *, clock: Clock | None = None, jobs: JobQueue | None = None
    ) -> None:
        self.settings = settings
        self.clock: Clock = clock or SystemClock()
        self.regions = Regions.from_mapping(
            {name: region.countries for name, region in settings.regions.items()},
            default=settings.default_region,
        )
        self.databases = Databases(
            directory_url=settings.directory_database_url(),
            region_urls={name: settings.region_database_url(name) for name in settings.regions},
            limits=PoolLimits(
                size=settings.database_pool_size,
                overflow=settings.database_max_overflow,
                timeout_s=settings.database_pool_timeout_s,
            ),
        )
        self.media: dict[str, MediaStore] = {
            name: LocalMediaStore(region=name, root=settings.region_media_root(name))
            for name in settings.regions
        }
        self.upload_volumes: dict[str, UploadVolume] = {
            name: LocalUploadVolume(region=name, root=settings.region_media_root(name))
            for name in settings.regions
        }
        self.transcoder: Transcoder = FfmpegTranscoder(threads=settings.ffmpeg_threads)
        self.jobs = jobs or JobQueue.from_settings(
            backend=settings.jobs_backend,
            sqlite_path=settings.jobs_sqlite_path(),
            redis_url=settings.redis_url,
            name=settings.jobs_queue_name,
        )
        self.faults = Faults(frozenset(settings.fault_points))
        from clipshop.feed.facts import FeedCache
        from clipshop.feed.store import ModelStore

        self.feed_models = ModelStore(settings.data_dir)
        self.feed_cache = FeedCache(self.clock, settings.recs_cache_s, self._directory_mirror())
        self.payments = self._payment_provider()
        self._limiter = MovingWindowRateLimiter(storage_from_string(settings.limits_storage_uri))
        from clipshop.jobs.tasks import register_tasks

        register_tasks(self)

    def _directory_mirror(self) -> DirectoryMirror | None:
        """An in-memory copy of the directory's ranking facts, for a directory in a SQLite file."""
        from clipshop.feed.facts import DirectoryMirror

        url = self.databases.directory_engine.url
        every_s = self.settings.recs_mirror_s
        if url.get_backend_name() != "sqlite" or url.database in (None, "", ":memory:") or every_s <= 0:
            return None
        return DirectoryMirror(Path(url.database), self.clock, every_s)

    def _payment_provider(self) -> PaymentProvider:
        from clipshop.shop.payments.sandbox import SandboxProvider

        settings = self.settings
        return SandboxProvider(
            url=settings.sandbox_database_url(),
            secret=settings.webhook_secret(),
            clock=self.clock,
            base_url="",
            delay=timedelta(seconds=settings.sandbox_webhook_delay_s),
            wake=lambda: self.jobs.enqueue("deliver_sandbox_events"),
        )

    def uow(self) -> UnitOfWork:
        return self.databases.unit_of_work()

    def media_store(self, region: str) -> MediaStore:
        return self.media[region]

    def check_rate(self, rate: str, *keys: str) -> None:
        """Count one attempt against each key; refuse when any is over `rate` (e.g. "10/minute")."""
        limit = parse_rate(rate)
        for key in keys:
            if not self._limiter.hit(limit, key):
                raise RateLimited(f"Too many attempts; wait a minute and try again (limit {rate}).")

    def close(self) -> None:
        self.jobs.stop_consumer()
        self.databases.dispose()
        dispose = getattr(self.payments, "dispose", None)
        if dispose is not None:
            dispose()
