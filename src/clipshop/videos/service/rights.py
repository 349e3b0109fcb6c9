"""Data rights: what videos holds about a person (for their archive) and the erasure of their videos
and uploads, files first."""

from __future__ import annotations

from sqlalchemy import delete, select

from clipshop.kit.db import UnitOfWork
from clipshop.kit.holdings import Held, rows
from clipshop.kit.ids import region_of
from clipshop.kit.ports import MediaStore, UploadVolume
from clipshop.videos.models import PublicVideo, PublicVideoTag, Rendition, Upload, Video
from clipshop.videos.service.files import media_prefix


def held_about(uow: UnitOfWork, *, user_id: str) -> Held:
    """What videos holds about `user_id`: their uploads, videos and renditions at home, and the public copies
    of their published videos in the directory."""
    db = uow.region(region_of(user_id))
    video_ids = own_video_ids(uow, user_id=user_id)
    return {
        "region/uploads": rows(db, Upload, Upload.owner_id == user_id),
        "region/videos": rows(db, Video, Video.owner_id == user_id),
        "region/renditions": rows(db, Rendition, Rendition.video_id.in_(video_ids)),
        "directory/public_videos": rows(uow.directory, PublicVideo, PublicVideo.creator_id == user_id),
        "directory/public_video_tags": rows(
            uow.directory, PublicVideoTag, PublicVideoTag.video_id.in_(video_ids)
        ),
    }


def own_video_ids(uow: UnitOfWork, *, user_id: str) -> list[str]:
    """Ids of every video `user_id` made, published or not."""
    query = select(Video.id).where(Video.owner_id == user_id).order_by(Video.id)
    return list(uow.region(region_of(user_id)).scalars(query))


def own_upload_ids(uow: UnitOfWork, *, user_id: str) -> list[str]:
    """Ids of every upload `user_id` started."""
    query = select(Upload.id).where(Upload.owner_id == user_id).order_by(Upload.id)
    return list(uow.region(region_of(user_id)).scalars(query))


def erase_user(uow: UnitOfWork, *, user_id: str, store: MediaStore, volume: UploadVolume) -> list[str]:
    """Delete every video and upload of `user_id`: their files first, then their rows and public copies, so
    a run cut short anywhere is finished by the next (idempotent). Returns the ids of the videos."""
    db = uow.region(region_of(user_id))
    video_ids = own_video_ids(uow, user_id=user_id)
    upload_ids = own_upload_ids(uow, user_id=user_id)
    for video_id in video_ids:
        store.delete_prefix(media_prefix(video_id))
    held = set(volume.upload_ids())
    for upload_id in upload_ids:
        if upload_id in held:
            volume.delete(upload_id)
    if video_ids:
        uow.directory.execute(delete(PublicVideoTag).where(PublicVideoTag.video_id.in_(video_ids)))
        uow.directory.execute(delete(PublicVideo).where(PublicVideo.id.in_(video_ids)))
        db.execute(delete(Rendition).where(Rendition.video_id.in_(video_ids)))
        db.execute(delete(Video).where(Video.id.in_(video_ids)))
    if upload_ids:
        db.execute(delete(Upload).where(Upload.id.in_(upload_ids)))
    return video_ids
