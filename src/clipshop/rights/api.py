"""Data rights routes: download everything held about me, delete my account."""

from __future__ import annotations

import tempfile
from collections.abc import Iterator
from typing import IO

from fastapi import APIRouter, Response
from fastapi.responses import StreamingResponse

from clipshop.accounts import service as accounts
from clipshop.platform.http import SESSION_COOKIE, CommittingRoute, CurrentActor, PlatformDep, UowDep
from clipshop.rights import archive, erasure
from clipshop.rights.schemas import DeleteAccount, ErasureRead

router = APIRouter(route_class=CommittingRoute, tags=["data rights"])

# Archives up to this size are built in memory; larger ones spill to a temporary file.
IN_MEMORY_BYTES = 32 * 1024 * 1024
CHUNK = 1024 * 1024


def _chunks(file: IO[bytes]) -> Iterator[bytes]:
    try:
        file.seek(0)
        while chunk := file.read(CHUNK):
            yield chunk
    finally:
        file.close()


@router.get(
    "/me/export",
    response_class=StreamingResponse,
    responses={
        200: {"content": {"application/zip": {}}, "description": "A zip of everything held about you."}
    },
)
def export_my_data(actor: CurrentActor, uow: UowDep, platform: PlatformDep) -> StreamingResponse:
    """Download everything Clipshop holds about you, from every store, as a zip (built while you wait)."""
    now = platform.clock.now()
    user = accounts.get_user(uow, actor=actor)
    file = tempfile.SpooledTemporaryFile(max_size=IN_MEMORY_BYTES)  # noqa: SIM115 - _chunks closes it
    archive.write_archive(platform, uow, user_id=actor.id, now=now, out=file)
    name = f"clipshop-{user.handle}-{now:%Y%m%d}.zip"
    size = file.tell()
    return StreamingResponse(
        _chunks(file),
        media_type="application/zip",
        headers={"Content-Disposition": f'attachment; filename="{name}"', "Content-Length": str(size)},
    )


@router.post("/me/delete", response_model=ErasureRead, status_code=202)
def delete_my_account(
    body: DeleteAccount,
    response: Response,
    actor: CurrentActor,
    uow: UowDep,
    platform: PlatformDep,
) -> ErasureRead:
    """Delete your account, confirmed by your password: you are logged out everywhere at once, and your
    data is erased in the background within minutes. What the law makes us keep stays, without your name."""
    platform.check_rate(platform.settings.login_rate, f"delete:user:{actor.id}")
    row = erasure.request_erasure(platform, uow, actor=actor, password=body.password)
    response.delete_cookie(SESSION_COOKIE, path="/")
    return ErasureRead(state=row.state, requested_at=row.requested_at, finished_at=row.finished_at)
