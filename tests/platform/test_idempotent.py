"""The Idempotency-Key helper on its own: a domain error listed as the request's answer is rendered as
problem details and replayed; any other failure frees the key, unless the work held it; another body with
the same key is refused."""

from __future__ import annotations

from typing import Any

import pytest

from clipshop.errors import Conflict, Invalid
from clipshop.kit.everywhere import everywhere
from clipshop.kit.idempotency import KeyInFlight, StoredResponse
from clipshop.platform import Platform
from clipshop.platform.idempotent import Claim, answer_once
from support import actor_of, quick_members


class SoldOut(Conflict):
    def __init__(self) -> None:
        super().__init__("out_of_stock", "This item just sold out.", variant_id="us_x", available=0)


def once(platform: Platform, actor: Any, work: Any, *, body: Any = None) -> StoredResponse:
    return answer_once(
        platform,
        actor=actor,
        scope="test",
        key="k1",
        fingerprint=body or {"n": 1},
        instance="/api/v1/things",
        work=work,
        stored_errors=(SoldOut,),
    )


def test_a_listed_domain_error_is_the_answer_stored_and_replayed(platform: Platform) -> None:
    actor = actor_of(quick_members(platform, "us", 1)[0])
    runs: list[int] = []

    def refuse(claim: Claim) -> StoredResponse:
        runs.append(1)
        raise SoldOut()

    first = once(platform, actor, refuse)
    assert first == StoredResponse(
        409,
        {
            "type": "https://clipshop.dev/problems/out_of_stock",
            "title": "Conflict",
            "status": 409,
            "code": "out_of_stock",
            "detail": "This item just sold out.",
            "instance": "/api/v1/things",
            "variant_id": "us_x",
            "available": 0,
        },
    )
    assert once(platform, actor, refuse) == first
    assert runs == [1]
    with pytest.raises(Invalid) as refused:
        once(platform, actor, refuse, body={"n": 2})
    assert refused.value.code == "idempotency_key_reused"


def test_another_failure_frees_the_key_and_a_success_is_stored(platform: Platform) -> None:
    actor = actor_of(quick_members(platform, "us", 1)[0])

    def fail(claim: Claim) -> StoredResponse:
        raise Invalid("not now", code="not_now")

    with pytest.raises(Invalid):
        once(platform, actor, fail)
    answer = once(platform, actor, lambda claim: StoredResponse(200, {"ok": True}))
    assert answer == StoredResponse(200, {"ok": True})
    assert once(platform, actor, fail) == answer


def test_work_that_holds_the_key_keeps_it_claimed_when_it_fails(platform: Platform) -> None:
    actor = actor_of(quick_members(platform, "us", 1)[0])

    def crash_after_holding(claim: Claim) -> StoredResponse:
        claim.hold()
        raise RuntimeError("the process died after writing the orders")

    with pytest.raises(RuntimeError):
        once(platform, actor, crash_after_holding)
    with pytest.raises(KeyInFlight):
        once(platform, actor, lambda claim: StoredResponse(200, {}))


def test_an_answer_recorded_by_the_work_commits_with_it(platform: Platform) -> None:
    actor = actor_of(quick_members(platform, "us", 1)[0])

    def work(claim: Claim) -> StoredResponse:
        with everywhere(platform.databases).transaction() as uow:
            return claim.record(uow, StoredResponse(201, {"id": "done"}))

    assert once(platform, actor, work) == StoredResponse(201, {"id": "done"})
    assert once(platform, actor, lambda claim: StoredResponse(500, {})) == StoredResponse(201, {"id": "done"})
