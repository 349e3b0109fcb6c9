"""Each region's model lives in the region's media store, published by a pointer written last; every server
of the region follows the pointer, and one that cannot read a new version keeps serving the one it has. On
both media stores: a local folder, and a bucket of an S3-compatible server on loopback."""

from __future__ import annotations

import json
import logging
import pickle
from collections.abc import Callable
from pathlib import Path

import httpx
import pytest
from fastapi.testclient import TestClient

from backends import TEST_REGIONS, Backend, make_settings
from clipshop.cli import move_feed_models_into_stores
from clipshop.config import Settings
from clipshop.feed import loaded_models, store
from clipshop.feed.learning import training
from clipshop.feed.loaded_models import LoadedModels
from clipshop.feed.store import RegionModel
from clipshop.kit.ports import MediaStore
from clipshop.platform import Platform
from doubles import FrozenClock
from support import wait_until


@pytest.fixture(params=["folder", "bucket"])
def settings(request: pytest.FixtureRequest, backend: Backend, tmp_path: Path) -> Settings:
    if request.param == "folder":
        return make_settings(backend, tmp_path)
    s3 = request.getfixturevalue("s3")
    buckets = {region: s3.bucket_for(tmp_path, region) for region in TEST_REGIONS}
    return make_settings(backend, tmp_path, media_buckets=buckets, **s3.settings())


@pytest.fixture(autouse=True)
def look_on_every_call(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(loaded_models, "CHECK_EVERY_S", 0.0)


def retrained(platform: Platform, clock: FrozenClock) -> str:
    """A new version of us's model (the prior ranker, no events needed); returns its version."""
    clock.advance(seconds=1)
    training.retrain(platform, "us")
    pointer = store.read_pointer(platform.media_store("us"))
    assert pointer is not None
    return pointer.version


def serving(server: LoadedModels, version: str) -> Callable[[], bool]:
    def check() -> bool:
        model = server.current("us")
        return model is not None and model.version == version

    return check


def test_every_server_of_the_region_follows_the_pointer(platform: Platform, clock: FrozenClock) -> None:
    us = platform.media_store("us")
    first = retrained(platform, clock)
    servers = [LoadedModels(platform.media), LoadedModels(platform.media)]
    assert [server.current("us").version for server in servers] == [first, first]  # type: ignore[union-attr]
    assert [server.current("eu") for server in servers] == [None, None]  # no retrain there yet

    second = retrained(platform, clock)
    third = retrained(platform, clock)

    for server in servers:
        wait_until(serving(server, third), timeout_s=30, what=f"a server to load version {third}")
    pointer = json.loads(us.read_bytes("models/current.json"))
    assert (pointer["region"], pointer["version"], sorted(pointer["files"])) == ("us", third, ["model.pkl"])
    size = us.describe(f"models/{third}/model.pkl")
    assert size is not None and pointer["files"]["model.pkl"]["size"] == size.size
    # The version before the current one stays for a server still loading it; older ones go.
    kept = [f"models/{second}/model.pkl", f"models/{third}/model.pkl", "models/current.json"]
    assert us.keys("models/") == kept
    assert platform.media_store("eu").keys("models/") == []


def truncated(us: MediaStore, version: str) -> None:
    key = f"models/{version}/model.pkl"
    data = us.read_bytes(key)
    us.put_bytes(key, data[: len(data) // 2])


def altered(us: MediaStore, version: str) -> None:
    """A model that unpickles as the right version, but not the bytes the pointer names."""
    key = f"models/{version}/model.pkl"
    model = pickle.loads(us.read_bytes(key))
    model.report["altered"] = True
    us.put_bytes(key, pickle.dumps(model))


def unreadable_pointer(us: MediaStore, version: str) -> None:
    us.put_bytes("models/current.json", b'{"region": "us", "vers')


def another_regions(us: MediaStore, version: str) -> None:
    pointer = json.loads(us.read_bytes("models/current.json"))
    us.put_bytes("models/current.json", json.dumps({**pointer, "region": "eu"}).encode())


@pytest.mark.parametrize("damage", [truncated, altered, unreadable_pointer, another_regions])
def test_a_server_keeps_serving_its_model_when_the_new_one_does_not_read(
    platform: Platform,
    clock: FrozenClock,
    damage: Callable[[MediaStore, str], None],
    caplog: pytest.LogCaptureFixture,
) -> None:
    us = platform.media_store("us")
    first = retrained(platform, clock)
    server = LoadedModels(platform.media)
    old = server.current("us")
    assert old is not None and old.version == first
    broken = retrained(platform, clock)
    damage(us, broken)
    # Where the pointer itself does not read, the log cannot name the version.
    broken_version = "?" if damage in (unreadable_pointer, another_regions) else broken

    def refused() -> bool:
        assert server.current("us") is old  # a look at the store each call, in the background
        return f"could not load the feed model {broken_version} of us" in caplog.text

    with caplog.at_level(logging.ERROR, logger="clipshop.feed.loaded_models"):
        wait_until(refused, timeout_s=30, what="the server to refuse the damaged version")
    assert server.current("us") is old
    assert LoadedModels(platform.media).current("us") is None  # a server just started has none to serve

    mended = retrained(platform, clock)
    wait_until(serving(server, mended), timeout_s=30, what="the next version to load")


def test_models_left_in_the_folder_of_earlier_versions_move_into_the_regions_store(
    platform: Platform, clock: FrozenClock
) -> None:
    us, settings = platform.media_store("us"), platform.settings
    version = retrained(platform, clock)
    # The layout of earlier versions: data_dir/models/<region>/<version>/ and a `current` file.
    folder = settings.models_folder() / "us"
    (folder / version).mkdir(parents=True)
    (folder / version / "model.pkl").write_bytes(us.read_bytes(f"models/{version}/model.pkl"))
    (folder / version / "extras.npz").write_bytes(b"the vectors of newer videos")
    (folder / "current").write_text(version)
    us.delete_prefix("models")

    move_feed_models_into_stores(settings)

    assert not settings.models_folder().exists()
    model = store.load(us)
    assert isinstance(model, RegionModel) and model.version == version
    assert us.read_bytes(f"models/{version}/extras.npz") == b"the vectors of newer videos"
    # A store with a model of its own keeps it; the folder goes all the same.
    (folder / "0-older").mkdir(parents=True)
    (folder / "current").write_text("0-older")
    newer = retrained(platform, clock)

    move_feed_models_into_stores(settings)

    assert not settings.models_folder().exists()
    assert store.read_pointer(us).version == newer  # type: ignore[union-attr]


def test_model_files_are_never_served(client: TestClient, platform: Platform, clock: FrozenClock) -> None:
    us = platform.media_store("us")
    version = retrained(platform, clock)
    for key in ("models/current.json", f"models/{version}/model.pkl"):
        assert us.exists(key)
        assert client.get(f"/media/us/{key}").status_code == 404
        if platform.settings.regions["us"].media_bucket is not None:
            # The bucket's public-read policy covers the served prefixes only.
            assert httpx.get(us.url(key)).status_code == 403
