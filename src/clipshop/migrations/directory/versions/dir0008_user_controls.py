"""user controls: comments held back by filter words, profiles that filter comments, restricted videos

Revision ID: dir0008
Revises: dir0007
Create Date: 2026-12-12 09:00:00.000000

`public_comments.filtered` marks a comment the video creator's filter words held back (listed to its author
only); `public_profiles.filters_comments` says whether an account filters comments at all (never the words);
`public_videos.age_restricted` and `.unrecommended` copy moderation's limits on a video, for the feeds.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "dir0008"
down_revision: str | None = "dir0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


# Plain ALTER TABLE, never a batch: on SQLite a batch copies the table anew, and the copy would lose the
# search index's triggers (dir0006) on `public_videos` and `public_profiles`. SQLite adds a NOT NULL column
# with a constant default, and drops a column (3.35+), in place.


def upgrade() -> None:
    op.add_column(
        "public_comments", sa.Column("filtered", sa.Boolean(), server_default=sa.false(), nullable=False)
    )
    op.add_column(
        "public_profiles",
        sa.Column("filters_comments", sa.Boolean(), server_default=sa.false(), nullable=False),
    )
    op.add_column(
        "public_videos", sa.Column("age_restricted", sa.Boolean(), server_default=sa.false(), nullable=False)
    )
    op.add_column(
        "public_videos", sa.Column("unrecommended", sa.Boolean(), server_default=sa.false(), nullable=False)
    )
    op.create_index("ix_public_videos_age_restricted", "public_videos", ["age_restricted"], unique=False)
    op.create_index("ix_public_videos_unrecommended", "public_videos", ["unrecommended"], unique=False)


def downgrade() -> None:
    op.drop_index("ix_public_videos_unrecommended", table_name="public_videos")
    op.drop_index("ix_public_videos_age_restricted", table_name="public_videos")
    op.drop_column("public_videos", "unrecommended")
    op.drop_column("public_videos", "age_restricted")
    op.drop_column("public_profiles", "filters_comments")
    op.drop_column("public_comments", "filtered")
