"""Routes a client may retry under an `Idempotency-Key` (checkout, refunds): one helper claims the key,
replays a stored answer, runs the work once and stores its answer for the next retry. The rows themselves
live in `kit.idempotency` (claim, record, store, release).

The same key and body replay the stored answer; another body is refused (422); a twin still in flight is
waited for a little, then answered 409. Work that fails releases the key (nothing was done, a retry may run
it again) unless the work has said it `hold`s the key: from there on a failure keeps the claim until its
lease runs out, and a retry then resumes what the first attempt began. Domain errors listed as
`stored_errors` are the answer to the request: stored and replayed like a success.

`answer_inline` saves the claim's own transaction: the work writes the claim into its first transaction
(`Claim.write`), so the claim commits with the work's first writes or not at all, and only a key found taken
goes the way of `answer_once`."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import anyio
from fastapi import Request
from fastapi.responses import JSONResponse
from sqlalchemy.orm import Session
from starlette.concurrency import run_in_threadpool

from clipshop.errors import ClipshopError, RateLimited
from clipshop.kit import idempotency
from clipshop.kit.actors import Actor
from clipshop.kit.db import UnitOfWork
from clipshop.platform import Platform

PROBLEM_JSON = "application/problem+json"
Answer = idempotency.StoredResponse


@dataclass
class Claim:
    """A claimed key, handed to the work it guards."""

    platform: Platform
    region: str
    user_id: str
    scope: str
    key: str
    instance: str  # the request's path, named by problem details
    held: bool = False
    recorded: bool = False
    # Set by `answer_inline`: the work claims the key itself, in its first transaction (`write`).
    inline: bool = False
    fingerprint: str = ""

    def write(self, session: Session, *, now: datetime) -> None:
        """Claim the key inside the work's first transaction (an inline claim): if the key is taken, that
        transaction fails, and the work raises KeyTaken once `taken` confirms it."""
        idempotency.write_claim(
            session,
            user_id=self.user_id,
            scope=self.scope,
            key=self.key,
            fingerprint=self.fingerprint,
            now=now,
            lease=timedelta(seconds=self.platform.settings.idempotency_lease_s),
        )

    def taken(self) -> bool:
        """Whether another request has claimed the key (read in a transaction of its own)."""
        with self.platform.databases.unit_of_work(home=self.region).transaction() as uow:
            return idempotency.exists(uow.region(self.region), user_id=self.user_id, scope=self.scope,
                                      key=self.key)  # fmt: skip

    def hold(self) -> None:
        """The work has committed something a retry must finish: keep the claim even if the rest fails."""
        self.held = True

    def record(self, uow: UnitOfWork, answer: Answer) -> Answer:
        """Store the answer inside the work's own last transaction, so it commits with what it answers for."""
        idempotency.record(
            uow.region(self.region), user_id=self.user_id, scope=self.scope, key=self.key, response=answer
        )
        self.recorded = True
        return answer

    def _store(self, answer: Answer) -> None:
        idempotency.store(self.platform.databases, **self._names(), response=answer)

    def _release(self) -> None:
        idempotency.release(self.platform.databases, **self._names())

    def _names(self) -> dict[str, str]:
        return {"region": self.region, "user_id": self.user_id, "scope": self.scope, "key": self.key}


class KeyTaken(Exception):
    """The work's inline claim failed: another request claimed the key first."""


def problem_answer(error: ClipshopError, *, instance: str) -> Answer:
    """A domain error as the answer to a request (RFC 9457 problem details with its status)."""
    return Answer(error.status, error.problem(instance=instance))


def answer_once(
    platform: Platform,
    *,
    actor: Actor,
    scope: str,
    key: str,
    fingerprint: Any,
    instance: str,
    work: Callable[[Claim], Answer],
    stored_errors: tuple[type[ClipshopError], ...] = (),
) -> Answer:
    """Claim `key`, run `work` once and store its answer; or the answer stored by an earlier request. Runs in
    the calling thread (routes call it from a worker thread through `respond_once`)."""
    stored = idempotency.claim(
        platform.databases,
        region=actor.region,
        user_id=actor.id,
        scope=scope,
        key=key,
        fingerprint=idempotency.request_hash(fingerprint),
        now=platform.clock.now(),
        lease=timedelta(seconds=platform.settings.idempotency_lease_s),
    )
    if stored is not None:
        return stored
    claim = Claim(platform, actor.region, actor.id, scope, key, instance)
    try:
        answer = work(claim)
    except stored_errors as error:
        answer = problem_answer(error, instance=instance)
        claim._store(answer)
        return answer
    except BaseException:
        if not claim.held:
            claim._release()
        raise
    if not claim.recorded:
        claim._store(answer)
    return answer


def answer_inline(
    platform: Platform,
    *,
    actor: Actor,
    scope: str,
    key: str,
    fingerprint: Any,
    instance: str,
    work: Callable[[Claim], Answer],
    stored_errors: tuple[type[ClipshopError], ...] = (),
) -> Answer:
    """`answer_once` for work that claims the key itself (`claim.inline`: `Claim.write` in its first
    transaction, then `hold` once that committed). A key found taken (the work raises KeyTaken) is answered
    as `answer_once` answers it, running `work` again with the key claimed beforehand (`claim.inline` false)
    when a dead request's lease has run out. A domain error raised before the claim committed is checked
    against the key: a retry of a request already answered gets that answer, whatever it would meet now."""
    hashed = idempotency.request_hash(fingerprint)
    claim = Claim(platform, actor.region, actor.id, scope, key, instance, inline=True, fingerprint=hashed)

    def the_usual_way() -> Answer:
        return answer_once(platform, actor=actor, scope=scope, key=key, fingerprint=fingerprint,
                           instance=instance, work=work, stored_errors=stored_errors)  # fmt: skip

    try:
        answer = work(claim)
    except KeyTaken:
        return the_usual_way()
    except RateLimited:
        raise  # refused for load before doing anything: nothing to ask the key about
    except stored_errors as error:
        answer = problem_answer(error, instance=instance)
        if claim.held:
            claim._store(answer)
            return answer
        return idempotency.settle(
            platform.databases,
            region=actor.region,
            user_id=actor.id,
            scope=scope,
            key=key,
            fingerprint=hashed,
            response=answer,
            now=platform.clock.now(),
            lease=timedelta(seconds=platform.settings.idempotency_lease_s),
        )
    except ClipshopError:
        if not claim.held and claim.taken():
            return the_usual_way()
        raise
    if not claim.recorded:
        claim._store(answer)
    return answer


async def respond_once(
    platform: Platform,
    request: Request,
    *,
    actor: Actor,
    scope: str,
    key: str | None,
    fingerprint: Any,
    work: Callable[[Claim], Answer],
    stored_errors: tuple[type[ClipshopError], ...] = (),
    inline: bool = False,
) -> JSONResponse:
    """`answer_once` (or `answer_inline`) for a route: checks the header's key, waits a little for a twin
    request that holds the key first, and sends the answer (problem details for an error status). The
    attempts after a twin was found in flight claim the key the usual way."""
    checked = idempotency.check_key(key)
    instance = request.url.path

    def run(first: bool) -> Answer:
        answer_with = answer_inline if inline and first else answer_once
        return answer_with(
            platform,
            actor=actor,
            scope=scope,
            key=checked,
            fingerprint=fingerprint,
            instance=instance,
            work=work,
            stored_errors=stored_errors,
        )

    waited, pause, first = 0.0, 0.02, True
    while True:
        try:
            answer = await run_in_threadpool(run, first)
            break
        except idempotency.KeyInFlight:
            first = False
            if waited >= platform.settings.idempotency_wait_s:
                raise
            await anyio.sleep(pause)
            waited, pause = waited + pause, min(pause * 2, 0.25)
    return JSONResponse(
        answer.body,
        status_code=answer.status,
        media_type=PROBLEM_JSON if answer.status >= 400 else None,
    )
