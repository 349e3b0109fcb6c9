"""Idempotency keys for requests a client may retry (checkout, payment, refund, payout).

The first request with a key claims it (a row committed on its own, before any work; or, for work that can,
a row written in the work's own first transaction: `write_claim`, which fails that transaction when the key
is taken); the work then stores its response in that row. A retry with the same key and body gets the
stored response; with another body, 422; while the first is still in flight, 409 (callers may wait a little
for it first). A claim whose owner died is taken over once its lease runs out, and the work it left behind
is resumed, not redone.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import ForeignKey, Integer, String, Text, bindparam, delete, select, update
from sqlalchemy.orm import Mapped, Session, mapped_column

from clipshop.errors import Conflict, Invalid
from clipshop.kit.db import (
    Databases,
    Prebuilt,
    PrebuiltInsert,
    RegionBase,
    UTCDateTime,
    insert_ignore,
    table_of,
)

KEY_MAX = 255


class IdempotencyKey(RegionBase):
    """One retried request: claimed while in flight, then the stored response for every replay."""

    __tablename__ = "idempotency_keys"

    user_id: Mapped[str] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), primary_key=True)
    scope: Mapped[str] = mapped_column(String(32), primary_key=True)
    key: Mapped[str] = mapped_column(String(255), primary_key=True)
    request_hash: Mapped[str] = mapped_column(String(64))
    response_status: Mapped[int | None] = mapped_column(Integer, default=None)
    response_body: Mapped[str | None] = mapped_column(Text, default=None)
    locked_until: Mapped[datetime] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)


@dataclass(frozen=True)
class StoredResponse:
    status: int
    body: dict[str, Any]


class KeyInFlight(Conflict):
    def __init__(self) -> None:
        super().__init__(
            "request_in_flight",
            "A request with this Idempotency-Key is still being processed; retry in a moment for its result.",
        )


def request_hash(body: Any) -> str:
    return hashlib.sha256(json.dumps(body, sort_keys=True, separators=(",", ":")).encode()).hexdigest()


def check_key(key: str | None) -> str:
    if key is None or not key.strip():
        raise Invalid(
            "Send an Idempotency-Key header (a fresh random value per purchase, reused on retries).",
            code="idempotency_key_required",
            field="Idempotency-Key",
        )
    if len(key) > KEY_MAX:
        raise Invalid(
            f"An Idempotency-Key is at most {KEY_MAX} characters.",
            code="invalid_idempotency_key",
            field="Idempotency-Key",
        )
    return key.strip()


def claim(
    databases: Databases,
    *,
    region: str,
    user_id: str,
    scope: str,
    key: str,
    fingerprint: str,
    now: datetime,
    lease: timedelta,
) -> StoredResponse | None:
    """Claim `key` for this request (None), or the stored response of an earlier one; raises 422 or 409."""
    with databases.unit_of_work(home=region).transaction() as uow:
        db = uow.region(region)
        row = {
            "user_id": user_id,
            "scope": scope,
            "key": key,
            "request_hash": fingerprint,
            "locked_until": now + lease,
            "created_at": now,
        }
        if insert_ignore(db, IdempotencyKey, row):
            return None
        found = db.get_one(IdempotencyKey, (user_id, scope, key), populate_existing=True)
        if found.request_hash != fingerprint:
            raise Invalid(
                "This Idempotency-Key was used for a different request; use a new key for a new purchase.",
                code="idempotency_key_reused",
                field="Idempotency-Key",
            )
        if found.response_status is not None:
            return StoredResponse(found.response_status, json.loads(found.response_body or "{}"))
        if found.locked_until > now:
            raise KeyInFlight()
        # The owner died mid-way: take the claim over with a fresh lease (only one taker wins).
        taken = db.execute(
            update(IdempotencyKey)
            .where(
                IdempotencyKey.user_id == user_id,
                IdempotencyKey.scope == scope,
                IdempotencyKey.key == key,
                IdempotencyKey.locked_until == found.locked_until,
                IdempotencyKey.response_status.is_(None),
            )
            .values(locked_until=now + lease)
            .returning(IdempotencyKey.key)
        ).first()
        if taken is None:
            raise KeyInFlight()
        return None


_CLAIM = PrebuiltInsert(table_of(IdempotencyKey))


def write_claim(
    session: Session, *, user_id: str, scope: str, key: str, fingerprint: str, now: datetime, lease: timedelta
) -> None:
    """Claim `key` inside the caller's transaction: a plain INSERT, so a key already claimed (or being claimed
    by a twin still in flight, which it waits for) fails the whole transaction with an IntegrityError."""
    _CLAIM.run(
        session.connection(),
        {
            "user_id": user_id,
            "scope": scope,
            "key": key,
            "request_hash": fingerprint,
            "locked_until": now + lease,
            "created_at": now,
        },
    )


def exists(session: Session, *, user_id: str, scope: str, key: str) -> bool:
    """Whether `key` was claimed by some request (answered or not)."""
    found = session.execute(
        select(IdempotencyKey.key).where(
            IdempotencyKey.user_id == user_id, IdempotencyKey.scope == scope, IdempotencyKey.key == key
        )
    ).first()
    return found is not None


def settle(
    databases: Databases,
    *,
    region: str,
    user_id: str,
    scope: str,
    key: str,
    fingerprint: str,
    response: StoredResponse,
    now: datetime,
    lease: timedelta,
) -> StoredResponse:
    """Store `response` as the answer to a key that no transaction kept (its work rolled back and answers
    for itself, e.g. a sold-out item): the answer stored first wins, so a twin request that got there first
    is answered with its own stored answer (or 422, 409, as `claim`)."""
    with databases.unit_of_work(home=region).transaction() as uow:
        row = {
            "user_id": user_id,
            "scope": scope,
            "key": key,
            "request_hash": fingerprint,
            "response_status": response.status,
            "response_body": json.dumps(response.body),
            "locked_until": now,
            "created_at": now,
        }
        if insert_ignore(uow.region(region), IdempotencyKey, row):
            return response
    stored = claim(databases, region=region, user_id=user_id, scope=scope, key=key, fingerprint=fingerprint,
                   now=now, lease=lease)  # fmt: skip
    if stored is not None:
        return stored
    store(databases, region=region, user_id=user_id, scope=scope, key=key, response=response)
    return response


def store(
    databases: Databases, *, region: str, user_id: str, scope: str, key: str, response: StoredResponse
) -> None:
    with databases.unit_of_work(home=region).transaction() as uow:
        record(uow.region(region), user_id=user_id, scope=scope, key=key, response=response)


def record(
    session: Session, *, region: str = "", user_id: str, scope: str, key: str, response: StoredResponse
) -> None:
    """Store the response of a claimed key inside the caller's transaction (with the work it answers for)."""
    _RECORD.run(
        session.connection(),
        {"of_user": user_id, "of_scope": scope, "of_key": key, "status": response.status,
         "body": json.dumps(response.body)},
    )  # fmt: skip


_KEYS = table_of(IdempotencyKey).c
_RECORD = Prebuilt(
    update(table_of(IdempotencyKey))
    .where(
        _KEYS.user_id == bindparam("of_user"),
        _KEYS.scope == bindparam("of_scope"),
        _KEYS.key == bindparam("of_key"),
    )
    .values(response_status=bindparam("status"), response_body=bindparam("body"))
)


def release(databases: Databases, *, region: str, user_id: str, scope: str, key: str) -> None:
    """Forget a claim whose request failed before doing anything, so the key can be used again."""
    with databases.unit_of_work(home=region).transaction() as uow:
        uow.region(region).execute(
            delete(IdempotencyKey).where(
                IdempotencyKey.user_id == user_id,
                IdempotencyKey.scope == scope,
                IdempotencyKey.key == key,
                IdempotencyKey.response_status.is_(None),
            )
        )
