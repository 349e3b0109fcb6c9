"""Two ways through a withholding, on SQLite and PostgreSQL. A suspended account's log-in answers 403
`account_suspended` with an appeal pass: with it, and only with it, its owner reads the decisions and appeals
the suspension once; every other route stays 401, a forged or expired pass is refused, and a won appeal
voids it. And moderators of a withheld video's region (and operators) still play it for review, each file a
gateway decision in its audit log, never cached; everyone else gets 410 `media_withheld`."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient

from clipshop.kit.actors import Role
from clipshop.kit.everywhere import everywhere
from clipshop.platform import Platform
from clipshop.videos.models import Video
from doubles import FrozenClock
from support import (
    PASSWORD,
    Member,
    a_region_video,
    audit_of,
    case_of,
    decide_case,
    make_staff,
    report,
)

LOGIN = "/api/v1/auth/login"


def suspended_login(client: TestClient, member: Member) -> dict[str, Any]:
    login = client.post(LOGIN, json={"email": member.email, "password": PASSWORD})
    assert login.status_code == 403 and login.json()["code"] == "account_suspended", login.text
    return dict(login.json())


def test_a_suspended_account_reads_its_decision_and_appeals_with_its_appeal_pass_and_nothing_else(
    client: TestClient, platform: Platform, clock: FrozenClock, sign_up: Any, alice: Member, bob: Member
) -> None:
    mod, second = sign_up("modeu", "DE"), sign_up("modeu2", "DE")
    make_staff(platform, mod, Role.MODERATOR, "eu")
    make_staff(platform, second, Role.MODERATOR, "eu")
    video = a_region_video(platform, bob)
    report(client, alice, video, "spam")
    taken = decide_case(client, mod, case_of(client, mod, video)["id"], "take_down", "spam_1")
    clock.advance(seconds=5)
    report(client, alice, bob.id, "harassment", kind="profile")
    suspension = decide_case(client, mod, case_of(client, mod, bob.id)["id"], "suspend_account", "abuse_2")

    wrong = client.post(LOGIN, json={"email": bob.email, "password": "not the password at all"})
    assert wrong.status_code == 401 and "appeal_pass" not in wrong.json()
    answer = suspended_login(client, bob)
    assert answer["appeal_pass_expires_at"] == "2026-06-01T12:30:05+00:00"
    held = {"Authorization": f"Bearer {answer['appeal_pass']}"}

    # Everything but reading the decisions and appealing the suspension stays refused.
    for method, path in [
        ("GET", "/api/v1/me"),
        ("GET", "/api/v1/cart"),
        ("POST", "/api/v1/reports"),
        ("GET", "/api/v1/me/inbox"),
        ("GET", "/api/v1/me/export"),
    ]:
        refused = client.request(method, path, headers=held, json={})
        assert refused.status_code == 401, (path, refused.text)
    mine = client.get("/api/v1/me/moderation", headers=held)
    assert mine.status_code == 200, mine.text
    assert [(d["id"], d["decision"], d["reason_code"]) for d in mine.json()] == [
        (suspension["id"], "suspend_account", "abuse_2"),
        (taken["id"], "take_down", "spam_1"),
    ]
    other = client.post(f"/api/v1/me/moderation/{taken['id']}/appeal", headers=held, json={"text": "x"})
    assert (other.status_code, other.json()["code"]) == (403, "appeal_pass_scope")
    appeal_url = f"/api/v1/me/moderation/{suspension['id']}/appeal"
    appealed = client.post(appeal_url, headers=held, json={"text": "I was quoting them"})
    assert appealed.status_code == 200 and appealed.json()["appeal_state"] == "pending", appealed.text
    twice = client.post(appeal_url, headers=held, json={"text": "again"})
    assert (twice.status_code, twice.json()["code"]) == (409, "already_appealed")

    # A pass someone altered, or one past its time, is no pass.
    token = answer["appeal_pass"]
    forged = token[:-1] + ("0" if token[-1] != "0" else "1")
    other_user = token.replace(bob.id, alice.id)
    for bad in (forged, other_user, "appeal.x.1.2.3"):
        bad_read = client.get("/api/v1/me/moderation", headers={"Authorization": f"Bearer {bad}"})
        assert bad_read.status_code == 401, bad
    clock.advance(minutes=31)
    assert client.get("/api/v1/me/moderation", headers=held).status_code == 401
    fresh = {"Authorization": f"Bearer {suspended_login(client, bob)['appeal_pass']}"}
    assert client.get("/api/v1/me/moderation", headers=fresh).status_code == 200

    # The appeal wins: the suspension is lifted, the pass is void, and bob logs in as before.
    won = client.post(
        f"/api/v1/moderation/appeals/{suspension['id']}/decision",
        headers=second.auth,
        json={"outcome": "overturn"},
    )
    assert won.status_code == 200, won.text
    assert client.get("/api/v1/me/moderation", headers=fresh).status_code == 401
    login = client.post(LOGIN, json={"email": bob.email, "password": PASSWORD})
    assert login.status_code == 200, login.text
    assert (
        client.get("/api/v1/me", headers={"Authorization": f"Bearer {login.json()['token']}"}).status_code
        == 200
    )


def test_a_new_suspension_voids_the_pass_of_the_one_before(
    client: TestClient, platform: Platform, clock: FrozenClock, sign_up: Any, alice: Member, bob: Member
) -> None:
    mod, second = sign_up("modeu", "DE"), sign_up("modeu2", "DE")
    make_staff(platform, mod, Role.MODERATOR, "eu")
    make_staff(platform, second, Role.MODERATOR, "eu")
    report(client, alice, bob.id, "harassment", kind="profile")
    first = decide_case(client, mod, case_of(client, mod, bob.id)["id"], "suspend_account", "abuse")
    old = {"Authorization": f"Bearer {suspended_login(client, bob)['appeal_pass']}"}
    client.post(f"/api/v1/me/moderation/{first['id']}/appeal", headers=old, json={"text": "no"})
    client.post(
        f"/api/v1/moderation/appeals/{first['id']}/decision",
        headers=second.auth,
        json={"outcome": "overturn"},
    )
    relogged = client.post(LOGIN, json={"email": bob.email, "password": PASSWORD}).json()
    clock.advance(seconds=5)
    bob.token = relogged["token"]
    report(client, sign_up("carol", "US"), bob.id, "hate", kind="profile")
    decide_case(client, mod, case_of(client, mod, bob.id)["id"], "suspend_account", "abuse_again")
    assert client.get("/api/v1/me/moderation", headers=old).status_code == 401
    new = {"Authorization": f"Bearer {suspended_login(client, bob)['appeal_pass']}"}
    assert [d["reason_code"] for d in client.get("/api/v1/me/moderation", headers=new).json()] == [
        "abuse_again",
        "abuse",
    ]


def test_moderators_of_the_region_play_a_withheld_video_and_everyone_else_gets_410(
    client: TestClient, platform: Platform, sign_up: Any, alice: Member, bob: Member
) -> None:
    mod, outsider, operator = sign_up("modeu", "US"), sign_up("modus", "US"), sign_up("oper", "AU")
    make_staff(platform, mod, Role.MODERATOR, "eu")  # lives in us, reviews eu
    make_staff(platform, outsider, Role.MODERATOR, "us")
    make_staff(platform, operator, Role.OPERATOR, "au")
    video = a_region_video(platform, bob)
    master_key, segment_key = f"videos/{video}/hls/master.m3u8", f"videos/{video}/hls/0/seg_000.ts"
    store = platform.media_store("eu")
    store.put_bytes(master_key, b"#EXTM3U\n#EXT-X-STREAM-INF:BANDWIDTH=1000\n0/index.m3u8\n")
    store.put_bytes(segment_key, b"\x47" * 188)
    with everywhere(platform.databases).transaction() as uow:
        uow.region("eu").get_one(Video, video).master_key = master_key
    master, segment = f"/media/eu/{master_key}", f"/media/eu/{segment_key}"
    assert client.get(master).headers["cache-control"] == "public, max-age=60"

    report(client, alice, video, "violence")
    case = case_of(client, mod, video)
    assert case["media_url"].endswith(master)
    decide_case(client, mod, case["id"], "take_down", "gore")

    for who in (None, alice, bob, outsider):
        for url in (master, segment):
            gone = client.get(url, headers=who.auth if who else {})
            assert (gone.status_code, gone.json()["code"]) == (410, "media_withheld"), (who, url)
    for who in (mod, operator):
        for url, body in ((master, store.read_bytes(master_key)), (segment, b"\x47" * 188)):
            played = client.get(url, headers=who.auth)
            assert played.status_code == 200 and played.content == body, (who.handle, url, played.text)
            assert played.headers["cache-control"] == "private, no-store"
    # The moderator's session cookie does as well as the bearer header (the page's player sends it).
    client.cookies.set("clipshop_session", mod.token)
    assert client.get(segment).status_code == 200
    client.cookies.clear()

    reviews = [
        (e.actor_id, e.result, e.records)
        for e in audit_of(platform, "eu")
        if e.reason.startswith("play withheld video")
    ]
    assert reviews == [
        (outsider.id, "denied", f'["{video}"]'),
        (outsider.id, "denied", f'["{video}"]'),
        (mod.id, "allowed", f'["{video}"]'),
        (mod.id, "allowed", f'["{video}"]'),
        (operator.id, "allowed", f'["{video}"]'),
        (operator.id, "allowed", f'["{video}"]'),
        (mod.id, "allowed", f'["{video}"]'),
    ]
    # The appeals queue plays it for the second moderator too.
    decision = client.get("/api/v1/me/moderation", headers=bob.auth).json()[0]
    client.post(f"/api/v1/me/moderation/{decision['id']}/appeal", headers=bob.auth, json={"text": "staged"})
    [waiting] = client.get(
        "/api/v1/moderation/appeals", headers=operator.auth, params={"region": "eu"}
    ).json()
    assert (waiting["id"], waiting["withheld"], waiting["media_url"].endswith(master)) == (
        decision["id"],
        True,
        True,
    )
