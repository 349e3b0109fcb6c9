"""Helpers shared by tests: posting real clips through the public upload API, waiting on other processes,
the inventory of routes that take an id for the ownership sweeps, and reporting and deciding as moderators."""

from __future__ import annotations

import base64
import hashlib
import json
import os
import re
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any, TypeVar

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import Connection, Engine, select, text

from clipshop.accounts import service as accounts
from clipshop.accounts.models import User
from clipshop.config import Settings
from clipshop.kit.actors import Role
from clipshop.kit.db import BEFORE_DIRECTORY_COMMIT
from clipshop.kit.everywhere import everywhere
from clipshop.kit.ids import new_id
from clipshop.media.facts import ProbeResult
from clipshop.moderation.models import ModerationCase
from clipshop.platform import Platform
from clipshop.residency.models import POSTGRES_TRIGGERS, SQLITE_TRIGGERS, AuditEntry
from clipshop.videos.models import PublicVideo

PASSWORD = "correct horse battery staple"
REDIS_URL = os.environ.get("CLIPSHOP_TEST_REDIS", "redis://127.0.0.1:6379/15")

T = TypeVar("T")


def wait_until(condition: Callable[[], T], *, timeout_s: float, what: str, every_s: float = 0.05) -> T:
    """Poll `condition` until it returns something true, and return that; fail naming `what` at the
    deadline. Only for work in another thread or process: work on the job queue is drained instead."""
    deadline = time.monotonic() + timeout_s
    while not (result := condition()):
        if time.monotonic() >= deadline:
            pytest.fail(f"gave up after {timeout_s:g} s waiting for {what}")
        time.sleep(every_s)
    return result


def redis_reason() -> str | None:
    try:
        import redis

        redis.Redis.from_url(REDIS_URL, socket_connect_timeout=1).ping()
    except Exception as error:
        return f"Redis at {REDIS_URL} is not reachable: {error.__class__.__name__}: {error}"
    return None


def queue_name(tmp_path: Path) -> str:
    """A Redis job queue of this test alone: checkouts on one machine share the Redis server, and a test's
    `tmp_path.name` is the same in each of them; its full path is not."""
    return "test-" + hashlib.sha1(str(tmp_path).encode()).hexdigest()[:12]


@dataclass
class Member:
    """A signed-up user as tests hold them: ids, region and the bearer header."""

    id: str
    handle: str
    region: str
    email: str
    token: str

    @property
    def auth(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token}"}


def upload_file(client: TestClient, member: Member, path: Path, *, chunk: int = 64 * 1024) -> str:
    data = path.read_bytes()
    meta = "filename " + base64.b64encode(path.name.encode()).decode()
    created = client.post(
        "/api/v1/uploads",
        headers={
            **member.auth,
            "Upload-Length": str(len(data)),
            "Upload-Metadata": meta,
            "Tus-Resumable": "1.0.0",
        },
    )
    assert created.status_code == 201, created.text
    url = created.headers["location"]
    offset = 0
    while offset < len(data):
        part = data[offset : offset + chunk]
        r = client.patch(
            url,
            content=part,
            headers={
                **member.auth,
                "Upload-Offset": str(offset),
                "Content-Type": "application/offset+octet-stream",
                "Tus-Resumable": "1.0.0",
            },
        )
        assert r.status_code == 204, r.text
        offset = int(r.headers["upload-offset"])
    return str(created.json()["id"])


def post_clip(
    client: TestClient, platform: Platform, member: Member, path: Path, caption: str
) -> dict[str, Any]:
    upload_id = upload_file(client, member, path)
    created = client.post(
        "/api/v1/videos", headers=member.auth, json={"upload_id": upload_id, "caption": caption}
    )
    assert created.status_code == 201, created.text
    platform.jobs.drain()
    status = client.get(f"/api/v1/videos/{created.json()['id']}/status", headers=member.auth).json()
    assert status["status"] == "ready", status
    return dict(status)


def probe_of(width: int, height: int) -> ProbeResult:
    """Probe facts of a 10 s H.264/AAC MP4 of the given display size."""
    return ProbeResult(
        duration_s=10.0,
        width=width,
        height=height,
        coded_width=width,
        coded_height=height,
        rotation=0,
        fps=30.0,
        video_codec="h264",
        audio_codec="aac",
        container="mov",
    )


def a_region_video(platform: Platform, creator: Member) -> str:
    """A published video with its creator-side rows too (an upload and a ready video), without transcoding."""
    from clipshop.videos.models import Upload, UploadStatus, Video, VideoStatus

    now = platform.clock.now()
    upload_id, video_id = new_id(creator.region), new_id(creator.region)
    with everywhere(platform.databases).transaction() as uow:
        db = uow.region(creator.region)
        db.add(
            Upload(
                id=upload_id,
                owner_id=creator.id,
                length=1,
                offset=1,
                status=UploadStatus.COMPLETE,
                created_at=now,
                updated_at=now,
            )
        )
        db.flush()
        db.add(
            Video(
                id=video_id,
                owner_id=creator.id,
                upload_id=upload_id,
                status=VideoStatus.READY,
                duration_s=8.0,
                width=720,
                height=1280,
                published_at=now,
                created_at=now,
                updated_at=now,
            )
        )
    return a_public_video(platform, creator, video_id=video_id, hours_ago=1)


def a_ready_video(platform: Platform, creator: Member, caption: str = "") -> str:
    """A transcoded video, ready and not yet published (its ladder's keys written, no files), as a creator
    who uploaded with `publish: false` has it."""
    from clipshop.videos.models import Upload, UploadStatus, Video, VideoStatus
    from clipshop.videos.service import parse_hashtags

    now = platform.clock.now()
    upload_id, video_id = new_id(creator.region), new_id(creator.region)
    hls = f"videos/{video_id}/hls"
    with platform.uow(home=creator.region).transaction() as uow:
        db = uow.region(creator.region)
        db.add(
            Upload(
                id=upload_id,
                owner_id=creator.id,
                length=1,
                offset=1,
                status=UploadStatus.COMPLETE,
                created_at=now,
                updated_at=now,
            )
        )
        db.flush()
        db.add(
            Video(
                id=video_id,
                owner_id=creator.id,
                upload_id=upload_id,
                status=VideoStatus.READY,
                caption=caption,
                hashtags=" ".join(parse_hashtags(caption)),
                duration_s=8.0,
                width=720,
                height=1280,
                publish_when_ready=False,
                master_key=f"{hls}/master.m3u8",
                poster_key=f"{hls}/poster.jpg",
                thumb_key=f"{hls}/thumb.jpg",
                created_at=now,
                updated_at=now,
            )
        )
    return video_id


CARD_OK = "4242 4242 4242 4242"
ADDRESS = {
    "name": "Ada Buyer",
    "line1": "1 Main St",
    "city": "Springfield",
    "postal_code": "12345",
    "country": "US",
}


def shipped_and_delivered(client: TestClient, merchant: Member, shop_id: str, order_id: str) -> None:
    r = client.post(
        f"/api/v1/shops/{shop_id}/orders/{order_id}/fulfil",
        headers=merchant.auth,
        json={"carrier": "DHL", "tracking_number": "JD0001"},
    )
    assert r.status_code == 200, r.text
    assert (
        client.post(f"/api/v1/shops/{shop_id}/orders/{order_id}/deliver", headers=merchant.auth).status_code
        == 200
    )


def open_shop(client: TestClient, member: Member, handle: str, currency: str = "USD") -> str:
    r = client.post(
        "/api/v1/shops",
        headers=member.auth,
        json={"handle": handle, "name": handle.title(), "currency": currency},
    )
    assert r.status_code == 201, r.text
    return str(r.json()["id"])


def a_product(
    client: TestClient,
    member: Member,
    shop_id: str,
    *,
    price: int = 2500,
    stock: int = 10,
    commission_bp: int = 1000,
    skus: tuple[str, ...] = ("SKU-1",),
    title: str = "Linen shirt",
) -> dict[str, Any]:
    r = client.post(
        f"/api/v1/shops/{shop_id}/products",
        headers=member.auth,
        json={
            "title": title,
            "commission_bp": commission_bp,
            "images": ["/static/img/favicon.svg"],
            "variants": [
                {"sku": sku, "price": price, "stock": stock, "options": {"size": sku[-1]}} for sku in skus
            ],
        },
    )
    assert r.status_code == 201, r.text
    return dict(r.json())


def buy(
    client: TestClient,
    member: Member,
    variant_id: str,
    *,
    key: str,
    quantity: int = 1,
    card: str = CARD_OK,
    **extra: Any,
) -> Any:
    return client.post(
        "/api/v1/checkout",
        headers={**member.auth, "Idempotency-Key": key},
        json={
            "items": [{"variant_id": variant_id, "quantity": quantity}],
            "address": ADDRESS,
            "payment_method": card,
            **extra,
        },
    )


def quick_members(platform: Platform, region: str, count: int, prefix: str = "m") -> list[Member]:
    """Signed-in accounts written straight to the database (no password hashing): for tests that need
    many buyers or viewers."""
    from clipshop.accounts.models import PublicProfile, User
    from clipshop.accounts.service import open_session

    members = []
    now = platform.clock.now()
    with everywhere(platform.databases).transaction() as uow:
        for n in range(count):
            user_id, handle = new_id(region), f"{prefix}{n}"
            user = User(
                id=user_id,
                email=f"{handle}@example.com",
                password_hash="-",
                handle=handle,
                display_name=handle,
                country="US",
                created_at=now,
            )
            uow.region(region).add(user)
            uow.region(region).flush()
            login = open_session(uow, user=user, now=now, days=1)
            uow.directory.add(
                PublicProfile(
                    user_id=user_id, region=region, handle=handle, display_name=handle, created_at=now
                )
            )
            members.append(
                Member(
                    id=user_id, handle=handle, region=region, email=f"{handle}@example.com", token=login.token
                )
            )
    return members


def actor_of(member: Member) -> Any:
    from clipshop.kit.actors import Actor

    return Actor(id=member.id, region=member.region, handle=member.handle)


def buy_now(variant_id: str, *, quantity: int = 1, card: str = CARD_OK) -> Any:
    """A checkout request for one item, shipped to ADDRESS, paid with `card`."""
    from clipshop.shop.checkout.placing import CheckoutRequest
    from clipshop.shop.checkout.pricing import LineRequest

    return CheckoutRequest(
        items=[LineRequest(variant_id, quantity)],
        address_id=None,
        address=dict(ADDRESS),
        shipping={},
        discount_codes=[],
        payment_method=card,
    )


def public_video(
    video_id: str,
    *,
    creator_id: str,
    caption: str,
    hashtags: list[str],
    at: datetime,
    likes: int = 0,
    views: int = 0,
    hot: float = 0.0,
    age_restricted: bool = False,
) -> PublicVideo:
    """A published video's public copy, in the creator's region (by the id), for a test to add."""
    region = creator_id.split("_", 1)[0]
    return PublicVideo(
        id=video_id,
        region=region,
        creator_id=creator_id,
        caption=caption,
        hashtags=" ".join(hashtags),
        duration_s=10.0,
        width=720,
        height=1280,
        master_url=f"/media/{region}/videos/{video_id}/m",
        published_at=at,
        like_count=likes,
        comment_count=0,
        share_count=0,
        view_count=views,
        complete_count=0,
        hot_score=hot,
        age_restricted=age_restricted,
    )


def a_public_video(
    platform: Platform,
    creator: Member,
    caption: str = "c",
    *,
    video_id: str | None = None,
    hours_ago: float = 0,
    likes: int = 0,
    views: int = 0,
) -> str:
    """Put a published video's public copy straight into the directory (feeds read only that); hashtags
    come from the caption's #words."""
    from clipshop.videos.models import PublicVideoTag
    from clipshop.videos.service import hot_score

    at = platform.clock.now() - timedelta(hours=hours_ago)
    video_id = video_id or new_id(creator.region)
    tags = [w[1:].lower() for w in caption.split() if w.startswith("#")]
    with everywhere(platform.databases).transaction() as uow:
        score = hot_score(published_at=at, likes=likes, comments=0, shares=0, views=views, completes=0)
        uow.directory.add(
            public_video(
                video_id,
                creator_id=creator.id,
                caption=caption,
                hashtags=tags,
                at=at,
                likes=likes,
                views=views,
                hot=score,
            )
        )
        uow.directory.flush()
        for tag in tags:
            uow.directory.add(PublicVideoTag(tag=tag, video_id=video_id, published_at=at))
    return video_id


# -- Ownership sweeps ---------------------------------------------------------------------------------------
# Each sweep makes real objects of one user and requests, as another user, every route whose path takes only
# ids of those objects: tests/test_ownership.py the social ones, tests/shop/test_shop_ownership.py the
# commerce ones, tests/ads/test_campaigns.py the advertising ones. Every other route that takes an id is
# public by design, for the reason given here; the inventory test fails on a route that is neither.
SOCIAL_OBJECTS = frozenset({"upload_id", "video_id", "comment_id"})
COMMERCE_OBJECTS = frozenset(
    {"shop_id", "product_id", "variant_id", "order_id", "address_id", "return_id", "user_id"}
)
ADS_OBJECTS = frozenset({"advertiser_id", "campaign_id", "ad_group_id", "ad_id"})
PUBLIC_ROUTES: dict[str, str] = {
    "GET /api/v1/users/{handle}": "a profile is public",
    "GET /api/v1/users/{handle}/videos": "a creator's published clips are public",
    "GET /api/v1/users/{handle}/showcase": "the products a creator shows are public",
    "POST /api/v1/users/{handle}/follow": "changes only the caller's own follows",
    "DELETE /api/v1/users/{handle}/follow": "changes only the caller's own follows",
    "POST /api/v1/users/{handle}/block": "changes only the caller's own blocks",
    "DELETE /api/v1/users/{handle}/block": "changes only the caller's own blocks",
    "POST /api/v1/users/{handle}/mute": "changes only the caller's own mutes",
    "DELETE /api/v1/users/{handle}/mute": "changes only the caller's own mutes",
    "GET /api/v1/hashtags/{tag}/videos": "published clips under a hashtag are public",
    "GET /api/v1/comments/{comment_id}/replies": "replies on a published clip are public, as its comments",
    "GET /api/v1/shops/{shop}": "a shop's page is public",
    "GET /api/v1/shops/{shop_id}/products": "a shop's listed products are what every buyer sees",
    "GET /api/v1/shops/{shop_id}/shipping-options": "a shop's shipping options are what every buyer sees",
    "GET /api/v1/shops/{shop_id}/videos": "the published clips that sell a shop's products are public",
    "POST /api/v1/sandbox/payments/{ref}/authenticate": "the sandbox card issuer's 3-D Secure step: the "
    "payment's unguessable ref is the credential there, not a Clipshop login",
    "GET /sandbox/payments/{ref}/authenticate": "the sandbox issuer's 3-D Secure page (see its API route)",
    "POST /sandbox/payments/{ref}/authenticate": "the sandbox issuer's 3-D Secure form (see its API route)",
    "GET /media/{region}/{key:path}": "media files, served as a CDN in front of the region's bucket would",
    "HEAD /media/{region}/{key:path}": "media files, served as a CDN in front of the region's bucket would",
    "GET /api/v1/operator/audit/{region}": "a region is no one's object: the gateway admits operators only "
    "(tests/residency/test_oversight.py)",
    "POST /api/v1/moderation/cases/{case_id}/decision": "a case is no one's object: the gateway admits "
    "moderators of its region's jurisdiction and operators only (tests/moderation)",
    "POST /api/v1/moderation/appeals/{decision_id}/decision": "an appeal is decided by moderators of its "
    "region's jurisdiction and operators only, through the gateway (tests/moderation)",
    "POST /api/v1/me/moderation/{decision_id}/appeal": "looks only among decisions about the caller's own "
    "content, at home: another's answers 404 (tests/moderation)",
    "GET /@{handle}": "a profile's page is public",
    "GET /tag/{tag}": "a hashtag's page is public",
    "GET /shop/{handle}": "a shop's page is public",
    "GET /orders/{order_id}": "a page shell that shows only the id in its path; the order comes from "
    "GET /api/v1/orders/{order_id}, which is swept",
    "GET /{path:pagepath}": "the not-found page of any other path",
}
_PATH_PARAM = re.compile(r"{(\w+)(?::\w+)?}")


def id_routes(app: FastAPI) -> dict[str, frozenset[str]]:
    """Every route of the app whose path takes parameters, as "METHOD /path", with their names: the API's,
    the pages' and those left out of the OpenAPI document. A HEAD that comes with a GET is that GET."""
    try:  # FastAPI 0.165 keeps included routers whole; this walks into them
        from fastapi.routing import iter_route_contexts

        routes: Any = iter_route_contexts(app.routes)
    except ImportError:  # older FastAPI flattens them into app.routes
        routes = app.routes
    found: dict[str, frozenset[str]] = {}
    for route in routes:
        path, methods = getattr(route, "path", None), set(getattr(route, "methods", None) or ())
        if not path or not (params := frozenset(_PATH_PARAM.findall(path))):
            continue
        if "GET" in methods:
            methods.discard("HEAD")
        found.update((f"{method} {path}", params) for method in methods)
    return found


def sweep_as(
    client: TestClient,
    member: Member,
    objects: Mapping[str, str],
    *,
    body: dict[str, Any],
    headers: Mapping[str, str] = {},
) -> list[str]:
    """Request, as `member`, every route whose path takes only ids in `objects` (someone else's), except the
    public ones; each must answer 404 (`not_found` from the API), as for an id that does not exist. Returns
    the routes swept, sorted."""
    swept = []
    for route, params in sorted(id_routes(client.app).items()):
        if route in PUBLIC_ROUTES or not params <= objects.keys():
            continue
        method, path = route.split(" ", 1)
        url = path.format(**objects)
        response = client.request(
            method,
            url,
            headers={**member.auth, **headers, "Idempotency-Key": f"sweep-{len(swept)}"},
            json=body if method in {"POST", "PATCH", "PUT"} else None,
        )
        assert response.status_code == 404, (route, url, response.status_code, response.text)
        if path.startswith("/api/") and method != "HEAD":
            assert response.json()["code"] == "not_found", (route, url, response.text)
        swept.append(route)
    return swept


def settings_environ(settings: Settings) -> dict[str, str]:
    """The CLIPSHOP_* variables under which another process (a command, a worker) reads `settings`."""
    regions = {
        name: {
            "database_url": settings.region_database_url(name),
            "media_root": str(settings.region_media_root(name)),
            "countries": region.countries,
            **({"media_bucket": region.media_bucket} if region.media_bucket else {}),
        }
        for name, region in settings.regions.items()
    }
    s3 = {
        f"CLIPSHOP_{name.upper()}": str(getattr(settings, name))
        for name in ("s3_endpoint_url", "s3_access_key_id", "s3_secret_access_key", "s3_region_name")
        if getattr(settings, name) is not None
    }
    return {
        **s3,
        "CLIPSHOP_DIRECTORY_URL": settings.directory_database_url(),
        "CLIPSHOP_REGIONS": json.dumps(regions),
        "CLIPSHOP_DEFAULT_REGION": settings.default_region,
        "CLIPSHOP_JOBS_BACKEND": settings.jobs_backend,
        "CLIPSHOP_REDIS_URL": settings.redis_url,
        "CLIPSHOP_JOBS_QUEUE_NAME": settings.jobs_queue_name,
        "CLIPSHOP_DATA_DIR": str(settings.data_dir),
        "CLIPSHOP_SECRET_KEY": settings.secret_key,
        **({"CLIPSHOP_AUDIT_KEY_FILE": str(settings.audit_key_file)} if settings.audit_key_file else {}),
    }


def copy_account(platform: Platform, member: Member, *, into: str) -> None:
    """Put a copy of `member`'s account row in another region's database (what the residency check finds)."""
    with everywhere(platform.databases).transaction() as uow:
        uow.region(into).add(
            User(
                id=member.id,
                email="copy@example.com",
                password_hash="x",
                handle="copy",
                display_name="copy",
                bio="",
                country="DE",
                created_at=platform.clock.now(),
            )
        )


@contextmanager
def without_triggers(log: Engine) -> Iterator[Connection]:
    """A transaction of someone with the database owner's rights, who drops the append-only triggers first.
    The triggers come back afterwards: the PostgreSQL databases serve every test of the session."""
    postgres = log.dialect.name == "postgresql"
    with log.begin() as conn:
        if postgres:
            conn.execute(text("DROP FUNCTION audit_log_append_only() CASCADE"))
        else:
            conn.execute(text("DROP TRIGGER audit_log_append_only_update"))
            conn.execute(text("DROP TRIGGER audit_log_append_only_delete"))
    try:
        with log.begin() as conn:
            yield conn
    finally:
        with log.begin() as conn:
            for statement in POSTGRES_TRIGGERS if postgres else SQLITE_TRIGGERS:
                conn.execute(text(statement))


# -- A request killed at a fault point ------------------------------------------------------------------

CHILD = """
import json, os, sys
from datetime import datetime
from fastapi.testclient import TestClient
from clipshop.app import create_app
from clipshop.assembly import build_platform
from clipshop.config import Settings
from clipshop.jobs.queue import JobQueue

sys.path.insert(0, os.environ["TESTS_DIR"])
from doubles import FrozenClock

settings = Settings.model_validate_json(os.environ["HEAL_SETTINGS"])
jobs = JobQueue.from_settings(backend="memory", sqlite_path=settings.jobs_sqlite_path(),
                              redis_url=settings.redis_url, name="crash")
clock = FrozenClock(datetime.fromisoformat(os.environ["HEAL_NOW"]))
platform = build_platform(settings, clock=clock, jobs=jobs)
request = json.loads(os.environ["HEAL_REQUEST"])
response = TestClient(create_app(platform=platform)).request(**request)  # no lifespan: only this request
print("not killed:", response.status_code, response.text)
"""


def run_killed_request(
    platform: Platform, method: str, url: str, *, fault: str = BEFORE_DIRECTORY_COMMIT, **request: Any
) -> None:
    """Send one request to the app in another process (its jobs queued in memory, so lost with it) that dies
    (SIGKILL) at the fault point `fault` of its commit (`kit.db`): by default between its region commits and
    its directory commit."""
    settings = platform.settings.with_overrides(fault_points=[fault])
    env = {
        **os.environ,
        "HEAL_SETTINGS": settings.model_dump_json(),
        "HEAL_NOW": platform.clock.now().isoformat(),
        "HEAL_REQUEST": json.dumps({"method": method, "url": url, **request}),
        "TESTS_DIR": str(Path(__file__).parent),
    }
    done = subprocess.run([sys.executable, "-c", CHILD], env=env, capture_output=True, text=True, timeout=120)
    assert done.returncode == -signal.SIGKILL, done.stdout + done.stderr


# -- Moderation ---------------------------------------------------------------------------------------------
REPORT = "/api/v1/reports"
CASES = "/api/v1/moderation/cases"


def make_staff(platform: Platform, member: Member, role: Role, jurisdiction: str) -> None:
    """Make `member` platform staff, as `clipshop staff add` does."""
    with everywhere(platform.databases).transaction() as uow:
        accounts.make_staff(uow, user_id=member.id, role=role, jurisdiction=jurisdiction)


def report(client: TestClient, member: Member, content_id: str, reason: str, kind: str = "video") -> Any:
    response = client.post(
        REPORT,
        headers=member.auth,
        json={"content_kind": kind, "content_id": content_id, "reason": reason, "text": "look"},
    )
    assert response.status_code == 201, response.text
    return response.json()


def case_of(client: TestClient, moderator: Member, content_id: str, region: str | None = None) -> Any:
    """The open case about `content_id` in the moderator's queue (of `region`, their jurisdiction's unless
    named)."""
    params = {"region": region} if region else {}
    queue = client.get(CASES, headers=moderator.auth, params=params)
    assert queue.status_code == 200, queue.text
    return next(c for c in queue.json() if c["content_id"] == content_id)


def decide_case(client: TestClient, moderator: Member, case_id: str, decision: str, reason_code: str) -> Any:
    response = client.post(
        f"{CASES}/{case_id}/decision",
        headers=moderator.auth,
        json={"decision": decision, "reason_code": reason_code},
    )
    assert response.status_code == 201, response.text
    return response.json()


def audit_of(platform: Platform, region: str) -> list[AuditEntry]:
    with everywhere(platform.databases).transaction() as uow:
        return list(uow.region(region).scalars(select(AuditEntry).order_by(AuditEntry.seq)))


def cases_in(platform: Platform, region: str) -> list[ModerationCase]:
    with everywhere(platform.databases).transaction() as uow:
        return list(uow.region(region).scalars(select(ModerationCase)))
