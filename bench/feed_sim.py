"""For You, simulated online: viewers with hidden tastes scroll the feed for a session a day, react to what
they are shown, and come back the next day. Prints watch seconds and purchases per session, round by round,
for each feed policy.

The world. A catalogue of videos by creators who each work one or two of 16 topics; every video has a hidden
topic mix (one or two dominant topics), a hidden quality, a duration of 8 to 60 s, hashtags drawn from its
topics (an observable, imperfect proxy: some videos carry no topical tag, some borrow a trending one from
another topic, many add #fyp and the like), a publish time in the past two weeks, and about one in seven tags
a product (with a topic and a price). New uploads arrive through every simulated day. Each viewer has a
hidden taste over the topics (Dirichlet, concentrated on a few), a patience (how many skips in a row before
they put the phone down) and a propensity to buy.

A session: the viewer scrolls pages of 10. For each video the hidden appeal is a logistic function of taste
match, quality and freshness; from it the viewer skips within a few seconds, watches part, or completes (and
sometimes loops), then may like, share, follow, open the tagged product, add it to the cart and buy it. The
session ends after `patience` skips in a row, after 120 videos, or by a small per-video chance of leaving.
Each (viewer, video) pair draws its randomness from its own seed, so two policies showing the same video to
the same viewer get the same reaction.

The policies. Each gets a fresh world on its own scratch data dir (a Platform on the embedded default, with
the seed's accounts, shops, products and videos in its directory). In the recommender's world every reaction
is written through the platform's own services (watch events the way the web player sends them, likes,
shares, follows, product opens, add-to-cart and purchase events), and the jobs a worker would run (counter
projections, the feed's periodic refresh) run every 100 sessions. The baselines rank from the directory's
videos and the counters the world keeps, so their worlds skip those writes:

- chronological: newest first;
- popularity: most likes + shares + completes first;
- hand_weighted: in the style of the Loops server's For You feed: freshness 0.25, engagement 0.35, interest
  match 0.30, creator quality 0.10, each in [0, 1], over every unseen video; 30% of each page is discovery
  (random unseen videos among the least exposed), interleaved two ranked, one discovery;
- recommender: the platform's For You (`clipshop.feed.recommend.for_you`), retrained after each round
  (`clipshop.feed.learning.training.retrain`, the scheduled retrain);
- random and oracle (not run unless asked): uniform unseen videos, and the ranking by the hidden expected
  appeal, a ceiling rather than a policy.

No policy re-serves a video the viewer has been shown, except the recommender if it chooses to (a re-shown
video appeals much less; the repeat share is reported).

    .venv/bin/python bench/feed_sim.py --json
"""

from __future__ import annotations

import argparse
import math
import multiprocessing
import os
import queue
import time
from collections.abc import Callable, Sequence
from concurrent.futures import Future, ProcessPoolExecutor
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, Protocol

import numpy as np
from harness import (
    add_common_options,
    clean_environ,
    console,
    finish,
    machine_note,
    migrate,
    percentile,
    reproduce_command,
    scratch_dir,
)
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from clipshop.kit.everywhere import everywhere

Array = np.ndarray[Any, Any]
TOPICS = (
    "cooking", "fitness", "fashion", "beauty", "gaming", "pets", "travel", "comedy",
    "music", "dance", "tech", "diy", "skincare", "books", "football", "gardening",
)  # fmt: skip
TOPIC_TAGS = tuple((t, f"{t}tok", f"{t}tips", f"{t}life", f"{t}hacks") for t in TOPICS)
GENERIC_TAGS = ("fyp", "foryou", "viral", "trending", "newvideo")
DAY_S = 86_400.0
HISTORY_DAYS = 14  # the starting catalogue was published over this many days
UPLOADS_PER_DAY = 1 / HISTORY_DAYS  # new videos a day, as a share of the starting catalogue: the same pace
PAGE = 10
MAX_ITEMS = 120  # videos in one session at most
QUIT_CHANCE = 0.02  # per video: the doorbell rings
SWIPE_S = 1.0  # between two videos
START = datetime(2025, 3, 3, 8, 0, tzinfo=UTC)  # simulated time: round r is day r from here
REGION = "us"
BASELINES = ("chronological", "popularity", "hand_weighted")
POLICIES = (*BASELINES, "recommender", "random", "oracle")
DEFAULT_POLICIES = (*BASELINES, "recommender")

# Hand-weighted For You (Loops-style).
W_FRESH, W_ENGAGE, W_INTEREST, W_CREATOR = 0.25, 0.35, 0.30, 0.10
DISCOVERY_SHARE = 0.3
FRESH_TAU_H = 48.0


# ---------------------------------------------------------------------------------------------------------
# The world's hidden truth, made from the seed alone (every policy's world gets the same)


@dataclass(frozen=True)
class Spec:
    """Everything the seed decides: creators, videos (with their hidden topics and quality), products,
    viewers (with their hidden tastes), and when each video is published."""

    seed: int
    users: int
    rounds: int
    creator_topics: Array  # (C, 2): primary, secondary
    video_creator: Array  # (V,)
    video_topics: Array  # (V, T), rows sum to 1
    video_quality: Array  # (V,) in (0, 1)
    video_duration: Array  # (V,) seconds
    video_at: Array  # (V,) publish time, seconds from START (negative: before the run)
    video_tags: list[list[str]]
    video_product: Array  # (V,) product index or -1
    product_topic: Array  # (P,)
    product_price: Array  # (P,) cents
    product_shop: Array  # (P,)
    shops: int
    taste: Array  # (U, T), rows sum to 1
    patience: Array  # (U,) skips in a row that end a session
    propensity: Array  # (U,) in (0, 1)

    @property
    def creators(self) -> int:
        return len(self.creator_topics)

    @property
    def videos(self) -> int:
        return len(self.video_creator)


def make_spec(*, seed: int, videos: int, creators: int, users: int, rounds: int) -> Spec:
    rng = np.random.default_rng([seed, 1])
    topics = len(TOPICS)
    prevalence = rng.dirichlet(np.full(topics, 3.0))  # some topics are simply bigger than others
    primary = rng.choice(topics, size=creators, p=prevalence)
    secondary = (primary + 1 + rng.integers(0, topics - 1, size=creators)) % topics
    creator_quality = rng.beta(2.5, 2.5, size=creators)
    output = rng.lognormal(0.0, 0.8, size=creators)  # a few creators post much more than most

    uploads = max(1, round(videos * UPLOADS_PER_DAY))
    total = videos + uploads * rounds
    video_creator = rng.choice(creators, size=total, p=output / output.sum())
    pick = rng.random(total)
    main = np.where(
        pick < 0.8,
        primary[video_creator],
        np.where(pick < 0.95, secondary[video_creator], rng.integers(0, topics, size=total)),
    )
    second = (main + 1 + rng.integers(0, topics - 1, size=total)) % topics
    has_second = rng.random(total) < 0.5
    main_weight = np.where(has_second, rng.uniform(0.6, 0.9, size=total), 1.0)
    video_topics = np.zeros((total, topics))
    video_topics[np.arange(total), main] = main_weight
    video_topics[np.arange(total), second] += 1.0 - main_weight
    quality = np.clip(creator_quality[video_creator] + rng.normal(0, 0.15, size=total), 0.02, 0.98)
    duration = np.clip(rng.lognormal(math.log(20.0), 0.5, size=total), 8.0, 60.0).round(1)
    at = np.concatenate(
        [
            -rng.uniform(0, HISTORY_DAYS * DAY_S, size=videos),
            *(np.sort(rng.uniform(r * DAY_S, (r + 1) * DAY_S, size=uploads)) for r in range(rounds)),
        ]
    )

    tags: list[list[str]] = []
    for v in range(total):
        chosen: list[str] = []
        if rng.random() >= 0.1:  # one in ten carries no topical tag at all
            vocabulary = TOPIC_TAGS[main[v]]
            chosen += [vocabulary[i] for i in rng.choice(5, size=int(rng.integers(1, 3)), replace=False)]
            if has_second[v] and rng.random() < 0.6:
                chosen.append(TOPIC_TAGS[second[v]][int(rng.integers(5))])
        if rng.random() < 0.12:  # riding a trend from another topic
            chosen.append(TOPIC_TAGS[int(rng.integers(topics))][int(rng.integers(5))])
        if rng.random() < 0.6:
            chosen.append(GENERIC_TAGS[int(rng.integers(len(GENERIC_TAGS)))])
        tags.append(list(dict.fromkeys(chosen)))

    products = max(8, round(0.15 * total / 4))  # each product appears in about four videos
    shops = max(2, products // 6)
    product_topic = rng.choice(topics, size=products, p=prevalence)
    product_price = (np.clip(rng.lognormal(math.log(35.0), 0.7, size=products), 5.0, 300.0) * 100).round()
    product_shop = rng.integers(0, shops, size=products)
    video_product = np.full(total, -1)
    for v in np.flatnonzero(rng.random(total) < 0.15):
        matching = np.flatnonzero(product_topic == main[v])
        pool = matching if len(matching) else np.arange(products)
        video_product[v] = int(rng.choice(pool))

    viewers = np.random.default_rng([seed, 2])
    taste = viewers.dirichlet(3.0 * prevalence, size=users)
    patience = np.clip(2 + viewers.poisson(1.5, size=users), 2, 7)
    propensity = viewers.beta(1.5, 6.0, size=users)
    return Spec(
        seed=seed,
        users=users,
        rounds=rounds,
        creator_topics=np.stack([primary, secondary], axis=1),
        video_creator=video_creator,
        video_topics=video_topics,
        video_quality=quality,
        video_duration=duration,
        video_at=at,
        video_tags=tags,
        video_product=video_product,
        product_topic=product_topic,
        product_price=product_price.astype(np.int64),
        product_shop=product_shop,
        shops=shops,
        taste=taste,
        patience=patience,
        propensity=propensity,
    )


# ---------------------------------------------------------------------------------------------------------
# How a viewer reacts to one video


@dataclass(frozen=True)
class Reaction:
    watched_s: float
    completes: int  # times played to the end (loops count again)
    skipped: bool  # swiped away within the first seconds
    liked: bool = False
    shared: bool = False
    followed: bool = False
    opened: bool = False  # the tagged product
    carted: bool = False
    bought: bool = False


def sigmoid(x: float) -> float:
    return 1.0 / (1.0 + math.exp(-x))


def expected_appeal(spec: Spec, user: int, videos: Array, now_s: float) -> Array:
    """The hidden appeal without the per-pair noise: what only the oracle may rank by."""
    taste = spec.taste[user]
    match = spec.video_topics[videos] @ taste / taste.max()
    fresh = np.exp(-(now_s - spec.video_at[videos]) / (2 * DAY_S))
    logit = -2.4 + 4.2 * match + 2.0 * (spec.video_quality[videos] - 0.5) + 0.4 * fresh
    return np.asarray(1.0 / (1.0 + np.exp(-logit)))


def react(spec: Spec, *, user: int, video: int, now_s: float, repeat: bool, following: bool) -> Reaction:
    """One viewer meets one video. The draws come from the pair's own seed (common random numbers across
    policies); the viewer's state (a repeat, a followed creator) moves the appeal."""
    draws = np.random.default_rng([spec.seed, 3, user, video])
    noise = float(draws.normal())
    u = draws.random(12)
    taste = spec.taste[user]
    match = float(spec.video_topics[video] @ taste / taste.max())
    fresh = math.exp(-(now_s - float(spec.video_at[video])) / (2 * DAY_S))
    quality = float(spec.video_quality[video])
    logit = -2.4 + 4.2 * match + 2.0 * (quality - 0.5) + 0.4 * fresh + 0.5 * noise
    logit += 0.3 if following else 0.0
    logit -= 2.0 if repeat else 0.0
    appeal = sigmoid(logit)
    duration = float(spec.video_duration[video])
    if u[0] >= appeal:
        return Reaction(watched_s=round(min(duration, 0.5 + 2.5 * u[1]), 1), completes=0, skipped=True)
    # Long videos are finished less often, whatever their appeal.
    if u[2] < appeal**0.8 * min(1.0, (18.0 / duration) ** 0.4):
        loops = int(u[3] < 0.3 * appeal) + int(u[4] < 0.1 * appeal)
        watched, completes = duration * (1 + loops), 1 + loops
    else:
        watched, completes = duration * (0.3 + 0.65 * u[5]), 0
    engaged = watched >= 0.5 * duration
    liked = engaged and u[6] < 0.3 * appeal**2
    shared = engaged and u[7] < 0.06 * appeal**3
    followed = engaged and not following and u[8] < 0.06 * appeal**2
    opened = carted = bought = False
    product = int(spec.video_product[video])
    if product >= 0:
        fit = float(taste[spec.product_topic[product]] / taste.max())
        price = float(spec.product_price[product]) / 100
        opened = bool(u[9] < min(1.0, 2.0 * float(spec.propensity[user]) * appeal * fit))
        carted = opened and u[10] < 0.15 + 0.45 * fit
        bought = carted and u[11] < 0.7 * math.exp(-price / 100.0)
    return Reaction(
        watched_s=round(watched, 1),
        completes=completes,
        skipped=False,
        liked=bool(liked),
        shared=bool(shared),
        followed=bool(followed),
        opened=opened,
        carted=bool(carted),
        bought=bool(bought),
    )


def player_events(reaction: Reaction, duration: float) -> list[tuple[str, float]]:
    """What the web player sends for one view (static/js/events.js): an impression when shown, a play when
    it starts, a progress every 5 s watched, a complete at each end of the clip; with seconds watched."""
    sent = [("impression", 0.0), ("play", 0.0)]
    sent += [("progress", float(mark)) for mark in range(5, int(reaction.watched_s) + 1, 5)]
    sent += [("complete", round(duration * (k + 1), 1)) for k in range(reaction.completes)]
    return sent


# ---------------------------------------------------------------------------------------------------------
# One policy's world: a platform on its own data dir, and what a feed may observe


class SimulatedClock:
    """The simulation's time: the platform reads it, and only `World.set_time` moves it."""

    def __init__(self, start: datetime) -> None:
        self.current = start

    def now(self) -> datetime:
        return self.current


class World:
    """A platform on a scratch data dir with the spec's accounts, shops and products. Videos are published
    into its directory as simulated time reaches them; reactions are counted, and written through the
    platform's services when the policy ranks from them."""

    def __init__(self, spec: Spec, data_dir: Path, *, records: bool) -> None:
        from clipshop.assembly import build_platform
        from clipshop.config import Settings
        from clipshop.jobs.queue import JobQueue
        from clipshop.social import tasks as social_tasks

        self.spec = spec
        # Write reactions through the platform: only a policy that ranks from its events needs them.
        self.records = records
        migrate(data_dir)
        # No in-memory copy of the directory: one made in a background thread would land at a moment that
        # depends on thread timing, not on the simulated clock, and rounds would differ from run to run.
        settings = Settings(
            data_dir=data_dir, jobs_backend="memory", jobs_consumer_in_app=False, recs_mirror_s=0
        )
        jobs = JobQueue.from_settings(
            backend="memory", sqlite_path=data_dir / "jobs.db", redis_url="", name="feed-sim"
        )
        self.clock = SimulatedClock(START)
        self.platform = build_platform(settings, clock=self.clock, jobs=jobs)
        self.video_ids: list[str] = []
        self.index_of: dict[str, int] = {}
        self.product_ids: list[str] = []
        self.published = 0  # videos [0, published) of the spec's publish order are in the directory
        self.order = np.argsort(spec.video_at, kind="stable")
        self.to_project: set[str] = set()
        self.follows_to_project: set[tuple[str, str]] = set()
        # The services enqueue a counter projection per write; this queue takes them and drops them, and
        # `run_jobs` enqueues one per video touched instead, as a busy queue would coalesce them.
        self.coalesced = JobQueue.from_settings(
            backend="memory", sqlite_path=data_dir / "jobs.db", redis_url="", name="feed-sim-coalesced"
        )
        self.coalesced.register(social_tasks.PROJECT_VIDEO_COUNTS, lambda region, video_id: None)
        self.coalesced.register(social_tasks.PROJECT_FOLLOW_COUNTS, lambda region, followee, follower: None)
        # What feeds may observe: the directory's videos, and counters like the platform's public ones.
        n, users = spec.videos, spec.users
        self.observed_at = np.full(n, np.inf)  # publish time read back from the directory (seconds)
        self.observed_creator = np.zeros(n, dtype=np.int64)
        self.tag_names: dict[str, int] = {}
        self.tags = np.zeros((n, 64), dtype=np.float32)  # video x hashtag, 0/1; grows with new hashtags
        self.idf = np.zeros(64)
        self.impressions = np.zeros(n)
        self.views = np.zeros(n)
        self.likes = np.zeros(n)
        self.shares = np.zeros(n)
        self.completes = np.zeros(n)
        self.seen = np.zeros((users, n), dtype=bool)
        self.following = np.zeros((users, spec.creators), dtype=bool)
        self.creator_index: dict[str, int] = {}
        self._setup()

    def _setup(self) -> None:
        from clipshop.kit.ids import new_id
        from clipshop.shop.public import PublicProduct, PublicShop, PublicVariant

        spec = self.spec
        self.creators = self._accounts("creator", spec.creators)
        self.creator_index = {actor.id: c for c, actor in enumerate(self.creators)}
        self.viewers = self._accounts("viewer", spec.users)
        merchants = self._accounts("merchant", spec.shops)
        now = self.clock.now()
        shop_ids = [new_id(REGION) for _ in range(spec.shops)]
        with everywhere(self.platform.databases).transaction() as uow:
            for n, merchant in enumerate(merchants):
                uow.directory.add(
                    PublicShop(
                        id=shop_ids[n], region=REGION, owner_id=merchant.id, handle=f"shop{n}",
                        name=f"Shop {n}", description="", currency="USD", created_at=now,
                    )
                )  # fmt: skip
            for p in range(len(spec.product_topic)):
                product_id, price = new_id(REGION), int(spec.product_price[p])
                topic = TOPICS[int(spec.product_topic[p])]
                self.product_ids.append(product_id)
                uow.directory.add(
                    PublicProduct(
                        id=product_id, shop_id=shop_ids[int(spec.product_shop[p])], region=REGION,
                        title=f"{topic.title()} item {p}", description="", currency="USD",
                        price_min=price, price_max=price, images=[], commission_bp=1000, in_stock=True,
                        search_text=f"{topic} item {p}", updated_at=now,
                    )
                )  # fmt: skip
                uow.directory.add(
                    PublicVariant(
                        id=new_id(REGION), product_id=product_id, sku=f"SKU-{p}", options={},
                        price=price, currency="USD", available=1_000_000, position=0,
                    )
                )  # fmt: skip
        self.publish_until(0.0)

    def _accounts(self, prefix: str, count: int) -> list[Any]:
        """Accounts written straight to the database (no password hashing), as the checkout bench does."""
        from clipshop.accounts.models import PublicProfile, User
        from clipshop.kit.actors import Actor
        from clipshop.kit.ids import new_id

        now, actors = self.clock.now(), []
        with everywhere(self.platform.databases).transaction() as uow:
            for n in range(count):
                user_id, handle = new_id(REGION), f"{prefix}{n}"
                uow.region(REGION).add(
                    User(
                        id=user_id, email=f"{handle}@sim.example", password_hash="-", handle=handle,
                        display_name=handle, country="US", created_at=now,
                    )
                )  # fmt: skip
                uow.directory.add(
                    PublicProfile(
                        user_id=user_id, region=REGION, handle=handle, display_name=handle, created_at=now
                    )
                )
                actors.append(Actor(id=user_id, region=REGION, handle=handle))
        return actors

    # -- time and publishing ----------------------------------------------------------------------------

    @property
    def now_s(self) -> float:
        return (self.clock.now() - START).total_seconds()

    def set_time(self, seconds: float) -> None:
        self.clock.current = START + timedelta(seconds=seconds)

    def publish_until(self, seconds: float) -> None:
        """Put every video due by `seconds` into the directory (what publishing does to the public copy),
        then read the new rows back as the feeds see them."""
        from sqlalchemy import select

        from clipshop.kit.ids import new_id
        from clipshop.shop.public import PublicVideoProduct
        from clipshop.videos.models import PublicVideo, PublicVideoTag
        from clipshop.videos.service import hot_score

        spec = self.spec
        due: list[int] = []
        while self.published < spec.videos and spec.video_at[self.order[self.published]] <= seconds:
            due.append(int(self.order[self.published]))
            self.published += 1
        if not due:
            return
        ids: list[str] = []
        with everywhere(self.platform.databases).transaction() as uow:
            for v in due:
                creator = self.creators[int(spec.video_creator[v])]
                video_id = new_id(creator.region)
                at = START + timedelta(seconds=float(spec.video_at[v]))
                tags = spec.video_tags[v]
                caption = " ".join([f"clip {v}", *(f"#{t}" for t in tags)])
                uow.directory.add(
                    PublicVideo(
                        id=video_id, region=creator.region, creator_id=creator.id, caption=caption,
                        hashtags=" ".join(tags), duration_s=float(spec.video_duration[v]), width=720,
                        height=1280, master_url=f"/media/{creator.region}/videos/{video_id}/master.m3u8",
                        published_at=at, like_count=0, comment_count=0, share_count=0, view_count=0,
                        complete_count=0,
                        hot_score=hot_score(
                            published_at=at, likes=0, comments=0, shares=0, views=0, completes=0
                        ),
                    )
                )  # fmt: skip
                ids.append(video_id)
                self.index_of[video_id] = v
            uow.directory.flush()
            for video_id, v in zip(ids, due, strict=True):
                for tag in spec.video_tags[v]:
                    uow.directory.add(
                        PublicVideoTag(
                            tag=tag,
                            video_id=video_id,
                            published_at=START + timedelta(seconds=float(spec.video_at[v])),
                        )
                    )
                product = int(spec.video_product[v])
                if product >= 0:
                    uow.directory.add(
                        PublicVideoProduct(
                            video_id=video_id, product_id=self.product_ids[product],
                            creator_id=self.creators[int(spec.video_creator[v])].id, at_s=None, position=0,
                        )
                    )  # fmt: skip
        self.video_ids.extend([""] * (spec.videos - len(self.video_ids)))
        with everywhere(self.platform.databases).transaction() as uow:
            rows = uow.directory.execute(
                select(PublicVideo.id, PublicVideo.creator_id, PublicVideo.published_at, PublicVideo.hashtags)
                .where(PublicVideo.id.in_(ids))
            )  # fmt: skip
            for video_id, creator_id, published_at, hashtags in rows:
                v = self.index_of[video_id]
                self.video_ids[v] = video_id
                self.observed_at[v] = (published_at - START).total_seconds()
                self.observed_creator[v] = self.creator_index[creator_id]
                for tag in hashtags.split():
                    column = self.tag_names.setdefault(tag, len(self.tag_names))
                    if column >= self.tags.shape[1]:
                        self.tags = np.concatenate([self.tags, np.zeros_like(self.tags)], axis=1)
                    self.tags[v, column] = 1.0
        in_directory = self.available()
        frequency = self.tags[in_directory].sum(axis=0)
        self.idf = np.log((1 + len(in_directory)) / (1 + frequency))

    def available(self) -> Array:
        """Indices of the videos in the directory."""
        return np.flatnonzero(np.isfinite(self.observed_at))

    # -- reactions --------------------------------------------------------------------------------------

    def record(self, user: int, shown: Sequence[tuple[int, Reaction, float]]) -> None:
        """Write one page's reactions through the platform's services, in one transaction (as the player
        flushes its batch), and keep the world's counters."""
        from sqlalchemy import select

        from clipshop.events import service as events
        from clipshop.events.models import EventKind
        from clipshop.shop.cart import attribution
        from clipshop.social import service as social
        from clipshop.videos.models import PublicVideo

        self._count(user, shown)
        if not self.records:
            return
        spec, actor, jobs = self.spec, self.viewers[user], self.coalesced
        with everywhere(self.platform.databases).transaction() as uow:
            # Held for the whole transaction, so each service call finds its video in the identity map.
            _held = list(
                uow.directory.scalars(
                    select(PublicVideo).where(PublicVideo.id.in_([self.video_ids[v] for v, _, _ in shown]))
                )
            )
            for v, reaction, at_s in shown:
                video_id = self.video_ids[v]
                creator = self.creators[int(spec.video_creator[v])]
                duration = float(spec.video_duration[v])
                at = START + timedelta(seconds=at_s)
                for kind, seconds in player_events(reaction, duration):
                    social.record_watch(
                        uow, actor=actor, video_id=video_id, kind=kind, watched_s=seconds, now=at, jobs=jobs
                    )
                self.to_project.add(video_id)
                if reaction.liked:
                    social.like(uow, actor=actor, video_id=video_id, now=at, jobs=jobs)
                if reaction.shared:
                    social.share(
                        uow, actor=actor, video_id=video_id, channel="link",
                        base_url=self.platform.settings.base_url, now=at, jobs=jobs,
                    )  # fmt: skip
                if reaction.followed:
                    social.follow(uow, actor=actor, followee_id=creator.id, now=at, jobs=jobs)
                    self.follows_to_project.add((creator.id, actor.id))
                product = int(spec.video_product[v])
                if reaction.opened:
                    product_id = self.product_ids[product]
                    attribution.touch(
                        uow,
                        actor=actor,
                        product_id=product_id,
                        video_id=video_id,
                        creator_id=creator.id,
                        now=at,
                    )
                    for kind, done in (
                        (EventKind.ADD_TO_CART, reaction.carted),
                        (EventKind.PURCHASE, reaction.bought),
                    ):
                        if done:
                            events.record(
                                uow, actor=actor, kind=kind, now=at, video_id=video_id,
                                product_id=product_id, creator_id=creator.id, value=1.0,
                            )  # fmt: skip

    def _count(self, user: int, shown: Sequence[tuple[int, Reaction, float]]) -> None:
        for v, reaction, _ in shown:
            self.seen[user, v] = True
            self.impressions[v] += 1
            self.views[v] += 1
            self.completes[v] += reaction.completes
            self.likes[v] += reaction.liked
            self.shares[v] += reaction.shared
            if reaction.followed:
                self.following[user, int(self.spec.video_creator[v])] = True

    def run_jobs(self) -> None:
        """The jobs a worker would have run by now: the counter projections the API enqueues after each
        write (one per video touched since the last run, as a busy queue would coalesce them), then the
        feed's periodic refresh (trending, vectors of new videos)."""
        from clipshop.feed import tasks as feed_tasks
        from clipshop.social import tasks as social_tasks

        if not self.records:
            return
        for video_id in sorted(self.to_project):
            self.platform.jobs.enqueue(social_tasks.PROJECT_VIDEO_COUNTS, REGION, video_id)
        for followee, follower in sorted(self.follows_to_project):
            self.platform.jobs.enqueue(social_tasks.PROJECT_FOLLOW_COUNTS, REGION, followee, follower)
        self.to_project.clear()
        self.follows_to_project.clear()
        self.coalesced.flush()
        self.platform.jobs.drain(limit=1_000_000)
        self.platform.jobs.enqueue(feed_tasks.REFRESH)
        self.platform.jobs.drain()

    def close(self) -> None:
        self.platform.close()


# ---------------------------------------------------------------------------------------------------------
# Policies


class Policy(Protocol):
    name: str
    reads_platform: bool  # ranks from the platform's events, so the world must write them

    def start_session(self, world: World, user: int, session: int) -> None: ...

    def next_page(self, world: World, user: int) -> list[int]: ...

    def observe(self, world: World, user: int, shown: Sequence[tuple[int, Reaction, float]]) -> None: ...

    def after_round(self, world: World) -> None: ...


class Baseline:
    """A policy ranked in the bench from the directory's videos and the world's counters; never re-serves."""

    name = "baseline"
    reads_platform = False

    def __init__(self) -> None:
        self.rng = np.random.default_rng(0)

    def start_session(self, world: World, user: int, session: int) -> None:
        self.rng = np.random.default_rng([world.spec.seed, 5, session, user])

    def candidates(self, world: World, user: int) -> Array:
        pool = world.available()
        return np.asarray(pool[~world.seen[user, pool]])

    def next_page(self, world: World, user: int) -> list[int]:
        pool = self.candidates(world, user)
        if len(pool) == 0:
            return []
        return self.rank(world, user, pool)

    def rank(self, world: World, user: int, pool: Array) -> list[int]:
        raise NotImplementedError

    def observe(self, world: World, user: int, shown: Sequence[tuple[int, Reaction, float]]) -> None:
        pass

    def after_round(self, world: World) -> None:
        pass


def top(pool: Array, *keys: Array, count: int = PAGE) -> list[int]:
    """The `count` best of `pool` by `keys`, the first key most significant, all descending."""
    order = np.lexsort(tuple(-k for k in reversed(keys)))
    return [int(v) for v in pool[order[:count]]]


class Chronological(Baseline):
    name = "chronological"

    def rank(self, world: World, user: int, pool: Array) -> list[int]:
        return top(pool, world.observed_at[pool])


class Popularity(Baseline):
    name = "popularity"

    def rank(self, world: World, user: int, pool: Array) -> list[int]:
        engagement = world.likes[pool] + world.shares[pool] + world.completes[pool]
        return top(pool, engagement, world.observed_at[pool])  # ties: the newer first


class HandWeighted(Baseline):
    """Loops-style For You: a weighted sum of four components in [0, 1] over every unseen video, 70% of a
    page by score and 30% discovery (random among the least exposed unseen), two ranked then one discovery.

    freshness  exp(-age / 48 h)
    engagement log(1 + 100 (likes + shares + completes) / (views + 10)), over its maximum
    interest    0.7 x the video's hashtags against the viewer's (videos watched half-way or more, likes
                counting double; each tag weighted by its idf so #fyp says little) + 0.3 x the viewer's
                affinity to the creator (watched, liked, followed), 0.5 for a viewer with no history yet
    creator     the creator's completion rate over all their views (smoothed), min-max scaled
    """

    name = "hand_weighted"

    def __init__(self) -> None:
        super().__init__()
        self.tag_profile: dict[int, Array] = {}
        self.creator_affinity: dict[int, Array] = {}

    def observe(self, world: World, user: int, shown: Sequence[tuple[int, Reaction, float]]) -> None:
        """The viewer's interests, as Loops keeps them: hashtags and creators of what they engaged with."""
        creators = self.creator_affinity.setdefault(user, np.zeros(world.spec.creators))
        tags = self.tag_profile.get(user, np.zeros(0))
        if len(tags) < world.tags.shape[1]:
            tags = np.concatenate([tags, np.zeros(world.tags.shape[1] - len(tags))])
        for v, reaction, _ in shown:
            duration = float(world.spec.video_duration[v])
            weight = (1.0 if reaction.watched_s >= 0.5 * duration else 0.0) + (2.0 if reaction.liked else 0.0)
            weight += 3.0 if reaction.followed else 0.0
            if weight:
                tags += weight * world.tags[v]
                creators[int(world.observed_creator[v])] += weight
        self.tag_profile[user] = tags

    def rank(self, world: World, user: int, pool: Array) -> list[int]:
        score = self.score(world, user, pool)
        discovery = math.ceil(PAGE * DISCOVERY_SHARE)
        ranked = top(pool, score, count=PAGE - discovery)
        rest = pool[~np.isin(pool, ranked)]
        picks: list[int] = []
        if len(rest):
            exposure = world.impressions[rest]
            low = rest[exposure <= np.median(exposure)]
            picks = [int(v) for v in self.rng.choice(low, size=min(discovery, len(low)), replace=False)]
        page: list[int] = []
        while ranked or picks:
            page += [ranked.pop(0) for _ in range(min(2, len(ranked)))]
            if picks:
                page.append(picks.pop(0))
        return page[:PAGE]

    def score(self, world: World, user: int, pool: Array) -> Array:
        age_h = np.maximum(0.0, world.now_s - world.observed_at[pool]) / 3600
        fresh = np.exp(-age_h / FRESH_TAU_H)
        engaged = world.likes[pool] + world.shares[pool] + world.completes[pool]
        engagement = np.log1p(100 * engaged / (world.views[pool] + 10))
        engagement = engagement / engagement.max() if engagement.max() > 0 else engagement
        creators = world.observed_creator[pool]
        interest = self.interest(world, user, pool, creators)
        views = np.bincount(world.observed_creator, weights=world.views, minlength=world.spec.creators)
        completes = np.bincount(
            world.observed_creator, weights=world.completes, minlength=world.spec.creators
        )
        rate = ((completes + 1) / (views + 4))[creators]  # a creator nobody has watched yet starts at 25%
        span = rate.max() - rate.min()
        quality = (rate - rate.min()) / span if span > 0 else np.full(len(pool), 0.5)
        return np.asarray(
            W_FRESH * fresh + W_ENGAGE * engagement + W_INTEREST * interest + W_CREATOR * quality
        )

    def interest(self, world: World, user: int, pool: Array, creators: Array) -> Array:
        tags = self.tag_profile.get(user)
        if tags is None or not tags.any():
            return np.full(len(pool), 0.5)
        width = world.tags.shape[1]
        idf = world.idf[:width]
        profile = np.zeros(width)
        profile[: len(tags)] = tags[:width]
        profile *= idf
        profile /= profile.max() if profile.max() > 0 else 1.0
        weighted = world.tags[pool] * idf  # each video's hashtags, weighted by idf
        mass = weighted.sum(axis=1)
        tag_match = np.divide(weighted @ profile, mass, out=np.zeros(len(pool)), where=mass > 0)
        affinity = self.creator_affinity[user]
        creator_match = affinity[creators] / (affinity.max() or 1.0)
        return np.asarray(0.7 * tag_match + 0.3 * creator_match)


class RandomFeed(Baseline):
    name = "random"

    def rank(self, world: World, user: int, pool: Array) -> list[int]:
        return [int(v) for v in self.rng.choice(pool, size=min(PAGE, len(pool)), replace=False)]


class Oracle(Baseline):
    """Ranks by the hidden expected appeal: how good a feed could be, not a feed anyone could build."""

    name = "oracle"

    def rank(self, world: World, user: int, pool: Array) -> list[int]:
        return top(pool, expected_appeal(world.spec, user, pool, world.now_s))


class PlatformRecommender:
    """The platform's For You, paged by its cursor, retrained after every round."""

    name = "recommender"
    reads_platform = True

    def __init__(self) -> None:
        from clipshop.feed import recommend
        from clipshop.feed.learning import training

        self.recommend, self.training = recommend, training
        self.cursor: str | None = None
        self.exhausted = False

    def start_session(self, world: World, user: int, session: int) -> None:
        self.cursor, self.exhausted = None, False

    def next_page(self, world: World, user: int) -> list[int]:
        if self.exhausted:
            return []
        with everywhere(world.platform.databases).transaction() as uow:
            page = self.recommend.for_you(
                uow, platform=world.platform, actor=world.viewers[user], cursor=self.cursor, limit=PAGE
            )
            ids = [video.id for video in page.videos]
        self.cursor = page.next_cursor
        self.exhausted = self.cursor is None
        return [world.index_of[i] for i in ids if i in world.index_of]

    def observe(self, world: World, user: int, shown: Sequence[tuple[int, Reaction, float]]) -> None:
        pass  # it learns from the events the world wrote

    def after_round(self, world: World) -> None:
        self.training.retrain(world.platform, REGION)


FACTORIES: dict[str, Callable[[], Policy]] = {
    "chronological": Chronological,
    "popularity": Popularity,
    "hand_weighted": HandWeighted,
    "recommender": PlatformRecommender,
    "random": RandomFeed,
    "oracle": Oracle,
}


# ---------------------------------------------------------------------------------------------------------
# The loop


@dataclass
class RoundFigures:
    round: int
    watch_s_per_session: float
    purchases_per_session: float
    items_per_session: float
    completes_per_session: float
    likes_per_session: float
    repeat_share: float  # of the videos shown, those this viewer had been shown before
    coverage: float  # of the videos in the directory, those shown to anyone this round
    retrain_s: float = 0.0


@dataclass
class PolicyRun:
    name: str
    rounds: list[RoundFigures] = field(default_factory=list)
    page_ms: list[float] = field(default_factory=list)
    wall_s: float = 0.0
    events: int = 0


ProgressFn = Callable[[str, int], None]


def run_session(
    world: World, policy: Policy, run: PolicyRun, *, user: int, rnd: int, start_s: float
) -> dict[str, float]:
    """One viewer scrolls until bored; returns the session's totals."""
    spec = world.spec
    world.set_time(start_s)
    world.publish_until(start_s)
    policy.start_session(world, user, rnd)
    leave = np.random.default_rng([spec.seed, 4, rnd, user])
    totals = {"watch_s": 0.0, "purchases": 0.0, "items": 0.0, "completes": 0.0, "likes": 0.0, "repeats": 0.0}
    skips, done, clock_s = 0, False, start_s
    while not done:
        started = time.perf_counter()
        page = policy.next_page(world, user)
        run.page_ms.append((time.perf_counter() - started) * 1000)
        if not page:
            break
        shown: list[tuple[int, Reaction, float]] = []
        for v in page:
            repeat = bool(world.seen[user, v])
            following = bool(world.following[user, int(spec.video_creator[v])])
            reaction = react(spec, user=user, video=v, now_s=clock_s, repeat=repeat, following=following)
            clock_s += reaction.watched_s + SWIPE_S
            shown.append((v, reaction, clock_s))
            totals["watch_s"] += reaction.watched_s
            totals["purchases"] += reaction.bought
            totals["items"] += 1
            totals["completes"] += reaction.completes
            totals["likes"] += reaction.liked
            totals["repeats"] += repeat
            skips = skips + 1 if reaction.skipped else 0
            if skips >= spec.patience[user] or totals["items"] >= MAX_ITEMS or leave.random() < QUIT_CHANCE:
                done = True
                break
        world.record(user, shown)
        policy.observe(world, user, shown)
        world.set_time(clock_s)
    return totals


def simulate(name: str, spec: Spec, data_dir: Path, report: ProgressFn) -> PolicyRun:
    """All rounds of one policy in its own world."""
    started = time.perf_counter()
    run = PolicyRun(name)
    policy = FACTORIES[name]()
    world = World(spec, data_dir, records=policy.reads_platform)
    try:
        for rnd in range(spec.rounds):
            order = np.random.default_rng([spec.seed, 6, rnd]).permutation(spec.users)
            offsets = np.sort(np.random.default_rng([spec.seed, 7, rnd]).uniform(0, DAY_S, spec.users))
            sums: dict[str, float] = {}
            shown_round: set[int] = set()
            for n, user in enumerate(order):
                seen_before = world.seen[user].copy()
                totals = run_session(
                    world, policy, run, user=int(user), rnd=rnd, start_s=rnd * DAY_S + offsets[n]
                )
                shown_round.update(np.flatnonzero(world.seen[user] & ~seen_before).tolist())
                for key, value in totals.items():
                    sums[key] = sums.get(key, 0.0) + value
                if n % 100 == 99:
                    world.run_jobs()
                report(name, 1)
            world.run_jobs()
            world.set_time(max(world.now_s, (rnd + 1) * DAY_S))
            retrain_started = time.perf_counter()
            policy.after_round(world)
            users = spec.users
            run.rounds.append(
                RoundFigures(
                    round=rnd + 1,
                    watch_s_per_session=sums["watch_s"] / users,
                    purchases_per_session=sums["purchases"] / users,
                    items_per_session=sums["items"] / users,
                    completes_per_session=sums["completes"] / users,
                    likes_per_session=sums["likes"] / users,
                    repeat_share=sums["repeats"] / max(1.0, sums["items"]),
                    coverage=len(shown_round) / max(1, len(world.available())),
                    retrain_s=time.perf_counter() - retrain_started,
                )
            )
        run.events = count_events(world)
    finally:
        world.close()
    run.wall_s = time.perf_counter() - started
    return run


def count_events(world: World) -> int:
    from sqlalchemy import func, select

    from clipshop.events.models import Event

    with everywhere(world.platform.databases).transaction() as uow:
        return int(uow.region(REGION).scalar(select(func.count()).select_from(Event)) or 0)


# Worker processes report progress through this queue (set by the pool's initializer).
_progress: Any = None


def _init_worker(progress: Any) -> None:
    global _progress
    _progress = progress


def _simulate_in_worker(name: str, spec_args: dict[str, int], data_dir: Path) -> PolicyRun:
    spec = make_spec(**spec_args)
    return simulate(name, spec, data_dir, lambda policy, n: _progress.put((policy, n)))


def run_all(
    names: Sequence[str], spec_args: dict[str, int], root: Path, *, workers: int, progress: Progress
) -> dict[str, PolicyRun]:
    """Each policy in its own world; several at once in worker processes when `workers` > 1."""
    total = spec_args["rounds"] * spec_args["users"]
    tasks = {name: progress.add_task(name, total=total) for name in names}
    if workers <= 1:
        spec = make_spec(**spec_args)
        return {
            name: simulate(name, spec, root / name, lambda policy, n: progress.advance(tasks[policy], n))
            for name in names
        }
    context = multiprocessing.get_context("spawn")
    messages = context.Queue()
    results: dict[str, PolicyRun] = {}
    with ProcessPoolExecutor(
        max_workers=workers, mp_context=context, initializer=_init_worker, initargs=(messages,)
    ) as pool:
        # The recommender's world takes the longest: start it first.
        first = sorted(names, key=lambda name: name != "recommender")
        futures: dict[str, Future[PolicyRun]] = {
            name: pool.submit(_simulate_in_worker, name, spec_args, root / name) for name in first
        }
        while not all(f.done() for f in futures.values()):
            try:
                policy, n = messages.get(timeout=0.2)
                progress.advance(tasks[policy], n)
            except queue.Empty:
                pass
        for name in names:
            results[name] = futures[name].result()
    while True:
        try:
            policy, n = messages.get_nowait()
        except queue.Empty:
            break
        progress.advance(tasks[policy], n)
    return results


# ---------------------------------------------------------------------------------------------------------
# Reporting

SPARKS = "▁▂▃▄▅▆▇█"


def sparkline(values: Sequence[float]) -> str:
    """One character per value, from zero to the largest value."""
    high = max(values, default=0.0)
    return "".join(SPARKS[min(7, int(v / high * 8))] if high > 0 else SPARKS[0] for v in values)


def chart(series: dict[str, list[float]], *, height: int = 12, width: int = 5) -> str:
    """The curves on one plot, one letter per policy (`*` where two meet), zero at the bottom."""
    marks = {name: name[0] for name in series}
    if len(set(marks.values())) < len(marks):
        marks = {name: str(n + 1) for n, name in enumerate(series)}
    rounds = max(len(values) for values in series.values())
    high = max((v for values in series.values() for v in values), default=0.0) or 1.0
    grid = [[" "] * (rounds * width) for _ in range(height)]
    for name, values in series.items():
        for r, value in enumerate(values):
            row = height - 1 - round(value / high * (height - 1))
            column = r * width + width // 2
            grid[row][column] = "*" if grid[row][column] not in (" ", marks[name]) else marks[name]
    lines = []
    for row, cells in enumerate(grid):
        value = high * (height - 1 - row) / (height - 1)
        label = f"{value:7.0f} " if row % 3 == 0 or row == height - 1 else " " * 8
        lines.append(f"{label}|{''.join(cells)}")
    lines.append(" " * 8 + "+" + "-" * (rounds * width))
    lines.append(" " * 9 + "".join(f"{r + 1:^{width}}" for r in range(rounds)) + "  round")
    lines.append(" " * 9 + "   ".join(f"{mark} {name}" for name, mark in marks.items()))
    return "\n".join(lines)


def print_report(runs: dict[str, PolicyRun], rounds: int) -> None:
    names = list(runs)
    for title, key, digits in (
        ("Watch seconds per session", "watch_s_per_session", 1),
        ("Purchases per session", "purchases_per_session", 3),
    ):
        table = Table(title=title, title_justify="left")
        table.add_column("round")
        for name in names:
            table.add_column(name, justify="right")
        for r in range(rounds):
            table.add_row(str(r + 1), *(f"{getattr(runs[n].rounds[r], key):.{digits}f}" for n in names))
        console.print(table)

    curves = {name: [f.watch_s_per_session for f in run.rounds] for name, run in runs.items()}
    console.print("Watch seconds per session by round")
    console.print(chart(curves), markup=False)
    summary = Table(title=f"Round {rounds} (the last) and the curve over rounds", title_justify="left")
    for column in (
        "policy", "watch s", "buys", "videos", "completes", "likes", "repeats", "coverage",
        "watch s by round", "page ms p50/p95", "retrain s", "wall s",
    ):  # fmt: skip
        summary.add_column(column, justify="left" if column in {"policy", "watch s by round"} else "right")
    for name, run in runs.items():
        last = run.rounds[-1]
        curve = [f.watch_s_per_session for f in run.rounds]
        summary.add_row(
            name,
            f"{last.watch_s_per_session:.1f}",
            f"{last.purchases_per_session:.3f}",
            f"{last.items_per_session:.1f}",
            f"{last.completes_per_session:.1f}",
            f"{last.likes_per_session:.2f}",
            f"{last.repeat_share:.1%}",
            f"{last.coverage:.1%}",
            sparkline(curve),
            f"{percentile(run.page_ms, 50):.1f}/{percentile(run.page_ms, 95):.1f}",
            f"{sum(f.retrain_s for f in run.rounds) / len(run.rounds):.1f}",
            f"{run.wall_s:.0f}",
        )
    console.print(summary)
    if "recommender" in runs and "hand_weighted" in runs:
        rec, hand = runs["recommender"].rounds, runs["hand_weighted"].rounds
        watch_last, watch_warm = lifts(rec, hand, "watch_s_per_session")
        buys_last, buys_warm = lifts(rec, hand, "purchases_per_session")
        console.print(
            f"recommender vs hand_weighted: watch s per session {signed(watch_last)} in round {rounds}, "
            f"{signed(watch_warm)} over rounds {warm(rec)[0].round}-{rounds}; purchases per session "
            f"{signed(buys_last)} and {signed(buys_warm)}"
        )


def lift(a: float, b: float) -> float:
    return a / b - 1 if b else float("nan")


def signed(share: float) -> str:
    return "n/a" if math.isnan(share) else f"{share:+.1%}"


def lifts(a: Sequence[RoundFigures], b: Sequence[RoundFigures], key: str) -> tuple[float, float]:
    """How much more `a` did than `b`: in the last round, and over the warm rounds."""
    return lift(getattr(a[-1], key), getattr(b[-1], key)), lift(mean(warm(a), key), mean(warm(b), key))


def mean(rounds: Sequence[RoundFigures], key: str) -> float:
    return sum(getattr(f, key) for f in rounds) / len(rounds) if rounds else float("nan")


def warm(rounds: Sequence[RoundFigures]) -> Sequence[RoundFigures]:
    """The second half of the rounds: after the models (and the viewers' histories) have warmed up."""
    return rounds[len(rounds) // 2 :]


def figures(
    runs: dict[str, PolicyRun], args: argparse.Namespace, command: str, wall_s: float
) -> dict[str, Any]:
    """The JSON object: the last round per policy under "policies", every round under "rounds"."""
    policies: dict[str, Any] = {}
    for name, run in runs.items():
        last = run.rounds[-1]
        policies[name] = {
            "watch_s_per_session": round(last.watch_s_per_session, 2),
            "purchases_per_session": round(last.purchases_per_session, 4),
            "items_per_session": round(last.items_per_session, 2),
            "repeat_share": round(last.repeat_share, 4),
            "watch_s_per_session_warm": round(mean(warm(run.rounds), "watch_s_per_session"), 2),
            "purchases_per_session_warm": round(mean(warm(run.rounds), "purchases_per_session"), 4),
            "page_ms_p50": round(percentile(run.page_ms, 50), 2),
            "page_ms_p95": round(percentile(run.page_ms, 95), 2),
            "events_written": run.events,
            "wall_s": round(run.wall_s, 1),
        }
    out: dict[str, Any] = {
        "policies": policies,
        "rounds": {
            name: [{k: round(v, 4) for k, v in asdict(f).items()} for f in run.rounds]
            for name, run in runs.items()
        },
        "users": args.users,
        "videos": args.videos,
        "creators": args.creators,
        "rounds_run": args.rounds,
        "seed": args.seed,
        "wall_s": round(wall_s, 1),
        "command": command,
    }
    if "recommender" in runs and "hand_weighted" in runs:
        last, warm_rounds = lifts(
            runs["recommender"].rounds, runs["hand_weighted"].rounds, "watch_s_per_session"
        )
        out["recommender_vs_hand_weighted_watch"] = {"last": round(last, 4), "warm": round(warm_rounds, 4)}
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--users", type=int, default=300, help="viewers per policy world")
    parser.add_argument("--videos", type=int, default=2000, help="videos in the starting catalogue")
    parser.add_argument("--creators", type=int, default=200)
    parser.add_argument("--rounds", type=int, default=8, help="simulated days: one session per viewer each")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument(
        "--policies",
        default=",".join(DEFAULT_POLICIES),
        help=f"comma-separated, from {', '.join(POLICIES)}",
    )
    parser.add_argument(
        "--workers",
        type=int,
        default=None,
        help="policy worlds simulated at once, each in its own process (default: one per CPU or policy)",
    )
    add_common_options(parser)
    args = parser.parse_args()
    names = [n.strip() for n in args.policies.split(",") if n.strip()]
    unknown = sorted(set(names) - set(POLICIES))
    if unknown or not names:
        parser.error(
            f"--policies: unknown {', '.join(unknown) or '(none given)'}; choose from {', '.join(POLICIES)}"
        )
    if args.workers is None:
        args.workers = max(1, min(len(names), os.cpu_count() or 1))
    clean_environ()
    command = reproduce_command("feed_sim.py", parser, args)
    spec_args = {
        "seed": args.seed,
        "videos": args.videos,
        "creators": args.creators,
        "users": args.users,
        "rounds": args.rounds,
    }
    console.print(
        f"{len(names)} policies x {args.rounds} rounds x {args.users} viewers, {args.videos} videos by "
        f"{args.creators} creators (+{max(1, round(args.videos * UPLOADS_PER_DAY))} a day), "
        f"{args.workers} worker(s); {machine_note()}"
    )
    started = time.perf_counter()
    bars = Progress(
        TextColumn("{task.description:<14}"),
        BarColumn(),
        MofNCompleteColumn(),
        TextColumn("sessions"),
        TimeElapsedColumn(),
        console=console,
    )
    with scratch_dir(args.data_dir, prefix="feed-sim", keep=args.keep) as root, bars as progress:
        runs = run_all(names, spec_args, root, workers=args.workers, progress=progress)
    wall_s = time.perf_counter() - started
    print_report(runs, args.rounds)
    console.print(f"{wall_s:.0f} s in all")
    finish(command, figures(runs, args, command, wall_s), as_json=args.json)


if __name__ == "__main__":
    main()
