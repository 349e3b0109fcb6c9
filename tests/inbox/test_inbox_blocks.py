"""Inbox lines written before a block: the account the recipient blocked, or that blocked them (in their
region or another), is neither named nor counted in a grouped line from then on, and a line of theirs alone
is not shown nor counted unread. Lifting the block shows them again."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient
from test_inbox import inbox_of, lines, unread

from clipshop.platform import Platform
from doubles import FrozenClock
from support import Member, a_public_video


def people(client: TestClient, member: Member) -> list[tuple[str, list[str], int, int]]:
    return [
        (i["text"], [p["handle"] for p in i["people"]], i["count"], i["others"])
        for i in inbox_of(client, member)["items"]
    ]


def test_a_line_written_before_a_block_neither_names_nor_counts_the_account_apart(
    client: TestClient, platform: Platform, clock: FrozenClock, sign_up: Any, alice: Member
) -> None:
    video = a_public_video(platform, alice)  # alice lives in us
    bob = sign_up("bob", "MX")  # us: alice blocks him
    carol = sign_up("carol", "DE", display_name="Carol")  # eu: blocks alice
    dave = sign_up("dave", "AU")
    erin = sign_up("erin", "US")
    for who in (dave, bob, carol, erin):
        clock.advance(minutes=1)
        assert client.post(f"/api/v1/videos/{video}/like", headers=who.auth).status_code == 200
    clock.advance(minutes=1)
    assert client.post(f"/api/v1/users/{alice.handle}/follow", headers=bob.auth).status_code == 200
    platform.jobs.drain()
    assert people(client, alice) == [
        ("bob started following you", ["bob"], 1, 0),
        ("erin, Carol and 2 others liked your video", ["erin", "carol"], 4, 2),
    ]
    assert unread(client, alice) == 2

    blocked = client.post(f"/api/v1/users/{bob.handle}/block", headers=alice.auth)
    assert blocked.status_code == 200, blocked.text
    blocked = client.post(f"/api/v1/users/{alice.handle}/block", headers=carol.auth)
    assert blocked.status_code == 200, blocked.text
    platform.jobs.drain()

    assert people(client, alice) == [("erin and dave liked your video", ["erin", "dave"], 2, 0)]
    body = inbox_of(client, alice)
    assert (body["unread"], unread(client, alice)) == (1, 1)
    marked = client.post("/api/v1/me/inbox/read", headers=alice.auth, json={})
    assert marked.status_code == 200 and marked.json()["unread"] == 0

    # Lifting a block shows the account again, in the lines written before it.
    assert client.delete(f"/api/v1/users/{bob.handle}/block", headers=alice.auth).status_code == 200
    assert lines(client, alice) == [
        ("follow", "bob started following you", 1, True),
        ("like", "erin, bob and 1 other liked your video", 3, True),
    ]
