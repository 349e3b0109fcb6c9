"""For You throughput and latency on the embedded default, against a trivial route of the same server.

Bulk-loads published videos (directory `public_videos`, `public_video_tags`, creators' `public_profiles`)
and users spread over the regions (accounts, sessions, watch history, likes, follows) straight into
SQLite with SQLAlchemy Core, starts one uvicorn process, and drives it with a fixed number of concurrent
keep-alive connections for a fixed time: first GET /api/v1/feed/for-you as random signed-in users (some go
on to later pages through `next_cursor`), then GET /api/v1/health.

Watch history is skewed towards the hottest videos, as real viewers' is, so For You has to skip watched
videos on its first pages rather than serve the top of the index untouched.
"""

from __future__ import annotations

import argparse
import asyncio
import hashlib
import json
import random
import secrets
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import quote

import harness
import httpx
import numpy as np
import psutil
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from sqlalchemy import Engine, Table, text

from clipshop.kit.db import UTCDateTime

BATCH = 20_000
COUNTRY_OF = {"us": "US", "ca": "CA", "eu": "DE", "au": "AU", "nz": "NZ"}
REGION_WEIGHTS = {"us": 0.4, "eu": 0.3, "ca": 0.1, "au": 0.1, "nz": 0.1}
TAGS = [f"tag{i}" for i in range(300)]
HOT_TOP = 500  # the head of the hot ranking most viewers have partly watched


@dataclass
class Dataset:
    """Who can sign in (bearer tokens) and how many rows of each kind were loaded."""

    tokens: list[str] = field(default_factory=list)
    rows: dict[str, int] = field(default_factory=dict)
    load_s: float = 0.0
    generate_s: float = 0.0


def batched(rows: Sequence[dict[str, Any]], size: int = BATCH) -> Iterator[Sequence[dict[str, Any]]]:
    for start in range(0, len(rows), size):
        yield rows[start : start + size]


def stamp(value: datetime | str | None) -> str | None:
    """An aware UTC datetime as SQLAlchemy stores it in SQLite (`UTCDateTime`): naive, with microseconds."""
    if value is None or isinstance(value, str):
        return value
    return value.isoformat(" ", "microseconds")[:26]


def stamps(now: datetime, ages_s: np.ndarray[Any, Any]) -> list[str]:
    """`now` minus each age, rendered like `stamp`, for many rows at once."""
    base = np.datetime64(now.replace(tzinfo=None), "us")
    moments = base - (ages_s * 1_000_000).astype("timedelta64[us]")
    rendered: list[str] = np.char.replace(np.datetime_as_string(moments, unit="us"), "T", " ").tolist()
    return rendered


class Loader:
    """Inserts rows with Core executemany, one transaction per table and database, advancing a bar.

    Rows go to the driver as they are (`exec_driver_sql`): building each row's bind parameters through the
    compiled statement would cost about twice the insert itself. Datetime columns are rendered here the way
    `UTCDateTime` renders them, and every column must be given, since Python-side defaults do not run.
    """

    def __init__(self, progress: Progress, total: int) -> None:
        self.progress = progress
        self.task = progress.add_task("Loading", total=total)
        self.counts: dict[str, int] = {}

    def load(self, engine: Engine, table: Table, rows: list[dict[str, Any]]) -> None:
        self.progress.update(self.task, description=f"Loading {table.name}")
        self.counts[table.name] = self.counts.get(table.name, 0) + len(rows)
        if not rows:
            return
        columns = list(rows[0])
        if set(columns) != set(table.columns.keys()):
            raise ValueError(f"{table.name}: rows must give exactly {sorted(table.columns.keys())}")
        times = [c.key for c in table.columns if isinstance(c.type, UTCDateTime)]
        for row in rows:
            for key in times:
                row[key] = stamp(row[key])
        names = ", ".join(f'"{c}"' for c in columns)
        sql = f'INSERT INTO "{table.name}" ({names}) VALUES ({", ".join(f":{c}" for c in columns)})'
        with engine.begin() as conn:
            # A scratch database: losing it to a power cut costs nothing, so skip the fsyncs.
            conn.exec_driver_sql("PRAGMA synchronous=OFF")
            for batch in batched(rows):
                conn.exec_driver_sql(sql, list(batch))
                self.progress.advance(self.task, len(batch))


def build_and_load(data_dir: Path, *, videos: int, users: int, seed: int) -> Dataset:
    """Make the rows in memory (numpy for the skewed sampling), then insert them database by database."""
    from clipshop.accounts.models import AccountIndex, AuthSession, PublicProfile, User
    from clipshop.accounts.passwords import hash_password
    from clipshop.accounts.service import email_digest
    from clipshop.config import DEV_SECRET, Settings
    from clipshop.kit.db import make_engine
    from clipshop.kit.ids import new_id
    from clipshop.social.models import Follow, Like, WatchHistory
    from clipshop.videos.models import PublicVideo, PublicVideoTag
    from clipshop.videos.service import hot_score

    started = time.perf_counter()
    rng = random.Random(seed)
    nprng = np.random.default_rng(seed)
    settings = Settings(data_dir=data_dir)
    now = datetime.now(UTC).replace(microsecond=0)
    password_hash = hash_password(harness.PASSWORD)  # one hash for all: argon2 is slow by design

    regions = list(REGION_WEIGHTS)
    user_regions = rng.choices(regions, weights=list(REGION_WEIGHTS.values()), k=users)
    user_rows: dict[str, list[dict[str, Any]]] = {r: [] for r in regions}
    session_rows: dict[str, list[dict[str, Any]]] = {r: [] for r in regions}
    index_rows: list[dict[str, Any]] = []
    profile_rows: list[dict[str, Any]] = []
    user_ids: list[str] = []
    dataset = Dataset()
    for i, region in enumerate(user_regions):
        user_id = new_id(region)
        user_ids.append(user_id)
        handle, email = f"viewer{i}", f"viewer{i}@bench.example"
        created = now - timedelta(days=rng.uniform(1, 365))
        user_rows[region].append({
            "id": user_id, "email": email, "password_hash": password_hash, "handle": handle,
            "display_name": f"Viewer {i}", "bio": "", "avatar_key": None, "country": COUNTRY_OF[region],
            "created_at": created,
        })  # fmt: skip
        secret = secrets.token_urlsafe(32)
        session_id = new_id(region)
        session_rows[region].append({
            "id": session_id, "user_id": user_id, "secret_hash": hashlib.sha256(secret.encode()).hexdigest(),
            "created_at": now, "expires_at": now + timedelta(days=30), "revoked_at": None,
        })  # fmt: skip
        dataset.tokens.append(f"{session_id}.{secret}")
        index_rows.append({"email_digest": email_digest(email, secret=DEV_SECRET), "user_id": user_id,
                           "region": region})  # fmt: skip
        profile_rows.append({
            "user_id": user_id, "region": region, "handle": handle, "display_name": f"Viewer {i}", "bio": "",
            "avatar_url": None, "follower_count": 0, "following_count": 0, "video_count": 0, "like_count": 0,
            "created_at": created,
        })  # fmt: skip

    # Every tenth user is a creator; videos are spread over them and over the last 60 days.
    creators = list(range(0, users, 10)) or [0]
    video_rows: list[dict[str, Any]] = []
    tag_rows: list[dict[str, Any]] = []
    views = nprng.lognormal(mean=5.0, sigma=2.0, size=videos).astype(np.int64)
    for n in range(videos):
        creator = creators[rng.randrange(len(creators))]
        region = user_regions[creator]
        video_id = new_id(region)
        published = now - timedelta(seconds=rng.uniform(0, 60 * 86400))
        tags = rng.sample(TAGS, rng.randint(1, 3))
        v = int(views[n])
        likes, comments, shares = int(v * rng.uniform(0, 0.1)), int(v * rng.uniform(0, 0.01)), int(v * 0.002)
        completes = int(v * rng.uniform(0.1, 0.5))
        base = f"/media/{region}/videos/{video_id}/hls"
        video_rows.append({
            "id": video_id, "region": region, "creator_id": user_ids[creator],
            "caption": f"clip {n} " + " ".join(f"#{t}" for t in tags), "hashtags": " ".join(tags),
            "duration_s": round(rng.uniform(5, 60), 2), "width": 1080, "height": 1920,
            "master_url": f"{base}/master.m3u8", "poster_url": f"{base}/poster.jpg",
            "thumb_url": f"{base}/thumb.jpg", "published_at": published, "like_count": likes,
            "comment_count": comments, "share_count": shares, "view_count": v, "complete_count": completes,
            "hot_score": hot_score(published_at=published, likes=likes, comments=comments, shares=shares,
                                   views=v, completes=completes),
        })  # fmt: skip
        tag_rows += [{"tag": t, "video_id": video_id, "published_at": published} for t in tags]
        profile_rows[creator]["video_count"] += 1

    # Watch history: 0..100 videos a user (50 on average), 60 % from the hottest HOT_TOP, the rest anywhere;
    # a fifth of what was watched is liked.
    by_heat = [row["id"] for row in sorted(video_rows, key=lambda r: r["hot_score"], reverse=True)]
    watch_rows: dict[str, list[dict[str, Any]]] = {r: [] for r in regions}
    like_rows: dict[str, list[dict[str, Any]]] = {r: [] for r in regions}
    head = min(HOT_TOP, videos)
    counts = np.minimum(nprng.integers(0, 101, size=users), videos)
    seen_by_user: list[list[int]] = []
    for count in counts.tolist():
        hot = nprng.permutation(head)[: int(count * 0.6)].tolist()
        anywhere = nprng.integers(0, videos, size=count - len(hot)).tolist()
        seen_by_user.append(list(dict.fromkeys(hot + anywhere)))
    total = sum(len(seen) for seen in seen_by_user)
    watched_s = np.round(nprng.uniform(1, 60, total), 1).tolist()
    completes = nprng.integers(0, 3, total).tolist()
    liked = (nprng.random(total) < 0.2).tolist()
    last_at = stamps(now, nprng.uniform(0, 30 * 86400, total))
    n = 0
    for i, seen in enumerate(seen_by_user):
        user_id, region = user_ids[i], user_regions[i]
        for k in seen:
            video_id = by_heat[k]
            watch_rows[region].append({"user_id": user_id, "video_id": video_id, "watched_s": watched_s[n],
                                       "completes": completes[n], "last_at": last_at[n]})  # fmt: skip
            if liked[n]:
                like_rows[region].append({"user_id": user_id, "video_id": video_id, "created_at": last_at[n]})
            n += 1

    # Each user follows 0..30 creators, so the follow marks on feed items come from real rows.
    follow_rows: dict[str, list[dict[str, Any]]] = {r: [] for r in regions}
    for i, user_id in enumerate(user_ids):
        followees = {creators[k] for k in nprng.integers(0, len(creators), size=int(nprng.integers(0, 31)))}
        followees.discard(i)
        for creator in followees:
            follow_rows[user_regions[i]].append({"follower_id": user_id, "followee_id": user_ids[creator],
                                                 "created_at": now})  # fmt: skip
            profile_rows[i]["following_count"] += 1
            profile_rows[creator]["follower_count"] += 1

    def tables() -> list[tuple[str | None, Table, list[dict[str, Any]]]]:
        plan: list[tuple[str | None, Table, list[dict[str, Any]]]] = [
            (None, AccountIndex.__table__, index_rows),
            (None, PublicProfile.__table__, profile_rows),
            (None, PublicVideo.__table__, video_rows),
            (None, PublicVideoTag.__table__, tag_rows),
        ]  # type: ignore[list-item]
        for region in regions:
            plan += [
                (region, User.__table__, user_rows[region]),
                (region, AuthSession.__table__, session_rows[region]),
                (region, WatchHistory.__table__, watch_rows[region]),
                (region, Like.__table__, like_rows[region]),
                (region, Follow.__table__, follow_rows[region]),
            ]  # type: ignore[list-item]
        return plan

    plan = tables()
    dataset.generate_s = time.perf_counter() - started
    engines = {None: make_engine(settings.directory_database_url())}
    engines.update({r: make_engine(settings.region_database_url(r)) for r in regions})
    total = sum(len(rows) for _, _, rows in plan)
    try:
        with Progress(
            TextColumn("{task.description:<34}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
            console=harness.console,
        ) as progress:  # fmt: skip
            loader = Loader(progress, total)
            for region, table, rows in plan:
                loader.load(engines[region], table, rows)
            progress.update(loader.task, description="Loaded")
        for engine in engines.values():
            with engine.begin() as conn:
                conn.execute(text("PRAGMA wal_checkpoint(TRUNCATE)"))
    finally:
        for engine in engines.values():
            engine.dispose()
    dataset.rows = loader.counts
    dataset.load_s = time.perf_counter() - started
    return dataset


@dataclass
class Sample:
    latency_s: float
    ok: bool
    page: int = 1


@dataclass
class Phase:
    name: str
    samples: list[Sample]
    elapsed_s: float
    server_cpu_s: float
    client_cpu_s: float
    others_cpu_s: float  # what other processes on the machine used meanwhile

    @property
    def latencies_ms(self) -> list[float]:
        return [s.latency_s * 1000 for s in self.samples if s.ok]

    @property
    def errors(self) -> int:
        return sum(1 for s in self.samples if not s.ok)

    @property
    def rps(self) -> float:
        return len(self.samples) / self.elapsed_s

    def p(self, q: float, page: Callable[[int], bool] | None = None) -> float:
        chosen = [s.latency_s * 1000 for s in self.samples if s.ok and (page is None or page(s.page))]
        return harness.percentile(chosen, q)


async def for_you_worker(conn: harness.HttpConnection, tokens: list[str], deadline: float, rng: random.Random,
                         out: list[Sample]) -> None:  # fmt: skip
    """A viewer opens For You; three in ten scroll on for one to three more pages."""
    while time.perf_counter() < deadline:
        headers = {"Authorization": f"Bearer {rng.choice(tokens)}"}
        pages = 1 + (rng.randint(1, 3) if rng.random() < 0.3 else 0)
        target = f"{harness.API}/feed/for-you"
        for page in range(1, pages + 1):
            started = time.perf_counter()
            status, body = await conn.get(target, headers)
            out.append(Sample(time.perf_counter() - started, status == 200, page))
            if status != 200 or page == pages or time.perf_counter() >= deadline:
                break
            cursor = json.loads(body).get("next_cursor")
            if not cursor:
                break
            target = f"{harness.API}/feed/for-you?cursor={quote(cursor)}"


async def trivial_worker(conn: harness.HttpConnection, deadline: float, out: list[Sample]) -> None:
    target = f"{harness.API}/health"
    while time.perf_counter() < deadline:
        started = time.perf_counter()
        status, _ = await conn.get(target)
        out.append(Sample(time.perf_counter() - started, status == 200))


async def run_phase(name: str, port: int, *, concurrency: int, duration_s: float, server: psutil.Process,
                    tokens: list[str], seed: int) -> Phase:  # fmt: skip
    """`concurrency` connections, each sending its next request as soon as the last answer is in."""
    me = psutil.Process()
    samples: list[Sample] = []
    conns = [harness.HttpConnection("127.0.0.1", port) for _ in range(concurrency)]
    server_cpu, client_cpu = harness.cpu_seconds(server), harness.cpu_seconds(me)
    machine = harness.machine_busy_seconds()
    started = time.perf_counter()
    deadline = started + duration_s
    if name == "trivial":
        workers = [trivial_worker(conn, deadline, samples) for conn in conns]
    else:
        workers = [for_you_worker(conn, tokens, deadline, random.Random(seed + n), samples)
                   for n, conn in enumerate(conns)]  # fmt: skip
    try:
        await asyncio.gather(*workers)
    finally:
        elapsed = time.perf_counter() - started
        server_cpu = harness.cpu_seconds(server) - server_cpu
        client_cpu = harness.cpu_seconds(me) - client_cpu
        others = max(0.0, harness.machine_busy_seconds() - machine - server_cpu - client_cpu)
        for conn in conns:
            await conn.close()
    return Phase(name, samples, elapsed, server_cpu, client_cpu, others)


def check_feed(url: str, token: str) -> dict[str, Any]:
    """One page by hand, so a broken feed fails loudly instead of benchmarking error pages."""
    response = httpx.get(f"{url}{harness.API}/feed/for-you", headers={"Authorization": f"Bearer {token}"})
    if response.status_code != 200:
        raise RuntimeError(f"For You answered {response.status_code}: {response.text[:500]}")
    body: dict[str, Any] = response.json()
    if not body["items"] or not body["next_cursor"]:
        raise RuntimeError(f"For You returned an empty page: {body}")
    return body


def report(phases: dict[str, Phase], dataset: Dataset, args: argparse.Namespace) -> dict[str, Any]:
    feed, trivial = phases["for-you"], phases["trivial"]
    rows_loaded = sum(dataset.rows.values())
    harness.console.print(
        f"loaded {rows_loaded:,} rows in {dataset.load_s:.1f} s (made in {dataset.generate_s:.1f} s, "
        f"inserted in {dataset.load_s - dataset.generate_s:.1f} s): "
        f"{', '.join(f'{k} {v:,}' for k, v in sorted(dataset.rows.items()))}"
    )

    def row(label: str, phase: Phase) -> list[str]:
        cpu = [t / phase.elapsed_s for t in (phase.server_cpu_s, phase.client_cpu_s, phase.others_cpu_s)]
        latency = [f"{phase.p(q):.1f}" for q in (50, 90, 99)]
        counts = [f"{len(phase.samples):,}", f"{phase.errors}", f"{phase.rps:,.0f}"]
        return [label, *counts, *latency, *(f"{c:.0%}" for c in cpu)]

    columns = [
        "route",
        "requests",
        "errors",
        "req/s",
        "p50 ms",
        "p90 ms",
        "p99 ms",
        "server CPU",
        "client CPU",
        "others' CPU",
    ]
    rows = [row("GET /feed/for-you", feed), row("GET /health", trivial)]
    title = (f"/api/v1, {args.concurrency} connections, {args.duration_s:g} s each after {args.warmup_s:g} s "
             f"warm-up; {args.videos:,} videos, {args.users:,} users")  # fmt: skip
    harness.console.print(harness.table(title, columns, rows))
    first, later = feed.p(50, lambda p: p == 1), feed.p(50, lambda p: p > 1)
    later_count = sum(1 for s in feed.samples if s.page > 1)
    harness.console.print(
        f"For You p50 by page: first {first:.1f} ms, later pages {later:.1f} ms ({later_count:,} requests); "
        f"ratio For You / health: {feed.rps / trivial.rps:.3f} in req/s, "
        f"{feed.p(50) / trivial.p(50):.1f}x in p50"
    )
    return {
        "p50_ms": round(feed.p(50), 2),
        "p99_ms": round(feed.p(99), 2),
        "rps": round(feed.rps, 1),
        "trivial_rps": round(trivial.rps, 1),
        "trivial_p50_ms": round(trivial.p(50), 2),
        "trivial_p99_ms": round(trivial.p(99), 2),
        "rps_ratio": round(feed.rps / trivial.rps, 4),
        "errors": feed.errors + trivial.errors,
        "videos": args.videos,
        "users": args.users,
        "load_s": round(dataset.load_s, 2),
    }


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--videos", type=int, default=100_000, help="published videos to load")
    parser.add_argument("--users", type=int, default=10_000, help="users (with sessions and history) to load")
    parser.add_argument("--concurrency", type=int, default=16, help="concurrent keep-alive connections")
    parser.add_argument("--duration-s", type=float, default=15.0, help="measured seconds per route")
    parser.add_argument("--warmup-s", type=float, default=3.0, help="unmeasured seconds per route first")
    parser.add_argument("--seed", type=int, default=7, help="seed of the synthetic data and the viewers")
    harness.add_common_options(parser)
    args = parser.parse_args()
    if args.videos < 1 or args.users < 1:
        parser.error("--videos and --users must be at least 1")
    command = harness.reproduce_command("feed.py", parser, args)
    dropped = harness.clean_environ()
    if dropped:
        harness.console.print(
            f"[yellow]ignoring {', '.join(dropped)}: benchmarks run the embedded default[/]"
        )
    harness.console.print(f"machine: {harness.machine_note()}")
    with harness.scratch_dir(args.data_dir, prefix="feed", keep=args.keep) as root:
        data_dir = root / "data"
        harness.migrate(data_dir)
        dataset = build_and_load(data_dir, videos=args.videos, users=args.users, seed=args.seed)
        with harness.Server(data_dir=data_dir, env=harness.platform_env(data_dir)) as server:
            check_feed(server.url, dataset.tokens[0])
            proc = psutil.Process(server.pid)
            phases: dict[str, Phase] = {}
            for name in ("for-you", "trivial"):
                options = {"concurrency": args.concurrency, "server": proc, "tokens": dataset.tokens,
                           "seed": args.seed}  # fmt: skip
                with harness.console.status(f"{name}: warming up for {args.warmup_s:g} s"):
                    harness.run_async(run_phase(name, server.port, duration_s=args.warmup_s, **options))
                with harness.console.status(f"{name}: measuring for {args.duration_s:g} s"):
                    phase = run_phase(name, server.port, duration_s=args.duration_s, **options)
                    phases[name] = harness.run_async(phase)
    figures = report(phases, dataset, args)
    harness.console.print(f"machine after the run: {harness.machine_note()}")
    harness.finish(command, figures, as_json=args.json)


if __name__ == "__main__":
    main()
