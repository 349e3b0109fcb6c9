"""The directory's copies of an account (its index entry, by which log-ins find it, and its public
profile), brought in line with the home region, and healed from it (run by `clipshop.healing`)."""

from __future__ import annotations

import logging
from collections import Counter

from sqlalchemy import select

from clipshop.accounts.models import AccountIndex, PublicProfile, User
from clipshop.accounts.service.identity import email_digest
from clipshop.kit.db import UnitOfWork
from clipshop.kit.ids import region_of
from clipshop.kit.ports import MediaStore
from clipshop.kit.watermarks import Window, rows_in_batches

log = logging.getLogger(__name__)


def project_account(uow: UnitOfWork, *, user: User, secret: str, avatar_url: str | None) -> list[str]:
    """Bring the directory's copies of an account (its index entry, by which log-ins find it, and its
    public profile) in line with its row in the home region; returns what it fixed. Idempotent. An
    account whose email or handle another account holds in the directory is left out (the other one signed
    up after this one's sign-up died half-way) and reported as skipped."""
    fixed: list[str] = []
    region = region_of(user.id)
    digest = email_digest(user.email, secret=secret)
    entry = uow.directory.get(AccountIndex, digest)
    if entry is not None and entry.user_id != user.id:
        log.warning("account %s is not in the directory: another account holds its email", user.id)
        return ["skipped: email held by another account"]
    if entry is None:
        if uow.directory.scalar(select(AccountIndex.email_digest).where(AccountIndex.user_id == user.id)):
            # Made with another secret than this process has: a misconfiguration to report, not to act on
            # (rewriting every entry with the wrong key would stop every log-in).
            log.warning("account %s is indexed under another digest: is the secret key right?", user.id)
            return ["skipped: indexed under another secret key"]
        uow.directory.add(AccountIndex(email_digest=digest, user_id=user.id, region=region))
        fixed.append("account index")
    elif entry.region != region:
        entry.region = region
        fixed.append("account index")
    shown = {
        "region": region,
        "handle": user.handle,
        "display_name": user.display_name,
        "bio": user.bio,
        "avatar_url": avatar_url,
    }
    profile = uow.directory.get(PublicProfile, user.id)
    if profile is None:
        holder = uow.directory.scalar(
            select(PublicProfile.user_id).where(PublicProfile.handle == user.handle)
        )
        if holder is not None:
            log.warning("account %s has no public profile: another account holds @%s", user.id, user.handle)
            return [*fixed, "skipped: handle held by another account"]
        uow.directory.add(
            PublicProfile(
                user_id=user.id,
                follower_count=0,
                following_count=0,
                video_count=0,
                like_count=0,
                created_at=user.created_at,
                **shown,
            )
        )
        fixed.append("public profiles")
    elif any(getattr(profile, name) != value for name, value in shown.items()):
        for name, value in shown.items():
            setattr(profile, name, value)
        fixed.append("public profiles")
    uow.directory.flush()
    return fixed


def heal_projections(
    uow: UnitOfWork, *, region: str, window: Window, secret: str, store: MediaStore
) -> dict[str, int]:
    """Rebuild what the directory lacks, or has stale, of the accounts of `region` written in `window`:
    index entries and public profiles (`project_account`). Returns how many rows of each it fixed."""
    fixed: Counter[str] = Counter()
    db = uow.region(region)
    shown = (User.id, User.email, User.handle, User.display_name, User.bio, User.avatar_key)
    for users in rows_in_batches(db, select(*shown).where(window.holds(User.updated_at)), key=User.id):
        # Plain rows on both sides: a sweep compares every account and rebuilds a few.
        ids = [user.id for user in users]
        indexed = {
            user_id: (digest, where)
            for digest, user_id, where in uow.directory.execute(
                select(AccountIndex.email_digest, AccountIndex.user_id, AccountIndex.region).where(
                    AccountIndex.user_id.in_(ids)
                )
            )
        }
        profiles = {
            row[0]: tuple(row[1:])
            for row in uow.directory.execute(
                select(
                    PublicProfile.user_id,
                    PublicProfile.region,
                    PublicProfile.handle,
                    PublicProfile.display_name,
                    PublicProfile.bio,
                    PublicProfile.avatar_url,
                ).where(PublicProfile.user_id.in_(ids))
            )
        }
        for user_id, email, handle, display_name, bio, avatar_key in users:
            avatar_url = store.url(avatar_key) if avatar_key else None
            if indexed.get(user_id) == (email_digest(email, secret=secret), region) and profiles.get(
                user_id
            ) == (region, handle, display_name, bio, avatar_url):
                continue
            user = db.get_one(User, user_id)
            fixed.update(project_account(uow, user=user, secret=secret, avatar_url=avatar_url))
    return dict(fixed)
