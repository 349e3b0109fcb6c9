"""Settings: environment variables `CLIPSHOP_…` and an optional TOML file; the embedded default needs none.

Regions are configuration, not code. With no setting, five regions live as SQLite files and media folders
under `data_dir`. To run a region on PostgreSQL, set e.g.
`CLIPSHOP_REGIONS='{"us": {"database_url": "postgresql+psycopg://…/us", "countries": ["US"]}}'`.
"""

from __future__ import annotations

import hashlib
import os
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, Field, model_validator
from pydantic_settings import (
    BaseSettings,
    PydanticBaseSettingsSource,
    SettingsConfigDict,
    TomlConfigSettingsSource,
)

DEV_SECRET = "clipshop-dev-secret-change-me"
# Where each region's media store keeps its feed models (`models/<version>/`, `models/current.json`). Earlier
# versions kept them under `data_dir` in `models/<region>/`; `clipshop migrate` moves them into the stores.
MODELS_FOLDER = "models"

# Home region by ISO 3166 country code; anything unlisted goes to `default_region`.
EU_COUNTRIES = [
    "AT",
    "BE",
    "BG",
    "HR",
    "CY",
    "CZ",
    "DK",
    "EE",
    "FI",
    "FR",
    "DE",
    "GR",
    "HU",
    "IE",
    "IT",
    "LV",
    "LT",
    "LU",
    "MT",
    "NL",
    "PL",
    "PT",
    "RO",
    "SK",
    "SI",
    "ES",
    "SE",
    "IS",
    "LI",
    "NO",
    "CH",
    "GB",
]
DEFAULT_COUNTRIES: dict[str, list[str]] = {
    "us": ["US", "PR", "MX"],
    "ca": ["CA"],
    "eu": EU_COUNTRIES,
    "au": ["AU"],
    "nz": ["NZ"],
}


class WriteRates(BaseModel):
    """The writes people abuse, each limited per account ("N/period" in the `limits` syntax). A client's
    address is shared by a household, an office or a carrier's NAT, so it may do `address_factor` times as
    much. Sign-ups have no account yet: their rate is per address."""

    comment: str = "30/minute"
    like: str = "120/minute"
    follow: str = "60/minute"
    report: str = "20/hour"
    upload: str = "30/hour"
    signup: str = "20/hour"
    # Asking for a new address verification mail (each one is a mail to someone's inbox).
    verification: str = "5/hour"
    address_factor: int = Field(default=10, ge=1)

    @classmethod
    def rated(cls) -> list[str]:
        """The actions that have a rate."""
        return [name for name in cls.model_fields if name != "address_factor"]


class RegionConfig(BaseModel):
    """One region cell: its database, its media store and the countries whose users live there."""

    database_url: str | None = None
    # The region's local folder: its media when it has no bucket (served by the app), and always its resumable
    # uploads and the transcoder's work (tus appends to a disk). Default: `data_dir/media/<region>`.
    media_root: Path | None = None
    # The region's S3 bucket for finished media (renditions, posters, avatars, product pictures); None: the
    # local folder. The bucket lives in the region: one bucket per region, never shared.
    media_bucket: str | None = None
    # Where viewers fetch the bucket's files: the bucket's public address or a CDN in front of it (playlists'
    # relative paths resolve under it). None: `Settings.s3_public_url` with this bucket's name.
    media_public_url: str | None = None
    countries: list[str] = Field(default_factory=list)


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="CLIPSHOP_", env_nested_delimiter="__", extra="ignore")

    env: Literal["dev", "test", "prod"] = "dev"
    data_dir: Path = Path("data")
    secret_key: str = DEV_SECRET
    base_url: str = "http://127.0.0.1:8000"

    directory_url: str | None = None
    regions: dict[str, RegionConfig] = Field(
        default_factory=lambda: {name: RegionConfig(countries=c) for name, c in DEFAULT_COUNTRIES.items()}
    )
    default_region: str = "us"
    # Numbers about a region's users that leave the region are totals over at least this many people;
    # smaller groups are suppressed (a merchant's sales by buyer region, a creator's audience).
    min_group_size: int = Field(default=10, ge=2)
    # The residency policy (TOML): data classes, purposes, grants. None: the one shipped with Clipshop.
    policy_file: Path | None = None
    # Words, phrases and hashtags that hold a caption or a comment for review (TOML: `words`, `hashtags`).
    # None: the short default shipped with Clipshop (`clipshop/kit/blocklist.toml`).
    blocklist_file: Path | None = None

    # Jobs: "sqlite" (embedded, a consumer thread in the app), "redis" (workers anywhere) or "memory" (tests).
    jobs_backend: Literal["sqlite", "redis", "memory"] = "sqlite"
    jobs_consumer_in_app: bool = True
    jobs_workers: int = 1
    # Threads that run request handlers; on two cores a few threads beat many (less switching, same work).
    http_threads: int = 4
    jobs_queue_name: str = "clipshop"
    # Python modules of a deployment's own jobs: each one's `register_jobs(platform)` is called after
    # Clipshop's own registrations, so its jobs (periodic ones too) run on the same queue and schedule.
    jobs_modules: list[str] = Field(default_factory=list)
    redis_url: str = "redis://127.0.0.1:6379/0"
    # Rate limits and live counters: "memory://" in-process, or a redis:// URL.
    limits_storage_uri: str = "memory://"
    login_rate: str = "10/minute"
    write_rates: WriteRates = Field(default_factory=WriteRates)
    # Behind nginx, with media on local disk: once the app has decided a /media request may be served
    # (`videos.serving`), it answers `X-Accel-Redirect: <prefix>/<region>/<key>` and nginx sends the file
    # from its internal location at that prefix (deploy/nginx/clipshop.conf). None: the app sends the bytes.
    media_accel_prefix: str | None = Field(default=None, pattern=r"^/[A-Za-z0-9_\-/]*[A-Za-z0-9_\-]$")

    # Connections per database per process (PostgreSQL); see kit/db.PoolLimits.
    database_pool_size: int = 10
    database_max_overflow: int = 20
    database_pool_timeout_s: float = 30.0

    # Object storage, for the regions with a `media_bucket`: any S3-compatible service. No endpoint: AWS S3.
    s3_endpoint_url: str | None = None
    s3_region_name: str = "us-east-1"
    # No keys: boto3's own chain (AWS_* environment variables, a profile, an instance role).
    s3_access_key_id: str | None = None
    s3_secret_access_key: str | None = None
    # A bucket's public address, `{bucket}` standing for its name (a region's `media_public_url` wins). None:
    # `{s3_endpoint_url}/{bucket}`, or on AWS `https://{bucket}.s3.{s3_region_name}.amazonaws.com`.
    s3_public_url: str | None = None
    # Files from this size on go up (and are moved) in parts of this size, several at once.
    s3_multipart_bytes: int = Field(default=16 * 1024**2, ge=5 * 1024**2)
    s3_transfer_threads: int = Field(default=8, ge=1)

    max_upload_bytes: int = 2 * 1024**3
    # What a probed upload may be (media/limits.py checks it when the last byte arrives). Short clips are the
    # product, so ten minutes is generous, and transcoding time grows with it.
    max_upload_duration_s: float = Field(default=600.0, gt=0)
    # Under about half a second the HLS muxer cuts no segment and writes an empty master playlist: the clip
    # would fail in the transcode after its upload. A second is the shortest clip worth a feed's swipe.
    min_upload_duration_s: float = Field(default=1.0, gt=0)
    # 144 px is the smallest quality players offer (144p); below it a clip is a thumbnail, unwatchable on a
    # phone. 4096 px covers DCI 4K and the 3840 px UHD that phones record; our largest rendition is 1080p, so
    # more pixels buy nothing, while each decoded 8K frame costs ~50 MB in the probe and the transcoder.
    min_upload_short_side: int = Field(default=144, ge=2)
    max_upload_long_side: int = Field(default=4096, ge=2)
    # Phones film slow motion at 120 fps (some at 240); playback is capped at 60 (media/transcode.MAX_FPS).
    max_upload_fps: int = Field(default=120, ge=1)
    # Frames decoded per upload bound the transcode's work even when a file's stated rate is odd (variable
    # frame rate, odd time stamps). None: the longest clip at the highest rate.
    max_upload_frames: int | None = Field(default=None, ge=1)
    session_days: int = 30
    # Worker threads ffmpeg may use for one transcode (0 = ffmpeg decides).
    ffmpeg_threads: int = 0

    # Commerce. Payments go to the built-in sandbox processor (test cards, signed webhooks, no network).
    sandbox_payments_url: str | None = None
    sandbox_webhook_delay_s: float = 0.0
    payments_webhook_secret: str | None = None
    platform_fee_bp: int = 500
    # Tax as basis points of (items - discount + shipping), by the buyer's region.
    tax_rates_bp: dict[str, int] = Field(
        default_factory=lambda: {"us": 0, "ca": 1300, "eu": 2000, "au": 1000, "nz": 1500}
    )
    attribution_window_days: int = 7
    reservation_minutes: int = 30
    return_window_days: int = 7
    payout_minimum: int = 100
    payout_every_minutes: int = 60
    # How long a retried request waits for the first one with its Idempotency-Key before answering 409.
    idempotency_wait_s: float = 15.0
    idempotency_lease_s: float = 60.0
    # Admission of checkouts (shop/checkout/admission.py), per app process: at most this many checkouts of
    # one item taking its stock and writing their orders at once (the card's charge holds no turn); more
    # wait up to checkout_queue_s for a turn, then get 429 checkout_busy with a Retry-After of
    # checkout_retry_after_s. An item seen sold out is answered from memory for sold_out_memory_s. A
    # concurrency of 0 admits everyone.
    checkout_concurrency: int = 16
    checkout_queue_s: float = 1.0
    checkout_retry_after_s: int = 1
    sold_out_memory_s: float = 2.0
    # Advertising. One sponsored item per `ads_load` items of For You (0: no ads), never two in a row; an
    # ad enters an auction only when its expected value per impression reaches the reserve, in minor units
    # per 1000 impressions (eCPM). An impression is viewable after `ads_viewable_s` on screen. A purchase
    # counts for an ad clicked within the click window, or seen (viewable, not clicked) within the view
    # window; the affiliate window above is the creators' own.
    ads_load: int = Field(default=6, ge=0)
    ads_reserve_cpm: int = Field(default=100, ge=0)
    ads_viewable_s: float = Field(default=2.0, gt=0)
    ads_click_window_days: int = Field(default=7, ge=1)
    ads_view_window_days: int = Field(default=1, ge=0)
    # Advertiser accounts: a top-up is between the minimum and the maximum (minor units of the account's
    # currency); a daily budget is at least the minimum; a CPC or optimised-CPM bid at least `ads_min_bid`
    # (a CPM bid at least the reserve). A creator's code that lets an advertiser promote their video lasts
    # `ads_authorization_days`.
    ads_topup_min: int = Field(default=500, ge=1)
    ads_topup_max: int = Field(default=1_000_000, ge=1)
    ads_min_daily_budget: int = Field(default=100, ge=1)
    ads_min_bid: int = Field(default=5, ge=1)
    ads_authorization_days: int = Field(default=30, ge=1)
    # How often each server's in-memory index of ads (and each region's budget slices and predicted rates)
    # reads what changed, in seconds, off the request path; 0: before every decision (tests).
    ads_index_s: float = Field(default=2.0, ge=0)
    # How often (minutes) the job resizing each region's slice of every campaign's day runs, and the one
    # billing spend to the advertisers' balances (it also pauses campaigns whose money or budget ran out).
    ads_rebalance_minutes: int = Field(default=5, ge=1)
    ads_billing_minutes: int = Field(default=15, ge=1)
    # Recommendations. Values turn the ranker's predictions into one score (see feed/ranking.py).
    recs_values: dict[str, float] = Field(
        default_factory=lambda: {
            "complete": 1.0,
            "like": 2.0,
            "share": 3.0,
            "purchase": 10.0,
            "watch_s": 0.04,
        }
    )
    recs_explore_share: float = Field(default=0.1, ge=0, le=0.5)
    recs_shoppable_cap: float = Field(default=0.3, ge=0, le=1)
    recs_window_days: int = 60
    # Events and served items older than this are deleted by a daily job; at least the training window.
    recs_keep_days: int = 90
    recs_retrain_minutes: int = 60
    # The collaborative model's size: low-rank EASE rank and ALS factors (memory is items x their sum).
    recs_rank: int = 128
    recs_factors: int = 64
    # How long a server keeps the directory facts of ranked videos and the shared candidate lists (0: off).
    recs_cache_s: float = Field(default=60.0, ge=0)
    # How often a server on SQLite copies every published video's ranking facts into its own memory (0:
    # never, read the directory file on each request). Ignored with PostgreSQL, or with the cache off.
    recs_mirror_s: float = Field(default=300.0, ge=0)
    # From this many items on, candidates come from an HNSW index instead of an exact scan.
    recs_ann_min_items: int = 50_000
    # The Ed25519 key that signs the heads of the regions' access audit logs; created on first use.
    # Default: `data_dir / "keys" / "audit-ed25519.pem"`.
    audit_key_file: Path | None = None
    # Email. "folder" (the embedded default) writes each message as an .eml file under `email_folder`, shown
    # at /dev/mail outside production; "smtp" hands it to an SMTP server.
    email_backend: Literal["folder", "smtp"] = "folder"
    email_from: str = "Clipshop <no-reply@clipshop.localhost>"
    # Default: `data_dir / "mail"`.
    email_folder: Path | None = None
    smtp_host: str = "127.0.0.1"
    smtp_port: int = 25
    smtp_user: str | None = None
    smtp_password: str | None = None
    # "none" (plain, e.g. a relay on loopback), "starttls" (upgrade on port 587) or "ssl" (TLS from the
    # first byte, port 465).
    smtp_tls: Literal["none", "starttls", "ssl"] = "none"
    smtp_timeout_s: float = Field(default=30.0, gt=0)
    # How long one attempt at sending a mail holds it: another attempt waits that long after a crash.
    email_lease_s: int = Field(default=300, ge=1)
    # Attempts before a mail is given up (its row keeps the last error).
    email_max_attempts: int = Field(default=8, ge=1)
    # How long a password reset link works.
    password_reset_minutes: int = Field(default=60, ge=1)
    # Crash points for recovery tests (kit/faults.py); never set in production.
    fault_points: list[str] = Field(default_factory=list)

    @model_validator(mode="after")
    def _check(self) -> Settings:
        if self.default_region not in self.regions:
            raise ValueError(
                f"default_region {self.default_region!r} is not one of the regions {sorted(self.regions)}"
            )
        if self.recs_keep_days < self.recs_window_days:
            raise ValueError(
                f"recs_keep_days ({self.recs_keep_days}) must cover recs_window_days"
                f" ({self.recs_window_days}): the retrain reads that many days of events"
            )
        if self.min_upload_duration_s > self.max_upload_duration_s:
            raise ValueError(
                f"min_upload_duration_s ({self.min_upload_duration_s}) is larger than max_upload_duration_s"
                f" ({self.max_upload_duration_s}): no upload could pass both"
            )
        if self.min_upload_short_side > self.max_upload_long_side:
            raise ValueError(
                f"min_upload_short_side ({self.min_upload_short_side}) is larger than max_upload_long_side"
                f" ({self.max_upload_long_side}): no upload could pass both"
            )
        buckets = [r.media_bucket for r in self.regions.values() if r.media_bucket]
        if len(buckets) != len(set(buckets)):
            raise ValueError(
                f"regions share a media_bucket ({sorted(buckets)}): each region keeps its media in its own"
            )
        if self.s3_public_url is not None and "{bucket}" not in self.s3_public_url:
            raise ValueError(
                f"s3_public_url {self.s3_public_url!r} must hold {{bucket}}: every region has its own bucket"
            )
        if self.env == "prod" and self.secret_key == DEV_SECRET:
            raise ValueError("set CLIPSHOP_SECRET_KEY: the development secret is refused when env=prod")
        return self

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        toml_file = os.environ.get("CLIPSHOP_CONFIG", "clipshop.toml")
        return (init_settings, env_settings, TomlConfigSettingsSource(settings_cls, toml_file=toml_file))

    def directory_database_url(self) -> str:
        return self.directory_url or f"sqlite:///{self.data_dir / 'directory.db'}"

    def region_database_url(self, region: str) -> str:
        return self.regions[region].database_url or f"sqlite:///{self.data_dir / 'regions' / f'{region}.db'}"

    def models_folder(self) -> Path:
        """Where earlier versions kept each region's feed models (`models/<region>/`); now in its store."""
        return self.data_dir / MODELS_FOLDER

    def region_media_root(self, region: str) -> Path:
        return self.regions[region].media_root or self.data_dir / "media" / region

    def region_media_public_url(self, region: str) -> str | None:
        """Where viewers fetch the files of the region's bucket; None for a region kept in a local folder."""
        config = self.regions[region]
        if config.media_bucket is None:
            return None
        if config.media_public_url:
            return config.media_public_url.rstrip("/")
        if self.s3_public_url:
            return self.s3_public_url.replace("{bucket}", config.media_bucket).rstrip("/")
        if self.s3_endpoint_url:
            return f"{self.s3_endpoint_url.rstrip('/')}/{config.media_bucket}"
        return f"https://{config.media_bucket}.s3.{self.s3_region_name}.amazonaws.com"

    def sandbox_database_url(self) -> str:
        return self.sandbox_payments_url or f"sqlite:///{self.data_dir / 'sandbox-payments.db'}"

    def webhook_secret(self) -> str:
        if self.payments_webhook_secret:
            return self.payments_webhook_secret
        return hashlib.sha256(f"webhooks:{self.secret_key}".encode()).hexdigest()

    def audit_key_path(self) -> Path:
        return self.audit_key_file or self.data_dir / "keys" / "audit-ed25519.pem"

    def email_folder_path(self) -> Path:
        return self.email_folder or self.data_dir / "mail"

    def jobs_sqlite_path(self) -> Path:
        return self.data_dir / "jobs.db"

    def with_overrides(self, **changes: Any) -> Settings:
        return self.model_copy(update=changes)
