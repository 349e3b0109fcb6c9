"""The scheduled retrain of one region's feed model, on that region's events only.

1. Interactions: every (viewer, video) of the window with a positive interest (a completed or long play,
   a like, a share, a product bought from it...) becomes a 1 in a viewers x videos matrix.
2. The collaborative model is the offline-evaluated `production` ranker (`HybridRanker`) at the size in
   settings (`recs_rank`, `recs_factors`); its item vectors go into an HNSW index (usearch) once the
   region has `recs_ann_min_items` items.
3. The ranker heads learn from the served log: the features each served item had, against whether the
   viewer then completed, liked, shared or bought it, and how much of it they watched.
4. The trending table is rewritten, and the model is published in the region's media store for every
   serving process of the region to pick up (`feed.store`).

`embed_new_videos` gives videos published since the last run a vector (the mean of the trained vectors of
the same creator's videos, or else of videos sharing their hashtags), so they are retrievable by the
embedding source without waiting for the next retrain.
"""

from __future__ import annotations

import logging
import multiprocessing
import os
import threading
import time
from collections import defaultdict
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

import numpy as np
import scipy.sparse as sp
from sqlalchemy import select

from clipshop.config import Settings
from clipshop.events.models import Event, EventKind
from clipshop.feed import sources
from clipshop.feed.interests import NOT_INTERESTED_WEIGHT, SKIP_SHARE, SKIP_WEIGHT
from clipshop.feed.learning.heads import learn_heads
from clipshop.feed.runtime import feed_runtime
from clipshop.feed.store import Extras, RegionModel, save, save_extras
from clipshop.kit.clock import FixedClock
from clipshop.kit.db import UnitOfWork
from clipshop.platform import Platform
from clipshop.videos.models import PublicVideo

if TYPE_CHECKING:
    from clipshop.feed.learning.fusion import HybridRanker

log = logging.getLogger(__name__)

Progress = Callable[[str], None]
POSITIVE = 0.5
RETRAIN_NICENESS = 10
PARENT_CHECK_S = 1.0
ID_CHUNK = 5_000
_KIND_WEIGHTS = {
    EventKind.COMPLETE: 1.0,
    EventKind.LIKE: 2.0,
    EventKind.COMMENT: 2.0,
    EventKind.SHARE: 3.0,
    EventKind.PRODUCT_OPEN: 2.0,
    EventKind.ADD_TO_CART: 3.0,
    EventKind.PURCHASE: 5.0,
}


def retrain_in_child(platform: Platform, regions: list[str]) -> list[dict[str, Any]]:
    """`retrain` of each region in turn, in a fresh process, as of this platform's now: the fit's peak
    memory (gigabytes at a million videos) goes back to the system when the child exits, and a serving
    process that runs the jobs in its own threads (the embedded default) keeps its interpreter lock for
    requests. The servers, this one included, pick the new versions up from the regions' media stores."""
    context = multiprocessing.get_context("spawn")
    with ProcessPoolExecutor(max_workers=1, mp_context=context) as child:
        job = child.submit(_retrain_as_of, platform.settings, regions, platform.clock.now(), os.getpid())
        reports: list[dict[str, Any]] = job.result()
    return reports


def _retrain_as_of(
    settings: Settings, regions: list[str], now: datetime, parent: int
) -> list[dict[str, Any]]:
    # Minutes of full cores: on a machine that also serves, requests go first.
    os.nice(RETRAIN_NICENESS)
    threading.Thread(target=_exit_with, args=(parent,), daemon=True, name="retrain-watchdog").start()

    platform = Platform(settings, clock=FixedClock(now))
    try:
        return [retrain(platform, region) for region in regions]
    finally:
        platform.close()


def _exit_with(parent: int) -> None:
    """End this retrain when the process that asked for it is gone (a server stopped or killed meanwhile):
    nobody waits for its report, and an orphan would hold cores and gigabytes for many minutes."""
    while os.getppid() == parent:
        time.sleep(PARENT_CHECK_S)
    log.warning("the process that started this retrain (%d) has gone; stopping", parent)
    os._exit(1)


def retrain(platform: Platform, region: str, *, progress: Progress | None = None) -> dict[str, Any]:
    """Train and publish the region's model; returns a report (sizes, seconds per step)."""
    say = progress or (lambda _: None)
    settings = platform.settings
    now = platform.clock.now()
    since = now - timedelta(days=settings.recs_window_days)
    report: dict[str, Any] = {"region": region}
    started = time.perf_counter()

    say("reading events")
    with platform.uow(home=region).transaction() as uow:
        weights, durations = _interactions(uow, region, since)
        video_tags, video_creators = _video_facts(uow, {video for _, video in weights})
    users = sorted({user for user, _ in weights})
    videos = sorted({video for _, video in weights if video in video_tags})
    report.update(events_s=round(time.perf_counter() - started, 2), users=len(users), items=len(videos))

    step = time.perf_counter()
    collaborative = None
    positives = {pair: w for pair, w in weights.items() if w >= POSITIVE and pair[1] in video_tags}
    report["interactions"] = len(positives)
    if len(users) >= 2 and len(videos) >= 2 and len(positives) >= 10:
        say(f"fitting the collaborative model on {len(positives):,} interactions")
        collaborative = _fit_collaborative(settings, users, videos, positives)
    report["collaborative_s"] = round(time.perf_counter() - step, 2)

    step = time.perf_counter()
    ann = None
    if collaborative is not None and len(videos) >= settings.recs_ann_min_items:
        say(f"indexing {len(videos):,} item vectors")
        ann = _index(collaborative.item_vectors())
    report["index_s"] = round(time.perf_counter() - step, 2)

    step = time.perf_counter()
    say("learning the ranker from the served log")
    with platform.uow(home=region).transaction() as uow:
        ranker = learn_heads(uow, region, since, durations)
    report.update(ranker_s=round(time.perf_counter() - step, 2), ranker_samples=ranker.samples)
    report["ranker_learned"] = sorted(t for t, m in ranker.tasks.items() if m.learned)

    say("refreshing trending")
    with platform.uow(home=region).transaction() as uow:
        report["trending"] = sources.refresh_trending(uow, region=region, now=now)

    index = {video: i for i, video in enumerate(videos)}
    model = RegionModel(
        region=region,
        version=now.strftime("%Y%m%dT%H%M%S%f"),
        trained_at=now,
        video_ids=videos,
        collaborative=collaborative,
        ranker=ranker,
        report=report,
        item_tags=_grouped(video_tags, index),
        item_creators=_grouped({v: [c] for v, c in video_creators.items()}, index),
        ann=ann,
    )
    report["seconds"] = round(time.perf_counter() - started, 2)
    pointer = save(model, platform.media_store(region), scratch=platform.upload_volumes[region])
    feed_runtime(platform).models.publish(region, model, pointer)
    log.info("feed model for %s: %s", region, report)
    return report


def _interactions(
    uow: Any, region: str, since: datetime
) -> tuple[dict[tuple[str, str], float], dict[str, float]]:
    """(viewer, video) -> interest over the window: the best watch share (a skip counts against), plus
    the weight of every other kind of event, each kind once."""
    db = uow.region(region)
    durations = {
        video: float(duration)
        for video, duration in uow.directory.execute(select(PublicVideo.id, PublicVideo.duration_s))
    }
    watch: dict[tuple[str, str], float] = defaultdict(float)
    kinds: dict[tuple[str, str], set[str]] = defaultdict(set)
    query = (
        select(Event.user_id, Event.video_id, Event.kind, Event.value)
        .where(
            Event.created_at >= since, Event.video_id.is_not(None), Event.kind != EventKind.IMPRESSION.value
        )
        .execution_options(yield_per=50_000)
    )
    for user, video, kind, value in db.execute(query):
        pair = (user, video)
        if kind in (EventKind.PLAY, EventKind.PROGRESS):
            duration = durations.get(video) or 0.0
            if duration:
                watch[pair] = max(watch[pair], min(value / duration, 1.0))
            else:
                watch.setdefault(pair, 0.0)
        else:
            kinds[pair].add(kind)
    weights: dict[tuple[str, str], float] = {}
    for pair in set(watch) | set(kinds):
        share = watch.get(pair)
        base = (SKIP_WEIGHT if share < SKIP_SHARE else share) if share is not None else 0.0
        told = kinds.get(pair, set())
        if EventKind.NOT_INTERESTED in told:
            # The viewer's word outweighs what they did before saying it: never a positive.
            weights[pair] = NOT_INTERESTED_WEIGHT
            continue
        weights[pair] = base + sum(_KIND_WEIGHTS.get(EventKind(kind), 0.0) for kind in told)
    return weights, durations


def _video_facts(uow: UnitOfWork, video_ids: set[str]) -> tuple[dict[str, list[str]], dict[str, str]]:
    tags: dict[str, list[str]] = {}
    creators: dict[str, str] = {}
    ids = sorted(video_ids)
    for start in range(0, len(ids), ID_CHUNK):
        query = select(PublicVideo.id, PublicVideo.creator_id, PublicVideo.hashtags).where(
            PublicVideo.id.in_(ids[start : start + ID_CHUNK])
        )
        for video, creator, hashtags in uow.directory.execute(query):
            tags[video], creators[video] = hashtags.split(), creator
    return tags, creators


def _grouped(values: dict[str, list[str]], index: dict[str, int]) -> dict[str, list[int]]:
    out: dict[str, list[int]] = defaultdict(list)
    for video, keys in values.items():
        if video in index:
            for key in keys:
                out[key].append(index[video])
    return dict(out)


def _fit_collaborative(
    settings: Settings, users: list[str], videos: list[str], positives: dict[tuple[str, str], float]
) -> HybridRanker:
    # The model families load only in the retrain child, never in a server that imports this for its jobs.
    from clipshop.feed.learning.fusion import HybridRanker

    user_at = {u: i for i, u in enumerate(users)}
    video_at = {v: i for i, v in enumerate(videos)}
    rows = np.fromiter((user_at[u] for u, _ in positives), dtype=np.int64, count=len(positives))
    cols = np.fromiter((video_at[v] for _, v in positives), dtype=np.int64, count=len(positives))
    matrix = sp.csr_matrix(
        (np.ones(len(positives), dtype=np.float32), (rows, cols)), shape=(len(users), len(videos))
    )
    rank = max(2, min(settings.recs_rank, len(videos) - 1))
    factors = max(2, min(settings.recs_factors, len(videos) - 1, len(users) - 1))
    model = HybridRanker(
        lowrank_ease={"rank": rank, "l2": 500.0, "hop2": 0.5},
        als={"factors": factors, "regularization": 100.0, "alpha": 20.0},
        itemknn={"neighbours": 100, "shrink": 10.0},
        rp3beta={"alpha": 1.0, "beta": -0.2, "neighbours": 50},
    )
    model.fit(matrix)
    return model


def _index(vectors: np.ndarray) -> Any:
    # usearch loads only when a region is large enough to index, and only in the retrain child.
    from usearch.index import Index

    index = Index(ndim=vectors.shape[1], metric="ip", dtype="f16")
    index.add(np.arange(len(vectors), dtype=np.uint64), vectors, threads=2)
    return index


def embed_new_videos(platform: Platform, region: str) -> int:
    """Vectors for videos published since the region's model was trained; returns how many got one."""
    model = feed_runtime(platform).models.current(region)
    if model is None or model.collaborative is None:
        return 0
    vectors = model.collaborative.item_vectors()
    with platform.uow(home=region).transaction() as uow:
        query = (
            select(PublicVideo.id, PublicVideo.creator_id, PublicVideo.hashtags)
            .where(PublicVideo.published_at >= model.trained_at - timedelta(hours=1))
            .order_by(PublicVideo.published_at.desc())
            .limit(20_000)
        )
        rows = [row for row in uow.directory.execute(query) if row[0] not in model.index_of]
    ids: list[str] = []
    found: list[np.ndarray] = []
    for video, creator, hashtags in rows:
        members = model.item_creators.get(creator) or [
            i for tag in hashtags.split() for i in model.item_tags.get(tag, [])[:200]
        ]
        if members:
            ids.append(video)
            found.append(vectors[members].mean(axis=0))
    if not ids:
        return 0
    if model.extras is not None and model.extras.ids == ids:
        return len(ids)  # nothing new: every server keeps what it has
    extras = Extras.of(ids, np.vstack(found))
    save_extras(platform.media_store(region), model.version, extras)
    model.extras = extras
    return len(ids)
