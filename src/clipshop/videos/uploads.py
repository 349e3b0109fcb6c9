"""Resumable uploads, tus 1.0 core + creation: bytes stream straight to the region's upload volume, so memory
does not grow with the file, and a dropped connection resumes from the last offset the server confirmed."""

from __future__ import annotations

import base64
import dataclasses
import json
from collections.abc import AsyncIterator
from contextlib import ExitStack
from datetime import datetime

from starlette.concurrency import run_in_threadpool
from starlette.requests import ClientDisconnect

from clipshop.errors import Conflict, Invalid, NotFound, TooLarge, UnsupportedMedia
from clipshop.kit.actors import Actor
from clipshop.kit.db import UnitOfWork
from clipshop.kit.ids import new_id
from clipshop.kit.ports import Transcoder, UploadBusy, UploadVolume
from clipshop.media.limits import UploadLimits, check_upload_limits
from clipshop.media.sniff import sniff_container
from clipshop.videos.models import Upload, UploadStatus

TUS_VERSION = "1.0.0"
SNIFF_BYTES = 4096


def parse_metadata(header: str | None) -> dict[str, str]:
    """`Upload-Metadata: filename ZmlsZS5tcDQ=,caption aGk=` → {"filename": "file.mp4", "caption": "hi"}."""
    result: dict[str, str] = {}
    for pair in (header or "").split(","):
        key, _, value = pair.strip().partition(" ")
        if not key:
            continue
        try:
            result[key] = base64.b64decode(value.strip(), validate=True).decode() if value else ""
        except (ValueError, UnicodeDecodeError):
            raise Invalid(
                f"Upload-Metadata value for {key!r} is not base64.", field="Upload-Metadata"
            ) from None
    return result


def create_upload(
    uow: UnitOfWork,
    *,
    actor: Actor,
    volume: UploadVolume,
    length: int,
    filename: str,
    max_bytes: int,
    now: datetime,
) -> Upload:
    if length <= 0:
        raise Invalid("Upload-Length must be a positive number of bytes.", field="Upload-Length")
    if length > max_bytes:
        raise TooLarge(
            f"This server accepts uploads of at most {max_bytes} bytes.",
            code="upload_too_large",
            field="Upload-Length",
            max_bytes=max_bytes,
        )
    upload = Upload(
        id=new_id(actor.region),
        owner_id=actor.id,
        filename=filename[:255],
        length=length,
        offset=0,
        status=UploadStatus.OPEN,
        created_at=now,
        updated_at=now,
    )
    volume.create(upload.id)
    uow.region(actor.region).add(upload)
    return upload


def get_upload(uow: UnitOfWork, *, actor: Actor, upload_id: str) -> Upload:
    upload = uow.find(Upload, upload_id, region=actor.region)
    if upload is None or upload.owner_id != actor.id:
        raise NotFound("upload", upload_id)
    return upload


async def append_chunk(
    uow: UnitOfWork,
    *,
    upload: Upload,
    volume: UploadVolume,
    transcoder: Transcoder,
    limits: UploadLimits,
    offset: int,
    body: AsyncIterator[bytes],
    now: datetime,
) -> Upload:
    """Write the body at `offset` (which must be the current offset) and move the offset by what arrived."""
    if upload.status is not UploadStatus.OPEN:
        raise Conflict("upload_closed", "This upload is finished; start a new one to send another file.")
    if offset != upload.offset:
        raise Conflict(
            "offset_mismatch",
            f"Resume from Upload-Offset {upload.offset}: ask with HEAD first.",
            expected_offset=upload.offset,
        )
    written = 0
    with ExitStack() as stack:
        try:
            # One writer per upload: a second concurrent PATCH would interleave bytes.
            appender = stack.enter_context(volume.append(upload.id, offset=offset))
        except UploadBusy:
            raise Conflict(
                "upload_busy", "Another request is writing to this upload; retry after it ends."
            ) from None
        head = b""
        try:
            async for chunk in body:
                if upload.offset + written + len(chunk) > upload.length:
                    raise TooLarge("The body goes past the declared Upload-Length.", code="upload_overflow")
                if offset == 0 and len(head) < SNIFF_BYTES:
                    head += chunk[: SNIFF_BYTES - len(head)]
                    if len(head) >= min(SNIFF_BYTES, upload.length) and sniff_container(head) is None:
                        raise UnsupportedMedia(
                            "This file is not a video we can read: upload an MP4, MOV, WebM or MKV video.",
                            code="not_media",
                        )
                appender.write(chunk)
                written += len(chunk)
        except ClientDisconnect:
            pass  # keep what arrived: the client resumes from the new offset
        except UnsupportedMedia as error:
            fail_upload(upload, volume=volume, code=error.code, now=now)
            raise
        finally:
            # To the disk before the offset moves; on a worker thread, as the event loop serves others.
            await run_in_threadpool(appender.sync)
            upload.offset += written
            upload.updated_at = now
    if upload.offset == upload.length:
        await run_in_threadpool(
            finish_upload, upload=upload, volume=volume, transcoder=transcoder, limits=limits, now=now
        )
    return upload


def finish_upload(
    *, upload: Upload, volume: UploadVolume, transcoder: Transcoder, limits: UploadLimits, now: datetime
) -> None:
    """Check the whole file: a full probe, then the upload limits. Anything else is refused and removed."""
    try:
        probe = transcoder.probe(volume.local_path(upload.id))
        # Here, while the uploader still waits on the last PATCH: the refusal is its answer, and a clip over
        # a limit never becomes a video (nor costs a transcode). Videos made earlier are never re-checked.
        check_upload_limits(probe, limits)
    except (UnsupportedMedia, Invalid) as error:
        fail_upload(upload, volume=volume, code=error.code, now=now)
        raise
    upload.status = UploadStatus.COMPLETE
    upload.container = probe.container
    upload.duration_s = probe.duration_s
    upload.width, upload.height, upload.rotation = probe.width, probe.height, probe.rotation
    upload.has_audio = probe.has_audio
    upload.probe_json = json.dumps(dataclasses.asdict(probe))
    upload.updated_at = now


def fail_upload(upload: Upload, *, volume: UploadVolume, code: str, now: datetime) -> None:
    upload.status, upload.error, upload.updated_at = UploadStatus.FAILED, code, now
    volume.delete(upload.id)
