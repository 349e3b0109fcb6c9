"""moderation: videos a decision withheld

Revision ID: dir0005
Revises: dir0004
Create Date: 2026-12-05 09:00:00.000000

A withheld video's public copy is gone; this row keeps every projection from writing it back and every
media server from serving its files.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import clipshop.kit.db

revision: str = "dir0005"
down_revision: str | None = "dir0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "withheld_videos",
        sa.Column("video_id", sa.String(length=40), nullable=False),
        sa.Column("region", sa.String(length=16), nullable=False),
        sa.Column("decision_id", sa.String(length=40), nullable=False),
        sa.Column("since", clipshop.kit.db.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("video_id", name=op.f("pk_withheld_videos")),
    )


def downgrade() -> None:
    op.drop_table("withheld_videos")
