"""Creators' authorisation codes (as TikTok's Spark Ads): a creator makes a code for one of their own
published videos and hands it to an advertiser, who uses it once, when creating an ad that promotes that
video. The code is shown once; the directory keeps only its SHA-256 (`PublicAdAuthorization`), with the
video, the creator and when it expires. The ad it made records the creator (`Ad.authorized_by`)."""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import update

from clipshop.ads.models import PublicAdAuthorization
from clipshop.errors import Conflict, Invalid
from clipshop.kit.actors import Actor
from clipshop.kit.db import UnitOfWork
from clipshop.videos import service as videos
from clipshop.videos.models import PublicVideo

CODE_BYTES = 15  # 20 characters of URL-safe base64: unguessable, short enough to paste


@dataclass(frozen=True)
class IssuedCode:
    """A new code, in clear: its only showing."""

    code: str
    video_id: str
    expires_at: datetime


def code_hash(code: str) -> str:
    return hashlib.sha256(code.strip().encode()).hexdigest()


def issue(uow: UnitOfWork, *, actor: Actor, video_id: str, days: int, now: datetime) -> IssuedCode:
    """A code that lets one advertiser promote the actor's published video `video_id` until it expires
    (`days` from now). NotFound for a video not the actor's; 409 `video_not_public` for one not published
    (or taken down)."""
    video = videos.get_own_video(uow, actor=actor, video_id=video_id)
    if uow.directory.get(PublicVideo, video.id) is None:
        raise Conflict(
            "video_not_public", "Only a published video can be promoted; publish it first.", field="video_id"
        )
    code = secrets.token_urlsafe(CODE_BYTES)
    expires_at = now + timedelta(days=days)
    uow.directory.add(
        PublicAdAuthorization(
            code_hash=code_hash(code),
            video_id=video.id,
            creator_id=actor.id,
            created_at=now,
            expires_at=expires_at,
        )
    )
    uow.directory.flush()
    return IssuedCode(code=code, video_id=video.id, expires_at=expires_at)


def redeem(uow: UnitOfWork, *, code: str, video_id: str, advertiser_id: str, now: datetime) -> str:
    """Use `code` for an ad of `advertiser_id` promoting `video_id`: once, before it expires, for the video
    it was made for. Returns the creator who authorised it; refuses with 422 `authorization_invalid`,
    `authorization_expired` or `authorization_used`."""
    hashed = code_hash(code)
    found = uow.directory.get(PublicAdAuthorization, hashed) if code.strip() else None
    if found is None or found.video_id != video_id:
        raise Invalid(
            "This authorisation code is not one the video's creator made for this video.",
            code="authorization_invalid",
            field="authorization_code",
        )
    if found.expires_at <= now:
        raise Invalid(
            "This authorisation code has expired; ask the creator for a new one.",
            code="authorization_expired",
            field="authorization_code",
        )
    used = uow.directory.execute(
        update(PublicAdAuthorization)
        .where(PublicAdAuthorization.code_hash == hashed, PublicAdAuthorization.used_by.is_(None))
        .values(used_by=advertiser_id)
        .returning(PublicAdAuthorization.code_hash)
        .execution_options(synchronize_session=False)
    ).first()
    if used is None:
        raise Invalid(
            "This authorisation code was used already; each code makes one ad. Ask the creator for another.",
            code="authorization_used",
            field="authorization_code",
        )
    found.used_by = advertiser_id
    return found.creator_id
