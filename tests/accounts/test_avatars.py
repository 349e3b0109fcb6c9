from __future__ import annotations

import io

from fastapi.testclient import TestClient
from PIL import Image

from support import Member


def png(width: int, height: int) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (width, height), (200, 40, 90)).save(out, format="PNG")
    return out.getvalue()


def test_an_avatar_is_re_encoded_as_a_square_jpeg(client: TestClient, alice: Member, bob: Member) -> None:
    r = client.put(
        "/api/v1/me/avatar", headers={**alice.auth, "Content-Type": "image/png"}, content=png(800, 600)
    )
    assert r.status_code == 200, r.text
    url = r.json()["avatar_url"]
    assert url.startswith(f"/media/us/avatars/{alice.id}/") and url.endswith(".jpg")
    served = client.get(url)
    assert served.headers["content-type"] == "image/jpeg"
    image = Image.open(io.BytesIO(served.content))
    assert (image.format, image.size) == ("JPEG", (320, 320))
    assert client.get("/api/v1/users/alice", headers=bob.auth).json()["avatar_url"] == url


def test_what_is_not_an_image_is_refused(client: TestClient, alice: Member) -> None:
    for body in (b"<svg xmlns='http://www.w3.org/2000/svg'/>", b"#EXTM3U\n", b"\x89PNG\r\n\x1a\n broken"):
        r = client.put("/api/v1/me/avatar", headers=alice.auth, content=body)
        assert r.status_code == 415 and r.json()["code"] == "not_an_image", body
    assert client.put("/api/v1/me/avatar", content=png(10, 10)).status_code == 401
