"""user controls: comments held back by filter words, profiles that filter comments

Revision ID: dir0006
Revises: dir0005
Create Date: 2026-12-12 09:00:00.000000

`public_comments.filtered` marks a comment the video creator's filter words held back (listed to its author
only); `public_profiles.filters_comments` says whether an account filters comments at all (never the words).
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


def downgrade() -> None:
    with op.batch_alter_table("public_profiles", schema=None) as batch_op:
        batch_op.drop_column("filters_comments")
    with op.batch_alter_table("public_comments", schema=None) as batch_op:
        batch_op.drop_column("filtered")
