"""A block across regions is two regions' commits: the block in the blocker's region, its hint in the blocked
person's. A request killed between them leaves the block without its hint, so the blocked person's requests
do not know where to ask; one run of the heal writes the hint back (through the residency gateway, as the
region's service), and a second run fixes nothing."""

from __future__ import annotations

import json
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from clipshop.accounts.models import PublicProfile
from clipshop.healing import heal_projections
from clipshop.kit.db import BETWEEN_REGION_COMMITS
from clipshop.kit.everywhere import everywhere
from clipshop.kit.watermarks import Window
from clipshop.platform import Platform
from clipshop.residency.check import check_residency
from clipshop.residency.models import AuditEntry
from clipshop.social import controls
from clipshop.social.models import Block, BlockHint
from doubles import FrozenClock
from support import Member, run_killed_request

NOTHING: dict[str, dict[str, int]] = {"us": {}, "eu": {}, "au": {}}


def fixed_by_region(platform: Platform) -> dict[str, dict[str, int]]:
    return {healed.region: healed.fixed for healed in heal_projections(platform)}


def stored(platform: Platform, blocker: Member, blocked: Member) -> tuple[bool, list[tuple[str, str]]]:
    with everywhere(platform.databases).transaction() as uow:
        block = uow.region(blocker.region).get(Block, (blocker.id, blocked.id)) is not None
        hints = uow.region(blocked.region).scalars(select(BlockHint).where(BlockHint.user_id == blocked.id))
        return block, [(h.user_id, h.region) for h in hints]


@pytest.mark.slow
def test_a_hint_lost_between_the_two_regions_commits_is_written_back_by_one_heal(
    client: TestClient, platform: Platform, clock: FrozenClock, alice: Member, bob: Member
) -> None:
    assert (alice.region, bob.region) == ("us", "eu")
    fixed_by_region(platform)  # the first runs sweep everything; from here on each compares its window
    run_killed_request(
        platform,
        "POST",
        f"/api/v1/users/{bob.handle}/block",
        headers=alice.auth,
        fault=BETWEEN_REGION_COMMITS,
    )
    # The block is there, the hint is not: bob's requests do not know to ask us.
    assert stored(platform, alice, bob) == (True, [])
    assert client.get(f"/api/v1/users/{alice.handle}", headers=bob.auth).status_code == 200

    clock.advance(minutes=2)  # past the moment its own request might still have been committing
    assert fixed_by_region(platform) == {**NOTHING, "us": {"block hints": 1}}

    assert stored(platform, alice, bob) == (True, [(bob.id, "us")])
    assert client.get(f"/api/v1/users/{alice.handle}", headers=bob.auth).status_code == 404
    refused = client.post(f"/api/v1/users/{alice.handle}/follow", headers=bob.auth)
    assert (refused.status_code, refused.json()["code"]) == (403, "blocked")
    with everywhere(platform.databases).transaction() as uow:
        entries = uow.region("eu").scalars(select(AuditEntry).where(AuditEntry.data_class == "block_hints"))
        healed = [(e.actor_id, e.role, e.purpose, e.result, json.loads(e.records)) for e in entries]
    assert healed == [  # the killed request's access was logged in its own transaction, before the crash
        (alice.id, "user", "blocking", "allowed", [bob.id]),
        ("service:jobs", "service", "blocking", "allowed", [bob.id]),
    ]
    assert fixed_by_region(platform) == NOTHING
    assert check_residency(platform) == []


def test_the_heal_leaves_hints_that_are_there_and_blocks_of_erased_or_home_accounts_alone(
    client: TestClient, platform: Platform, clock: FrozenClock, sign_up: Any, alice: Member, bob: Member
) -> None:
    carol = sign_up("carol", "MX")  # alice's region
    dave = sign_up("dave", "AU")
    for whom in (bob, carol, dave):
        r = client.post(f"/api/v1/users/{whom.handle}/block", headers=alice.auth)
        assert r.status_code == 200, r.text
    assert stored(platform, alice, bob) == (True, [(bob.id, "us")])
    with everywhere(platform.databases).transaction() as uow:
        uow.region("au").execute(BlockHint.__table__.delete())  # as if lost
    # dave's account is gone since (its public profile with it): no hint is written for it.
    with everywhere(platform.databases).transaction() as uow:
        uow.directory.delete(uow.directory.get_one(PublicProfile, dave.id))
    clock.advance(minutes=2)
    with platform.uow(home="us").transaction() as uow:
        window = Window(since=None, before=clock.now())
        assert controls.heal_block_hints(uow, region="us", window=window) == {}
    assert stored(platform, alice, dave) == (True, [])
    assert stored(platform, alice, carol) == (True, [])  # a block at home needs no hint
