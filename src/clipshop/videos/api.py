"""Upload (tus 1.0 core + creation), video and media routes."""

from __future__ import annotations

import os
import stat
from collections.abc import AsyncIterator, Mapping
from contextlib import asynccontextmanager
from typing import Annotated
from urllib.parse import quote

import anyio
import anyio.to_thread
from fastapi import APIRouter, Header, Request, Response
from fastapi.responses import FileResponse
from pydantic import BaseModel
from starlette.concurrency import run_in_threadpool
from starlette.types import Receive, Scope, Send

from clipshop.errors import ClipshopError, NotFound
from clipshop.kit.db import UnitOfWork
from clipshop.kit.ids import region_of
from clipshop.kit.ports import MediaStore, StoredMedia
from clipshop.media import served
from clipshop.media.limits import UploadLimits
from clipshop.media.storage import LocalMediaStore
from clipshop.platform import Platform
from clipshop.platform.http import (
    CommittingRoute,
    CurrentActor,
    PlatformDep,
    UowDep,
    optional_actor,
    problem_response,
    write_limit,
)
from clipshop.videos import service, serving, uploads
from clipshop.videos.models import Upload, Video
from clipshop.videos.schemas import (
    RenditionRead,
    UploadLimitsRead,
    UploadRead,
    VideoCreate,
    VideoRead,
    VideoUpdate,
)
from clipshop.videos.serving import Gate

router = APIRouter(route_class=CommittingRoute, tags=["videos"])
media_router = APIRouter(route_class=CommittingRoute, tags=["media"])

TUS_HEADERS = {"Tus-Resumable": uploads.TUS_VERSION}


def upload_read(upload: Upload) -> UploadRead:
    return UploadRead(
        id=upload.id,
        url=f"/api/v1/uploads/{upload.id}",
        length=upload.length,
        offset=upload.offset,
        status=upload.status.value,
        error=upload.error,
    )


@router.options("/uploads", include_in_schema=False)
def tus_options(platform: PlatformDep) -> Response:
    return Response(
        status_code=204,
        headers={
            **TUS_HEADERS,
            "Tus-Version": uploads.TUS_VERSION,
            "Tus-Extension": "creation",
            "Tus-Max-Size": str(platform.settings.max_upload_bytes),
        },
    )


@router.post("/uploads", status_code=201, response_model=UploadRead, dependencies=[write_limit("upload")])
def create_upload(
    response: Response,
    actor: CurrentActor,
    uow: UowDep,
    platform: PlatformDep,
    upload_length: Annotated[int, Header()],
    upload_metadata: Annotated[str | None, Header()] = None,
) -> UploadRead:
    """Open a resumable upload of `Upload-Length` bytes; send them with PATCH to the returned URL."""
    meta = uploads.parse_metadata(upload_metadata)
    upload = uploads.create_upload(
        uow,
        actor=actor,
        volume=platform.upload_volumes[actor.region],
        length=upload_length,
        filename=meta.get("filename", ""),
        max_bytes=platform.settings.max_upload_bytes,
        now=platform.clock.now(),
    )
    response.headers.update({**TUS_HEADERS, "Location": f"/api/v1/uploads/{upload.id}"})
    return upload_read(upload)


# Before the routes of one upload, or `limits` would be taken for an upload id.
@router.get("/uploads/limits", response_model=UploadLimitsRead)
def upload_limits(platform: PlatformDep) -> UploadLimitsRead:
    """What an upload may be; a file over a limit is refused when its last byte arrives, with the limit's
    code."""
    limits = UploadLimits.from_settings(platform.settings)
    return UploadLimitsRead(
        max_bytes=limits.max_bytes,
        max_duration_s=limits.max_duration_s,
        min_duration_s=limits.min_duration_s,
        min_short_side=limits.min_short_side,
        max_long_side=limits.max_long_side,
        max_fps=limits.max_fps,
        max_frames=limits.max_frames,
    )


@router.head("/uploads/{upload_id}", include_in_schema=False)
def upload_offset(upload_id: str, actor: CurrentActor, uow: UowDep) -> Response:
    upload = uploads.get_upload(uow, actor=actor, upload_id=upload_id)
    return Response(
        status_code=200,
        headers={
            **TUS_HEADERS,
            "Upload-Offset": str(upload.offset),
            "Upload-Length": str(upload.length),
            "Cache-Control": "no-store",
        },
    )


@router.get("/uploads/{upload_id}", response_model=UploadRead)
def get_upload(upload_id: str, actor: CurrentActor, uow: UowDep) -> UploadRead:
    return upload_read(uploads.get_upload(uow, actor=actor, upload_id=upload_id))


@router.patch(
    "/uploads/{upload_id}",
    status_code=204,
    openapi_extra={
        "requestBody": {
            "content": {"application/offset+octet-stream": {"schema": {"type": "string", "format": "binary"}}}
        }
    },
)
async def append_upload(
    upload_id: str,
    request: Request,
    actor: CurrentActor,
    uow: UowDep,
    platform: PlatformDep,
    upload_offset: Annotated[int, Header()],
) -> Response:
    """Append bytes at `Upload-Offset`; the response's `Upload-Offset` is where to resume."""
    upload = await run_in_threadpool(uploads.get_upload, uow, actor=actor, upload_id=upload_id)
    if request.headers.get("content-type", "").split(";")[0].strip() != "application/offset+octet-stream":
        raise ClipshopError(
            "Send the bytes as Content-Type: application/offset+octet-stream.",
            code="unsupported_content_type",
        )
    try:
        await uploads.append_chunk(
            uow,
            upload=upload,
            volume=platform.upload_volumes[actor.region],
            transcoder=platform.transcoder,
            limits=UploadLimits.from_settings(platform.settings),
            offset=upload_offset,
            body=request.stream(),
            now=platform.clock.now(),
        )
    except ClipshopError as error:
        if upload.status.value != "failed":
            raise
        # The upload is now failed for good: keep that state (commit) and say why.
        response = problem_response(request, error)
        response.headers.update(TUS_HEADERS)
        return response
    return Response(status_code=204, headers={**TUS_HEADERS, "Upload-Offset": str(upload.offset)})


def video_read(uow: UnitOfWork, platform: Platform, video: Video) -> VideoRead:
    store = platform.media_store(region_of(video.id))
    renditions = service.renditions_of(uow, video)
    percent = sum(r.percent for r in renditions) / len(renditions) if renditions else 0.0
    return VideoRead(
        id=video.id,
        status=video.status.value,
        caption=video.caption,
        hashtags=video.hashtag_list,
        duration_s=video.duration_s,
        width=video.width,
        height=video.height,
        percent=round(percent, 1),
        published_at=video.published_at,
        publish_when_ready=video.publish_when_ready,
        master_url=service.media_url(store, video, video.master_key) if video.master_key else None,
        poster_url=service.media_url(store, video, video.poster_key) if video.poster_key else None,
        thumb_url=service.media_url(store, video, video.thumb_key) if video.thumb_key else None,
        error=video.error,
        held_for=video.held_for,
        created_at=video.created_at,
        renditions=[
            RenditionRead(
                name=r.name,
                width=r.width,
                height=r.height,
                status=r.status.value,
                percent=round(r.percent, 1),
                error=r.error,
            )
            for r in renditions
        ],
    )


@router.post("/videos", status_code=201, response_model=VideoRead)
def create_video(body: VideoCreate, actor: CurrentActor, uow: UowDep, platform: PlatformDep) -> VideoRead:
    """Make a video of a finished upload; transcoding starts once this is committed. Repeating the same
    request returns the same video."""
    video = service.create_video(
        uow,
        actor=actor,
        upload_id=body.upload_id,
        caption=body.caption,
        publish=body.publish,
        now=platform.clock.now(),
        jobs=platform.jobs,
    )
    return video_read(uow, platform, video)


@router.get("/videos/mine", response_model=list[VideoRead])
def my_videos(actor: CurrentActor, uow: UowDep, platform: PlatformDep) -> list[VideoRead]:
    return [video_read(uow, platform, v) for v in service.list_own_videos(uow, actor=actor)]


class RegionAudienceRead(BaseModel):
    region: str
    viewers: int | None
    plays: int | None
    suppressed: bool


@router.get("/me/audience", response_model=list[RegionAudienceRead])
def my_audience(actor: CurrentActor, uow: UowDep, platform: PlatformDep) -> list[RegionAudienceRead]:
    """Who played your published videos, per viewers' region, as totals; a region with fewer viewers than
    the minimum group size (`CLIPSHOP_MIN_GROUP_SIZE`, 10) shows as suppressed."""
    found = service.audience(uow, actor=actor, min_group=platform.settings.min_group_size)
    return [RegionAudienceRead.model_validate(a, from_attributes=True) for a in found]


@router.get("/videos/{video_id}/status", response_model=VideoRead)
def video_status(video_id: str, actor: CurrentActor, uow: UowDep, platform: PlatformDep) -> VideoRead:
    return video_read(uow, platform, service.get_own_video(uow, actor=actor, video_id=video_id))


@router.patch("/videos/{video_id}", response_model=VideoRead)
def update_video(
    video_id: str, body: VideoUpdate, actor: CurrentActor, uow: UowDep, platform: PlatformDep
) -> VideoRead:
    video = service.update_caption(
        uow,
        actor=actor,
        video_id=video_id,
        caption=body.caption,
        stores=platform.media,
        blocklist=platform.blocklist,
        desk=platform.review_desk,
        now=platform.clock.now(),
    )
    return video_read(uow, platform, video)


@router.post("/videos/{video_id}/publish", response_model=VideoRead)
def publish_video(video_id: str, actor: CurrentActor, uow: UowDep, platform: PlatformDep) -> VideoRead:
    video = service.get_own_video(uow, actor=actor, video_id=video_id)
    service.publish_video(uow, video=video, stores=platform.media, now=platform.clock.now())
    return video_read(uow, platform, video)


@media_router.get("/media/{region}/{key:path}", include_in_schema=False)
@media_router.head("/media/{region}/{key:path}", include_in_schema=False)
def serve_media(region: str, key: str, request: Request, platform: PlatformDep, uow: UowDep) -> Response:
    """Media of the embedded default; at scale a CDN in front of the region's bucket serves these. A video a
    moderation decision withheld is refused (410 `media_withheld`) but to those reviewing it, an adults-only
    one to whoever may not see it (403 `age_restricted`, see `videos.serving`); `videos.service.purge_log`
    names the prefix a CDN must purge. With `media_accel_prefix`, a local file is handed to nginx to send."""
    if region not in platform.media or not key.startswith(served.SERVED_PREFIXES):
        raise NotFound("file", key)
    owner = key.split("/", 2)[1] if key.startswith("videos/") and key.count("/") >= 2 else None
    gate = Gate.OPEN
    if owner is not None:
        gate = serving.ensure_may_fetch(
            uow, video_id=owner, viewer=lambda: optional_actor(request), today=platform.clock.now().date()
        ).gate
    store = platform.media_store(region)
    stored = store.describe(key)
    if stored is None:
        raise NotFound("file", key)
    cache = served.cache_control(key)
    if gate is Gate.ADULTS_ONLY:
        # Decided per viewer: a shared cache must not hand it to the next one.
        cache = cache.replace("public", "private")
    elif gate is Gate.REVIEWING:
        cache = "private, no-store"  # a taken-down video's files, for its reviewer only
    media_type = served.media_type(key)
    accel = platform.settings.media_accel_prefix
    if accel is not None and isinstance(store, LocalMediaStore):
        # nginx keeps Content-Type and Cache-Control from this answer and sends the file (ranges included).
        target = f"{accel}/{region}/{quote(key, safe='/')}"
        headers = {"X-Accel-Redirect": target, "Content-Type": media_type, "Cache-Control": cache}
        return Response(headers=headers)
    return StoredMediaResponse(store, key, stored, media_type=media_type, headers={"Cache-Control": cache})


class StoredMediaResponse(FileResponse):
    """Starlette's file response (validators, HEAD, single and multiple Range requests) reading a media store
    instead of a path, so serving stays the same whatever holds the bytes."""

    def __init__(
        self,
        store: MediaStore,
        key: str,
        stored: StoredMedia,
        *,
        media_type: str,
        headers: Mapping[str, str],
    ) -> None:
        # The validators (ETag, Last-Modified) derive from size and mtime exactly as for a file on disk.
        mtime = stored.modified_at
        whole = int(mtime)
        facts = os.stat_result(
            (stat.S_IFREG | 0o644, 0, 0, 1, 0, 0, stored.size, whole, whole, whole, mtime, mtime, mtime)
        )
        super().__init__(key, media_type=media_type, headers=headers, stat_result=facts)
        self.store, self.key = store, key

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        # Never hand the server a path to send itself: the key is not a file on this machine.
        extensions = {k: v for k, v in scope.get("extensions", {}).items() if k != "http.response.pathsend"}
        await super().__call__({**scope, "extensions": extensions}, receive, send)

    @asynccontextmanager
    async def _open_file(self) -> AsyncIterator[anyio.AsyncFile[bytes]]:
        file = anyio.wrap_file(await anyio.to_thread.run_sync(self.store.open, self.key))
        try:
            yield file
        finally:
            # Closing must finish even when the transfer is cancelled.
            with anyio.CancelScope(shield=True):
                await file.aclose()
