"""The platform: every adapter a running Clipshop needs, built once from settings (databases, media stores,
payment provider, job queue, clock, rate limits). It knows no domain; the composition root registers the
domains' jobs and routes around it."""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from datetime import timedelta
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

from limits import RateLimitItem
from limits import parse as parse_rate
from limits.storage import storage_from_string
from limits.strategies import MovingWindowRateLimiter

from clipshop.config import Settings
from clipshop.errors import RateLimited
from clipshop.jobs.queue import JobQueue
from clipshop.kit.actors import Actor
from clipshop.kit.blocklist import Blocklist
from clipshop.kit.clock import Clock, SystemClock
from clipshop.kit.db import Databases, PoolLimits, UnitOfWork
from clipshop.kit.faults import Faults
from clipshop.kit.ports import (
    MailTransport,
    MediaStore,
    PaymentProvider,
    ProviderEvent,
    Transcoder,
    UploadVolume,
)
from clipshop.kit.regions import Regions
from clipshop.kit.review import NoReviewDesk, ReviewDesk
from clipshop.kit.separation import NoSeparation, Separation
from clipshop.mail.folder import FolderTransport
from clipshop.mail.smtp import SmtpTransport
from clipshop.media.storage import LocalMediaStore, LocalUploadVolume
from clipshop.media.transcoder import FfmpegTranscoder
from clipshop.payments.sandbox import SandboxProvider

if TYPE_CHECKING:
    from mypy_boto3_s3 import S3Client


class Platform:
    """The adapters of one deployment; tests build several in one process."""

    def __init__(
        self, settings: Settings, *, clock: Clock | None = None, jobs: JobQueue | None = None
    ) -> None:
        self.settings = settings
        self.clock: Clock = clock or SystemClock()
        self.faults = Faults(frozenset(settings.fault_points))
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
            faults=self.faults,
        )
        # The client of the S3 service, made when a region keeps its media in a bucket.
        self.s3: S3Client | None = None
        self.media: dict[str, MediaStore] = {name: self._media_store(name) for name in settings.regions}
        self.upload_volumes: dict[str, UploadVolume] = {
            name: LocalUploadVolume(region=name, root=settings.region_media_root(name))
            for name in settings.regions
        }
        self.transcoder: Transcoder = FfmpegTranscoder(threads=settings.ffmpeg_threads)
        self.blocklist = Blocklist.load(settings.blocklist_file)
        # Where automatic checks send what they hold; the composition root installs moderation's desk.
        self.review_desk: ReviewDesk = NoReviewDesk()
        # Who is apart from whom by a block, for the inbox; the composition root installs social's shield.
        self.separation: Separation = NoSeparation()
        self.jobs = jobs or JobQueue.from_settings(
            backend=settings.jobs_backend,
            sqlite_path=settings.jobs_sqlite_path(),
            redis_url=settings.redis_url,
            name=settings.jobs_queue_name,
        )
        self.payments = self._payment_provider()
        # Who takes the provider's events about payments other than checkouts, by the metadata key that
        # names what was paid for (an advertiser's top-up: `topup_id`); the composition root installs them.
        self.payment_receivers: dict[str, Callable[[ProviderEvent], bool]] = {}
        self.mail = self._mail_transport()
        self._limiter = MovingWindowRateLimiter(storage_from_string(settings.limits_storage_uri))

    def _media_store(self, region: str) -> MediaStore:
        """The region's bucket when it has one, else its local folder (the embedded default)."""
        settings = self.settings
        bucket = settings.regions[region].media_bucket
        public_url = settings.region_media_public_url(region)
        if bucket is None or public_url is None:
            return LocalMediaStore(region=region, root=settings.region_media_root(region))
        from clipshop.media.s3 import S3MediaStore, s3_client  # boto3 only where a bucket is used

        if self.s3 is None:
            self.s3 = s3_client(
                endpoint_url=settings.s3_endpoint_url,
                region_name=settings.s3_region_name,
                access_key_id=settings.s3_access_key_id,
                secret_access_key=settings.s3_secret_access_key,
                connections=max(10, 2 * settings.s3_transfer_threads),
            )
        return S3MediaStore(
            region=region,
            bucket=bucket,
            client=self.s3,
            public_url=public_url,
            multipart_bytes=settings.s3_multipart_bytes,
            threads=settings.s3_transfer_threads,
        )

    def media_origins(self) -> list[str]:
        """The origins (scheme, host, port) viewers fetch media from besides this site: the buckets' public
        addresses or CDNs, which pages must be allowed to load playlists, segments and pictures from."""
        origins = set()
        for region in self.settings.regions:
            public = self.settings.region_media_public_url(region)
            if public is not None:
                parts = urlsplit(public)
                origins.add(f"{parts.scheme}://{parts.netloc}")
        return sorted(origins)

    def _payment_provider(self) -> PaymentProvider:
        """The built-in sandbox processor; the shop tells it how to wake its webhook delivery."""
        settings = self.settings
        return SandboxProvider(
            url=settings.sandbox_database_url(),
            secret=settings.webhook_secret(),
            clock=self.clock,
            base_url="",
            delay=timedelta(seconds=settings.sandbox_webhook_delay_s),
        )

    def _mail_transport(self) -> MailTransport:
        settings = self.settings
        if settings.email_backend == "smtp":
            return SmtpTransport(
                host=settings.smtp_host,
                port=settings.smtp_port,
                user=settings.smtp_user,
                password=settings.smtp_password,
                tls=settings.smtp_tls,
                timeout_s=settings.smtp_timeout_s,
            )
        return FolderTransport(root=settings.email_folder_path())

    def uow(self, *, home: str | None = None, actor: Actor | None = None) -> UnitOfWork:
        """A unit of work for `actor`, or for the jobs of region `home` (see Databases.unit_of_work)."""
        return self.databases.unit_of_work(home=home, actor=actor)

    def media_store(self, region: str) -> MediaStore:
        return self.media[region]

    def check_rate(self, rate: str, *keys: str) -> None:
        """Count one attempt against each key; refuse when any is over `rate` (e.g. "10/minute")."""
        limit = parse_rate(rate)
        for key in keys:
            if not self._limiter.hit(limit, key):
                raise RateLimited(
                    f"Too many attempts; wait a minute and try again (limit {rate}).",
                    retry_after_s=self._seconds_until_free(limit, key),
                )

    def check_write(self, action: str, *, account: str | None, address: str) -> None:
        """Count one `action` (a field of `WriteRates`) against the account and the client's address."""
        rates = self.settings.write_rates
        rate = getattr(rates, action)
        per_account = parse_rate(rate)
        if account is None:  # a sign-up: nothing but the address to go by
            checks = [(per_account, f"{action}:address:{address}")]
        else:
            per_address = type(per_account)(per_account.amount * rates.address_factor, per_account.multiples)
            checks = [
                (per_account, f"{action}:account:{account}"),
                (per_address, f"{action}:address:{address}"),
            ]
        for limit, key in checks:
            if not self._limiter.hit(limit, key):
                who = "this account" if key.startswith(f"{action}:account:") else "this network address"
                wait = self._seconds_until_free(limit, key)
                raise RateLimited(
                    f"Too many {action}s from {who} (limit {limit.amount} per {_period(limit)}); "
                    f"try again in {wait} s.",
                    retry_after_s=wait,
                )

    def _seconds_until_free(self, limit: RateLimitItem, key: str) -> int:
        reset_at = self._limiter.get_window_stats(limit, key).reset_time
        return max(1, math.ceil(reset_at - time.time()))

    def close(self) -> None:
        self.jobs.stop_consumer()
        self.databases.dispose()
        dispose = getattr(self.payments, "dispose", None)
        if dispose is not None:
            dispose()


def _period(limit: RateLimitItem) -> str:
    unit = limit.GRANULARITY.name
    return unit if limit.multiples == 1 else f"{limit.multiples} {unit}s"
