"""A built-in payment provider that behaves like a real one, so the whole flow runs with no external service.

It keeps its own state in its own database (as a real processor would), answers every call idempotently by
key, and confirms payments asynchronously: an event outbox is delivered as signed webhooks by a job, and may
be delivered again. Test cards, in the style of the big processors:

    4242 4242 4242 4242   succeeds
    4000 0000 0000 0002   declined            (card_declined)
    4000 0000 0000 9995   insufficient funds  (insufficient_funds)
    4000 0025 0000 3155   needs authentication (requires_action; approve or refuse at next_action_url)

Any other number that passes the Luhn check succeeds; one that does not is refused (invalid_number).
"""

from __future__ import annotations

import hashlib
import hmac
import json
from collections.abc import Callable, Iterator
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import BigInteger, Integer, MetaData, String, Text, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, sessionmaker

from clipshop.kit.clock import Clock
from clipshop.kit.db import PrebuiltInserts, UTCDateTime, make_engine, pipelined, table_of
from clipshop.kit.ids import new_id
from clipshop.kit.ports import IntentResult, ProviderEvent, WebhookRejected

SIGNATURE_HEADER = "Clipshop-Signature"
TOLERANCE = timedelta(minutes=5)

DECLINED = "4000000000000002"
INSUFFICIENT_FUNDS = "4000000000009995"
AUTHENTICATION_REQUIRED = "4000002500003155"
SUCCEEDS = "4242424242424242"


class SandboxBase(DeclarativeBase):
    metadata = MetaData()


class SandboxIntent(SandboxBase):
    __tablename__ = "sandbox_intents"

    ref: Mapped[str] = mapped_column(String(80), primary_key=True)
    idempotency_key: Mapped[str] = mapped_column(String(255), unique=True)
    amount: Mapped[int] = mapped_column(BigInteger)
    currency: Mapped[str] = mapped_column(String(3))
    status: Mapped[str] = mapped_column(String(24))
    card_last4: Mapped[str | None] = mapped_column(String(4))
    failure_code: Mapped[str | None] = mapped_column(String(40))
    refunded: Mapped[int] = mapped_column(BigInteger, default=0)
    metadata_json: Mapped[str] = mapped_column(Text, default="{}")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)


class SandboxMovement(SandboxBase):
    """A refund or a transfer, remembered by idempotency key."""

    __tablename__ = "sandbox_movements"

    ref: Mapped[str] = mapped_column(String(80), primary_key=True)
    idempotency_key: Mapped[str] = mapped_column(String(255), unique=True)
    kind: Mapped[str] = mapped_column(String(16))
    intent_ref: Mapped[str | None] = mapped_column(String(80))
    destination: Mapped[str | None] = mapped_column(String(80))
    amount: Mapped[int] = mapped_column(BigInteger)
    currency: Mapped[str] = mapped_column(String(3))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)


class SandboxEvent(SandboxBase):
    """The webhook outbox: every event is delivered at least once, signed at the moment it is sent."""

    __tablename__ = "sandbox_events"

    id: Mapped[str] = mapped_column(String(80), primary_key=True)
    intent_ref: Mapped[str] = mapped_column(String(80), index=True)
    type: Mapped[str] = mapped_column(String(60))
    payload: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    deliver_after: Mapped[datetime] = mapped_column(UTCDateTime)
    delivered_at: Mapped[datetime | None] = mapped_column(UTCDateTime, default=None)
    attempts: Mapped[int] = mapped_column(Integer, default=0)


_INSERT = PrebuiltInserts(table_of(SandboxIntent), table_of(SandboxEvent))


_EVENT_FIELDS = (
    "ref",
    "amount",
    "currency",
    "failure_code",
    "metadata_json",
)  # what an event tells of its intent
REFUSALS = {DECLINED: "card_declined", INSUFFICIENT_FUNDS: "insufficient_funds"}


class CardRefused(ValueError):
    pass


def luhn_ok(number: str) -> bool:
    digits = [int(d) for d in number]
    total = 0
    for i, digit in enumerate(reversed(digits)):
        if i % 2 == 1:
            digit *= 2
            if digit > 9:
                digit -= 9
        total += digit
    return len(digits) >= 12 and total % 10 == 0


def sign(payload: bytes, *, secret: str, at: datetime) -> str:
    timestamp = int(at.timestamp())
    digest = hmac.new(secret.encode(), f"{timestamp}.".encode() + payload, hashlib.sha256).hexdigest()
    return f"t={timestamp},v1={digest}"


def verify(payload: bytes, signature: str, *, secret: str, now: datetime) -> None:
    parts = dict(p.split("=", 1) for p in signature.split(",") if "=" in p)
    try:
        timestamp = int(parts["t"])
    except (KeyError, ValueError):
        raise WebhookRejected("the signature header has no timestamp") from None
    expected = hmac.new(secret.encode(), f"{timestamp}.".encode() + payload, hashlib.sha256).hexdigest()
    if not hmac.compare_digest(expected, parts.get("v1", "")):
        raise WebhookRejected("the signature does not match the payload")
    if abs(now.timestamp() - timestamp) > TOLERANCE.total_seconds():
        raise WebhookRejected("the signature is too old (or from the future); refusing a possible replay")


class SandboxProvider:
    """The sandbox processor; `wake` is called when events are ready to send (it enqueues delivery)."""

    name = "sandbox"

    def __init__(
        self,
        *,
        url: str,
        secret: str,
        clock: Clock,
        base_url: str = "",
        delay: timedelta = timedelta(0),
        wake: Callable[[], None] | None = None,
    ) -> None:
        self.engine = make_engine(url)
        SandboxBase.metadata.create_all(self.engine)
        self._sessions = sessionmaker(self.engine, expire_on_commit=False)
        self.secret = secret
        self.clock = clock
        self.base_url = base_url
        self.delay = delay
        self.wake = wake

    # -- the provider port ------------------------------------------------------------------------------

    def create_intent(
        self,
        *,
        idempotency_key: str,
        amount: int,
        currency: str,
        payment_method: str,
        metadata: dict[str, str],
    ) -> IntentResult:
        # Insert first and let the unique key answer "seen before": one round trip in the common case.
        number = "".join(ch for ch in payment_method if ch.isdigit())
        now = self.clock.now()
        intent: dict[str, Any] = {
            "ref": f"pi_{new_id('sb')[3:]}",
            "idempotency_key": idempotency_key,
            "amount": amount,
            "currency": currency,
            "status": "succeeded",  # the processor's truth; the merchant learns it by webhook
            "card_last4": number[-4:] if number else None,
            "failure_code": None,
            "refunded": 0,
            "metadata_json": json.dumps(metadata, sort_keys=True),
            "created_at": now,
        }
        events = ["payment_intent.processing", "payment_intent.succeeded"]
        if not luhn_ok(number):
            intent["status"], intent["failure_code"] = "failed", "invalid_number"
            events = ["payment_intent.payment_failed"]
        elif number in REFUSALS:
            intent["status"], intent["failure_code"] = "failed", REFUSALS[number]
            events = ["payment_intent.payment_failed"]
        elif number == AUTHENTICATION_REQUIRED:
            intent["status"] = "requires_action"
            events = ["payment_intent.requires_action"]
        # The intent is written once, in its final state, with its events: one statement on PostgreSQL.
        rows = [self._event_row(intent, type_, now) for type_ in events]
        with self.engine.connect() as conn:
            try:
                with pipelined(conn) as send_commit:
                    _INSERT.run(conn, {"sandbox_intents": [intent], "sandbox_events": rows})
                    send_commit()
                conn.commit()
            except IntegrityError:  # a key seen before (a retry, or a twin racing in): that intent's answer
                conn.rollback()
                found = self.find_intent(idempotency_key=idempotency_key)
                assert found is not None
                return found
        self._wake()
        return IntentResult(
            ref=intent["ref"],
            status="processing" if intent["status"] == "succeeded" else intent["status"],
            amount=amount,
            currency=currency,
            card_last4=intent["card_last4"],
            failure_code=intent["failure_code"],
            next_action_url=self._action_url(intent["ref"])
            if intent["status"] == "requires_action"
            else None,
        )

    def find_intent(self, *, idempotency_key: str) -> IntentResult | None:
        with self._sessions() as session:
            intent = session.scalars(
                select(SandboxIntent).where(SandboxIntent.idempotency_key == idempotency_key)
            ).first()
            return None if intent is None else self._result(intent)

    def find_intent_by_ref(self, ref: str) -> IntentResult | None:
        with self._sessions() as session:
            intent = session.get(SandboxIntent, ref)
            return None if intent is None else self._result(intent)

    def cancel_intent(self, *, ref: str) -> IntentResult:
        with self._sessions() as session:
            intent = session.get_one(SandboxIntent, ref, with_for_update=True)
            if intent.status in ("requires_action", "processing"):
                intent.status = "cancelled"
                self._emit(session, intent, "payment_intent.canceled", self.clock.now())
            session.commit()
        self._wake()
        return self._result(intent)

    def refund(
        self, *, idempotency_key: str, intent_ref: str, amount: int, metadata: dict[str, str] | None = None
    ) -> str:
        with self._sessions() as session:
            done = session.scalars(
                select(SandboxMovement).where(SandboxMovement.idempotency_key == idempotency_key)
            ).first()
            if done is not None:
                return done.ref
            intent = session.get_one(SandboxIntent, intent_ref, with_for_update=True)
            if intent.status != "succeeded" or intent.refunded + amount > intent.amount:
                raise CardRefused(f"cannot refund {amount} of intent {intent_ref} ({intent.status})")
            intent.refunded += amount
            movement = SandboxMovement(
                ref=f"re_{new_id('sb')[3:]}",
                idempotency_key=idempotency_key,
                kind="refund",
                intent_ref=intent_ref,
                destination=None,
                amount=amount,
                currency=intent.currency,
                created_at=self.clock.now(),
            )
            session.add(movement)
            self._emit(
                session,
                intent,
                "charge.refunded",
                self.clock.now(),
                refund=movement.ref,
                refund_amount=amount,
                refund_metadata=dict(metadata or {}),
            )
            session.commit()
        self._wake()
        return movement.ref

    def transfer(self, *, idempotency_key: str, destination: str, amount: int, currency: str) -> str:
        with self._sessions() as session:
            done = session.scalars(
                select(SandboxMovement).where(SandboxMovement.idempotency_key == idempotency_key)
            ).first()
            if done is not None:
                return done.ref
            movement = SandboxMovement(
                ref=f"tr_{new_id('sb')[3:]}",
                idempotency_key=idempotency_key,
                kind="transfer",
                intent_ref=None,
                destination=destination,
                amount=amount,
                currency=currency,
                created_at=self.clock.now(),
            )
            session.add(movement)
            session.commit()
            return movement.ref

    def parse_webhook(self, *, payload: bytes, signature: str) -> ProviderEvent:
        verify(payload, signature, secret=self.secret, now=self.clock.now())
        try:
            body = json.loads(payload)
            return ProviderEvent(
                id=str(body["id"]),
                type=str(body["type"]),
                intent_ref=str(body["data"]["intent"]),
                occurred_at=datetime.fromisoformat(body["created"]),
                data=dict(body["data"]),
            )
        except (ValueError, KeyError, TypeError) as error:
            raise WebhookRejected(f"the payload is not an event: {error}") from None

    # -- the sandbox's own controls ---------------------------------------------------------------------

    def authenticate(self, *, ref: str, approve: bool) -> IntentResult:
        """What the buyer's bank page does: approve or refuse a payment that needs authentication."""
        with self._sessions() as session:
            intent = session.get(SandboxIntent, ref, with_for_update=True)
            if intent is None:
                raise KeyError(ref)
            if intent.status == "requires_action":
                now = self.clock.now()
                if approve:
                    intent.status = "succeeded"
                    self._emit(session, intent, "payment_intent.processing", now)
                    self._emit(session, intent, "payment_intent.succeeded", now)
                else:
                    intent.status, intent.failure_code = "failed", "authentication_failed"
                    self._emit(session, intent, "payment_intent.payment_failed", now)
            session.commit()
        self._wake()
        return self._result(intent)

    def pending_events(self, *, due: bool = True) -> list[SandboxEvent]:
        with self._sessions() as session:
            query = select(SandboxEvent).where(SandboxEvent.delivered_at.is_(None))
            if due:
                query = query.where(SandboxEvent.deliver_after <= self.clock.now())
            return list(session.scalars(query.order_by(SandboxEvent.created_at, SandboxEvent.id)))

    def all_events(self, intent_ref: str | None = None) -> list[SandboxEvent]:
        with self._sessions() as session:
            query = select(SandboxEvent).order_by(SandboxEvent.created_at, SandboxEvent.id)
            if intent_ref is not None:
                query = query.where(SandboxEvent.intent_ref == intent_ref)
            return list(session.scalars(query))

    def signed(self, event: SandboxEvent) -> tuple[bytes, str]:
        """The body and signature header of one delivery of `event`, signed now."""
        payload = event.payload.encode()
        return payload, sign(payload, secret=self.secret, at=self.clock.now())

    def deliver_due(self, sink: Callable[[bytes, str], None]) -> int:
        """Send every due event to `sink` (the webhook receiver); a failed delivery is retried later."""
        sent = 0
        for event in self.pending_events():
            payload, signature = self.signed(event)
            try:
                sink(payload, signature)
            except Exception:
                delivered = None
            else:
                delivered = self.clock.now()
                sent += 1
            with self._sessions() as session:
                row = session.get_one(SandboxEvent, event.id)
                row.attempts += 1
                row.delivered_at = delivered
                if delivered is None:
                    row.deliver_after = self.clock.now() + timedelta(seconds=min(300, 2**row.attempts))
                session.commit()
        return sent

    def stored(self) -> Iterator[tuple[str, str, object]]:
        """Everything the processor keeps that its caller sent or it derived: (table, key, value) for each
        intent's metadata, event payload and movement destination, decoded."""
        with self._sessions() as session:
            for ref, metadata in session.execute(select(SandboxIntent.ref, SandboxIntent.metadata_json)):
                yield "intents", ref, json.loads(metadata)
            for event_id, payload in session.execute(select(SandboxEvent.id, SandboxEvent.payload)):
                yield "events", event_id, json.loads(payload)
            for ref, destination in session.execute(select(SandboxMovement.ref, SandboxMovement.destination)):
                yield "movements", ref, destination

    def charges(self) -> list[SandboxIntent]:
        with self._sessions() as session:
            return list(session.scalars(select(SandboxIntent).order_by(SandboxIntent.created_at)))

    def dispose(self) -> None:
        self.engine.dispose()

    # -- inside -----------------------------------------------------------------------------------------

    def _emit(self, session: Any, intent: SandboxIntent, type_: str, now: datetime, **extra: Any) -> None:
        values = {column: getattr(intent, column) for column in _EVENT_FIELDS}
        session.add(SandboxEvent(**self._event_row(values, type_, now, **extra)))

    def _event_row(self, intent: dict[str, Any], type_: str, now: datetime, **extra: Any) -> dict[str, Any]:
        event_id = f"evt_{new_id('sb')[3:]}"
        body = {
            "id": event_id,
            "type": type_,
            "created": now.isoformat(),
            "data": {
                "intent": intent["ref"],
                "amount": intent["amount"],
                "currency": intent["currency"],
                "failure_code": intent["failure_code"],
                "metadata": json.loads(intent["metadata_json"]),
                **extra,
            },
        }
        return {
            "id": event_id,
            "intent_ref": intent["ref"],
            "type": type_,
            "payload": json.dumps(body, sort_keys=True),
            "created_at": now,
            "deliver_after": now + self.delay,
            "delivered_at": None,
            "attempts": 0,
        }

    def _wake(self) -> None:
        if self.wake is not None:
            self.wake()

    def _result(self, intent: SandboxIntent, reported_status: str | None = None) -> IntentResult:
        return IntentResult(
            ref=intent.ref,
            status=reported_status or intent.status,
            amount=intent.amount,
            currency=intent.currency,
            card_last4=intent.card_last4,
            failure_code=intent.failure_code,
            next_action_url=self._action_url(intent.ref) if intent.status == "requires_action" else None,
        )

    def _action_url(self, ref: str) -> str:
        return f"{self.base_url}/sandbox/payments/{ref}/authenticate"
