"""Time the data export (GET /api/v1/me/export) of the demo's biggest users, by personal rows and by videos.

Run on a seeded demo: `CLIPSHOP_DATA_DIR=data python bench/export.py`."""

import tempfile
import time

from sqlalchemy import func, select

from clipshop.accounts.models import User
from clipshop.accounts.service import actor_of
from clipshop.assembly import build_platform
from clipshop.config import Settings
from clipshop.kit.db import RegionBase
from clipshop.kit.everywhere import everywhere
from clipshop.migrations import load_models
from clipshop.residency.check import owner_columns
from clipshop.rights import archive
from clipshop.videos.models import Video

platform = build_platform(Settings(jobs_consumer_in_app=False))
load_models()
owners = owner_columns(RegionBase.metadata)
counts = {}
with everywhere(platform.databases).transaction() as uow:
    for region in platform.databases.regions:
        db = uow.region(region)
        for column in owners.values():
            for owner, n in db.execute(select(column, func.count()).group_by(column)):
                counts[owner] = counts.get(owner, 0) + n

videos = {}
with everywhere(platform.databases).transaction() as uow:
    for region in platform.databases.regions:
        for owner, n in uow.region(region).execute(
            select(Video.owner_id, func.count()).group_by(Video.owner_id)
        ):
            videos[owner] = n
top = sorted(counts.items(), key=lambda kv: -kv[1])[:1]
top += [(u, counts[u]) for u, _ in sorted(videos.items(), key=lambda kv: -kv[1])[:1]]
print("biggest users by personal rows:", top)
for user_id, rows in top:
    region = user_id.split("_")[0]
    with everywhere(platform.databases).transaction() as uow:
        user = uow.region(region).get_one(User, user_id)
        actor = actor_of(user)
    for _ in range(3):
        with platform.uow(actor=actor).transaction() as uow, tempfile.TemporaryFile() as out:
            start = time.perf_counter()
            summary = archive.write_archive(platform, uow, user_id=user_id, now=platform.clock.now(), out=out)
            elapsed = time.perf_counter() - start
            size = out.tell()
        print(
            f"{user.handle}: {rows} personal rows, {sum(summary.tables.values())} exported rows, "
            f"{summary.media} media files ({summary.media_bytes / 1e6:.1f} MB), zip {size / 1e6:.1f} MB, "
            f"{elapsed * 1000:.0f} ms"
        )
platform.close()
