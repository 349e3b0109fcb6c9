"""upload checks: videos' signatures, and holds for review on videos and comments

Revision ID: reg0013
Revises: reg0012
Create Date: 2026-12-05 09:00:00.000000

`videos.signature` is the clip's perceptual signature, made in its transcode; `videos.held_for` and
`comments.held_for` say why an automatic check (a re-upload of a video taken down, a blocked word) holds the
item for a moderator's review, while it stays out of the directory.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "reg0013"
down_revision: str | None = "reg0012"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("videos") as batch:
        batch.add_column(sa.Column("held_for", sa.String(length=32), nullable=True))
        batch.add_column(sa.Column("signature", sa.LargeBinary(), nullable=True))
    with op.batch_alter_table("comments") as batch:
        batch.add_column(sa.Column("held_for", sa.String(length=32), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("comments") as batch:
        batch.drop_column("held_for")
    with op.batch_alter_table("videos") as batch:
        batch.drop_column("signature")
        batch.drop_column("held_for")
