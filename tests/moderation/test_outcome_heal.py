"""No moderation outcome is lost with its job: a decision whose process died between its commit and the
enqueue of the job that tells the uploader is told by the next heal, once."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient

from clipshop.healing import heal_projections
from clipshop.kit.actors import Role
from clipshop.kit.db import AFTER_COMMIT
from clipshop.platform import Platform
from doubles import FrozenClock
from support import CASES, Member, a_region_video, make_staff, report, run_killed_request


def moderation_lines(client: TestClient, member: Member) -> list[str]:
    inbox = client.get("/api/v1/me/inbox", headers=member.auth)
    assert inbox.status_code == 200, inbox.text
    return [i["kind"] for i in inbox.json()["items"] if i["kind"] in ("moderation", "appeal")]


@pytest.mark.slow
def test_a_decision_killed_before_its_job_is_queued_is_told_by_the_heal(
    client: TestClient, platform: Platform, clock: FrozenClock, sign_up: Any, alice: Member, bob: Member
) -> None:
    mod = sign_up("modeu", "DE")
    make_staff(platform, mod, Role.MODERATOR, "eu")
    video_id = a_region_video(platform, bob)
    report(client, alice, video_id, "counterfeit")
    (case,) = client.get(CASES, headers=mod.auth).json()
    run_killed_request(
        platform,
        "POST",
        f"{CASES}/{case['id']}/decision",
        headers=mod.auth,
        json={"decision": "take_down", "reason_code": "counterfeit_goods"},
        fault=AFTER_COMMIT,
    )
    platform.jobs.drain()
    assert client.get(f"/api/v1/videos/{video_id}").status_code == 404  # the decision stands
    assert moderation_lines(client, bob) == []  # its job died with the process

    clock.advance(minutes=2)
    healed = {h.region: h.fixed for h in heal_projections(platform)}
    assert healed["eu"] == {"moderation outcomes": 1}
    assert moderation_lines(client, bob) == ["moderation"]
    clock.advance(minutes=2)
    assert all(not h.fixed for h in heal_projections(platform))  # told once
