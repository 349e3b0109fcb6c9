"""`clipshop region export|detach`: a region carved out of a deployment runs on its own, with its users'
videos, orders and money, its audit log intact and nothing of another region; the rest of the deployment
no longer shows or sells anything of it."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import create_engine, func, select, text
from typer.testing import CliRunner

from clipshop.cli import app
from clipshop.cli.region import to_toml
from clipshop.config import Settings
from clipshop.feed import store as model_store
from clipshop.feed.learning import training
from clipshop.healing import heal_projections
from clipshop.kit.db import DirectoryBase
from clipshop.kit.everywhere import everywhere
from clipshop.media.storage import LocalMediaStore
from clipshop.platform import Platform
from clipshop.residency.carving import region_columns, touching
from clipshop.shop.ledger import postings as ledger
from support import (
    PASSWORD,
    Member,
    a_product,
    a_region_video,
    buy,
    open_shop,
    settings_environ,
    wait_until,
)

THREE_D_SECURE = "4000 0025 0000 3155"


@dataclass
class Seeded:
    alice: Member  # us: a shop, buys from bob
    bob: Member  # eu: a shop, a clip, buys from alice
    carol: Member  # eu: buys from bob
    dave: Member  # us: starts a checkout at bob's shop and never pays
    bob_video: str
    bob_shop: str
    bob_variant: str
    alice_video: str
    orders: dict[str, str]


def seed(client: TestClient, platform: Platform, sign_up: Any) -> Seeded:
    alice, bob = sign_up("alice", "US"), sign_up("bob", "DE")
    carol, dave = sign_up("carol", "FR"), sign_up("dave", "US")
    alice_shop, bob_shop = open_shop(client, alice, "alice-shop"), open_shop(client, bob, "bob-shop", "EUR")
    alice_variant = a_product(client, alice, alice_shop, title="Maple syrup")["variants"][0]["id"]
    bob_variant = a_product(client, bob, bob_shop, title="Linen apron", stock=5)["variants"][0]["id"]
    bob_video, alice_video = a_region_video(platform, bob), a_region_video(platform, alice)
    platform.media_store("eu").put_bytes(f"videos/{bob_video}/master.m3u8", b"#EXTM3U\n")
    orders = {}
    for name, buyer, variant in [
        ("bob", bob, alice_variant),
        ("carol", carol, bob_variant),
        ("alice", alice, bob_variant),
    ]:
        placed = buy(client, buyer, variant, key=f"{name}-1")
        assert placed.status_code == 201, placed.text
        orders[name] = placed.json()["orders"][0]["id"]
    pending = buy(client, dave, bob_variant, key="dave-1", card=THREE_D_SECURE)
    assert pending.status_code == 201 and pending.json()["payment"]["status"] == "requires_action"
    orders["dave"] = pending.json()["orders"][0]["id"]
    platform.jobs.drain()
    for name, buyer in [("bob", bob), ("carol", carol), ("alice", alice)]:
        assert client.get(f"/api/v1/orders/{orders[name]}", headers=buyer.auth).json()["status"] == "paid"
    return Seeded(alice, bob, carol, dave, bob_video, bob_shop, bob_variant, alice_video, orders)


def use(env: dict[str, str], monkeypatch: pytest.MonkeyPatch) -> None:
    """Read settings from `env` alone (and the file it names) from now on."""
    for name in [n for n in os.environ if n.startswith("CLIPSHOP_") and n != "CLIPSHOP_TEST_POSTGRES"]:
        monkeypatch.delenv(name)
    for name, value in env.items():
        monkeypatch.setenv(name, value)


def invoke(env: dict[str, str], monkeypatch: pytest.MonkeyPatch, *args: str) -> tuple[int, str]:
    use(env, monkeypatch)
    result = CliRunner().invoke(app, list(args))
    return result.exit_code, result.output


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture
def serve() -> Iterator[Any]:
    started: list[subprocess.Popen[bytes]] = []

    def start(config: Path, log: Path) -> str:
        port = _free_port()
        env = {k: v for k, v in os.environ.items() if not k.startswith("CLIPSHOP_")}
        env["CLIPSHOP_CONFIG"] = str(config)
        with log.open("wb") as out:
            process = subprocess.Popen(
                [sys.executable, "-m", "clipshop.cli", "serve", "--port", str(port)],
                env=env,
                stdout=out,
                stderr=subprocess.STDOUT,
            )
        started.append(process)
        base = f"http://127.0.0.1:{port}"

        def up() -> bool:
            assert process.poll() is None, log.read_text()
            try:
                return httpx.get(f"{base}/api/v1/openapi.json", timeout=2).status_code == 200
            except httpx.HTTPError:
                return False

        wait_until(up, timeout_s=240, what="the exported deployment to serve", every_s=0.25)
        return base

    yield start
    for process in started:
        process.terminate()
        process.wait(timeout=30)


def test_a_region_carved_out_runs_alone_and_leaves_the_rest(
    client: TestClient,
    platform: Platform,
    sign_up: Any,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    serve: Any,
) -> None:
    s = seed(client, platform, sign_up)
    training.retrain(platform, "eu")
    rest = settings_environ(platform.settings)
    out = tmp_path / "eu-alone"

    code, output = invoke(rest, monkeypatch, "region", "export", "eu", str(out), "--batch", "7")
    assert code == 0, output
    assert "Exported region eu" in output
    config = out / "clipshop.toml"
    alone = {"CLIPSHOP_CONFIG": str(config)}
    use(alone, monkeypatch)
    settings = Settings()
    assert (list(settings.regions), settings.default_region) == (["eu"], "eu")
    assert settings.secret_key not in (platform.settings.secret_key, "")
    assert settings.regions["eu"].countries == platform.settings.regions["eu"].countries
    exported_directory = create_engine(settings.directory_database_url())
    with exported_directory.connect() as conn:
        assert conn.scalars(select(text("region")).select_from(text("public_videos"))).all() == ["eu"]
        assert sorted(conn.scalars(text("SELECT user_id FROM account_index"))) == sorted(
            [s.bob.id, s.carol.id]
        )
        assert conn.scalars(text("SELECT handle FROM public_shops")).all() == ["bob-shop"]
    exported_directory.dispose()
    # Its feed model came with its media, and reads back there.
    exported_media = LocalMediaStore(region="eu", root=settings.region_media_root("eu"))
    assert model_store.read_pointer(exported_media) == model_store.read_pointer(platform.media_store("eu"))
    assert model_store.load(exported_media) is not None

    assert invoke(alone, monkeypatch, "audit", "verify", "eu")[0] == 0
    code, output = invoke(alone, monkeypatch, "residency", "check")
    assert code == 0, output
    code, output = invoke(rest, monkeypatch, "residency", "check")
    assert code == 0, output

    base = serve(config, tmp_path / "serve.log")
    with httpx.Client(base_url=base, timeout=30) as http:
        assert (
            http.post("/api/v1/auth/login", json={"email": s.alice.email, "password": PASSWORD}).status_code
            == 401
        )
        login = http.post("/api/v1/auth/login", json={"email": s.bob.email, "password": PASSWORD})
        assert login.status_code == 200, login.text
        bob = {"Authorization": f"Bearer {login.json()['token']}"}
        orders = http.get("/api/v1/orders", headers=bob)
        assert orders.status_code == 200, orders.text
        assert [(o["id"], o["status"]) for o in orders.json()] == [(s.orders["bob"], "paid")]
        videos = http.get("/api/v1/users/bob/videos").json()
        assert [v["id"] for v in videos["items"]] == [s.bob_video]
        assert http.get(f"/media/eu/videos/{s.bob_video}/master.m3u8").content == b"#EXTM3U\n"
        money = http.get(f"/api/v1/shops/{s.bob_shop}/money", headers=bob)
        assert money.status_code == 200, money.text
        # Money owed across the cut stays in the buyer's region: alice's order is in the us ledger.
        with everywhere(platform.databases).transaction() as uow:
            in_eu = ledger.balance(uow.region("eu"), ledger.merchant(s.bob_shop, "pending"))
            in_us = ledger.balance(uow.region("us"), ledger.merchant(s.bob_shop, "pending"))
        assert in_eu == in_us == -2375  # credits: 25.00 less the 5% platform fee
        assert [(b["currency"], b["pending"]) for b in money.json()["balances"]] == [("EUR", 2375)]

    code, output = invoke(rest, monkeypatch, "region", "detach", "eu")
    assert code == 0, output
    platform.jobs.drain()
    healed = heal_projections(platform, full=True)  # the reconciler brings nothing of it back
    assert [h.region for h in healed] == ["us", "au"]
    with everywhere(platform.databases).transaction() as uow:
        left = {
            t.name: uow.directory.scalar(select(func.count()).select_from(t).where(touching(t, "eu")))
            for t in DirectoryBase.metadata.sorted_tables
            if t.name != "detached_regions" and region_columns(t)
        }
    assert {name: n for name, n in left.items() if n} == {}

    alice = s.alice.auth
    feed = client.get("/api/v1/feed/for-you", headers=alice).json()
    assert s.bob_video not in [v["id"] for v in feed["items"]]
    assert s.alice_video in [v["id"] for v in feed["items"]]
    assert client.get("/api/v1/users/bob/videos").status_code == 404
    assert [p["title"] for p in client.get("/api/v1/products", params={"q": "apron"}).json()] == []
    assert client.get("/api/v1/shops/bob-shop").status_code == 404
    assert client.get("/shop/bob-shop").status_code == 404
    refused = buy(client, s.alice, s.bob_variant, key="alice-2")
    assert refused.status_code == 409, refused.text
    assert refused.json()["code"] == "region_detached"
    assert (
        client.get(f"/api/v1/orders/{s.orders['dave']}", headers=s.dave.auth).json()["status"] == "cancelled"
    )
    assert client.get(f"/api/v1/orders/{s.orders['alice']}", headers=alice).json()["status"] == "paid"
    cancel = client.post(f"/api/v1/orders/{s.orders['alice']}/cancel", headers=alice, json={"reason": "gone"})
    assert (cancel.status_code, cancel.json()["code"]) == (409, "region_detached")
    code, output = invoke(rest, monkeypatch, "residency", "check")
    assert code == 0, output


def test_the_export_config_is_toml_that_settings_read(tmp_path: Path) -> None:
    values = {"default_region": "eu", "secret_key": 'a"b', "regions": {"eu": {"countries": ["DE", "FR"]}}}
    path = tmp_path / "clipshop.toml"
    path.write_text(to_toml(values))
    import tomllib

    assert tomllib.loads(path.read_text()) == values
