"""The For You recommender end to end: events in the viewer's region, interests that move the next page
within seconds, the scheduled retrain (collaborative model, ANN index, learned ranker heads), blending
rules, new videos' vectors without a retrain, and "why am I seeing this" on every item."""

from __future__ import annotations

import dataclasses
import importlib
import itertools
import sys
from typing import Any

import numpy as np
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from clipshop.events.models import Event, EventKind
from clipshop.feed import loaded_models, sources, store
from clipshop.feed import tasks as feed_tasks
from clipshop.feed.learning import training
from clipshop.feed.models import Served
from clipshop.feed.ranking import FEATURES, SOURCES, Ranker
from clipshop.feed.runtime import feed_runtime
from clipshop.kit.everywhere import everywhere
from clipshop.platform import Platform
from clipshop.residency.check import check_residency
from clipshop.videos.models import PublicVideo
from doubles import FrozenClock
from support import PASSWORD, Member, a_public_video, quick_members, wait_until

publish = a_public_video


def feed(client: TestClient, member: Member, *, limit: int = 10, cursor: str | None = None) -> dict[str, Any]:
    params: dict[str, Any] = {"limit": limit, **({"cursor": cursor} if cursor else {})}
    response = client.get("/api/v1/feed/for-you", headers=member.auth, params=params)
    assert response.status_code == 200, response.text
    return dict(response.json())


def watch(client: TestClient, member: Member, video_ids: list[str], *, seconds: float = 10.0) -> None:
    events = [
        {"video_id": v, "kind": kind, "watched_s": seconds}
        for v in video_ids
        for kind in ("impression", "play", "complete")
    ]
    assert client.post("/api/v1/events", headers=member.auth, json={"events": events}).status_code == 202


@pytest.fixture
def catalogue(platform: Platform, clock: FrozenClock) -> dict[str, list[str]]:
    """Four creators, each with eight clips on one topic, published over the last week."""
    creators = quick_members(platform, "us", 4, prefix="maker")
    topics = ["cooking", "skate", "garden", "makeup"]
    out: dict[str, list[str]] = {}
    for creator, topic in zip(creators, topics, strict=True):
        out[topic] = [
            publish(platform, creator, f"{topic} {n} #{topic}", hours_ago=60 + n * 12, views=100)
            for n in range(8)
        ]
    return out


def topic_of(item: dict[str, Any]) -> str:
    return str(item["hashtags"][0])


def test_every_kind_of_event_lands_in_the_viewers_region(
    client: TestClient, platform: Platform, alice: Member, sign_up: Any, catalogue: dict[str, list[str]]
) -> None:
    eve = sign_up("eve", "DE")
    video = catalogue["cooking"][0]
    watch(client, eve, [video], seconds=4)
    assert client.post(f"/api/v1/videos/{video}/like", headers=eve.auth).status_code == 200
    comment = client.post(f"/api/v1/videos/{video}/comments", headers=eve.auth, json={"body": "yum"})
    assert comment.status_code == 201
    shared = client.post(f"/api/v1/videos/{video}/share", headers=eve.auth, json={"channel": "link"})
    assert shared.status_code == 200
    assert client.post(f"/api/v1/users/{alice.handle}/follow", headers=eve.auth).status_code == 200
    with everywhere(platform.databases).transaction() as uow:
        kinds = sorted(uow.region("eu").scalars(select(Event.kind).where(Event.user_id == eve.id)))
        elsewhere = uow.region("us").scalar(
            select(func.count()).select_from(Event).where(Event.user_id == eve.id)
        )
    assert kinds == sorted(["impression", "play", "complete", "like", "comment", "share", "follow"])
    assert elsewhere == 0
    assert check_residency(platform) == []


def test_the_next_page_follows_what_the_viewer_just_did(
    client: TestClient, alice: Member, catalogue: dict[str, list[str]]
) -> None:
    first = feed(client, alice, limit=6)
    assert len({topic_of(item) for item in first["items"]}) >= 3  # no interests yet: a spread of topics
    watch(client, alice, catalogue["skate"][:2])
    assert client.post(f"/api/v1/videos/{catalogue['skate'][2]}/like", headers=alice.auth).status_code == 200
    # No retrain in between: the next page reads the events just written.
    page = feed(client, alice, limit=6, cursor=first["next_cursor"])
    topics = [topic_of(item) for item in page["items"]]
    assert topics.count("skate") >= 3, topics
    skate = next(item for item in page["items"] if topic_of(item) == "skate")
    assert skate["why"]["source"] == "affinity"
    assert skate["why"]["label"] == "Because you watch #skate"
    assert "You often watch #skate" in skate["why"]["reasons"]
    # The page never repeats a served or played video, and never puts one creator twice in a row.
    ids = [item["id"] for item in first["items"] + page["items"]]
    assert len(ids) == len(set(ids))
    assert not {item["id"] for item in page["items"]} & set(catalogue["skate"][:2])
    creators = [item["creator"]["id"] for item in page["items"]]
    assert all(a != b for a, b in itertools.pairwise(creators))


def test_every_item_says_why(client: TestClient, alice: Member, catalogue: dict[str, list[str]]) -> None:
    assert client.post("/api/v1/users/maker0/follow", headers=alice.auth).status_code == 200
    items = feed(client, alice, limit=10)["items"]
    for item in items:
        why = item["why"]
        assert why["source"] in SOURCES and why["label"] and why["reasons"]
        assert why["reasons"][0].endswith("likely to be watched to the end")
    followed = [item for item in items if item["creator"]["handle"] == "maker0"]
    assert followed and all(item["why"]["label"] == "Because you follow @maker0" for item in followed)
    # Other feeds carry no explanation.
    profile = client.get("/api/v1/users/maker0/videos").json()["items"]
    assert profile and all(item["why"] is None for item in profile)


def test_the_served_log_keeps_the_features_each_item_was_ranked_on(
    client: TestClient, platform: Platform, alice: Member, catalogue: dict[str, list[str]]
) -> None:
    page = feed(client, alice, limit=5)
    with everywhere(platform.databases).transaction() as uow:
        served = list(uow.region("us").scalars(select(Served).order_by(Served.position)))
    assert [s.video_id for s in served] == [item["id"] for item in page["items"]]
    assert [s.source for s in served] == [item["why"]["source"] for item in page["items"]]
    assert all(len(s.features) == len(FEATURES) for s in served)


def test_fresh_uploads_get_a_share_of_the_page(
    client: TestClient, platform: Platform, alice: Member, catalogue: dict[str, list[str]]
) -> None:
    newcomer = quick_members(platform, "us", 1, prefix="newbie")[0]
    fresh = {publish(platform, newcomer, f"first post {n} #hello") for n in range(3)}
    watch(client, alice, catalogue["cooking"][:3])
    items = feed(client, alice, limit=10)["items"]
    picked = [item for item in items if item["id"] in fresh]
    assert len(picked) == 1  # the 10% exploration budget, and no more although all three are newest
    assert picked[0]["why"]["source"] == "fresh"


def simulate_tastes(
    client: TestClient, platform: Platform, catalogue: dict[str, list[str]], viewers: list[Member]
) -> None:
    """Half the viewers watch cooking and garden clips, the other half skate and makeup."""
    for n, viewer in enumerate(viewers):
        pair = ("cooking", "garden") if n % 2 == 0 else ("skate", "makeup")
        chosen = [catalogue[pair[0]][(n + k) % 8] for k in range(3)] + [catalogue[pair[1]][(n // 2) % 8]]
        watch(client, viewer, chosen)


def test_retrain_learns_co_engagement_and_serves_it(
    client: TestClient, platform: Platform, catalogue: dict[str, list[str]]
) -> None:
    viewers = quick_members(platform, "us", 24, prefix="viewer")
    simulate_tastes(client, platform, catalogue, viewers)
    report = training.retrain(platform, "us")
    assert report["users"] == 24 and report["items"] == 32 and report["interactions"] == 96
    model = feed_runtime(platform).models.current("us")
    assert model is not None and model.collaborative is not None
    # A newcomer who completes one cooking clip is offered garden clips (co-watched), not skate ones.
    newcomer = quick_members(platform, "us", 1, prefix="newcomer")[0]
    watch(client, newcomer, [catalogue["cooking"][0]])
    items = feed(client, newcomer, limit=12)["items"]
    similar = [topic_of(item) for item in items if item["why"]["source"] == "similar"]
    assert "garden" in similar and set(similar) <= {"cooking", "garden"}, similar
    # Creators alternate, so other topics fill every other slot; the ranker scores them lower.
    assert items[0]["why"]["source"] == "similar" and topic_of(items[0]) == "cooking"
    # Retraining again after more viewing replaces the model version atomically.
    assert feed_runtime(platform).models.current("us") is model
    platform.clock.advance(seconds=1)  # type: ignore[attr-defined]
    training.retrain(platform, "us")
    feed_runtime(platform).models.forget()
    assert feed_runtime(platform).models.current("us").version != model.version  # type: ignore[union-attr]


def served_and_done(client: TestClient, viewers: list[Member], completes: Any) -> None:
    """Each viewer gets a page and completes (and likes) the items `completes` picks; skips the rest."""
    for viewer in viewers:
        for item in feed(client, viewer, limit=10)["items"]:
            done = completes(item)
            kinds = ("impression", "play", "complete") if done else ("impression", "play")
            seconds = 10.0 if done else 1.0
            body = {"events": [{"video_id": item["id"], "kind": k, "watched_s": seconds} for k in kinds]}
            assert client.post("/api/v1/events", headers=viewer.auth, json=body).status_code == 202
            if done:
                client.post(f"/api/v1/videos/{item['id']}/like", headers=viewer.auth)


def log_loss(ranker: Ranker, features: np.ndarray, completed: np.ndarray) -> float:
    p = ranker.predict(features, np.full(len(features), 10.0), {}).probabilities["complete"]
    p = np.clip(p, 1e-6, 1 - 1e-6)
    return float(-np.mean(completed * np.log(p) + (1 - completed) * np.log(1 - p)))


def test_the_ranker_learns_from_what_viewers_did_with_served_items(
    client: TestClient, platform: Platform, catalogue: dict[str, list[str]]
) -> None:
    # Viewers here complete fresh uploads and garden and skate clips, and skip everything else.
    def completes(item: dict[str, Any]) -> bool:
        return bool(item["why"]["source"] == "fresh" or topic_of(item) in ("garden", "skate"))

    with everywhere(platform.databases).transaction() as uow:
        sources.refresh_trending(uow, region="us", now=platform.clock.now())
    served_and_done(client, quick_members(platform, "us", 30, prefix="early"), completes)
    report = training.retrain(platform, "us")
    assert report["ranker_samples"] == 300
    assert {"complete", "like"} <= set(report["ranker_learned"])
    model = feed_runtime(platform).models.current("us")
    assert model is not None and model.ranker.tasks["complete"].learned
    # On viewers it never trained on, the learned head predicts completion better than the prior.
    later = quick_members(platform, "us", 10, prefix="late")
    served_and_done(client, later, completes)
    with everywhere(platform.databases).transaction() as uow:
        rows = (
            uow.region("us")
            .execute(
                select(Served.features, Served.video_id, Served.user_id).where(
                    Served.user_id.in_([v.id for v in later])
                )
            )
            .all()
        )
        completes = select(Event.user_id, Event.video_id).where(Event.kind == EventKind.COMPLETE.value)
        done = {(user, video) for user, video in uow.region("us").execute(completes)}
    features = np.array([f for f, _, _ in rows])
    completed = np.array([(u, v) in done for _, v, u in rows], dtype=float)
    assert 0 < completed.sum() < len(completed)
    assert log_loss(model.ranker, features, completed) < log_loss(Ranker.prior(), features, completed) - 0.05


def a_new_garden_clip(platform: Platform, catalogue: dict[str, list[str]]) -> str:
    """A clip published now by the creator of the garden clips (after the last training run)."""
    with everywhere(platform.databases).transaction() as uow:
        creator = uow.directory.get_one(PublicVideo, catalogue["garden"][0]).creator_id
    maker = Member(id=creator, handle="maker", region="us", email="", token="")
    return publish(platform, maker, "brand new garden tour #garden")


def trained_and_served_elsewhere(
    client: TestClient, platform: Platform, catalogue: dict[str, list[str]], monkeypatch: pytest.MonkeyPatch
) -> tuple[loaded_models.LoadedModels, store.RegionModel | None]:
    """Train us on the two taste groups, then read the region's store as another server process would,
    checking for new versions on every call; returns that server's models and the one it serves."""
    simulate_tastes(client, platform, catalogue, quick_members(platform, "us", 24, prefix="viewer"))
    training.retrain(platform, "us")
    monkeypatch.setattr(loaded_models, "CHECK_EVERY_S", 0.0)
    server = loaded_models.LoadedModels(platform.media)
    return server, server.current("us")


def test_new_videos_get_vectors_without_a_retrain(
    client: TestClient, platform: Platform, catalogue: dict[str, list[str]]
) -> None:
    viewers = quick_members(platform, "us", 24, prefix="viewer")
    simulate_tastes(client, platform, catalogue, viewers)
    training.retrain(platform, "us")
    platform.clock.advance(minutes=10)  # type: ignore[attr-defined]
    new = a_new_garden_clip(platform, catalogue)
    assert training.embed_new_videos(platform, "us") == 1
    model = feed_runtime(platform).models.current("us")
    assert model is not None and model.extras is not None and model.extras.ids == [new]
    history = model.history(dict.fromkeys(catalogue["garden"][:3], 1.0))
    found = [video for video, _ in model.nearest(model.user_vector(history), 40)]  # type: ignore[arg-type]
    assert new in found


def test_servers_swap_in_new_vectors_without_reloading_the_model(
    client: TestClient,
    platform: Platform,
    catalogue: dict[str, list[str]],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    server, first = trained_and_served_elsewhere(client, platform, catalogue, monkeypatch)
    assert first is not None and first.extras is None
    platform.clock.advance(minutes=10)  # type: ignore[attr-defined]
    new = a_new_garden_clip(platform, catalogue)
    assert training.embed_new_videos(platform, "us") == 1
    extras = f"models/{first.version}/extras.npz"
    written = platform.media_store("us").describe(extras)
    assert written is not None

    def vectors_swapped_in() -> bool:
        latest = server.current("us")
        return latest is not None and latest.extras is not None

    wait_until(vectors_swapped_in, timeout_s=30, what="the server to swap in the new vectors")
    assert server.current("us") is first  # the same model object, its ANN index and id maps untouched
    assert first.extras is not None and first.extras.ids == [new]
    # The next run finds nothing new and leaves the file alone, so no server reloads anything.
    assert training.embed_new_videos(platform, "us") == 1
    assert platform.media_store("us").describe(extras) == written


def test_large_regions_retrieve_through_an_ann_index(
    client: TestClient, platform: Platform, catalogue: dict[str, list[str]]
) -> None:
    platform.settings.recs_ann_min_items = 10
    viewers = quick_members(platform, "us", 24, prefix="viewer")
    simulate_tastes(client, platform, catalogue, viewers)
    report = training.retrain(platform, "us")
    assert report["items"] == 32
    feed_runtime(platform).models.forget()
    model = feed_runtime(platform).models.current("us")
    assert model is not None and model.ann is not None and len(model.ann) == 32
    query = model.user_vector(model.history(dict.fromkeys(catalogue["skate"][:3], 1.0)))
    assert query is not None
    approximate = [v for v, _ in model.nearest(query, 8)]
    model.ann = None
    exact = [v for v, _ in model.nearest(query, 8)]
    assert len(set(approximate) & set(exact)) >= 6


def test_purchases_and_product_opens_are_events(
    client: TestClient, platform: Platform, alice: Member, bob: Member
) -> None:
    from support import a_product, a_region_video, buy, open_shop

    shop = open_shop(client, alice, "alices")
    created = a_product(client, alice, shop)
    product, variant = created["id"], created["variants"][0]["id"]
    video = a_region_video(platform, alice)
    tags = {"products": [{"product_id": product}]}
    assert client.put(f"/api/v1/videos/{video}/products", headers=alice.auth, json=tags).status_code == 200
    opened = client.post(f"/api/v1/products/{product}/open", headers=bob.auth, json={"video_id": video})
    assert opened.status_code == 204
    cart = client.post("/api/v1/cart/items", headers=bob.auth, json={"variant_id": variant, "quantity": 1})
    assert cart.status_code == 200, cart.text
    placed = buy(client, bob, variant, key="k1")
    assert placed.status_code == 201, placed.text
    platform.jobs.drain()
    with everywhere(platform.databases).transaction() as uow:
        rows = (
            uow.region(bob.region)
            .execute(
                select(Event.kind, Event.product_id, Event.video_id).where(
                    Event.user_id == bob.id, Event.kind != EventKind.IMPRESSION.value
                )
            )
            .all()
        )
    assert ("product_open", product, video) in rows
    # Alice's own clip earns her no commission, but the feed still learns that it sold.
    assert ("add_to_cart", product, video) in rows
    assert ("purchase", product, video) in rows


def test_a_new_version_loads_in_the_background_while_the_old_one_serves(
    client: TestClient, platform: Platform, catalogue: dict[str, list[str]], monkeypatch: pytest.MonkeyPatch
) -> None:
    server, first = trained_and_served_elsewhere(client, platform, catalogue, monkeypatch)
    assert first is not None
    platform.clock.advance(seconds=1)  # type: ignore[attr-defined]
    training.retrain(platform, "us")
    assert server.current("us") is first  # never a request waiting on a load
    wait_until(lambda: server.current("us") is not first, timeout_s=30, what="the new version to load")
    latest = server.current("us")
    assert latest is not None and latest.version > first.version


def test_events_and_served_items_past_the_keep_window_are_pruned_in_batches(
    client: TestClient,
    platform: Platform,
    bob: Member,
    catalogue: dict[str, list[str]],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from clipshop.feed import upkeep

    monkeypatch.setattr(upkeep, "PRUNE_BATCH", 2)  # several batches, each its own transaction
    old_videos = catalogue["cooking"][:3]
    watch(client, bob, old_videos)
    feed(client, bob, limit=5)
    platform.clock.advance(days=platform.settings.recs_keep_days, seconds=1)  # type: ignore[attr-defined]
    login = client.post("/api/v1/auth/login", json={"email": bob.email, "password": PASSWORD})
    client.cookies.clear()
    bob = dataclasses.replace(bob, token=login.json()["token"])  # the first session has expired
    watch(client, bob, catalogue["skate"][:1])
    served_now = {item["id"] for item in feed(client, bob, limit=4)["items"]}

    platform.jobs.enqueue(feed_tasks.PRUNE)
    platform.jobs.drain()

    with everywhere(platform.databases).transaction() as uow:
        db = uow.region(bob.region)
        left = db.execute(select(Event.kind, Event.video_id).where(Event.user_id == bob.id)).all()
        served = set(db.scalars(select(Served.video_id).where(Served.user_id == bob.id)))
    kept = catalogue["skate"][0]
    assert sorted(left) == sorted((kind, kept) for kind in ("impression", "play", "complete"))
    assert served == served_now


def test_the_keep_window_must_cover_the_training_window(settings: Any) -> None:
    from pydantic import ValidationError

    values = settings.model_dump()
    with pytest.raises(ValidationError, match="recs_keep_days"):
        type(settings)(**{**values, "recs_keep_days": 30, "recs_window_days": 60})
    assert type(settings)(**{**values, "recs_keep_days": 60, "recs_window_days": 60}).recs_keep_days == 60


def test_the_scheduled_retrain_fits_in_a_child_process_as_of_the_platforms_now(
    client: TestClient, platform: Platform, catalogue: dict[str, list[str]], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(loaded_models, "CHECK_EVERY_S", 0.0)
    simulate_tastes(client, platform, catalogue, quick_members(platform, "us", 24, prefix="viewer"))
    assert feed_runtime(platform).models.current("us") is None
    platform.jobs.enqueue(feed_tasks.RETRAIN)
    platform.jobs.drain()
    # This process's store notices the child's version and loads it in the background.
    model = wait_until(
        lambda: feed_runtime(platform).models.current("us"),
        timeout_s=30,
        what="the child's model to load here",
    )
    assert model.collaborative is not None
    assert model.trained_at == platform.clock.now()  # the frozen test clock, not the child's wall clock
    assert model.report["users"] == 24
    # No events there: trending and the ranker's prior.
    elsewhere = wait_until(
        lambda: feed_runtime(platform).models.current("eu"), timeout_s=30, what="eu's model to load here"
    )
    assert elsewhere.collaborative is None and elsewhere.report["users"] == 0


def test_a_model_file_written_before_the_model_families_moved_still_loads(
    client: TestClient, platform: Platform, catalogue: dict[str, list[str]], monkeypatch: pytest.MonkeyPatch
) -> None:
    simulate_tastes(client, platform, catalogue, quick_members(platform, "us", 24, prefix="viewer"))
    training.retrain(platform, "us")
    us_store, scratch = platform.media_store("us"), platform.upload_volumes["us"]
    model = store.load(us_store)
    assert model is not None and model.collaborative is not None
    # Write it again as the code of that time did: its classes named under `clipshop.feed.models.*`.
    for old, new in store.MOVED_MODULES.items():
        module = importlib.import_module(new)
        monkeypatch.setitem(sys.modules, old, module)
        for value in vars(module).values():
            if isinstance(value, type) and value.__module__ == new:
                monkeypatch.setattr(value, "__module__", old)
    store.save(model, us_store, scratch=scratch)
    monkeypatch.undo()
    written = us_store.read_bytes(f"models/{model.version}/model.pkl")
    assert b"clipshop.feed.models.fusion" in written and b"clipshop.feed.learning" not in written

    loaded = store.load(us_store)

    assert loaded is not None and loaded.collaborative is not None
    assert type(loaded.collaborative).__module__ == "clipshop.feed.learning.fusion"
    history = loaded.history(dict.fromkeys(catalogue["garden"][:3], 1.0))
    assert loaded.graph_row(history) is not None
