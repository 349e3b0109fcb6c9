"""user controls: blocks, block hints, mutes, not interested, comment filter words, birth dates, restrictions

Revision ID: reg0012
Revises: reg0011
Create Date: 2026-12-12 09:00:00.000000

`blocks` is whom each person blocked (in the blocker's region); `block_hints` notes, in a blocked person's
region, which other region may hold a block of them (never who); `mutes` is whom each person muted;
`not_interested` the videos each viewer marked so; `comment_filters` each creator's filter words, and
`comments.filtered` whether they held a comment back; `users.birth_date`; `videos.age_restricted_by` and
`videos.unrecommended_by`, the moderation decisions that limited a video.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import clipshop.kit.db

revision: str = "reg0012"
down_revision: str | None = "reg0011"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

UTC = clipshop.kit.db.UTCDateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "blocks",
        sa.Column("blocker_id", sa.String(length=40), nullable=False),
        sa.Column("blocked_id", sa.String(length=40), nullable=False),
        sa.Column("created_at", UTC, nullable=False),
        sa.ForeignKeyConstraint(
            ["blocker_id"], ["users.id"], name=op.f("fk_blocks_blocker_id_users"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("blocker_id", "blocked_id", name=op.f("pk_blocks")),
    )
    with op.batch_alter_table("blocks", schema=None) as batch_op:
        batch_op.create_index("ix_blocks_blocked", ["blocked_id"], unique=False)
    op.create_table(
        "block_hints",
        sa.Column("user_id", sa.String(length=40), nullable=False),
        sa.Column("region", sa.String(length=16), nullable=False),
        sa.Column("since", UTC, nullable=False),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_block_hints_user_id_users"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("user_id", "region", name=op.f("pk_block_hints")),
    )
    op.create_table(
        "mutes",
        sa.Column("muter_id", sa.String(length=40), nullable=False),
        sa.Column("muted_id", sa.String(length=40), nullable=False),
        sa.Column("created_at", UTC, nullable=False),
        sa.ForeignKeyConstraint(
            ["muter_id"], ["users.id"], name=op.f("fk_mutes_muter_id_users"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("muter_id", "muted_id", name=op.f("pk_mutes")),
    )
    op.create_table(
        "not_interested",
        sa.Column("user_id", sa.String(length=40), nullable=False),
        sa.Column("video_id", sa.String(length=40), nullable=False),
        sa.Column("creator_id", sa.String(length=40), nullable=False),
        sa.Column("topic", sa.String(length=100), nullable=True),
        sa.Column("created_at", UTC, nullable=False),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_not_interested_user_id_users"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("user_id", "video_id", name=op.f("pk_not_interested")),
    )
    op.create_table(
        "comment_filters",
        sa.Column("user_id", sa.String(length=40), nullable=False),
        sa.Column("words", sa.JSON(), nullable=False),
        sa.Column("updated_at", UTC, nullable=False),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_comment_filters_user_id_users"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("user_id", name=op.f("pk_comment_filters")),
    )
    with op.batch_alter_table("comments", schema=None) as batch_op:
        batch_op.add_column(sa.Column("filtered", sa.Boolean(), server_default=sa.false(), nullable=False))
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.add_column(sa.Column("birth_date", sa.Date(), nullable=True))
    with op.batch_alter_table("videos", schema=None) as batch_op:
        batch_op.add_column(sa.Column("age_restricted_by", sa.String(length=40), nullable=True))
        batch_op.add_column(sa.Column("unrecommended_by", sa.String(length=40), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("videos", schema=None) as batch_op:
        batch_op.drop_column("unrecommended_by")
        batch_op.drop_column("age_restricted_by")
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.drop_column("birth_date")
    with op.batch_alter_table("comments", schema=None) as batch_op:
        batch_op.drop_column("filtered")
    op.drop_table("comment_filters")
    op.drop_table("not_interested")
    op.drop_table("mutes")
    op.drop_table("block_hints")
    with op.batch_alter_table("blocks", schema=None) as batch_op:
        batch_op.drop_index("ix_blocks_blocked")
    op.drop_table("blocks")
