"""The demo's way in: the platform's own HTTP API, called in this process (the routes a browser calls),
and the people it acts as."""

from __future__ import annotations

import base64
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from fastapi.testclient import TestClient

from clipshop.app import create_app
from clipshop.platform import Platform

DEMO_PASSWORD = "clipshop-demo-2026"
CHUNK = 4 * 1024 * 1024


@dataclass(frozen=True)
class Person:
    handle: str
    name: str
    country: str
    bio: str

    @property
    def email(self) -> str:
        return f"{self.handle.replace('.', '-')}@demo.clipshop.dev"


class DemoApi:
    """The platform's own HTTP API, called in this process: the same routes a browser or app calls."""

    def __init__(self, platform: Platform) -> None:
        self.platform = platform
        self.client = TestClient(create_app(platform=platform), base_url=platform.settings.base_url)
        self.tokens: dict[str, str] = {}

    def call(self, method: str, url: str, who: str | None = None, **kwargs: Any) -> Any:
        headers = kwargs.pop("headers", {})
        if who is not None:
            headers["Authorization"] = f"Bearer {self.tokens[who]}"
        response = self.client.request(method, url, headers=headers, **kwargs)
        if response.status_code >= 400:
            raise RuntimeError(f"{method} {url} -> {response.status_code}: {response.text}")
        return response

    def account(self, person: Person) -> None:
        body = {
            "email": person.email,
            "password": DEMO_PASSWORD,
            "handle": person.handle,
            "country": person.country,
            "display_name": person.name,
        }
        response = self.client.post("/api/v1/auth/signup", json=body)
        if response.status_code == 409:
            response = self.client.post(
                "/api/v1/auth/login", json={"email": person.email, "password": DEMO_PASSWORD}
            )
        if response.status_code >= 400:
            raise RuntimeError(f"account {person.handle}: {response.status_code} {response.text}")
        self.tokens[person.handle] = response.json()["token"]
        self.client.cookies.clear()
        if person.bio:
            self.call("PATCH", "/api/v1/me", person.handle, json={"bio": person.bio})

    def upload(self, who: str, path: Path) -> str:
        size = path.stat().st_size
        meta = "filename " + base64.b64encode(path.name.encode()).decode()
        created = self.call(
            "POST",
            "/api/v1/uploads",
            who,
            headers={"Upload-Length": str(size), "Upload-Metadata": meta, "Tus-Resumable": "1.0.0"},
        )
        url, offset = created.headers["location"], 0
        with path.open("rb") as f:
            while offset < size:
                chunk = f.read(CHUNK)
                response = self.call(
                    "PATCH",
                    url,
                    who,
                    content=chunk,
                    headers={
                        "Upload-Offset": str(offset),
                        "Content-Type": "application/offset+octet-stream",
                        "Tus-Resumable": "1.0.0",
                    },
                )
                offset = int(response.headers["upload-offset"])
        return str(created.json()["id"])
