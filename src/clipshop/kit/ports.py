"""Ports to the outside world; real implementations are picked by settings, test doubles live in tests/."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any, Protocol


class MediaStore(Protocol):
    """Where a region keeps its files: uploads, renditions, posters, avatars."""

    region: str

    def local_path(self, key: str) -> Path:
        """A path on this machine for `key` (written to directly by uploads and ffmpeg)."""
        ...

    def url(self, key: str) -> str: ...

    def exists(self, key: str) -> bool: ...

    def delete_prefix(self, prefix: str) -> None: ...

    def keys(self, prefix: str = "") -> list[str]: ...


class PaymentProvider(Protocol):
    """A card processor shaped like Stripe's: payment intents confirmed asynchronously by signed webhooks,
    refunds and transfers. Every call takes an idempotency key, so a retried call never charges twice."""

    name: str

    def create_intent(
        self,
        *,
        idempotency_key: str,
        amount: int,
        currency: str,
        payment_method: str,
        metadata: dict[str, str],
    ) -> IntentResult: ...

    def find_intent(self, *, idempotency_key: str) -> IntentResult | None:
        """The intent made with this key, if the provider has one (recovery after a crash)."""
        ...

    def cancel_intent(self, *, ref: str) -> IntentResult: ...

    def refund(
        self, *, idempotency_key: str, intent_ref: str, amount: int, metadata: dict[str, str] | None = None
    ) -> str:
        """Refund part or all of a succeeded intent; returns the provider's refund reference."""
        ...

    def transfer(self, *, idempotency_key: str, destination: str, amount: int, currency: str) -> str:
        """Pay out to a merchant's or creator's account; returns the provider's transfer reference."""
        ...

    def parse_webhook(self, *, payload: bytes, signature: str) -> ProviderEvent:
        """Verify the signature and freshness of a webhook and decode it; raises WebhookRejected."""
        ...


@dataclass(frozen=True)
class IntentResult:
    ref: str
    status: str  # requires_action | processing | succeeded | failed | cancelled
    amount: int
    currency: str
    card_last4: str | None = None
    failure_code: str | None = None
    next_action_url: str | None = None


@dataclass(frozen=True)
class ProviderEvent:
    id: str
    type: str  # payment_intent.succeeded | payment_intent.payment_failed | payment_intent.canceled | ...
    intent_ref: str
    occurred_at: datetime
    data: dict[str, Any] = field(default_factory=dict)


class WebhookRejected(Exception):
    """A webhook whose signature or timestamp does not check out."""
