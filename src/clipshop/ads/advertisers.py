"""Advertiser accounts and their top-ups.

An account lives in its owner's home region: a brand's, in the currency its owner picks, or a shop's (its
owner's only), in the shop's currency. Only its owner sees it; anyone else is answered 404.

A top-up is a row (`pending`) paid through the payment provider with the top-up's id as the provider's
idempotency key. Once the provider confirms it (in its answer or, as the sandbox does, by a webhook), the
top-up is `paid` and the ledger books kind `ad_topup` with the top-up's id as reference: `cash:<provider>`
+amount, `advertiser:<id>:balance` -amount, exactly once (a second confirmation finds it paid, and the
ledger refuses a second booking of the reference). Under an Idempotency-Key, the top-up's id is derived
from the key, so a retry that takes over a dead request's claim finds the row that request wrote and asks
the provider again with the same key, which answers with the first intent: one charge, one credit.
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from sqlalchemy import func, select, update

from clipshop.ads import balances
from clipshop.ads.models import AdTopUp, Advertiser, AdvertiserKind, TopUpStatus
from clipshop.config import Settings
from clipshop.errors import Conflict, Invalid, NotFound
from clipshop.kit.actors import Actor
from clipshop.kit.db import UnitOfWork
from clipshop.kit.ids import SEPARATOR, is_valid_id, new_id, region_of
from clipshop.kit.ports import IntentResult, ProviderEvent
from clipshop.shop.public import cash_account, check_currency, owned_shop, post_to_ledger

if TYPE_CHECKING:
    from clipshop.platform import Platform

log = logging.getLogger(__name__)

MAX_ACCOUNTS = 10  # advertiser accounts one person may open
TOPUP_KIND = "ad_topup"  # the ledger's kind for a top-up, referenced by the top-up's id
TOPUPS_LISTED = 100
# A top-up still pending with no answer from the provider this long after its row was written lost its
# request (`recover_topups`).
TOPUP_INTERRUPTED_AFTER = timedelta(minutes=2)

# What the provider says of an intent (its answer, or a webhook's event) and what it makes of a top-up.
PAID_WHEN = frozenset({"succeeded"})
FAILED_WHEN = frozenset({"failed", "cancelled"})
EVENT_STATUS = {
    "payment_intent.succeeded": "succeeded",
    "payment_intent.payment_failed": "failed",
    "payment_intent.canceled": "cancelled",
}


# -- accounts ----------------------------------------------------------------------------------------------


def open_account(
    uow: UnitOfWork,
    *,
    actor: Actor,
    name: str,
    kind: AdvertiserKind,
    shop_id: str | None,
    currency: str | None,
    now: datetime,
) -> Advertiser:
    """Open an advertiser account in the actor's home region: a brand's, or the account of a shop the actor
    owns (one per shop, in the shop's currency)."""
    db = uow.region(actor.region)
    owned = db.scalar(select(func.count()).select_from(Advertiser).where(Advertiser.owner_id == actor.id))
    if (owned or 0) >= MAX_ACCOUNTS:
        raise Conflict(
            "too_many_advertisers", f"One person may open at most {MAX_ACCOUNTS} advertiser accounts."
        )
    name = name.strip()
    if kind is AdvertiserKind.SHOP:
        if not shop_id:
            raise Invalid(
                "A shop's advertiser account names the shop.", code="shop_required", field="shop_id"
            )
        shop = owned_shop(uow, actor=actor, shop_id=shop_id)
        if currency is not None and check_currency(currency) != shop.currency:
            raise Invalid(
                f"A shop's advertiser account pays in the shop's currency, {shop.currency}.",
                code="currency_mismatch",
                field="currency",
            )
        taken = db.scalar(select(Advertiser.id).where(Advertiser.shop_id == shop.id))
        if taken is not None:
            raise Conflict("shop_has_advertiser", "This shop has an advertiser account already.")
        name, currency, shop_id = name or shop.name, shop.currency, shop.id
    else:
        if shop_id:
            raise Invalid(
                "A brand's account names no shop; open a shop's account (kind `shop`) to promote a shop.",
                code="shop_for_brand",
                field="shop_id",
            )
        currency = check_currency(currency or "USD")
    if not name:
        raise Invalid("Give the advertiser account a name.", code="invalid_name", field="name")
    advertiser = Advertiser(
        id=new_id(actor.region),
        owner_id=actor.id,
        name=name[:80],
        kind=kind,
        shop_id=shop_id,
        currency=currency,
        created_at=now,
    )
    db.add(advertiser)
    db.flush()
    return advertiser


def get(uow: UnitOfWork, *, actor: Actor, advertiser_id: str) -> Advertiser:
    """The actor's own advertiser account, or NotFound (also for someone else's)."""
    advertiser = uow.find(Advertiser, advertiser_id, region=actor.region)
    if advertiser is None or advertiser.owner_id != actor.id:
        raise NotFound("advertiser", advertiser_id)
    return advertiser


def get_all(uow: UnitOfWork, *, actor: Actor) -> list[Advertiser]:
    """The actor's advertiser accounts, oldest first."""
    query = select(Advertiser).where(Advertiser.owner_id == actor.id).order_by(Advertiser.created_at)
    return list(uow.region(actor.region).scalars(query.order_by(Advertiser.id)))


def balance_of(uow: UnitOfWork, advertiser: Advertiser) -> int:
    """Top-ups less billed spend, in minor units of the account's currency."""
    return balances.balance(uow, advertiser_id=advertiser.id, currency=advertiser.currency)


# -- top-ups -----------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class TopUpView:
    """A top-up, and where its payer completes the payment when the provider needs a step of them."""

    topup: AdTopUp
    next_url: str | None = None


def check_amount(settings: Settings, amount: int, currency: str) -> None:
    if amount < settings.ads_topup_min:
        raise Invalid(
            f"A top-up is at least {settings.ads_topup_min} (minor units of {currency}).",
            code="topup_too_small",
            field="amount",
            minimum=settings.ads_topup_min,
        )
    if amount > settings.ads_topup_max:
        raise Invalid(
            f"A top-up is at most {settings.ads_topup_max} (minor units of {currency}); split it.",
            code="topup_too_large",
            field="amount",
            maximum=settings.ads_topup_max,
        )


def topup_id_for(*, region: str, user_id: str, advertiser_id: str, key: str | None) -> str:
    """The id of the top-up a request makes: derived from its Idempotency-Key (a retry finds the row its
    first attempt wrote), or a fresh one."""
    if key is None:
        return new_id(region)
    digest = hashlib.sha256(f"ad_topup|{user_id}|{advertiser_id}|{key}".encode()).hexdigest()
    return f"{region}{SEPARATOR}{digest[:32]}"


def begin_topup(
    uow: UnitOfWork,
    *,
    actor: Actor,
    advertiser_id: str,
    amount: int,
    topup_id: str,
    settings: Settings,
    now: datetime,
) -> AdTopUp:
    """The pending top-up `topup_id` of the actor's account (written now, or found as an earlier attempt
    with the same key wrote it)."""
    advertiser = get(uow, actor=actor, advertiser_id=advertiser_id)
    check_amount(settings, amount, advertiser.currency)
    db = uow.region(actor.region)
    topup = db.get(AdTopUp, topup_id)
    if topup is None:
        topup = AdTopUp(
            id=topup_id,
            advertiser_id=advertiser.id,
            amount=amount,
            currency=advertiser.currency,
            status=TopUpStatus.PENDING,
            created_at=now,
            updated_at=now,
        )
        db.add(topup)
        db.flush()
    return topup


def top_up(
    platform: Platform,
    *,
    actor: Actor,
    advertiser_id: str,
    amount: int,
    payment_method: str,
    key: str | None,
    on_begun: Callable[[], None] | None = None,
) -> TopUpView:
    """Pay `amount` into the account through the provider, in three steps, each its own transaction or
    call: the pending row, the provider's charge (keyed by the row's id), and its answer recorded. A card
    the provider refuses leaves the top-up `failed`; one that needs the payer's step leaves it `pending`
    with `next_url`; a charge the provider confirms later (by webhook) is credited then."""
    topup_id = topup_id_for(region=actor.region, user_id=actor.id, advertiser_id=advertiser_id, key=key)
    with platform.uow(actor=actor).transaction() as uow:
        topup = begin_topup(
            uow,
            actor=actor,
            advertiser_id=advertiser_id,
            amount=amount,
            topup_id=topup_id,
            settings=platform.settings,
            now=platform.clock.now(),
        )
        done = topup.status is not TopUpStatus.PENDING
    if done:
        return TopUpView(topup)
    if on_begun is not None:
        on_begun()  # the row is committed: a retry must finish this top-up, never start another
    intent = platform.payments.create_intent(
        idempotency_key=topup.id,
        amount=topup.amount,
        currency=topup.currency,
        payment_method=payment_method,
        metadata={"topup_id": topup.id, "advertiser_id": topup.advertiser_id},
    )
    return record_answer(platform, actor=actor, topup_id=topup.id, intent=intent)


def record_answer(platform: Platform, *, actor: Actor, topup_id: str, intent: IntentResult) -> TopUpView:
    """Record the provider's answer to the charge of a top-up (a webhook may have come first)."""
    with platform.uow(actor=actor).transaction() as uow:
        topup = _locked(uow, topup_id)
        assert topup is not None
        settle(
            uow,
            topup=topup,
            status=intent.status,
            provider_ref=intent.ref,
            provider=platform.payments.name,
            now=platform.clock.now(),
        )
        pending = topup.status is TopUpStatus.PENDING
        return TopUpView(topup, intent.next_action_url if pending else None)


def settle(
    uow: UnitOfWork, *, topup: AdTopUp, status: str, provider_ref: str | None, provider: str, now: datetime
) -> bool:
    """Move a locked top-up as the provider's `status` says: `succeeded` pays it (and books the credit),
    `failed` or `cancelled` fails a pending one; any other status records only the provider's reference.
    Paid is final. True if the top-up changed."""
    db = uow.region(region_of(topup.id))
    if topup.provider_ref is None and provider_ref:
        topup.provider_ref, topup.updated_at = provider_ref, now
    if status in PAID_WHEN:
        target = TopUpStatus.PAID
    elif status in FAILED_WHEN and topup.status is TopUpStatus.PENDING:
        target = TopUpStatus.FAILED
    else:
        return False
    if topup.status is TopUpStatus.PAID:
        return False
    # A failed top-up the provider later reports paid (the payer retried on the same intent) is credited:
    # the money is the advertiser's.
    moved = db.execute(
        update(AdTopUp)
        .where(AdTopUp.id == topup.id, AdTopUp.status == topup.status)
        .values(status=target, updated_at=now)
        .returning(AdTopUp.id)
        .execution_options(synchronize_session=False)
    ).first()
    if moved is None:
        return False
    topup.status, topup.updated_at = target, now
    if target is TopUpStatus.PAID:
        post_to_ledger(
            db,
            region=region_of(topup.id),
            kind=TOPUP_KIND,
            reference=topup.id,
            currency=topup.currency,
            entries={
                cash_account(provider): topup.amount,
                balances.account(topup.advertiser_id): -topup.amount,
            },
            now=now,
            memo="advertiser top-up",
        )
    return True


def receive_event(platform: Platform, event: ProviderEvent) -> bool:
    """A provider's event about a top-up (the webhook receiver hands it over): True if it changed one.
    Deliveries come at least once, late and in any order; each only ever moves a top-up forward."""
    metadata = event.data.get("metadata") or {}
    topup_id = str(metadata.get("topup_id", ""))
    status = EVENT_STATUS.get(event.type)
    if not is_valid_id(topup_id, set(platform.databases.regions)):
        log.warning("event %s names no top-up of ours", event.id)
        return False
    if status is None:
        return False
    region = region_of(topup_id)
    with platform.uow(home=region).transaction() as uow:
        topup = _locked(uow, topup_id)
        if topup is None:
            log.warning("event %s names top-up %s, which is not here", event.id, topup_id)
            return False
        if (topup.provider_ref is not None and topup.provider_ref != event.intent_ref) or (
            int(event.data.get("amount", topup.amount)) != topup.amount
            or str(event.data.get("currency", topup.currency)).upper() != topup.currency
        ):
            log.warning("event %s does not match top-up %s; ignored", event.id, topup_id)
            return False
        return settle(
            uow,
            topup=topup,
            status=status,
            provider_ref=event.intent_ref,
            provider=platform.payments.name,
            now=platform.clock.now(),
        )


def topups_of(platform: Platform, uow: UnitOfWork, *, actor: Actor, advertiser_id: str) -> list[TopUpView]:
    """The account's latest top-ups, newest first; a pending one with where its payer completes it, as the
    provider says."""
    advertiser = get(uow, actor=actor, advertiser_id=advertiser_id)
    query = (
        select(AdTopUp)
        .where(AdTopUp.advertiser_id == advertiser.id)
        .order_by(AdTopUp.created_at.desc(), AdTopUp.id.desc())
        .limit(TOPUPS_LISTED)
    )
    views = []
    for topup in uow.region(actor.region).scalars(query):
        next_url = None
        if topup.status is TopUpStatus.PENDING:
            intent = platform.payments.find_intent(idempotency_key=topup.id)
            next_url = intent.next_action_url if intent is not None else None
        views.append(TopUpView(topup, next_url))
    return views


def _locked(uow: UnitOfWork, topup_id: str) -> AdTopUp | None:
    query = select(AdTopUp).where(AdTopUp.id == topup_id).with_for_update()
    return uow.region(region_of(topup_id)).scalars(query.execution_options(populate_existing=True)).first()


def recover_topups(platform: Platform, *, region: str, older_than: timedelta) -> int:
    """Finish top-ups whose request died between writing the pending row and recording the provider's answer
    (a retry with the same key would have finished it; one sent without a key is never retried): adopt
    what the provider says of the intent made with the row's id, or fail the top-up if none was made (the
    card was never charged; should the provider report a charge after all, `settle` still credits it).
    Returns how many were looked at."""
    now = platform.clock.now()
    with platform.uow(home=region).transaction() as uow:
        stuck = list(
            uow.region(region).scalars(
                select(AdTopUp.id).where(
                    AdTopUp.status == TopUpStatus.PENDING,
                    AdTopUp.provider_ref.is_(None),
                    AdTopUp.created_at < now - older_than,
                )
            )
        )
    for topup_id in stuck:
        intent = platform.payments.find_intent(idempotency_key=topup_id)
        with platform.uow(home=region).transaction() as uow:
            topup = _locked(uow, topup_id)
            if topup is None or topup.status is not TopUpStatus.PENDING:
                continue
            settle(
                uow,
                topup=topup,
                status=intent.status if intent is not None else "cancelled",
                provider_ref=intent.ref if intent is not None else None,
                provider=platform.payments.name,
                now=platform.clock.now(),
            )
    return len(stuck)


def run_topup_recovery(platform: Platform) -> int:
    """The job: `recover_topups` in every region, for rows left pending `TOPUP_INTERRUPTED_AFTER`."""
    return sum(
        recover_topups(platform, region=region, older_than=TOPUP_INTERRUPTED_AFTER)
        for region in platform.databases.regions
    )
