"""The digest's daily run: one job per region writes the digests of that region's subscribers, each in a
transaction of its own, in their region; the outbox sends them after each commit."""

from __future__ import annotations

import logging
from datetime import date

from sqlalchemy.exc import IntegrityError

from clipshop.digests.service import write_digest
from clipshop.digests.tasks import SEND
from clipshop.mailing import service as mailing
from clipshop.platform import Platform

log = logging.getLogger(__name__)

# Subscribers read per query.
BATCH = 200


def schedule(platform: Platform) -> None:
    """Queue today's digests of every region (the day is the clock's, in UTC)."""
    day = platform.clock.now().date().isoformat()
    for region in platform.databases.regions:
        platform.jobs.enqueue(SEND, region, day)


def send_digests(platform: Platform, region: str, day: str) -> int:
    """Write the digests of `region`'s subscribers for `day`; returns how many of them have one for that
    day. Run again, it writes none twice."""
    period = date.fromisoformat(day)
    after: str | None = None
    count = 0
    while True:
        with platform.uow(home=region).transaction() as uow:
            batch = mailing.subscribers(
                uow, region=region, topic=mailing.INBOX_DIGEST, after=after, limit=BATCH
            )
        for user_id in batch:
            try:
                with platform.uow(home=region).transaction() as uow:
                    written = write_digest(platform, uow, user_id=user_id, day=period) is not None
            except IntegrityError:
                # Another run of the same day wrote this person's digest first (the mail's cause is
                # unique): theirs stands, and this run goes on with the next person.
                log.info("the %s digest of %s was written by another run", day, user_id)
                written = True
            count += written
        if len(batch) < BATCH:
            return count
        after = batch[-1]
