"""The download of everything Clipshop holds about one person: a zip with one JSON file per store and table
(`region/orders.json`, `directory/public_profiles.json`, `payments/processor_intents.json`, …), the media
they uploaded (`media/…`) and a `manifest.json` that lists what is in it."""

from __future__ import annotations

import json
import zipfile
from dataclasses import dataclass
from datetime import datetime
from typing import IO, Any

from clipshop.accounts import service as accounts
from clipshop.ads import rights as ads
from clipshop.events import service as events
from clipshop.feed import not_interested, served
from clipshop.inbox import service as inbox
from clipshop.kit.db import UnitOfWork
from clipshop.kit.holdings import Held, rows
from clipshop.kit.idempotency import IdempotencyKey
from clipshop.kit.ids import region_of
from clipshop.mailing import service as mailing
from clipshop.moderation import rights as moderation
from clipshop.platform import Platform
from clipshop.rights.models import Erasure
from clipshop.shop import rights as shop
from clipshop.social import controls as social_controls
from clipshop.social import filtering
from clipshop.social import service as social
from clipshop.videos import service as videos

FORMAT = "clipshop-data-export/1"
ABOUT = """Everything Clipshop holds about you, as of the time in manifest.json.

region/<table>.json     rows of your home region's database that are about you (one file per table)
                       (outbox_mails.json: the mail sent to you, or about to be;
                       notifications.json: your inbox, with who is behind each line by id)
directory/<table>.json  what the global directory shows of you in public: profile, videos, comments, shops
payments/…              the payment processor's own record of each of your payments
ledger/…                your money as a creator, from every region's books
media/…                 the files you uploaded: avatar, videos (as served) and uploads not yet deleted

Hashes of your password and of your log-in secrets are withheld: they only check what you type.
"""


@dataclass(frozen=True)
class ArchiveSummary:
    tables: dict[str, int]
    media: int
    media_bytes: int


def held_about(platform: Platform, uow: UnitOfWork, *, user_id: str) -> Held:
    """What every store holds about `user_id`, by `<store>/<table>`: each domain's own answer."""
    region = region_of(user_id)
    db = uow.region(region)
    held: Held = {}
    held.update(accounts.held_about(uow, user_id=user_id))
    held.update(videos.held_about(uow, user_id=user_id))
    held.update(social.held_about(uow, user_id=user_id))
    held.update(social_controls.held_about(uow, user_id=user_id))
    held.update(filtering.held_about(uow, user_id=user_id))
    held.update(events.held_about(uow, user_id=user_id))
    held.update(moderation.held_about(uow, user_id=user_id))
    held.update(mailing.held_about(uow, user_id=user_id))
    held.update(inbox.held_about(uow, user_id=user_id))
    held.update(served.held_about(uow, user_id=user_id))
    held.update(not_interested.held_about(uow, user_id=user_id))
    held.update(shop.held_about(uow, user_id=user_id, payments=platform.payments))
    held.update(ads.held_about(uow, user_id=user_id))
    held["region/idempotency_keys"] = rows(db, IdempotencyKey, IdempotencyKey.user_id == user_id)
    held["region/erasures"] = rows(db, Erasure, Erasure.user_id == user_id)
    return dict(sorted(held.items()))


def media_keys(uow: UnitOfWork, platform: Platform, *, user_id: str) -> list[str]:
    """Keys of the media store that hold what `user_id` uploaded: their avatar and their videos."""
    store = platform.media_store(region_of(user_id))
    keys = store.keys(f"avatars/{user_id}/")
    for video_id in videos.own_video_ids(uow, user_id=user_id):
        keys += store.keys(videos.media_prefix(video_id))
    return keys


def write_archive(
    platform: Platform, uow: UnitOfWork, *, user_id: str, now: datetime, out: IO[bytes]
) -> ArchiveSummary:
    """Write the archive of `user_id` to `out`."""
    region = region_of(user_id)
    held = held_about(platform, uow, user_id=user_id)
    store, volume = platform.media_store(region), platform.upload_volumes[region]
    keys = media_keys(uow, platform, user_id=user_id)
    present = set(volume.upload_ids())
    uploads = [u for u in videos.own_upload_ids(uow, user_id=user_id) if u in present]
    media_bytes = 0
    with zipfile.ZipFile(out, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for name, found in held.items():
            archive.writestr(f"{name}.json", _json(found))
        for key in keys:
            data = store.read_bytes(key)
            media_bytes += len(data)
            # Video and pictures are compressed already: stored as they are, which is much faster.
            archive.writestr(f"media/{key}", data, compress_type=zipfile.ZIP_STORED)
        for upload_id in uploads:
            path = volume.local_path(upload_id)
            media_bytes += path.stat().st_size
            archive.write(path, f"media/uploads/{upload_id}", compress_type=zipfile.ZIP_STORED)
        summary = ArchiveSummary(
            tables={name: len(found) for name, found in held.items()},
            media=len(keys) + len(uploads),
            media_bytes=media_bytes,
        )
        manifest = {
            "format": FORMAT,
            "user_id": user_id,
            "region": region,
            "generated_at": now.isoformat(),
            "files": {f"{name}.json": count for name, count in summary.tables.items()},
            "media": [f"media/{key}" for key in keys] + [f"media/uploads/{u}" for u in uploads],
        }
        archive.writestr("manifest.json", _json(manifest))
        archive.writestr("README.txt", ABOUT)
    return summary


def _json(value: Any) -> str:
    return json.dumps(value, indent=2, ensure_ascii=False, sort_keys=True, default=str)
