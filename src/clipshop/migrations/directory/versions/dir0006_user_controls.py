"""user controls: comments held back by filter words, profiles that filter comments, restricted videos

Revision ID: dir0006
Revises: dir0005
Create Date: 2026-12-12 09:00:00.000000

`public_comments.filtered` marks a comment the video creator's filter words held back (listed to its author
only); `public_profiles.filters_comments` says whether an account filters comments at all (never the words);
`public_videos.age_restricted` and `.unrecommended` copy moderation's limits on a video, for the feeds.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "dir0006"
down_revision: str | None = "dir0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("public_comments", schema=None) as batch_op:
        batch_op.add_column(sa.Column("filtered", sa.Boolean(), server_default=sa.false(), nullable=False))
    with op.batch_alter_table("public_profiles", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("filters_comments", sa.Boolean(), server_default=sa.false(), nullable=False)
        )
    with op.batch_alter_table("public_videos", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("age_restricted", sa.Boolean(), server_default=sa.false(), nullable=False)
        )
        batch_op.add_column(
            sa.Column("unrecommended", sa.Boolean(), server_default=sa.false(), nullable=False)
        )
        batch_op.create_index(batch_op.f("ix_public_videos_age_restricted"), ["age_restricted"], unique=False)
        batch_op.create_index(batch_op.f("ix_public_videos_unrecommended"), ["unrecommended"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("public_videos", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_public_videos_unrecommended"))
        batch_op.drop_index(batch_op.f("ix_public_videos_age_restricted"))
        batch_op.drop_column("unrecommended")
        batch_op.drop_column("age_restricted")
    with op.batch_alter_table("public_profiles", schema=None) as batch_op:
        batch_op.drop_column("filters_comments")
    with op.batch_alter_table("public_comments", schema=None) as batch_op:
        batch_op.drop_column("filtered")
