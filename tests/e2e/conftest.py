"""Browser tests: a real uvicorn server on loopback, running the app exactly as in production (SQLite, the job
consumer inside the app transcoding in the background), driven by Playwright through Debian's Chromium."""

from __future__ import annotations

import base64
import os
import shutil
import socket
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
import uvicorn

from backends import Backend, make_settings, sqlite_template
from clipshop.accounts import service as accounts
from clipshop.app import create_app
from clipshop.assembly import build_platform
from clipshop.config import Settings, WriteRates
from clipshop.kit.actors import Role
from clipshop.kit.everywhere import everywhere
from support import PASSWORD

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--autoplay-policy=no-user-gesture-required",
]
# Generous: the first transcode of a run may wait for ffmpeg to warm up on a busy CI machine.
READY_TIMEOUT_MS = 90_000
PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1280, "height": 800}


class _Server(uvicorn.Server):
    """uvicorn that says when it is listening, so tests wait on an event instead of polling the port."""

    def __init__(self, config: uvicorn.Config) -> None:
        super().__init__(config)
        self.ready = threading.Event()

    async def startup(self, sockets: list[socket.socket] | None = None) -> None:
        await super().startup(sockets)
        self.ready.set()


@dataclass
class LiveServer:
    url: str
    settings: Settings

    def api(self) -> httpx.Client:
        return httpx.Client(base_url=self.url, timeout=30)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture(scope="module")
def e2e_backend(tmp_path_factory: pytest.TempPathFactory) -> Backend:
    return sqlite_template(tmp_path_factory.mktemp("e2e-template"))


@pytest.fixture(scope="module")
def live_server(e2e_backend: Backend, tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    root = tmp_path_factory.mktemp("e2e-server")
    port = _free_port()
    url = f"http://127.0.0.1:{port}"
    settings = make_settings(
        e2e_backend,
        root,
        secret_key="e2e-secret",
        base_url=url,
        jobs_backend="sqlite",
        jobs_consumer_in_app=True,
        # Every member of every browser test signs up and logs in from 127.0.0.1.
        login_rate="100/minute",
        write_rates=WriteRates(signup="1000/hour"),
    )
    app = create_app(settings)
    server = _Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", lifespan="on"))
    thread = threading.Thread(target=server.run, name="e2e-uvicorn", daemon=True)
    thread.start()
    if not server.ready.wait(timeout=30):
        raise RuntimeError("the test server did not start within 30 s")
    try:
        yield LiveServer(url=url, settings=settings)
    finally:
        server.should_exit = True
        thread.join(timeout=30)
        app.state.platform.close()


def watch_for_errors(page: Any, errors: list[str]) -> None:
    """Collect into `errors` every script error of `page`, and everything the content security policy
    refused (the browser reports those on the console, and the page would silently lack them)."""
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.on(
        "console",
        lambda message: errors.append(message.text) if "Content Security Policy" in message.text else None,
    )


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    if not Path(CHROMIUM).exists() or shutil.which(CHROMIUM) is None:
        pytest.skip("Debian's chromium is not installed: apt-get install -y chromium")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            yield browser
        finally:
            browser.close()


@pytest.fixture(scope="session")
def e2e_clips(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    from clipshop.demo.clips import generate_clip

    root = tmp_path_factory.mktemp("e2e-clips")
    return {
        "upload": generate_clip(root / "morning-light.mp4", width=360, height=640, duration_s=4, seed=7),
        "seed": generate_clip(root / "city-loop.mp4", width=360, height=640, duration_s=4, seed=2),
        "seed2": generate_clip(root / "rooftop.mp4", width=360, height=640, duration_s=3, seed=4),
    }


@pytest.fixture
def shots_dir() -> Path:
    """Where screenshots go, to look at after a run."""
    path = Path(os.environ.get("CLIPSHOP_E2E_SCREENSHOTS", "/tmp/clipshop-e2e"))
    path.mkdir(parents=True, exist_ok=True)
    return path


def sign_up_by_api(client: httpx.Client, handle: str, country: str = "US") -> str:
    """A member made through the API; returns their bearer token."""
    response = client.post(
        "/api/v1/auth/signup",
        json={"email": f"{handle}@example.com", "password": PASSWORD, "handle": handle, "country": country},
    )
    assert response.status_code == 201, response.text
    client.cookies.clear()
    return str(response.json()["token"])


def make_moderators(live_server: LiveServer, tokens: list[str]) -> None:
    """As `clipshop staff add … moderator --jurisdiction eu` does."""
    with live_server.api() as client:
        ids = [
            client.get("/api/v1/me", headers={"Authorization": f"Bearer {t}"}).json()["id"] for t in tokens
        ]
    platform = build_platform(live_server.settings)
    try:
        with everywhere(platform.databases).transaction() as uow:
            for user_id in ids:
                accounts.make_staff(uow, user_id=user_id, role=Role.MODERATOR, jurisdiction="eu")
    finally:
        platform.close()


def post_clip_by_api(client: httpx.Client, token: str, path: Path, caption: str) -> str:
    """Upload with tus and create the video; returns its id. Transcoding then runs in the server."""
    auth = {"Authorization": f"Bearer {token}", "Tus-Resumable": "1.0.0"}
    data = path.read_bytes()
    created = client.post(
        "/api/v1/uploads",
        headers={
            **auth,
            "Upload-Length": str(len(data)),
            "Upload-Metadata": "filename " + base64.b64encode(path.name.encode()).decode(),
        },
    )
    assert created.status_code == 201, created.text
    sent = client.patch(
        created.headers["location"],
        content=data,
        headers={**auth, "Upload-Offset": "0", "Content-Type": "application/offset+octet-stream"},
    )
    assert sent.status_code == 204, sent.text
    video = client.post(
        "/api/v1/videos", headers=auth, json={"upload_id": created.json()["id"], "caption": caption}
    )
    assert video.status_code == 201, video.text
    return str(video.json()["id"])


def wait_for_api(page: Any, path: str, condition: str, *, timeout: float = READY_TIMEOUT_MS) -> None:
    """Poll a GET of the API from the page until `condition` (JS over `body`, null on an error) holds. The
    condition is compiled by the browser's debugging protocol, not by the page: the page's content security
    policy forbids evaluating strings."""
    check = f"""async (path) => {{
      const answer = await fetch(path, {{credentials: "same-origin"}}).catch(() => null);
      const body = answer && answer.ok ? await answer.json() : null;
      return Boolean({condition});
    }}"""
    deadline = time.monotonic() + timeout / 1000
    while not page.evaluate(check, path):
        if time.monotonic() > deadline:
            raise TimeoutError(f"{path} never satisfied {condition} within {timeout / 1000:.0f} s")
        page.wait_for_timeout(250)
