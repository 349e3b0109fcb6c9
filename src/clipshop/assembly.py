"""The composition root's wiring: a platform with every domain's jobs bound to the work they run. The one
place that knows every job; each domain declares its own in its `tasks.py`."""

from __future__ import annotations

import importlib
from functools import partial

from clipshop import healing
from clipshop.accounts import service as accounts
from clipshop.ads import advertisers as ad_advertisers
from clipshop.ads import attribution as ad_attribution
from clipshop.ads import billing as ad_billing
from clipshop.ads import prediction as ad_prediction
from clipshop.ads import rebalancing as ad_rebalancing
from clipshop.ads import review as ad_review
from clipshop.ads import tasks as ad_tasks
from clipshop.config import Settings
from clipshop.digests import sending as digest_sending
from clipshop.digests import tasks as digest_tasks
from clipshop.feed import tasks as feed_tasks
from clipshop.feed import upkeep as feed_upkeep
from clipshop.jobs.queue import JobQueue
from clipshop.kit.clock import Clock
from clipshop.kit.ids import region_of
from clipshop.mailing import sending as mail_sending
from clipshop.mailing import tasks as mail_tasks
from clipshop.moderation import notices as moderation_notices
from clipshop.moderation import tasks as moderation_tasks
from clipshop.moderation.reports import ModerationDesk
from clipshop.payments.sandbox import SandboxProvider
from clipshop.platform import Platform
from clipshop.residency import gateway, policy
from clipshop.rights import erasure
from clipshop.rights import tasks as rights_tasks
from clipshop.shop import upkeep as shop_upkeep
from clipshop.shop.catalog import projection as catalog_projection
from clipshop.shop.catalog import tasks as catalog_tasks
from clipshop.shop.ledger import payouts as ledger_payouts
from clipshop.shop.ledger import tasks as ledger_tasks
from clipshop.shop.orders import tasks as orders_tasks
from clipshop.shop.payments import sandbox as payments_sandbox
from clipshop.shop.payments import tasks as payments_tasks
from clipshop.social import controls as social_controls
from clipshop.social import notices as social_notices
from clipshop.social import service as social
from clipshop.social import tasks as social_tasks
from clipshop.social.shield import ShieldSeparation
from clipshop.videos import tasks as video_tasks
from clipshop.videos import transcoding


def build_platform(
    settings: Settings, *, clock: Clock | None = None, jobs: JobQueue | None = None
) -> Platform:
    """A platform whose queue runs every domain's jobs, and whose automatic checks hold content for
    moderation's review."""
    platform = Platform(settings, clock=clock, jobs=jobs)
    gateway.install(platform.databases, policy.load(settings.policy_file))
    platform.review_desk = ModerationDesk()
    platform.separation = ShieldSeparation()
    platform.payment_receivers["topup_id"] = partial(ad_advertisers.receive_event, platform)
    register_jobs(platform)
    return platform


def register_jobs(platform: Platform) -> None:
    jobs, settings = platform.jobs, platform.settings

    jobs.register(video_tasks.TRANSCODE, partial(transcoding.transcode_video, platform))
    jobs.register(video_tasks.RECONCILE, partial(transcoding.reconcile, platform), every_minutes=1)
    jobs.register(
        video_tasks.REVEAL_LOST_MEDIA,
        partial(transcoding.reveal_lost_media, platform),
        every_minutes=video_tasks.REVEAL_EVERY_MINUTES,
    )
    jobs.register(healing.HEAL_PROJECTIONS, partial(healing.run_heal, platform), every_minutes=1)
    jobs.register(
        healing.HEAL_ALL_PROJECTIONS, partial(healing.run_full_heal, platform), every_minutes=24 * 60
    )
    jobs.register(mail_tasks.SEND, partial(mail_sending.send_mail, platform, address_of=accounts.email_of))
    jobs.register(mail_tasks.RECONCILE, partial(mail_sending.reconcile, platform), every_minutes=1)
    jobs.register(digest_tasks.SCHEDULE, partial(digest_sending.schedule, platform), every_minutes=24 * 60)
    jobs.register(digest_tasks.SEND, partial(digest_sending.send_digests, platform))
    jobs.register(rights_tasks.ERASE, partial(erasure.erase, platform))
    jobs.register(rights_tasks.RECONCILE, partial(erasure.reconcile, platform), every_minutes=1)

    def project_video_counts(region: str, video_id: str) -> None:
        with platform.uow(home=region).transaction() as uow:
            social.project_video_counts(uow, region=region, video_id=video_id)

    def project_follow_counts(region: str, followee_id: str, follower_id: str) -> None:
        with platform.uow(home=region).transaction() as uow:
            social.project_follow_counts(uow, region=region, followee_id=followee_id, follower_id=follower_id)

    def notify_engagement(kind: str, actor_id: str, subject_id: str) -> None:
        social_notices.deliver(platform, kind=kind, actor_id=actor_id, subject_id=subject_id)

    jobs.register(social_tasks.PROJECT_VIDEO_COUNTS, project_video_counts)
    jobs.register(social_tasks.PROJECT_FOLLOW_COUNTS, project_follow_counts)
    jobs.register(social_tasks.NOTIFY, notify_engagement)
    jobs.register(
        social_tasks.RESEND_NOTICES, partial(social_notices.resend_unsent, platform), every_minutes=1
    )

    def tell_uploader(decision_id: str) -> None:
        with platform.uow(home=region_of(decision_id)).transaction() as uow:
            moderation_notices.tell_uploader(uow, decision_id=decision_id)

    jobs.register(moderation_tasks.TELL_UPLOADER, tell_uploader)
    jobs.register(ad_tasks.PROJECT_CAMPAIGN, partial(ad_review.project_in_its_region, platform))

    def drop_follow(follower_id: str, followee_id: str) -> None:
        with platform.uow(home=region_of(follower_id)).transaction() as uow:
            social_controls.drop_follow(
                uow, follower_id=follower_id, followee_id=followee_id, now=platform.clock.now(), jobs=jobs
            )

    jobs.register(social_tasks.DROP_FOLLOW, drop_follow)

    jobs.register(
        payments_tasks.DELIVER_SANDBOX_EVENTS, partial(payments_sandbox.deliver_sandbox_events, platform)
    )
    jobs.register(catalog_tasks.PROJECT_STOCK, partial(catalog_projection.refresh_stock, platform))
    jobs.register(orders_tasks.HOUSEKEEPING, partial(shop_upkeep.housekeeping, platform), every_minutes=1)
    jobs.register(
        ledger_tasks.PAYOUTS,
        partial(ledger_payouts.pay_out, platform),
        every_minutes=max(1, settings.payout_every_minutes),
    )
    if isinstance(platform.payments, SandboxProvider):
        platform.payments.wake = partial(jobs.enqueue, payments_tasks.DELIVER_SANDBOX_EVENTS)

    retrain = partial(feed_upkeep.retrain_feed_models, platform)
    prune = partial(feed_upkeep.prune_feed_history, platform)
    jobs.register(feed_tasks.RETRAIN, retrain)
    jobs.register(feed_tasks.RETRAIN_SCHEDULE, retrain, every_minutes=settings.recs_retrain_minutes)
    jobs.register(
        feed_tasks.REFRESH,
        partial(feed_upkeep.refresh_feed, platform),
        every_minutes=feed_upkeep.REFRESH_MINUTES,
    )
    jobs.register(feed_tasks.PRUNE, prune)
    jobs.register(feed_tasks.PRUNE_DAILY, prune, every_minutes=24 * 60)
    jobs.register(
        ad_tasks.REBUILD_RATES,
        partial(ad_prediction.rebuild_every_region, platform),
        every_minutes=ad_tasks.RATES_EVERY_MINUTES,
    )

    jobs.register(
        ad_tasks.REBALANCE_BUDGETS,
        partial(ad_rebalancing.run_rebalance, platform),
        every_minutes=settings.ads_rebalance_minutes,
    )
    jobs.register(
        ad_tasks.BILL_SPEND,
        partial(ad_billing.run_billing, platform),
        every_minutes=settings.ads_billing_minutes,
    )
    jobs.register(
        ad_tasks.ATTRIBUTE_CONVERSIONS,
        partial(ad_attribution.run_attribution, platform),
        every_minutes=ad_tasks.ATTRIBUTE_EVERY_MINUTES,
    )
    jobs.register(
        ad_tasks.RECOVER_TOPUPS,
        partial(ad_advertisers.run_topup_recovery, platform),
        every_minutes=ad_tasks.RECOVER_TOPUPS_EVERY_MINUTES,
    )
    jobs.register(
        ad_tasks.ATTRIBUTE_CONVERSIONS_DAILY,
        partial(ad_attribution.run_daily_attribution, platform),
        every_minutes=24 * 60,
    )

    for module in settings.jobs_modules:
        importlib.import_module(module).register_jobs(platform)
