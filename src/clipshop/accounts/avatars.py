"""Avatars: an uploaded image re-encoded as a 320x320 JPEG, centre-cropped to a square."""

from __future__ import annotations

import hashlib
from datetime import datetime

from clipshop.accounts import service
from clipshop.accounts.models import User
from clipshop.kit.actors import Actor
from clipshop.kit.db import UnitOfWork
from clipshop.kit.ports import MediaStore, Transcoder

MAX_BYTES = 5 * 1024 * 1024
SIZE = 320


def render_avatar(transcoder: Transcoder, data: bytes) -> bytes:
    return transcoder.still(
        data, max_bytes=MAX_BYTES, what="An avatar", code="avatar_too_large", side=SIZE, square=True
    )


def replace_avatar(
    uow: UnitOfWork,
    *,
    actor: Actor,
    image: bytes,
    transcoder: Transcoder,
    store: MediaStore,
    now: datetime,
) -> User:
    """Make `image` the actor's avatar; the previous one's file goes once this is committed."""
    jpeg = render_avatar(transcoder, image)
    key = f"avatars/{actor.id}/{hashlib.sha256(jpeg).hexdigest()[:16]}.jpg"
    store.put_bytes(key, jpeg)
    previous = service.get_user(uow, actor=actor).avatar_key
    user = service.set_avatar(uow, actor=actor, key=key, url=store.url(key), now=now)
    if previous and previous != key:
        uow.after_commit(lambda: store.delete_prefix(previous))
    return user
