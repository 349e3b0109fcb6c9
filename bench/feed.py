"""For You throughput and latency on the embedded default, against a trivial route of the same server.

Bulk-loads a synthetic platform straight into SQLite with SQLAlchemy Core: published videos (directory
`public_videos`, `public_video_tags`, creators' `public_profiles`) and users spread over the regions
(accounts, sessions, engagement `events`, and the watch history, likes, shares and follows those events
imply). Then runs the scheduled retrain of every region that has events, each in a child process so its
wall time and peak memory are its own, starts one uvicorn process, and drives it with a fixed number of
concurrent keep-alive connections for a fixed time: first GET /api/v1/feed/for-you as random signed-in users
(some go on to later pages through `next_cursor`), then GET /api/v1/health, and last For You again over one
connection: the latency of a request with none ahead of it in line (`one_connection` in the JSON).

Viewers belong to taste clusters, each with its own tags and creators; most of a viewer's plays are of their
cluster's videos, popular ones more often, so the collaborative model has structure to learn. A share of
plays goes to the hottest videos, as real viewers' does, so For You has to skip watched videos on its first
pages rather than serve the top of the index untouched. Impressions are left out: they carry no weight in
training and would only multiply the rows.

A loaded corpus is kept in a cache keyed by the sizes, the seed, the schema and the code that makes the rows,
so a rerun with the same parameters copies it instead of generating it again (`--no-cache` builds afresh and
keeps nothing).

    .venv/bin/python bench/feed.py --videos 20000 --users 2000 --duration-s 5    # a quick look
    .venv/bin/python bench/feed.py --json    # 1,000,000 videos, 100,000 users, about 4,000,000 events
    .venv/bin/python bench/feed.py --postgres --json    # the same corpus in scratch PostgreSQL databases

At full size on two idle cores the load takes about a minute and a quarter (3 GB of SQLite files, kept
twice: the run's copy and the cache's) and the five retrains, one after another, about seven minutes.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import dataclasses
import hashlib
import importlib.util
import inspect
import json
import os
import random
import secrets
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import quote

import feed_postgres
import harness
import httpx
import numpy as np
import psutil
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from sqlalchemy import Engine, Table, create_engine, event

from clipshop.kit.db import UTCDateTime

BATCH = 20_000
COUNTRY_OF = {"us": "US", "ca": "CA", "eu": "DE", "au": "AU", "nz": "NZ"}
REGION_WEIGHTS = {"us": 0.4, "eu": 0.3, "ca": 0.1, "au": 0.1, "nz": 0.1}
REGIONS = list(REGION_WEIGHTS)
TAGS = [f"tag{i}" for i in range(300)]
HOT_TOP = 500  # the head of the hot ranking many viewers have partly watched
HISTORY_S = 30 * 86400  # how far back the events go

CLUSTERS = 40  # viewers' taste clusters; each owns CLUSTER_TAGS of the tags, the rest are anyone's
CLUSTER_TAGS = 6
FROM_HOT, FROM_CLUSTER = 0.2, 0.65  # where a play comes from; the rest is any video at all
# What follows a play: (chance for a video of the viewer's own cluster, chance for any other video).
AFTER_PLAY = {"complete": (0.6, 0.25), "like": (0.15, 0.03), "share": (0.04, 0.005), "follow": (0.05, 0.005)}
# The player reports progress every few seconds: a finished play leaves one (the whole clip), an unfinished
# one this often (the viewer stayed past the first report) and a bare play otherwise, which training reads
# as a skip.
PROGRESS_IF_UNFINISHED = 0.7
KINDS = ["play", "progress", "complete", "like", "share", "follow"]

MIGRATIONS = harness.REPO / "src" / "clipshop" / "migrations"
CACHE_KEEP = 2  # cached corpora kept; a full-size one is a few GB
# Timestamps are ages before the moment a corpus was made; past this, its last-48-hours trending window and
# its fresh uploads have thinned out, so it is made again.
CACHE_MAX_AGE = timedelta(hours=12)

Array = np.ndarray[Any, Any]
Row = tuple[Any, ...]


def stamp(value: datetime) -> str:
    """An aware UTC datetime as SQLAlchemy stores it in SQLite (`UTCDateTime`): naive, with microseconds."""
    return value.isoformat(" ", "microseconds")[:26]


def stamps(now: datetime, ages_s: Array) -> list[str]:
    """`now` minus each age, rendered like `stamp`, for many rows at once."""
    base = np.datetime64(now.replace(tzinfo=None), "us")
    moments = base - (ages_s * 1_000_000).astype("timedelta64[us]")
    rendered: list[str] = np.char.replace(np.datetime_as_string(moments, unit="us"), "T", " ").tolist()
    return rendered


def events_per_play() -> float:
    """Events one play brings on average, to turn `--events-per-user` into plays per user."""
    inside = FROM_CLUSTER + (1 - FROM_CLUSTER) / CLUSTERS
    chance = {kind: inside * own + (1 - inside) * other for kind, (own, other) in AFTER_PLAY.items()}
    return 1 + sum(chance.values()) + chance["complete"] + (1 - chance["complete"]) * PROGRESS_IF_UNFINISHED


@dataclass
class Engagement:
    """What viewers did: one watch per (viewer, video) played, and the events those watches left."""

    user: Array  # per watch: user index
    video: Array  # per watch: video index
    watched_s: Array
    completes: Array
    last_age_s: Array
    liked: Array  # indices of the watches that ended in a like, a share, a follow of the creator
    shared: Array
    followed: Array
    after_age_s: Array  # per watch: when its like, share or follow happened
    event_user: Array  # per event
    event_kind: Array  # index into KINDS
    event_video: Array  # -1 for a follow
    event_creator: Array
    event_value: Array
    event_age_s: Array


@dataclass
class Corpus:
    """The whole synthetic platform as arrays (indices, not ids); rows are made from it batch by batch."""

    now: datetime
    user_ids: Array  # object array of ids
    user_region: Array  # index into REGIONS
    user_cluster: Array
    user_age_s: Array
    video_ids: Array
    video_creator: Array  # user index
    video_age_s: Array
    duration_s: Array
    views: Array
    likes: Array
    comments: Array
    shares: Array
    completes: Array
    hot: Array
    video_tags: Array  # (videos, 3): indices into TAGS, -1 for none, no repeats within a row
    engagement: Engagement


def make_corpus(*, videos: int, users: int, events_per_user: float, seed: int, now: datetime) -> Corpus:
    """Users, videos and engagement as numpy arrays, skewed the way a real platform's are."""
    from clipshop.kit.ids import new_id
    from clipshop.videos.service import hot_score

    rng = np.random.default_rng(seed)
    user_region = rng.choice(len(REGIONS), size=users, p=list(REGION_WEIGHTS.values()))
    user_ids = np.array([new_id(REGIONS[r]) for r in user_region.tolist()], dtype=object)
    cluster_weights = 1 / np.sqrt(np.arange(1, CLUSTERS + 1))  # a few big taste clusters, many small ones
    user_cluster = rng.choice(CLUSTERS, size=users, p=cluster_weights / cluster_weights.sum())

    # Every tenth user is a creator; videos are spread over them and over the last 60 days, and carry a tag
    # of their creator's cluster (four times in five) and up to two tags of any kind.
    creators = np.arange(0, users, 10)
    video_creator = creators[rng.integers(0, len(creators), size=videos)]
    video_cluster = user_cluster[video_creator]
    cluster_tags = rng.permutation(len(TAGS))[: CLUSTERS * CLUSTER_TAGS].reshape(CLUSTERS, CLUSTER_TAGS)
    first = np.where(
        rng.random(videos) < 0.8,
        cluster_tags[video_cluster, rng.integers(0, CLUSTER_TAGS, size=videos)],
        rng.integers(0, len(TAGS), size=videos),
    )
    extra = rng.integers(0, len(TAGS), size=(videos, 2))
    extra[rng.integers(0, 3, size=videos)[:, None] <= np.arange(2)] = -1  # 0, 1 or 2 extra tags
    extra[extra[:, 0] == first, 0] = -1
    extra[(extra[:, 1] == first) | (extra[:, 1] == extra[:, 0]), 1] = -1
    video_tags = np.column_stack([first, extra])

    video_age_s = rng.uniform(0, 60 * 86400, size=videos)
    views = rng.lognormal(mean=5.0, sigma=2.0, size=videos).astype(np.int64)
    likes = (views * rng.uniform(0, 0.1, size=videos)).astype(np.int64)
    comments = (views * rng.uniform(0, 0.01, size=videos)).astype(np.int64)
    shares = (views * 0.002).astype(np.int64)
    completes = (views * rng.uniform(0.1, 0.5, size=videos)).astype(np.int64)
    hot = np.array([
        hot_score(published_at=now - timedelta(seconds=age), likes=lk, comments=cm, shares=sh, views=vw,
                  completes=cp)
        for age, lk, cm, sh, vw, cp in zip(video_age_s.tolist(), likes.tolist(), comments.tolist(),
                                           shares.tolist(), views.tolist(), completes.tolist(), strict=True)
    ])  # fmt: skip
    duration_s = np.round(rng.uniform(5, 60, size=videos), 2)

    engagement = make_engagement(
        rng,
        users=users,
        user_cluster=user_cluster,
        video_cluster=video_cluster,
        video_creator=video_creator,
        views=views,
        hot=hot,
        duration_s=duration_s,
        events_per_user=events_per_user,
    )
    return Corpus(
        now=now,
        user_ids=user_ids,
        user_region=user_region,
        user_cluster=user_cluster,
        user_age_s=rng.uniform(86400, 365 * 86400, size=users),
        video_ids=np.array([new_id(REGIONS[r]) for r in user_region[video_creator].tolist()], dtype=object),
        video_creator=video_creator,
        video_age_s=video_age_s,
        duration_s=duration_s,
        views=views,
        likes=likes,
        comments=comments,
        shares=shares,
        completes=completes,
        hot=hot,
        video_tags=video_tags,
        engagement=engagement,
    )


def make_engagement(
    rng: np.random.Generator,
    *,
    users: int,
    user_cluster: Array,
    video_cluster: Array,
    video_creator: Array,
    views: Array,
    hot: Array,
    duration_s: Array,
    events_per_user: float,
) -> Engagement:
    """Plays (from the hot head, the viewer's cluster or anywhere), then what each play led to."""
    n_videos = len(views)
    plays = rng.poisson(events_per_user / events_per_play(), size=users)
    user = np.repeat(np.arange(users), plays)
    source = rng.random(len(user))
    video = rng.integers(0, n_videos, size=len(user))
    head = np.argsort(-hot, kind="stable")[:HOT_TOP]
    from_hot = source < FROM_HOT
    video[from_hot] = head[(len(head) * rng.random(int(from_hot.sum())) ** 2).astype(np.int64)]
    # Within a cluster, the most viewed videos are played most: rank = size * u^3.
    by_cluster = np.lexsort((-views, video_cluster))
    size = np.bincount(video_cluster, minlength=CLUSTERS)
    start = np.concatenate(([0], np.cumsum(size)[:-1]))
    cluster = user_cluster[user]
    own = (source >= FROM_HOT) & (source < FROM_HOT + FROM_CLUSTER) & (size[cluster] > 0)
    rank = (size[cluster[own]] * rng.random(int(own.sum())) ** 3).astype(np.int64)
    video[own] = by_cluster[start[cluster[own]] + rank]
    _, once = np.unique(user * n_videos + video, return_index=True)  # one watch per viewer and video
    once.sort()
    user, video = user[once], video[once]
    n = len(user)

    inside = video_cluster[video] == user_cluster[user]

    def happens(kind: str) -> Array:
        own_chance, other_chance = AFTER_PLAY[kind]
        chosen: Array = rng.random(n) < np.where(inside, own_chance, other_chance)
        return chosen

    complete, like, share, follow = (happens(kind) for kind in ("complete", "like", "share", "follow"))
    progress = ~complete & (rng.random(n) < PROGRESS_IF_UNFINISHED)
    creator = video_creator[video]
    follow &= creator != user
    candidates = np.flatnonzero(follow)
    _, first = np.unique(user[candidates] * users + creator[candidates], return_index=True)
    followed = np.sort(candidates[first])  # a viewer follows a creator once, however many videos led there

    duration = duration_s[video]
    # Viewers stay longer on their own cluster's videos, so watch shares carry the same taste as completes.
    partial = np.round(duration * np.where(inside, rng.uniform(0.2, 0.95, n), rng.uniform(0.02, 0.7, n)), 1)
    played_age = rng.uniform(0, HISTORY_S, size=n)
    ended_age = np.maximum(played_age - np.where(complete, duration, partial), 0)
    after_age = np.maximum(ended_age - rng.uniform(0, 5, size=n), 0)
    liked, shared = np.flatnonzero(like), np.flatnonzero(share)
    everyone = np.arange(n)
    parts = [  # (kind, watches, value, age)
        ("play", everyone, np.zeros(n), played_age),
        ("progress", np.flatnonzero(progress | complete), np.where(complete, duration, partial), ended_age),
        ("complete", np.flatnonzero(complete), duration, ended_age),
        ("like", liked, np.zeros(n), after_age),
        ("share", shared, np.zeros(n), after_age),
        ("follow", followed, np.zeros(n), after_age),
    ]
    return Engagement(
        user=user,
        video=video,
        watched_s=np.where(complete, duration, np.where(progress, partial, 0.0)),
        completes=complete.astype(np.int64),
        last_age_s=np.where(complete | progress, ended_age, played_age),
        liked=liked,
        shared=shared,
        followed=followed,
        after_age_s=after_age,
        event_user=np.concatenate([user[w] for _, w, _, _ in parts]),
        event_kind=np.concatenate([np.full(len(w), KINDS.index(k), np.int8) for k, w, _, _ in parts]),
        event_video=np.concatenate(
            [video[w] if k != "follow" else np.full(len(w), -1) for k, w, _, _ in parts]
        ),
        event_creator=np.concatenate([creator[w] for _, w, _, _ in parts]),
        event_value=np.concatenate([value[w] for _, w, value, _ in parts]),
        event_age_s=np.concatenate([age[w] for _, w, _, age in parts]),
    )


@dataclass
class TablePlan:
    """One table of one database (None: the directory), its columns and its rows, made batch by batch."""

    region: str | None
    table: Table
    columns: list[str]
    count: int
    batches: Callable[[], Iterator[list[Row]]]


def table_of(model: Any) -> Table:
    table: Table = model.__table__
    return table


def listed(rows: list[Row]) -> Callable[[], Iterator[list[Row]]]:
    return lambda: (rows[start : start + BATCH] for start in range(0, len(rows), BATCH))


def indexed(
    index: Array, make: Callable[[Array], list[Row]], size: int = BATCH
) -> Callable[[], Iterator[list[Row]]]:
    """Rows made by `make` from slices of `index`, so no more than a batch of them exists at a time."""
    return lambda: (make(index[start : start + size]) for start in range(0, len(index), size))


def table_plans(c: Corpus, *, password_hash: str, tokens: list[str]) -> list[TablePlan]:
    """Every table to load, in load order; fills `tokens` with one bearer token per user."""
    from clipshop.accounts.models import AccountIndex, AuthSession, PublicProfile, User
    from clipshop.accounts.service import email_digest
    from clipshop.config import DEV_SECRET
    from clipshop.events.models import Event
    from clipshop.kit.ids import new_id
    from clipshop.social.models import Follow, Like, Share, WatchHistory
    from clipshop.videos.models import PublicVideo, PublicVideoTag

    e, now = c.engagement, c.now
    users = len(c.user_ids)
    video_counts = np.bincount(c.video_creator, minlength=users).tolist()
    follower_counts = np.bincount(c.video_creator[e.video[e.followed]], minlength=users).tolist()
    following_counts = np.bincount(e.user[e.followed], minlength=users).tolist()
    user_rows: dict[str, list[Row]] = {r: [] for r in REGIONS}
    session_rows: dict[str, list[Row]] = {r: [] for r in REGIONS}
    index_rows: list[Row] = []
    profile_rows: list[Row] = []
    created = stamps(now, c.user_age_s)
    session_start, session_end = stamp(now), stamp(now + timedelta(days=30))
    for i, (user_id, r) in enumerate(zip(c.user_ids.tolist(), c.user_region.tolist(), strict=True)):
        region = REGIONS[r]
        handle, email, name = f"viewer{i}", f"viewer{i}@bench.example", f"Viewer {i}"
        user_rows[region].append((user_id, email, password_hash, handle, name, "", None, COUNTRY_OF[region],
                                  created[i], None, None, created[i], None, created[i], None))  # fmt: skip
        secret = secrets.token_urlsafe(32)
        session_id = new_id(region)
        session_rows[region].append((session_id, user_id, hashlib.sha256(secret.encode()).hexdigest(),
                                     session_start, session_end, None))  # fmt: skip
        tokens.append(f"{session_id}.{secret}")
        index_rows.append((email_digest(email, secret=DEV_SECRET), user_id, region))
        profile_rows.append((user_id, region, handle, name, "", None, follower_counts[i], following_counts[i],
                             video_counts[i], 0, created[i], False))  # fmt: skip

    def tag_names(row: list[int]) -> list[str]:
        return [TAGS[t] for t in row if t >= 0]

    def video_rows(idx: Array) -> list[Row]:
        creators = c.video_creator[idx]
        columns = zip(
            idx.tolist(), c.video_ids[idx].tolist(), c.user_region[creators].tolist(),
            c.user_ids[creators].tolist(), c.video_tags[idx].tolist(), c.duration_s[idx].tolist(),
            stamps(now, c.video_age_s[idx]), c.likes[idx].tolist(), c.comments[idx].tolist(),
            c.shares[idx].tolist(), c.views[idx].tolist(), c.completes[idx].tolist(), c.hot[idx].tolist(),
            strict=True,
        )  # fmt: skip
        rows = []
        for n, video_id, r, creator_id, tags, duration, at, lk, cm, sh, vw, cp, hot in columns:
            names, region = tag_names(tags), REGIONS[r]
            base = f"/media/{region}/videos/{video_id}/hls"
            rows.append((video_id, region, creator_id, f"clip {n} " + " ".join(f"#{t}" for t in names),
                         " ".join(names), duration, 1080, 1920, f"{base}/master.m3u8", f"{base}/poster.jpg",
                         f"{base}/thumb.jpg", at, lk, cm, sh, vw, cp, hot, False, False))  # fmt: skip
        return rows

    def tag_rows(idx: Array) -> list[Row]:
        columns = zip(c.video_ids[idx].tolist(), c.video_tags[idx].tolist(), stamps(now, c.video_age_s[idx]),
                      strict=True)  # fmt: skip
        return [(tag, video_id, at) for video_id, tags, at in columns for tag in tag_names(tags)]

    def event_rows(region: str) -> Callable[[Array], list[Row]]:
        def make(idx: Array) -> list[Row]:
            videos = e.event_video[idx]
            video_ids = c.video_ids[np.maximum(videos, 0)]
            video_ids[videos < 0] = None  # a follow is of a creator, not of a video
            columns = zip(c.user_ids[e.event_user[idx]].tolist(), e.event_kind[idx].tolist(), video_ids,
                          c.user_ids[e.event_creator[idx]].tolist(), e.event_value[idx].tolist(),
                          stamps(now, e.event_age_s[idx]), strict=True)  # fmt: skip
            return [(new_id(region), user_id, KINDS[kind], video_id, None, creator_id, value, None, at)
                    for user_id, kind, video_id, creator_id, value, at in columns]  # fmt: skip

        return make

    def watch_rows(idx: Array) -> list[Row]:
        return list(zip(c.user_ids[e.user[idx]].tolist(), c.video_ids[e.video[idx]].tolist(),
                        e.watched_s[idx].tolist(), e.completes[idx].tolist(), stamps(now, e.last_age_s[idx]),
                        strict=True))  # fmt: skip

    def like_rows(idx: Array) -> list[Row]:
        return list(zip(c.user_ids[e.user[idx]].tolist(), c.video_ids[e.video[idx]].tolist(),
                        stamps(now, e.after_age_s[idx]), strict=True))  # fmt: skip

    def share_rows(region: str) -> Callable[[Array], list[Row]]:
        def make(idx: Array) -> list[Row]:
            columns = zip(c.user_ids[e.user[idx]].tolist(), c.video_ids[e.video[idx]].tolist(),
                          stamps(now, e.after_age_s[idx]), strict=True)  # fmt: skip
            return [(new_id(region), user_id, video_id, "link", at) for user_id, video_id, at in columns]

        return make

    def follow_rows(idx: Array) -> list[Row]:
        return list(zip(c.user_ids[e.user[idx]].tolist(), c.user_ids[c.video_creator[e.video[idx]]].tolist(),
                        stamps(now, e.after_age_s[idx]), strict=True))  # fmt: skip

    every_video = np.arange(len(c.video_ids))
    profile = ["user_id", "region", "handle", "display_name", "bio", "avatar_url", "follower_count",
               "following_count", "video_count", "like_count", "created_at", "filters_comments"]  # fmt: skip
    video = ["id", "region", "creator_id", "caption", "hashtags", "duration_s", "width", "height",
             "master_url", "poster_url", "thumb_url", "published_at", "like_count", "comment_count",
             "share_count", "view_count", "complete_count", "hot_score", "age_restricted",
             "unrecommended"]  # fmt: skip
    plans = [
        TablePlan(
            None, table_of(AccountIndex), ["email_digest", "user_id", "region"], users, listed(index_rows)
        ),
        TablePlan(None, table_of(PublicProfile), profile, users, listed(profile_rows)),
        TablePlan(None, table_of(PublicVideo), video, len(every_video), indexed(every_video, video_rows)),
        TablePlan(
            None,
            table_of(PublicVideoTag),
            ["tag", "video_id", "published_at"],
            int((c.video_tags >= 0).sum()),
            indexed(every_video, tag_rows, BATCH // 2),
        ),
    ]
    user = ["id", "email", "password_hash", "handle", "display_name", "bio", "avatar_key", "country",
            "created_at", "staff_role", "jurisdiction", "updated_at", "suspended_at", "email_verified_at",
            "birth_date"]  # fmt: skip
    session = ["id", "user_id", "secret_hash", "created_at", "expires_at", "revoked_at"]
    event = ["id", "user_id", "kind", "video_id", "product_id", "creator_id", "value", "source", "created_at"]
    watch = ["user_id", "video_id", "watched_s", "completes", "last_at"]
    watch_region = c.user_region[e.user]
    event_region = c.user_region[e.event_user]
    for r, region in enumerate(REGIONS):
        events = np.flatnonzero(event_region == r)
        watches = np.flatnonzero(watch_region == r)
        liked, shared = e.liked[watch_region[e.liked] == r], e.shared[watch_region[e.shared] == r]
        followed = e.followed[watch_region[e.followed] == r]
        users_here, sessions_here = user_rows[region], session_rows[region]
        plans += [
            TablePlan(region, table_of(User), user, len(users_here), listed(users_here)),
            TablePlan(region, table_of(AuthSession), session, len(sessions_here), listed(sessions_here)),
            TablePlan(region, table_of(Event), event, len(events), indexed(events, event_rows(region))),
            TablePlan(region, table_of(WatchHistory), watch, len(watches), indexed(watches, watch_rows)),
            TablePlan(
                region,
                table_of(Like),
                ["user_id", "video_id", "created_at"],
                len(liked),
                indexed(liked, like_rows),
            ),
            TablePlan(
                region,
                table_of(Share),
                ["id", "user_id", "video_id", "channel", "created_at"],
                len(shared),
                indexed(shared, share_rows(region)),
            ),
            TablePlan(
                region,
                table_of(Follow),
                ["follower_id", "followee_id", "created_at"],
                len(followed),
                indexed(followed, follow_rows),
            ),
        ]
    return plans


def bulk_engine(url: str) -> Engine:
    """An engine for loading a scratch database: no journal, no fsync, a large page cache for index builds."""
    engine = create_engine(url)

    @event.listens_for(engine, "connect")
    def _bulk_pragmas(dbapi_connection: Any, _record: Any) -> None:
        cursor = dbapi_connection.cursor()
        # Losing a scratch database to a crash costs a rerun; a journal would double every page written.
        cursor.execute("PRAGMA journal_mode=OFF")
        cursor.execute("PRAGMA synchronous=OFF")
        cursor.execute("PRAGMA cache_size=-262144")
        cursor.execute("PRAGMA temp_store=MEMORY")
        cursor.close()

    return engine


class Loader:
    """Inserts rows with Core executemany (COPY on PostgreSQL), one transaction per table, advancing a bar.

    Rows go to the driver as tuples (`exec_driver_sql`): building each row's bind parameters through the
    compiled statement would cost about twice the insert itself. Datetime columns come rendered the way
    `UTCDateTime` renders them, and every column must be given, since Python-side defaults do not run.
    """

    def __init__(self, progress: Progress, total: int) -> None:
        self.progress = progress
        self.task = progress.add_task("Loading", total=total)
        self.counts: dict[str, int] = {}

    def load(self, engine: Engine, plan: TablePlan) -> None:
        table = plan.table
        self.progress.update(self.task, description=f"Loading {table.name}")
        if set(plan.columns) != set(table.columns.keys()):
            raise ValueError(f"{table.name}: rows must give exactly {sorted(table.columns.keys())}")
        times = [plan.columns.index(c.key) for c in table.columns if isinstance(c.type, UTCDateTime)]
        names = ", ".join(f'"{c}"' for c in plan.columns)
        sql = f'INSERT INTO "{table.name}" ({names}) VALUES ({", ".join("?" for _ in plan.columns)})'

        def checked() -> Iterator[list[Row]]:
            for n, batch in enumerate(plan.batches()):
                if n == 0 and batch and any(not isinstance(batch[0][i], str | None) for i in times):
                    raise ValueError(f"{table.name}: render datetimes with stamp() or stamps()")
                yield batch

        def advance(rows: int) -> None:
            self.progress.advance(self.task, rows)

        loaded = 0
        if engine.dialect.name == "postgresql":
            loaded = feed_postgres.copy_batches(engine, table.name, plan.columns, checked(), advance)
        else:
            with engine.begin() as conn:
                for batch in checked():
                    conn.exec_driver_sql(sql, batch)
                    loaded += len(batch)
                    advance(len(batch))
        if loaded != plan.count:
            raise ValueError(f"{table.name}: planned {plan.count:,} rows, made {loaded:,}")
        self.counts[table.name] = self.counts.get(table.name, 0) + loaded


def drop_indexes(engine: Engine, tables: set[str]) -> list[str]:
    """Drop the secondary indexes of `tables` and return their CREATE statements: building an index once
    over sorted rows is several times faster than keeping it up to date row by row."""
    names = ", ".join(f"'{t}'" for t in sorted(tables))
    with engine.begin() as conn:
        found = conn.exec_driver_sql(
            "SELECT name, sql FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL "
            f"AND tbl_name IN ({names})"
        ).all()
        for name, _ in found:
            conn.exec_driver_sql(f'DROP INDEX "{name}"')
    return [sql for _, sql in found]


@dataclass
class Dataset:
    """Who can sign in (bearer tokens), what was loaded, and how long it took."""

    tokens: list[str] = field(default_factory=list)
    rows: dict[str, int] = field(default_factory=dict)
    events_by_region: dict[str, int] = field(default_factory=dict)
    generate_s: float = 0.0
    insert_s: float = 0.0
    index_s: float = 0.0
    load_s: float = 0.0
    db_bytes: dict[str, int] = field(default_factory=dict)
    made_at: str = ""
    cached: bool = False
    engine: str = "sqlite"
    settle_s: float = 0.0  # PostgreSQL: VACUUM ANALYZE and reading the databases into memory, after the load


def build_and_load(
    data_dir: Path,
    *,
    videos: int,
    users: int,
    events_per_user: float,
    seed: int,
    postgres: feed_postgres.ScratchPostgres | None = None,
) -> Dataset:
    """Make the corpus in memory (numpy for the skewed sampling), then insert it database by database: the
    SQLite files under `data_dir`, or the migrated scratch databases of `postgres`."""
    from clipshop.accounts.passwords import hash_password
    from clipshop.config import Settings

    started = time.perf_counter()
    settings = Settings(data_dir=data_dir)
    now = datetime.now(UTC).replace(microsecond=0)
    dataset = Dataset(made_at=now.isoformat(), engine="postgresql" if postgres else "sqlite")
    with harness.console.status(f"Generating {videos:,} videos, {users:,} users and their events"):
        corpus = make_corpus(videos=videos, users=users, events_per_user=events_per_user, seed=seed, now=now)
        password_hash = hash_password(harness.PASSWORD)  # one hash for all: argon2 is slow by design
        plans = table_plans(corpus, password_hash=password_hash, tokens=dataset.tokens)
    dataset.generate_s = time.perf_counter() - started
    dataset.events_by_region = {p.region: p.count for p in plans if p.region and p.table.name == "events"}
    if postgres is not None:
        engines = postgres.engines()
        unindex: Callable[[Engine, set[str]], list[str]] = feed_postgres.drop_indexes
    else:
        engines = {None: bulk_engine(settings.directory_database_url())}
        engines.update({r: bulk_engine(settings.region_database_url(r)) for r in REGIONS})
        unindex = drop_indexes
    try:
        with Progress(
            TextColumn("{task.description:<34}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
            console=harness.console,
        ) as progress:  # fmt: skip
            creates = {
                region: unindex(engine, {p.table.name for p in plans if p.region == region})
                for region, engine in engines.items()
            }
            loader = Loader(progress, sum(p.count for p in plans))
            for plan in plans:
                loader.load(engines[plan.region], plan)
            progress.update(loader.task, description="Loaded")
            dataset.insert_s = time.perf_counter() - started - dataset.generate_s
            indexing = progress.add_task("Indexing", total=sum(len(sqls) for sqls in creates.values()))
            for region, sqls in creates.items():

                def building(sql: str) -> None:
                    progress.update(indexing, description=f"Indexing {sql.split(' ON ')[0].split()[-1]}")
                    progress.advance(indexing)

                if postgres is not None:
                    feed_postgres.build_indexes(engines[region], sqls, building)
                    continue
                with engines[region].begin() as conn:
                    for sql in sqls:
                        building(sql)
                        conn.exec_driver_sql(sql)
            progress.update(indexing, description="Indexed")
        if postgres is None:
            for engine in engines.values():
                with engine.connect() as conn:
                    conn.exec_driver_sql("PRAGMA journal_mode=WAL")  # what the platform opens it with
    finally:
        for engine in engines.values():
            engine.dispose()
    dataset.rows = loader.counts
    dataset.load_s = time.perf_counter() - started
    dataset.index_s = dataset.load_s - dataset.generate_s - dataset.insert_s
    if postgres is not None:
        with harness.console.status("VACUUM ANALYZE, then reading the databases into memory"):
            dataset.settle_s = postgres.settle()
        dataset.db_bytes = postgres.sizes()
        return dataset
    dataset.db_bytes = {
        str(p.relative_to(data_dir)): p.stat().st_size for p in sorted(data_dir.rglob("*.db"))
    }
    return dataset


def cache_key(args: argparse.Namespace) -> str:
    """Sizes, seed, schema (every migration's text) and the code that makes and loads the rows: whatever
    could change the loaded data, and nothing else, so editing the report keeps a full-size corpus."""
    from clipshop.videos.service import hot_score

    digest = hashlib.sha256(json.dumps([args.videos, args.users, args.events_per_user, args.seed]).encode())
    for path in sorted(MIGRATIONS.rglob("*.py")):
        digest.update(path.read_bytes())
    makers: list[Callable[..., Any]] = [
        stamps,
        events_per_play,
        make_corpus,
        make_engagement,
        table_plans,
        Loader,
        Dataset,
        build_and_load,
    ]
    for code in [*makers, hot_score]:
        digest.update(inspect.getsource(code).encode())
    settings = [COUNTRY_OF, REGION_WEIGHTS, TAGS, HOT_TOP, HISTORY_S, CLUSTERS, CLUSTER_TAGS, FROM_HOT,
                FROM_CLUSTER, AFTER_PLAY, PROGRESS_IF_UNFINISHED, KINDS, BATCH]  # fmt: skip
    digest.update(repr(settings).encode())
    return digest.hexdigest()[:16]


def cached_dataset(entry: Path) -> Dataset | None:
    """The record of the corpus cached at `entry`, if there is one and it is recent enough."""
    try:
        dataset = Dataset(**json.loads((entry / "dataset.json").read_text()))
        made = datetime.fromisoformat(dataset.made_at)
    except (OSError, ValueError, TypeError):
        return None
    dataset.cached = True
    return dataset if datetime.now(UTC) - made < CACHE_MAX_AGE else None


def prepare(data_dir: Path, args: argparse.Namespace) -> Dataset:
    """A migrated, loaded data dir at `data_dir`: copied from the cache when it holds this corpus, else built
    (and then cached)."""
    entry = None
    if not args.no_cache:
        root = (args.data_dir or Path(tempfile.gettempdir())) / "clipshop-bench-cache"
        entry = root / f"feed-{cache_key(args)}"
        cached = cached_dataset(entry)
        if cached is not None:
            started = time.perf_counter()
            with harness.console.status(f"Copying the cached corpus from {entry}"):
                shutil.copytree(entry / "data", data_dir)
            os.utime(entry)
            harness.console.print(f"corpus made at {cached.made_at}, copied from the cache in "
                                  f"{time.perf_counter() - started:.1f} s: {entry}")  # fmt: skip
            return cached
        shutil.rmtree(entry, ignore_errors=True)
    harness.migrate(data_dir)
    dataset = build_and_load(data_dir, videos=args.videos, users=args.users,
                             events_per_user=args.events_per_user, seed=args.seed)  # fmt: skip
    if entry is not None:
        started = time.perf_counter()
        partial = entry.with_name(f"{entry.name}.partial-{os.getpid()}")
        with harness.console.status(f"Caching the corpus in {entry}"):
            shutil.copytree(data_dir, partial / "data")
            (partial / "dataset.json").write_text(json.dumps(dataclasses.asdict(dataset)))
            try:
                partial.rename(entry)
            except OSError:  # a concurrent run got there first
                shutil.rmtree(partial)
        harness.console.print(f"corpus cached in {time.perf_counter() - started:.1f} s: {entry}")
        older = sorted((p for p in entry.parent.glob("feed-*") if ".partial-" not in p.name),
                       key=lambda p: p.stat().st_mtime, reverse=True)[CACHE_KEEP:]  # fmt: skip
        for stale in older:
            shutil.rmtree(stale, ignore_errors=True)
    return dataset


@dataclass
class Retrain:
    """One region's retrain as the bench saw it, with the report the retrain returned."""

    region: str
    events: int
    seconds: float  # the retrain call alone
    wall_s: float  # the child process from start to exit (interpreter, imports, platform)
    peak_rss_mb: float
    base_rss_mb: float  # before the call: interpreter, libraries, platform
    report: dict[str, Any]


def retrain_region(data_dir: Path, region: str, events: int, databases: dict[str, str]) -> Retrain:
    """Run `clipshop.feed.learning.training.retrain` for one region in a child process (bench/retrain.py)."""
    log_path = data_dir / f"retrain-{region}.log"
    command = [
        sys.executable,
        str(Path(__file__).with_name("retrain.py")),
        "--data-dir",
        str(data_dir),
        region,
    ]
    started = time.perf_counter()
    with log_path.open("wb") as log:
        proc = subprocess.Popen(command, cwd=data_dir, env=harness.platform_env(data_dir, **databases),
                                stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=log)  # fmt: skip
    # The child reports its own peak; the sampler also sees any worker processes it starts.
    with harness.RssSampler(proc.pid, interval_s=0.1) as sampler:
        out, _ = proc.communicate()
    wall_s = time.perf_counter() - started
    if proc.returncode != 0:
        tail = "\n".join(log_path.read_text(errors="replace").splitlines()[-30:])
        raise RuntimeError(f"the retrain of {region} exited with {proc.returncode}:\n{tail}")
    result = json.loads(out.decode().strip().splitlines()[-1])
    peak = max(result["peak_rss_kb"] * 1024, max(sampler.peaks.values(), default=0))
    return Retrain(region=region, events=events, seconds=result["seconds"], wall_s=wall_s,
                   peak_rss_mb=peak / 2**20, base_rss_mb=result["base_rss_kb"] / 1024,
                   report=result["report"])  # fmt: skip


def retrain_all(data_dir: Path, dataset: Dataset, databases: dict[str, str]) -> list[Retrain] | None:
    """Every region with events, one after another; None when the platform has no retrain yet. `databases`:
    settings naming PostgreSQL databases (none: the SQLite files under `data_dir`)."""
    if importlib.util.find_spec("clipshop.feed.learning.training") is None:
        harness.console.print(
            "[yellow]clipshop.feed.learning.training is not there: no retrain, "
            "For You serves without a model[/]"
        )
        return None
    runs = []
    for region, events in dataset.events_by_region.items():
        if events == 0:
            continue
        with harness.console.status(f"Retraining {region} on {events:,} events"):
            runs.append(retrain_region(data_dir, region, events, databases))
    return runs


ALONE = "for-you, 1 connection"  # the phase that measures a For You request with no other in line


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
    database_cpu_s: float = 0.0  # PostgreSQL's backends serving the bench's databases (SQLite: in the server)

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
                    tokens: list[str], seed: int,
                    database: Callable[[], float] | None = None) -> Phase:  # fmt: skip
    """`concurrency` connections, each sending its next request as soon as the last answer is in. `database`
    reads the CPU seconds the database server has spent on the bench's databases so far."""
    me = psutil.Process()
    samples: list[Sample] = []
    conns = [harness.HttpConnection("127.0.0.1", port) for _ in range(concurrency)]
    server_cpu, client_cpu = harness.cpu_seconds(server), harness.cpu_seconds(me)
    database_cpu = database() if database else 0.0
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
        database_cpu = (database() if database else 0.0) - database_cpu
        others = max(0.0, harness.machine_busy_seconds() - machine - server_cpu - client_cpu - database_cpu)
        for conn in conns:
            await conn.close()
    return Phase(name, samples, elapsed, server_cpu, client_cpu, others, database_cpu)


def check_feed(url: str, token: str) -> dict[str, Any]:
    """One page by hand, so a broken feed fails loudly instead of benchmarking error pages. The server loads
    every region's model at start-up; at full size that takes tens of seconds, so this first page may wait."""
    response = httpx.get(
        f"{url}{harness.API}/feed/for-you", headers={"Authorization": f"Bearer {token}"}, timeout=300
    )
    if response.status_code != 200:
        raise RuntimeError(f"For You answered {response.status_code}: {response.text[:500]}")
    body: dict[str, Any] = response.json()
    if not body["items"] or not body["next_cursor"]:
        raise RuntimeError(f"For You returned an empty page: {body}")
    return body


# Report fields that add up over regions: each user and event belongs to one region, the regions train one
# after another, and each region's served log is its own. The others (items, trending) describe one region's
# model and are given as the largest.
ADDITIVE = {"users", "events", "interactions", "ranker_samples"}


def retrain_figures(runs: list[Retrain] | None) -> dict[str, Any] | None:
    """One object for all regions: the retrain's own fields, then the bench's measures, then each region."""
    if not runs:
        return None
    figures: dict[str, Any] = {}
    for key in dict.fromkeys(k for run in runs for k in run.report):
        values = [run.report[key] for run in runs if key in run.report]
        if all(isinstance(v, int | float) and not isinstance(v, bool) for v in values):
            added = key in ADDITIVE or key.endswith("_s")
            figures[key] = round(sum(values), 2) if added else max(values)
    figures.setdefault("events", sum(run.events for run in runs))
    figures |= {
        "seconds": round(sum(run.seconds for run in runs), 2),
        "wall_s": round(sum(run.wall_s for run in runs), 2),
        "peak_rss_mb": round(max(run.peak_rss_mb for run in runs), 1),
        "regions": {
            run.region: {
                **run.report,
                "events": run.events,
                "seconds": round(run.seconds, 2),
                "peak_rss_mb": round(run.peak_rss_mb, 1),
            }
            for run in runs
        },
    }
    return figures


def print_load(dataset: Dataset) -> None:
    made = "copied from the cache; when made it " if dataset.cached else ""
    harness.console.print(
        f"{made}loaded {sum(dataset.rows.values()):,} rows in {dataset.load_s:.1f} s (generated in "
        f"{dataset.generate_s:.1f} s, inserted in {dataset.insert_s:.1f} s, "
        f"indexed in {dataset.index_s:.1f} s): "
        f"{', '.join(f'{k} {v:,}' for k, v in sorted(dataset.rows.items()))}"
    )
    if dataset.engine == "postgresql":
        harness.console.print(f"then VACUUM ANALYZE and pg_prewarm in {dataset.settle_s:.1f} s")
    sizes = ", ".join(f"{name} {size / 2**20:,.0f} MB" for name, size in dataset.db_bytes.items())
    kind = "PostgreSQL databases" if dataset.engine == "postgresql" else "SQLite files"
    harness.console.print(f"{kind}: {sizes}; {sum(dataset.db_bytes.values()) / 2**20:,.0f} MB in all")


def print_retrain(runs: list[Retrain] | None) -> None:
    """One column per region: the bench's own measures, then every field of the retrain's report."""
    if not runs:
        return
    measured = {
        "events": [f"{run.events:,}" for run in runs],
        "retrain s": [f"{run.seconds:.1f}" for run in runs],
        "child process s": [f"{run.wall_s:.1f}" for run in runs],
        "peak RSS MB": [f"{run.peak_rss_mb:,.0f}" for run in runs],
        "RSS before retrain MB": [f"{run.base_rss_mb:,.0f}" for run in runs],
    }
    keys = [k for k in dict.fromkeys(k for run in runs for k in run.report) if k != "region"]
    rows = [[name, *values] for name, values in measured.items()]
    rows += [[f"report: {key}", *(str(run.report.get(key, "")) for run in runs)] for key in keys]
    title = "Scheduled retrain, one child process per region, one after another"
    harness.console.print(harness.table(title, ["", *(run.region for run in runs)], rows))


def first_token_per_region(tokens: list[str]) -> list[str]:
    from clipshop.kit.ids import region_of

    return list({region_of(token.partition(".")[0]): token for token in reversed(tokens)}.values())


def report(phases: dict[str, Phase], dataset: Dataset, runs: list[Retrain] | None,
           args: argparse.Namespace) -> dict[str, Any]:  # fmt: skip
    feed, trivial = phases["for-you"], phases["trivial"]
    print_load(dataset)
    print_retrain(runs)

    def row(label: str, phase: Phase) -> list[str]:
        spent = (phase.server_cpu_s, phase.database_cpu_s, phase.client_cpu_s, phase.others_cpu_s)
        cpu = [t / phase.elapsed_s for t in spent]
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
        "db CPU",
        "client CPU",
        "others' CPU",
    ]
    alone = phases.get(ALONE, feed)
    rows = [row("GET /feed/for-you", feed), row("GET /health", trivial)]
    if ALONE in phases:
        rows.append(row("GET /feed/for-you 1c", alone))
    events = sum(dataset.events_by_region.values())
    title = (f"/api/v1 on {dataset.engine}, {args.concurrency} connection(s) (1c: one), "
             f"{args.duration_s:g} s each after {args.warmup_s:g} s warm-up; {args.videos:,} videos, "
             f"{args.users:,} users, {events:,} events")  # fmt: skip
    harness.console.print(harness.table(title, columns, rows))
    first, later = feed.p(50, lambda p: p == 1), feed.p(50, lambda p: p > 1)
    later_count = sum(1 for s in feed.samples if s.page > 1)
    harness.console.print(
        f"For You p50 by page: first {first:.1f} ms, later pages {later:.1f} ms ({later_count:,} requests); "
        f"ratio For You / health: {feed.rps / trivial.rps:.3f} in req/s, "
        f"{feed.p(50) / trivial.p(50):.1f}x in p50"
    )
    # CPU per request moves far less than latency when other work shares the machine.
    served = max(1, len(feed.samples))
    cpu_ms = {"server": 1000 * feed.server_cpu_s / served, "database": 1000 * feed.database_cpu_s / served}
    harness.console.print(
        f"For You CPU per request: server {cpu_ms['server']:.1f} ms, database {cpu_ms['database']:.1f} ms"
        + (" (SQLite: inside the server)" if dataset.engine == "sqlite" else "")
    )
    return {
        "p50_ms": round(feed.p(50), 2),
        "p99_ms": round(feed.p(99), 2),
        "rps": round(feed.rps, 1),
        "trivial_rps": round(trivial.rps, 1),
        "trivial_p50_ms": round(trivial.p(50), 2),
        "trivial_p99_ms": round(trivial.p(99), 2),
        "rps_ratio": round(feed.rps / trivial.rps, 4),
        "errors": feed.errors + trivial.errors + (alone.errors if alone is not feed else 0),
        "cpu_ms_per_request": {name: round(value, 2) for name, value in cpu_ms.items()},
        "one_connection": {
            "p50_ms": round(alone.p(50), 2),
            "p99_ms": round(alone.p(99), 2),
            "rps": round(alone.rps, 1),
        },
        "videos": args.videos,
        "users": args.users,
        "load_s": round(dataset.load_s, 2),
        "events": events,
        "engine": dataset.engine,
        "load_cached": dataset.cached,
        "db_mb": round(sum(dataset.db_bytes.values()) / 2**20, 1),
        "retrain": retrain_figures(runs),
    }


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--videos", type=int, default=1_000_000, help="published videos to load")
    parser.add_argument("--users", type=int, default=100_000, help="users (with sessions and events) to load")
    parser.add_argument(
        "--events-per-user", type=float, default=40.0, help="engagement events per user, on average"
    )
    parser.add_argument("--concurrency", type=int, default=16, help="concurrent keep-alive connections")
    parser.add_argument(
        "--jobs-elsewhere",
        action="store_true",
        help="serve without the in-process job consumer (at scale, periodic jobs run in `clipshop worker`)",
    )
    parser.add_argument("--duration-s", type=float, default=15.0, help="measured seconds per route")
    parser.add_argument("--warmup-s", type=float, default=3.0, help="unmeasured seconds per route first")
    parser.add_argument("--seed", type=int, default=7, help="seed of the synthetic data and the viewers")
    parser.add_argument(
        "--no-cache", action="store_true", help="build the corpus afresh and do not keep it for the next run"
    )
    parser.add_argument(
        "--reuse",
        type=Path,
        default=None,
        metavar="DIR",
        help="serve a scratch dir an earlier --keep run printed, as it is: no load, no retrain (to iterate "
        "on serving; the retrain figures are left out)",
    )
    parser.add_argument(
        "--postgres",
        nargs="?",
        const=feed_postgres.DEFAULT_ADMIN_URL,
        default=None,
        metavar="URL",
        help="load the corpus into scratch PostgreSQL databases on the server of URL (made for the run, "
        f"dropped after it; default {feed_postgres.DEFAULT_ADMIN_URL}) and serve from them; never cached",
    )
    harness.add_common_options(parser)
    args = parser.parse_args()
    if args.videos < 1 or args.users < 1 or args.events_per_user < 0:
        parser.error("--videos and --users must be at least 1, --events-per-user at least 0")
    if args.postgres and args.reuse:
        parser.error("--reuse serves a kept SQLite data dir; --postgres databases are dropped after each run")
    command = harness.reproduce_command("feed.py", parser, args)
    dropped = harness.clean_environ()
    if dropped:
        harness.console.print(
            f"[yellow]ignoring {', '.join(dropped)}: benchmarks run the embedded default[/]"
        )
    harness.console.print(f"machine: {harness.machine_note()}")
    scratch = (
        contextlib.nullcontext(args.reuse.resolve())
        if args.reuse
        else harness.scratch_dir(args.data_dir, prefix="feed", keep=args.keep)
    )
    postgres = (
        feed_postgres.scratch_postgres(args.postgres, regions=REGIONS)
        if args.postgres
        else contextlib.nullcontext(None)
    )
    with scratch as root, postgres as databases:
        data_dir = root / "data"
        runs: list[Retrain] | None = None
        database_settings = databases.settings() if databases else {}
        if args.reuse:
            dataset = Dataset(**json.loads((root / "dataset.json").read_text()))
            args.videos, args.users = dataset.rows["public_videos"], dataset.rows["users"]
        elif databases is not None:
            data_dir.mkdir()  # media and models; the databases are PostgreSQL's
            harness.console.print(f"PostgreSQL: {', '.join(databases.names)}")
            dataset = build_and_load(data_dir, videos=args.videos, users=args.users,
                                     events_per_user=args.events_per_user, seed=args.seed,
                                     postgres=databases)  # fmt: skip
            runs = retrain_all(data_dir, dataset, database_settings)
        else:
            dataset = prepare(data_dir, args)
            if args.keep:
                (root / "dataset.json").write_text(json.dumps(dataclasses.asdict(dataset)))
            runs = retrain_all(data_dir, dataset, database_settings)
        if databases is None:
            # A production database keeps its working set in memory; a corpus just copied or loaded may not
            # be in the page cache yet, and first reads from disk would be measured as the feed's latency.
            with harness.console.status("Reading the databases once into the page cache"):
                warmed, warm_s = harness.warm_page_cache(sorted(data_dir.rglob("*.db")))
            harness.console.print(f"page cache: read {warmed / 2**20:,.0f} MB of databases in {warm_s:.1f} s")
        server_env = harness.platform_env(
            data_dir,
            **database_settings,
            **({"JOBS_CONSUMER_IN_APP": "false"} if args.jobs_elsewhere else {}),
        )
        with harness.Server(data_dir=data_dir, env=server_env) as server:
            # The server loads every region's model at start-up; one page per region first, so the figures are
            # the steady state's.
            for token in first_token_per_region(dataset.tokens):
                check_feed(server.url, token)
            proc = psutil.Process(server.pid)
            phases: dict[str, Phase] = {}
            # Under load a request's latency is mostly its wait in line; alone, it is the server's own time.
            runs_of = [("for-you", args.concurrency), ("trivial", args.concurrency)]
            if args.concurrency != 1:
                runs_of.append((ALONE, 1))
            for name, concurrency in runs_of:
                database_cpu = databases.backend_cpu_seconds if databases else None
                options = {"concurrency": concurrency, "server": proc, "tokens": dataset.tokens,
                           "seed": args.seed, "database": database_cpu}  # fmt: skip
                with harness.console.status(f"{name}: warming up for {args.warmup_s:g} s"):
                    harness.run_async(run_phase(name, server.port, duration_s=args.warmup_s, **options))
                with harness.console.status(f"{name}: measuring for {args.duration_s:g} s"):
                    phase = run_phase(name, server.port, duration_s=args.duration_s, **options)
                    phases[name] = harness.run_async(phase)
    figures = report(phases, dataset, runs, args)
    harness.console.print(f"machine after the run: {harness.machine_note()}")
    harness.finish(command, figures, as_json=args.json)


if __name__ == "__main__":
    main()
